"""Viertelwerk: the hours worked per work package, kept by triggers on hour_entries

Progress against plan (the project list, a project's page, the list's export) summed every entry of the projects
shown: for an admin's or the management's list of all projects, all 2 million entries at city scale (0.3-0.6 s
even from the covering index). ``work_package_hours`` holds one row per work package with the hours worked on it
(absences do not count), kept by triggers in the same transaction as every insert, update and delete of an entry,
whoever writes (housing/renovation/models.py, WorkPackageHours). A table rebuilt by a later SQLite batch migration
loses its triggers: such a migration must create them again (tests/renovation/test_work_package_hours.py would
fail otherwise).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 08:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# An entry counts when it is work: no absence, a work package.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER work_package_hours_insert AFTER INSERT ON hour_entries
       WHEN NEW.absence IS NULL AND NEW.work_package_id IS NOT NULL
       BEGIN
         INSERT INTO work_package_hours (work_package_id, hours) VALUES (NEW.work_package_id, NEW.hours)
         ON CONFLICT (work_package_id) DO UPDATE SET hours = hours + excluded.hours;
       END""",
    """CREATE TRIGGER work_package_hours_delete AFTER DELETE ON hour_entries
       WHEN OLD.absence IS NULL AND OLD.work_package_id IS NOT NULL
       BEGIN
         UPDATE work_package_hours SET hours = hours - OLD.hours WHERE work_package_id = OLD.work_package_id;
       END""",
    """CREATE TRIGGER work_package_hours_update AFTER UPDATE OF hours, absence, work_package_id ON hour_entries
       BEGIN
         UPDATE work_package_hours SET hours = hours - OLD.hours
         WHERE OLD.absence IS NULL AND work_package_id = OLD.work_package_id;
         INSERT INTO work_package_hours (work_package_id, hours)
         SELECT NEW.work_package_id, NEW.hours WHERE NEW.absence IS NULL AND NEW.work_package_id IS NOT NULL
         ON CONFLICT (work_package_id) DO UPDATE SET hours = hours + excluded.hours;
       END""",
]
# PostgreSQL: once per statement, from the statement's rows (transition tables), so that a COPY of two million entries
# (the bench data generator) adds each package's sum once instead of updating the same few rows two million times.
# A trigger with transition tables serves one event and no column list: three triggers, one function.
POSTGRESQL_FUNCTION = """CREATE FUNCTION work_package_hours_follow() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO work_package_hours (work_package_id, hours)
       SELECT work_package_id, sum(hours) FROM new_entries
       WHERE absence IS NULL AND work_package_id IS NOT NULL GROUP BY work_package_id
       ON CONFLICT (work_package_id) DO UPDATE SET hours = work_package_hours.hours + EXCLUDED.hours;
     ELSIF TG_OP = 'DELETE' THEN
       INSERT INTO work_package_hours (work_package_id, hours)
       SELECT work_package_id, -sum(hours) FROM old_entries
       WHERE absence IS NULL AND work_package_id IS NOT NULL GROUP BY work_package_id
       ON CONFLICT (work_package_id) DO UPDATE SET hours = work_package_hours.hours + EXCLUDED.hours;
     ELSE
       INSERT INTO work_package_hours (work_package_id, hours)
       SELECT work_package_id, sum(hours) FROM (
         SELECT work_package_id, hours FROM new_entries WHERE absence IS NULL AND work_package_id IS NOT NULL
         UNION ALL
         SELECT work_package_id, -hours FROM old_entries WHERE absence IS NULL AND work_package_id IS NOT NULL
       ) AS changes GROUP BY work_package_id HAVING sum(hours) <> 0
       ON CONFLICT (work_package_id) DO UPDATE SET hours = work_package_hours.hours + EXCLUDED.hours;
     END IF;
     RETURN NULL;
   END $$"""
POSTGRESQL_TRIGGERS = [
    POSTGRESQL_FUNCTION,
    """CREATE TRIGGER work_package_hours_insert AFTER INSERT ON hour_entries
       REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION work_package_hours_follow()""",
    """CREATE TRIGGER work_package_hours_delete AFTER DELETE ON hour_entries
       REFERENCING OLD TABLE AS old_entries FOR EACH STATEMENT EXECUTE FUNCTION work_package_hours_follow()""",
    """CREATE TRIGGER work_package_hours_update AFTER UPDATE ON hour_entries
       REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
       FOR EACH STATEMENT EXECUTE FUNCTION work_package_hours_follow()""",
]
FILL = """INSERT INTO work_package_hours (work_package_id, hours)
          SELECT work_package_id, sum(hours) FROM hour_entries
          WHERE absence IS NULL AND work_package_id IS NOT NULL GROUP BY work_package_id"""


def upgrade():
    op.create_table('work_package_hours',
    sa.Column('work_package_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['work_package_id'], ['work_packages.id'],
                            name=op.f('fk_work_package_hours_work_package_id_work_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('work_package_id', name=op.f('pk_work_package_hours'))
    )
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, []):
        op.execute(statement)
    op.execute(FILL)


def downgrade():
    dialect = op.get_bind().dialect.name
    # (work_package_hours_follow: the one row trigger on PostgreSQL of this revision's first version)
    for name in ("work_package_hours_insert", "work_package_hours_delete", "work_package_hours_update",
                 "work_package_hours_follow"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON hour_entries" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS work_package_hours_follow()")
    op.drop_table('work_package_hours')
