"""Viertelwerk: the hours worked per project, month and person, kept by triggers on hour_entries

The reports page summed every entry of the period per project, counting the distinct people: 30,000 entries a
month at city scale, 6 ms on SQLite and 17 ms on PostgreSQL from the covering index for the default period.
``project_month_hours`` holds one row per project, month and person with the hours worked (absences do not count)
and how many entries they come from, kept by triggers in the same transaction as every insert, update and delete of
an entry, whoever writes (housing/renovation/models.py, ProjectMonthHours): a few hundred rows a month. The days of a
period's first and last month outside the period are read from the entries and taken off
(housing/renovation/reports.py). Rows counting nothing stay (zero). A table rebuilt by a later SQLite batch
migration loses its triggers: such a migration must create them again (tests/renovation/test_project_month_hours.py
would fail otherwise).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# An entry counts when it is work (no absence). SQLite keeps dates as text: date(…, 'start of month') is the month.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER project_month_hours_insert AFTER INSERT ON hour_entries
       WHEN NEW.absence IS NULL
       BEGIN
         INSERT INTO project_month_hours (project_id, month, participant_id, hours, entries)
         VALUES (NEW.project_id, date(NEW.worked_on, 'start of month'), NEW.participant_id, NEW.hours, 1)
         ON CONFLICT (month, project_id, participant_id)
         DO UPDATE SET hours = hours + excluded.hours, entries = entries + 1;
       END""",
    """CREATE TRIGGER project_month_hours_delete AFTER DELETE ON hour_entries
       WHEN OLD.absence IS NULL
       BEGIN
         UPDATE project_month_hours SET hours = hours - OLD.hours, entries = entries - 1
         WHERE month = date(OLD.worked_on, 'start of month') AND project_id = OLD.project_id
           AND participant_id = OLD.participant_id;
       END""",
    """CREATE TRIGGER project_month_hours_update
       AFTER UPDATE OF hours, absence, worked_on, project_id, participant_id ON hour_entries
       BEGIN
         UPDATE project_month_hours SET hours = hours - OLD.hours, entries = entries - 1
         WHERE OLD.absence IS NULL AND month = date(OLD.worked_on, 'start of month')
           AND project_id = OLD.project_id AND participant_id = OLD.participant_id;
         INSERT INTO project_month_hours (project_id, month, participant_id, hours, entries)
         SELECT NEW.project_id, date(NEW.worked_on, 'start of month'), NEW.participant_id, NEW.hours, 1
         WHERE NEW.absence IS NULL
         ON CONFLICT (month, project_id, participant_id)
         DO UPDATE SET hours = hours + excluded.hours, entries = entries + 1;
       END""",
]
# PostgreSQL: once per statement, from the statement's rows (transition tables), as work_package_hours (0012). What
# goes is taken off with an UPDATE: when a person is deleted, their entries go with them (cascade) and so may their
# rows here; an insert of the difference would name a person who no longer exists.
POSTGRESQL_FUNCTION = """CREATE FUNCTION project_month_hours_follow() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP IN ('DELETE', 'UPDATE') THEN
       UPDATE project_month_hours AS kept
       SET hours = kept.hours - gone.hours, entries = kept.entries - gone.entries
       FROM (SELECT project_id, date_trunc('month', worked_on)::date AS month, participant_id,
                    sum(hours) AS hours, count(*) AS entries
             FROM old_entries WHERE absence IS NULL GROUP BY 1, 2, 3) AS gone
       WHERE kept.month = gone.month AND kept.project_id = gone.project_id
         AND kept.participant_id = gone.participant_id;
     END IF;
     IF TG_OP IN ('INSERT', 'UPDATE') THEN
       INSERT INTO project_month_hours (project_id, month, participant_id, hours, entries)
       SELECT project_id, date_trunc('month', worked_on)::date, participant_id, sum(hours), count(*)
       FROM new_entries WHERE absence IS NULL GROUP BY 1, 2, 3
       ON CONFLICT (month, project_id, participant_id) DO UPDATE
       SET hours = project_month_hours.hours + EXCLUDED.hours,
           entries = project_month_hours.entries + EXCLUDED.entries;
     END IF;
     RETURN NULL;
   END $$"""
POSTGRESQL_TRIGGERS = [
    POSTGRESQL_FUNCTION,
    """CREATE TRIGGER project_month_hours_insert AFTER INSERT ON hour_entries
       REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION project_month_hours_follow()""",
    """CREATE TRIGGER project_month_hours_delete AFTER DELETE ON hour_entries
       REFERENCING OLD TABLE AS old_entries FOR EACH STATEMENT EXECUTE FUNCTION project_month_hours_follow()""",
    """CREATE TRIGGER project_month_hours_update AFTER UPDATE ON hour_entries
       REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
       FOR EACH STATEMENT EXECUTE FUNCTION project_month_hours_follow()""",
]
MONTH = {"postgresql": "date_trunc('month', worked_on)::date", "sqlite": "date(worked_on, 'start of month')"}
FILL = """INSERT INTO project_month_hours (project_id, month, participant_id, hours, entries)
          SELECT project_id, {month}, participant_id, sum(hours), count(*) FROM hour_entries
          WHERE absence IS NULL GROUP BY project_id, {month}, participant_id"""


def upgrade():
    op.create_table('project_month_hours',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                            name=op.f('fk_project_month_hours_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['renovation_projects.id'],
                            name=op.f('fk_project_month_hours_project_id_renovation_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'project_id', 'participant_id', name=op.f('pk_project_month_hours'),
                            postgresql_include=['hours', 'entries']),
    sqlite_with_rowid=False
    )
    op.create_index('ix_project_month_hours_participant_id', 'project_month_hours', ['participant_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, []):
        op.execute(statement)
    op.execute(FILL.format(month=MONTH.get(dialect, MONTH["postgresql"])))


def downgrade():
    dialect = op.get_bind().dialect.name
    for name in ("project_month_hours_insert", "project_month_hours_delete", "project_month_hours_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON hour_entries" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS project_month_hours_follow()")
    op.drop_index('ix_project_month_hours_participant_id', table_name='project_month_hours')
    op.drop_table('project_month_hours')
