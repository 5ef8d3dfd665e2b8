"""The earliest open deadlines of each case, kept by triggers, for the case list's overdue filter

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 11:00:00

"Only with an overdue deadline" asked, per case, whether an open defect, an issued order or a pre-emption right
not yet exercised is past its deadline. PostgreSQL answers such an EXISTS for a page of fifty by first collecting
every overdue deadline of the city (46,000 defects at city scale: 40 ms). ``properties.open_deadline`` (the
earliest deadline of the case's open defects and issued orders) and ``properties.preemption_deadline`` (of its
acquisitions not yet transferred) are kept by triggers on defects, orders and acquisitions in the same
transaction as every change, whoever writes; the filter compares two columns of the case.
A table rebuilt by a later SQLite batch migration loses its triggers: such a migration must create them again
(tests/properties/test_case_deadlines.py would fail otherwise).
"""
# ruff: noqa: S608 (SQL put together from this file's own fragments, no input)
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def open_deadline_of(property_id: str) -> str:
    """The earliest deadline of the open defects and issued orders of the property ``property_id`` (SQL)."""
    return f"""(SELECT min(deadline) FROM (
        SELECT deadline FROM defects WHERE property_id = {property_id} AND resolved_on IS NULL
        UNION ALL
        SELECT deadline FROM orders WHERE property_id = {property_id} AND status = 'issued') AS open_deadlines)"""


def preemption_deadline_of(property_id: str) -> str:
    return f"""(SELECT min(preemption_deadline) FROM acquisitions
        WHERE property_id = {property_id} AND transferred_on IS NULL)"""


FILL = f"""UPDATE properties SET open_deadline = {open_deadline_of('properties.id')},
    preemption_deadline = {preemption_deadline_of('properties.id')}"""

# SQLite: per row. A new open defect or issued order can only bring the deadline forward; anything else recomputes
# the case's deadline from its rows (by the indexes on property_id).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER case_deadlines_defect_insert AFTER INSERT ON defects
       WHEN NEW.resolved_on IS NULL AND NEW.deadline IS NOT NULL
       BEGIN
         UPDATE properties SET open_deadline = min(coalesce(open_deadline, NEW.deadline), NEW.deadline)
         WHERE id = NEW.property_id;
       END""",
    f"""CREATE TRIGGER case_deadlines_defect_delete AFTER DELETE ON defects
       WHEN OLD.resolved_on IS NULL AND OLD.deadline IS NOT NULL
       BEGIN
         UPDATE properties SET open_deadline = {open_deadline_of('OLD.property_id')} WHERE id = OLD.property_id;
       END""",
    f"""CREATE TRIGGER case_deadlines_defect_update AFTER UPDATE OF property_id, deadline, resolved_on ON defects
       BEGIN
         UPDATE properties SET open_deadline = {open_deadline_of('properties.id')}
         WHERE id IN (OLD.property_id, NEW.property_id);
       END""",
    """CREATE TRIGGER case_deadlines_order_insert AFTER INSERT ON orders
       WHEN NEW.status = 'issued' AND NEW.deadline IS NOT NULL
       BEGIN
         UPDATE properties SET open_deadline = min(coalesce(open_deadline, NEW.deadline), NEW.deadline)
         WHERE id = NEW.property_id;
       END""",
    f"""CREATE TRIGGER case_deadlines_order_delete AFTER DELETE ON orders
       WHEN OLD.status = 'issued' AND OLD.deadline IS NOT NULL
       BEGIN
         UPDATE properties SET open_deadline = {open_deadline_of('OLD.property_id')} WHERE id = OLD.property_id;
       END""",
    f"""CREATE TRIGGER case_deadlines_order_update AFTER UPDATE OF property_id, deadline, status ON orders
       BEGIN
         UPDATE properties SET open_deadline = {open_deadline_of('properties.id')}
         WHERE id IN (OLD.property_id, NEW.property_id);
       END""",
    """CREATE TRIGGER case_deadlines_acquisition_insert AFTER INSERT ON acquisitions
       WHEN NEW.transferred_on IS NULL AND NEW.preemption_deadline IS NOT NULL
       BEGIN
         UPDATE properties
         SET preemption_deadline = min(coalesce(preemption_deadline, NEW.preemption_deadline), NEW.preemption_deadline)
         WHERE id = NEW.property_id;
       END""",
    f"""CREATE TRIGGER case_deadlines_acquisition_delete AFTER DELETE ON acquisitions
       WHEN OLD.transferred_on IS NULL AND OLD.preemption_deadline IS NOT NULL
       BEGIN
         UPDATE properties SET preemption_deadline = {preemption_deadline_of('OLD.property_id')}
         WHERE id = OLD.property_id;
       END""",
    f"""CREATE TRIGGER case_deadlines_acquisition_update
       AFTER UPDATE OF property_id, preemption_deadline, transferred_on ON acquisitions
       BEGIN
         UPDATE properties SET preemption_deadline = {preemption_deadline_of('properties.id')}
         WHERE id IN (OLD.property_id, NEW.property_id);
       END""",
]
SQLITE_TRIGGER_NAMES = [f"case_deadlines_{table}_{event}" for table in ("defect", "order", "acquisition")
                        for event in ("insert", "delete", "update")]

# PostgreSQL: once per statement, from the statement's rows (transition tables), so that a COPY of a million defects
# (the bench data generator) updates each case once. Inserts bring deadlines forward; the rest recomputes the cases
# the statement touched. Per table: the column it keeps, the new rows that count, their deadline, the recomputation.
POSTGRESQL_SOURCES = {
    "defects": ("open_deadline", "resolved_on IS NULL", "deadline", open_deadline_of("properties.id")),
    "orders": ("open_deadline", "status = 'issued'", "deadline", open_deadline_of("properties.id")),
    "acquisitions": ("preemption_deadline", "transferred_on IS NULL", "preemption_deadline",
                     preemption_deadline_of("properties.id")),
}


def postgresql_function(table: str) -> str:
    column, counts, deadline, recomputed = POSTGRESQL_SOURCES[table]
    return f"""CREATE FUNCTION case_deadlines_from_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           UPDATE properties SET {column} = LEAST(properties.{column}, new_deadlines.deadline)
           FROM (SELECT property_id, min({deadline}) AS deadline FROM new_rows WHERE {counts}
                 GROUP BY property_id) AS new_deadlines
           WHERE properties.id = new_deadlines.property_id AND new_deadlines.deadline IS NOT NULL;
         ELSIF TG_OP = 'DELETE' THEN
           UPDATE properties SET {column} = {recomputed} WHERE id IN (SELECT property_id FROM old_rows);
         ELSE
           UPDATE properties SET {column} = {recomputed}
           WHERE id IN (SELECT property_id FROM old_rows UNION SELECT property_id FROM new_rows);
         END IF;
         RETURN NULL;
       END $$"""


def postgresql_triggers() -> list[str]:
    statements = []
    for table in POSTGRESQL_SOURCES:
        name = f"case_deadlines_from_{table}"
        statements += [
            postgresql_function(table),
            f"""CREATE TRIGGER {name}_insert AFTER INSERT ON {table}
               REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
            f"""CREATE TRIGGER {name}_delete AFTER DELETE ON {table}
               REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
            f"""CREATE TRIGGER {name}_update AFTER UPDATE ON {table}
               REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        ]
    return statements


def upgrade():
    op.add_column('properties', sa.Column('open_deadline', sa.Date(), nullable=True))
    op.add_column('properties', sa.Column('preemption_deadline', sa.Date(), nullable=True))
    dialect = op.get_bind().dialect.name
    statements = {"postgresql": postgresql_triggers(), "sqlite": SQLITE_TRIGGERS}.get(dialect, [])
    for statement in statements:
        op.execute(statement)
    op.execute(FILL)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in POSTGRESQL_SOURCES:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS case_deadlines_from_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS case_deadlines_from_{table}()")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column('properties', 'preemption_deadline')
    op.drop_column('properties', 'open_deadline')
