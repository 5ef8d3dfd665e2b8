"""Housing access: households per status and advisor, kept by triggers on applicants

The households list (its status chips) and the overview counted every household by status on each view (50,000 at
city scale: 11-17 ms on PostgreSQL even from an index). ``household_counts`` holds one row per (status, advisor),
kept by triggers in the same transaction as every insert, change of status or advisor, and delete of a household,
whoever writes (housing/placement/counts.py). A household without an advisor counts under advisor 0. A table
rebuilt by a later SQLite batch migration loses its triggers: such a migration must create them again
(tests/placement/test_household_counts.py would fail otherwise).

On PostgreSQL a change of status takes its two counter rows in the order of their keys, so two households moved
in opposite directions at the same moment wait for each other instead of deadlocking.

The revision id is the one this change was given (0009); it follows the head it was written on.

Revision ID: 0009
Revises: 0012
Create Date: 2026-11-24 08:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0012'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER household_counts_insert AFTER INSERT ON applicants
       BEGIN
         INSERT INTO household_counts (status, advisor_id, households)
         VALUES (NEW.status, coalesce(NEW.advisor_id, 0), 1)
         ON CONFLICT (status, advisor_id) DO UPDATE SET households = households + 1;
       END""",
    """CREATE TRIGGER household_counts_delete AFTER DELETE ON applicants
       BEGIN
         UPDATE household_counts SET households = households - 1
         WHERE status = OLD.status AND advisor_id = coalesce(OLD.advisor_id, 0);
       END""",
    """CREATE TRIGGER household_counts_update AFTER UPDATE OF status, advisor_id ON applicants
       WHEN OLD.status IS NOT NEW.status OR OLD.advisor_id IS NOT NEW.advisor_id
       BEGIN
         UPDATE household_counts SET households = households - 1
         WHERE status = OLD.status AND advisor_id = coalesce(OLD.advisor_id, 0);
         INSERT INTO household_counts (status, advisor_id, households)
         VALUES (NEW.status, coalesce(NEW.advisor_id, 0), 1)
         ON CONFLICT (status, advisor_id) DO UPDATE SET households = households + 1;
       END""",
]
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION household_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         old_key text;
         new_key text;
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
            AND NEW.advisor_id IS NOT DISTINCT FROM OLD.advisor_id THEN
           RETURN NULL;
         END IF;
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           old_key := OLD.status || '/' || coalesce(OLD.advisor_id, 0);
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') THEN
           new_key := NEW.status || '/' || coalesce(NEW.advisor_id, 0);
         END IF;
         -- the row of the smaller key first (a new household's row may not exist yet: the insert takes it)
         IF new_key IS NOT NULL AND (old_key IS NULL OR new_key < old_key) THEN
           INSERT INTO household_counts (status, advisor_id, households)
           VALUES (NEW.status, coalesce(NEW.advisor_id, 0), 1)
           ON CONFLICT (status, advisor_id) DO UPDATE SET households = household_counts.households + 1;
           new_key := NULL;
         END IF;
         IF old_key IS NOT NULL THEN
           UPDATE household_counts SET households = households - 1
           WHERE status = OLD.status AND advisor_id = coalesce(OLD.advisor_id, 0);
         END IF;
         IF new_key IS NOT NULL THEN
           INSERT INTO household_counts (status, advisor_id, households)
           VALUES (NEW.status, coalesce(NEW.advisor_id, 0), 1)
           ON CONFLICT (status, advisor_id) DO UPDATE SET households = household_counts.households + 1;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER household_counts_follow
       AFTER INSERT OR DELETE OR UPDATE OF status, advisor_id ON applicants
       FOR EACH ROW EXECUTE FUNCTION household_counts_follow()""",
]
FILL = """INSERT INTO household_counts (status, advisor_id, households)
          SELECT status, coalesce(advisor_id, 0), count(*) FROM applicants GROUP BY status, coalesce(advisor_id, 0)"""


def upgrade():
    op.create_table('household_counts',
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', 'advisor_id', name=op.f('pk_household_counts'))
    )
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, []):
        op.execute(statement)
    op.execute(FILL)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS household_counts_follow ON applicants")
        op.execute("DROP FUNCTION IF EXISTS household_counts_follow()")
    elif dialect == "sqlite":
        for name in ("household_counts_insert", "household_counts_delete", "household_counts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('household_counts')
