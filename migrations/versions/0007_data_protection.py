"""retention periods and anonymised records

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

    rule_values = sa.table("rule_values", sa.column("key"), sa.column("valid_from", sa.Date),
                           sa.column("value", sa.Numeric), sa.column("note"),
                           sa.column("created_at", housing.database.UTCDateTime(timezone=True)))
    op.bulk_insert(rule_values, [{"key": key, "valid_from": date(2000, 1, 1), "value": value, "note": note,
                                  "created_at": datetime.now(UTC)} for key, value, note in RETENTION_RULES])


def downgrade():
    rule_values = sa.table("rule_values", sa.column("key"), sa.column("valid_from", sa.Date),
                           sa.column("created_by_id"))
    op.execute(rule_values.delete().where(rule_values.c.key.in_([key for key, _value, _note in RETENTION_RULES]),
                                          rule_values.c.valid_from == date(2000, 1, 1),
                                          rule_values.c.created_by_id.is_(None)))
    op.drop_table('anonymised_records')
