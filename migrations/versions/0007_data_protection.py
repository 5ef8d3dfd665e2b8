"""retention periods and anonymised records; the audit log append-only in the database

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 04:33:41.734951

"""
from datetime import UTC, date, datetime
from decimal import Decimal

from alembic import op
import sqlalchemy as sa

import housing.database  # noqa: F401  (the project's column types, e.g. UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# DOMAIN.md section 7: the retention periods in months, editable by the admin as new versions.
RETENTION_RULES = [
    ("retention_unsuccessful_applications_months", Decimal("6"),
     "Erfolglose Bewerbungen: 6 Monate nach Abschluss (zurückgezogen, Kontakt verloren)"),
    ("retention_placement_aftercare_months", Decimal("72"),
     "Vermittlung und Nachbetreuung: 6 Jahre nach dem Ende (Mietende, stabilisiert oder abgeschlossen)"),
    ("retention_participants_months", Decimal("120"),
     "Teilnehmende: 10 Jahre nach Maßnahmeende (Prüfung der Fördermittel)"),
    ("retention_audit_log_months", Decimal("24"), "Audit-Log: 2 Jahre"),
]

# Every UPDATE and every DELETE of an audit event is refused, except a DELETE in a transaction the retention
# run unlocked (housing/privacy/audit_guard.py).
POSTGRESQL_GUARD = [
    """
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('housing.retention', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the retention run deletes old audit events.';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """,
    """
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
    """,
]
SQLITE_GUARD = [
    """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    WHEN NOT EXISTS (SELECT 1 FROM audit_purge_unlocks)
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END
    """,
]


def upgrade():
    op.create_table('anonymised_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=60), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('retention_class', sa.String(length=60), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('anonymised_on', sa.Date(), nullable=False),
    sa.Column('created_at', housing.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymised_records')),
    sa.UniqueConstraint('record_type', 'record_id', name=op.f('uq_anonymised_records_record_type_record_id'))
    )
    op.create_table('audit_purge_unlocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opened_at', housing.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_purge_unlocks'))
    )

    rule_values = sa.table("rule_values", sa.column("key"), sa.column("valid_from", sa.Date),
                           sa.column("value", sa.Numeric), sa.column("note"),
                           sa.column("created_at", housing.database.UTCDateTime(timezone=True)))
    op.bulk_insert(rule_values, [{"key": key, "valid_from": date(2000, 1, 1), "value": value, "note": note,
                                  "created_at": datetime.now(UTC)} for key, value, note in RETENTION_RULES])

    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_GUARD if dialect == "postgresql" else SQLITE_GUARD if dialect == "sqlite" else []:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    rule_values = sa.table("rule_values", sa.column("key"), sa.column("valid_from", sa.Date),
                           sa.column("created_by_id"))
    op.execute(rule_values.delete().where(rule_values.c.key.in_([key for key, _value, _note in RETENTION_RULES]),
                                          rule_values.c.valid_from == date(2000, 1, 1),
                                          rule_values.c.created_by_id.is_(None)))
    op.drop_table('audit_purge_unlocks')
    op.drop_table('anonymised_records')
