"""A flat's matching facts on its row, kept by triggers, for a household's flats

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 14:30:00

A household's flats (housing/placement/matching.py ``vacancies_for``) were every open flat joined to its unit (the
area, whether it is reachable step-free) and its building (the social area, excluded or preferred), ranked, and a page
of them kept: PostgreSQL read about 900 units and 700 buildings by their primary keys for a page of eleven flats
(10 to 15 ms at city scale). ``vacancies.area_m2`` (the unit's living space), ``vacancies.is_step_free_reachable``
(a step-free unit on the ground floor or with a lift) and ``vacancies.social_area_id`` (its building's) are kept by
triggers on vacancies, units and properties in the same transaction as every change, whoever writes; the query
reads the open flats' rows alone (about 1 ms).
A table rebuilt by a later SQLite batch migration loses its triggers: such a migration must create them again
(tests/placement/test_matching.py ``test_a_flats_matching_facts_follow_its_unit_and_building`` would fail otherwise).
"""
# ruff: noqa: S608 (SQL put together from this file's own fragments, no input)
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COLUMNS = ("area_m2", "is_step_free_reachable", "social_area_id")


def facts_of(unit_id: str) -> str:
    """The three facts of the unit ``unit_id`` (SQL), in the order of ``COLUMNS``."""
    return f"""SELECT u.area_m2, coalesce(u.step_free AND (u.floor = 0 OR u.lift), false), p.social_area_id
        FROM units u JOIN properties p ON p.id = u.property_id WHERE u.id = {unit_id}"""


def set_facts(unit_id: str) -> str:
    """The SET list of an UPDATE of vacancies with the facts of the unit ``unit_id`` (a row value)."""
    return f"({', '.join(COLUMNS)}) = ({facts_of(unit_id)})"


FILL = f"UPDATE vacancies SET {set_facts('vacancies.unit_id')}"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER vacancy_facts_insert AFTER INSERT ON vacancies
       BEGIN
         UPDATE vacancies SET {set_facts('NEW.unit_id')} WHERE id = NEW.id;
       END""",
    f"""CREATE TRIGGER vacancy_facts_unit_changed AFTER UPDATE OF unit_id ON vacancies
       BEGIN
         UPDATE vacancies SET {set_facts('NEW.unit_id')} WHERE id = NEW.id;
       END""",
    f"""CREATE TRIGGER vacancy_facts_from_units AFTER UPDATE OF area_m2, floor, step_free, lift, property_id ON units
       BEGIN
         UPDATE vacancies SET {set_facts('NEW.id')} WHERE unit_id = NEW.id;
       END""",
    """CREATE TRIGGER vacancy_facts_from_properties AFTER UPDATE OF social_area_id ON properties
       WHEN OLD.social_area_id IS NOT NEW.social_area_id
       BEGIN
         UPDATE vacancies SET social_area_id = NEW.social_area_id
         WHERE unit_id IN (SELECT id FROM units WHERE property_id = NEW.id);
       END""",
]
SQLITE_TRIGGER_NAMES = [statement.split()[2] for statement in SQLITE_TRIGGERS]

# PostgreSQL: a flat's row takes its facts before it is written (a COPY of the bench data's flats too); a unit's or a
# building's change is passed on to its flats.
POSTGRESQL_FUNCTIONS = [
    f"""CREATE FUNCTION vacancy_facts_of_unit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' OR NEW.unit_id IS DISTINCT FROM OLD.unit_id THEN
           SELECT facts.* INTO NEW.{', NEW.'.join(COLUMNS)} FROM ({facts_of('NEW.unit_id')}) AS facts;
         END IF;
         RETURN NEW;
       END $$""",
    f"""CREATE FUNCTION vacancy_facts_from_units() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF ROW(NEW.area_m2, NEW.floor, NEW.step_free, NEW.lift, NEW.property_id)
            IS DISTINCT FROM ROW(OLD.area_m2, OLD.floor, OLD.step_free, OLD.lift, OLD.property_id) THEN
           UPDATE vacancies SET {set_facts('NEW.id')} WHERE unit_id = NEW.id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION vacancy_facts_from_properties() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.social_area_id IS DISTINCT FROM OLD.social_area_id THEN
           UPDATE vacancies SET social_area_id = NEW.social_area_id
           WHERE unit_id IN (SELECT id FROM units WHERE property_id = NEW.id);
         END IF;
         RETURN NULL;
       END $$""",
]
POSTGRESQL_TRIGGERS = [
    "CREATE TRIGGER vacancy_facts_of_unit BEFORE INSERT OR UPDATE OF unit_id ON vacancies "
    "FOR EACH ROW EXECUTE FUNCTION vacancy_facts_of_unit()",
    "CREATE TRIGGER vacancy_facts_from_units AFTER UPDATE OF area_m2, floor, step_free, lift, property_id ON units "
    "FOR EACH ROW EXECUTE FUNCTION vacancy_facts_from_units()",
    "CREATE TRIGGER vacancy_facts_from_properties AFTER UPDATE OF social_area_id ON properties "
    "FOR EACH ROW EXECUTE FUNCTION vacancy_facts_from_properties()",
]
POSTGRESQL_NAMES = [("vacancy_facts_of_unit", "vacancies"), ("vacancy_facts_from_units", "units"),
                    ("vacancy_facts_from_properties", "properties")]


def upgrade():
    op.add_column('vacancies', sa.Column('area_m2', sa.Numeric(precision=7, scale=2), nullable=True))
    op.add_column('vacancies', sa.Column('is_step_free_reachable', sa.Boolean(), nullable=True))
    op.add_column('vacancies', sa.Column('social_area_id', sa.Integer(), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(FILL)
    statements = {"postgresql": POSTGRESQL_FUNCTIONS + POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table in POSTGRESQL_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column('vacancies', 'social_area_id')
    op.drop_column('vacancies', 'is_step_free_reachable')
    op.drop_column('vacancies', 'area_m2')
