"""case counts for the board, kept by triggers on properties; open defects indexed by deadline

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 07:20:00

The board counted every problem case on each view (60,000 at city scale); ``case_counts`` holds one row per
(status, social area, priority), kept by triggers in the same transaction as every change of a case, whoever
writes (housing/properties/counts.py). A table rebuilt by a later SQLite batch migration loses its triggers:
such a migration must create them again (tests/properties/test_case_counts.py would fail otherwise).

Open defects by deadline get a partial index instead of (resolved_on, deadline), from which PostgreSQL takes
no deadline order (an IS NULL condition on the leading column gives none): the start page read every open
defect to show twenty.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER case_counts_insert AFTER INSERT ON properties
       WHEN NEW.is_problem_case AND NEW.status IS NOT NULL
       BEGIN
         INSERT INTO case_counts (status, social_area_id, priority, cases)
         VALUES (NEW.status, NEW.social_area_id, NEW.priority, 1)
         ON CONFLICT (status, social_area_id, priority) DO UPDATE SET cases = cases + 1;
       END""",
    """CREATE TRIGGER case_counts_delete AFTER DELETE ON properties
       WHEN OLD.is_problem_case AND OLD.status IS NOT NULL
       BEGIN
         UPDATE case_counts SET cases = cases - 1
         WHERE status = OLD.status AND social_area_id = OLD.social_area_id AND priority = OLD.priority;
       END""",
    """CREATE TRIGGER case_counts_update AFTER UPDATE OF status, social_area_id, priority, is_problem_case
       ON properties
       BEGIN
         UPDATE case_counts SET cases = cases - 1
         WHERE OLD.is_problem_case AND OLD.status IS NOT NULL
           AND status = OLD.status AND social_area_id = OLD.social_area_id AND priority = OLD.priority;
         INSERT INTO case_counts (status, social_area_id, priority, cases)
         SELECT NEW.status, NEW.social_area_id, NEW.priority, 1 WHERE NEW.is_problem_case AND NEW.status IS NOT NULL
         ON CONFLICT (status, social_area_id, priority) DO UPDATE SET cases = cases + 1;
       END""",
]
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION case_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_problem_case AND OLD.status IS NOT NULL THEN
           UPDATE case_counts SET cases = cases - 1
           WHERE status = OLD.status AND social_area_id = OLD.social_area_id AND priority = OLD.priority;
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.is_problem_case AND NEW.status IS NOT NULL THEN
           INSERT INTO case_counts (status, social_area_id, priority, cases)
           VALUES (NEW.status, NEW.social_area_id, NEW.priority, 1)
           ON CONFLICT (status, social_area_id, priority) DO UPDATE SET cases = case_counts.cases + 1;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_counts_follow
       AFTER INSERT OR DELETE OR UPDATE OF status, social_area_id, priority, is_problem_case ON properties
       FOR EACH ROW EXECUTE FUNCTION case_counts_follow()""",
]
FILL = """INSERT INTO case_counts (status, social_area_id, priority, cases)
          SELECT status, social_area_id, priority, count(*) FROM properties
          WHERE is_problem_case AND status IS NOT NULL GROUP BY status, social_area_id, priority"""


def upgrade():
    op.create_table('case_counts',
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('social_area_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['social_area_id'], ['social_areas.id'],
                            name=op.f('fk_case_counts_social_area_id_social_areas')),
    sa.PrimaryKeyConstraint('status', 'social_area_id', 'priority', name=op.f('pk_case_counts'))
    )
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, []):
        op.execute(statement)
    op.execute(FILL)
    op.drop_index('ix_defects_resolved_deadline', table_name='defects')
    op.create_index('ix_defects_open_by_deadline', 'defects', ['deadline'], unique=False,
                    sqlite_where=sa.text('resolved_on IS NULL'), postgresql_where=sa.text('resolved_on IS NULL'))


def downgrade():
    op.drop_index('ix_defects_open_by_deadline', table_name='defects',
                  sqlite_where=sa.text('resolved_on IS NULL'), postgresql_where=sa.text('resolved_on IS NULL'))
    op.create_index('ix_defects_resolved_deadline', 'defects', ['resolved_on', 'deadline'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_counts_follow ON properties")
        op.execute("DROP FUNCTION IF EXISTS case_counts_follow()")
    elif dialect == "sqlite":
        for name in ("case_counts_insert", "case_counts_delete", "case_counts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('case_counts')
