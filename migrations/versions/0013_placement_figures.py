"""Housing access: the overview's figures, kept by triggers

The overview (housing/placement/overview.py) looked up the social area of every tenancy of the last twelve months
and of every open flat, joined each tenancy to its household for the days to the contract, and found the latest
aftercare contact of every running tenancy: 60 ms on SQLite and 100 ms on PostgreSQL at city scale. Now:

- ``tenancy_figures``, one row per tenancy with what the overview needs of it: the month it starts (``YYYY-MM``), the
  days from the household's registration to the day the tenancy was recorded (UTC), the social area of its
  building, the household's status, the day its next aftercare contact is due (the latest contact's next date, of
  two on one day the one recorded last, 9999-12-31 when that named none, two weeks after the start while there is
  none: housing/placement/services.py ``_aftercare_next_due``) and its end. Triggers on tenancies, applicants,
  support_contacts, units and properties keep it; the aftercare due are counted from its index alone;
- ``placement_months`` (tenancies per month and days to the contract: the months' medians without a tenancy read)
  and ``placement_areas`` (tenancies per month and social area), kept by triggers on ``tenancy_figures``, so a
  household deleted with its tenancies (the retention run) subtracts what its rows held;
- ``flat_counts``, flats per status and social area, kept by triggers on vacancies (and on units and properties,
  when a building changes its social area or a unit its building).

Every trigger works in the same transaction as the change, whoever writes. Rows counting nothing stay (zero). A
table rebuilt by a later SQLite batch migration loses its triggers: such a migration must create them again
(tests/placement/test_placement_figures.py would fail otherwise).

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-24 10:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0009'
branch_labels = None
depends_on = None

NONE_PLANNED = "9999-12-31"
FIRST_CONTACT_AFTER = 14  # days


def _sqlite_next_due(tenancy_id: str, starts_on: str) -> str:
    return (f"coalesce((SELECT coalesce(c.next_due_on, '{NONE_PLANNED}') FROM support_contacts c "
            f"WHERE c.tenancy_id = {tenancy_id} ORDER BY c.contact_on DESC, c.id DESC LIMIT 1), "
            f"date({starts_on}, '+{FIRST_CONTACT_AFTER} days'))")


def _postgresql_next_due(tenancy_id: str, starts_on: str) -> str:
    return (f"coalesce((SELECT coalesce(c.next_due_on, DATE '{NONE_PLANNED}') FROM support_contacts c "
            f"WHERE c.tenancy_id = {tenancy_id} ORDER BY c.contact_on DESC, c.id DESC LIMIT 1), "
            f"{starts_on} + {FIRST_CONTACT_AFTER})")


def _sqlite_area(unit_id: str) -> str:
    return f"(SELECT p.social_area_id FROM units u JOIN properties p ON p.id = u.property_id WHERE u.id = {unit_id})"


_postgresql_area = _sqlite_area


def _sqlite_days(created_at: str, registered_on: str) -> str:
    return f"CAST(julianday(date({created_at})) - julianday({registered_on}) AS INTEGER)"


def _postgresql_days(created_at: str, registered_on: str) -> str:
    return f"(timezone('UTC', {created_at}))::date - {registered_on}"


SQLITE_TRIGGERS = [
    # --- the tenancy's row ---
    f"""CREATE TRIGGER tenancy_figures_insert AFTER INSERT ON tenancies
       BEGIN
         INSERT INTO tenancy_figures (tenancy_id, month, days, social_area_id, status, next_due_on, ends_on)
         SELECT NEW.id, strftime('%Y-%m', NEW.starts_on), {_sqlite_days('NEW.created_at', 'a.registered_on')},
                {_sqlite_area('NEW.unit_id')}, a.status, {_sqlite_next_due('NEW.id', 'NEW.starts_on')}, NEW.ends_on
         FROM applicants a WHERE a.id = NEW.applicant_id;
       END""",
    """CREATE TRIGGER tenancy_figures_delete AFTER DELETE ON tenancies
       BEGIN
         DELETE FROM tenancy_figures WHERE tenancy_id = OLD.id;
       END""",
    f"""CREATE TRIGGER tenancy_figures_update AFTER UPDATE OF starts_on, created_at, applicant_id, unit_id, ends_on
       ON tenancies
       BEGIN
         UPDATE tenancy_figures SET
           month = strftime('%Y-%m', NEW.starts_on),
           days = (SELECT {_sqlite_days('NEW.created_at', 'a.registered_on')} FROM applicants a
                   WHERE a.id = NEW.applicant_id),
           social_area_id = {_sqlite_area('NEW.unit_id')},
           status = (SELECT a.status FROM applicants a WHERE a.id = NEW.applicant_id),
           next_due_on = {_sqlite_next_due('NEW.id', 'NEW.starts_on')},
           ends_on = NEW.ends_on
         WHERE tenancy_id = NEW.id;
       END""",
    f"""CREATE TRIGGER tenancy_figures_household AFTER UPDATE OF registered_on, status ON applicants
       WHEN OLD.registered_on IS NOT NEW.registered_on OR OLD.status IS NOT NEW.status
       BEGIN
         UPDATE tenancy_figures SET
           days = (SELECT {_sqlite_days('t.created_at', 'NEW.registered_on')} FROM tenancies t
                   WHERE t.id = tenancy_figures.tenancy_id),
           status = NEW.status
         WHERE tenancy_id IN (SELECT id FROM tenancies WHERE applicant_id = NEW.id);
       END""",
    f"""CREATE TRIGGER tenancy_figures_contact_insert AFTER INSERT ON support_contacts
       BEGIN
         UPDATE tenancy_figures SET next_due_on = (
           SELECT {_sqlite_next_due('t.id', 't.starts_on')} FROM tenancies t WHERE t.id = NEW.tenancy_id)
         WHERE tenancy_id IN (SELECT id FROM tenancies WHERE id = NEW.tenancy_id);  -- not when deleted with it
       END""",
    f"""CREATE TRIGGER tenancy_figures_contact_delete AFTER DELETE ON support_contacts
       BEGIN
         UPDATE tenancy_figures SET next_due_on = (
           SELECT {_sqlite_next_due('t.id', 't.starts_on')} FROM tenancies t WHERE t.id = OLD.tenancy_id)
         WHERE tenancy_id IN (SELECT id FROM tenancies WHERE id = OLD.tenancy_id);  -- not when deleted with it
       END""",
    f"""CREATE TRIGGER tenancy_figures_contact_update AFTER UPDATE OF tenancy_id, contact_on, next_due_on
       ON support_contacts
       BEGIN
         UPDATE tenancy_figures SET next_due_on = (
           SELECT {_sqlite_next_due('t.id', 't.starts_on')} FROM tenancies t WHERE t.id = tenancy_figures.tenancy_id)
         WHERE tenancy_id IN (SELECT id FROM tenancies WHERE id IN (OLD.tenancy_id, NEW.tenancy_id));
       END""",
    # --- the sums of the tenancies' rows ---
    """CREATE TRIGGER placement_counts_insert AFTER INSERT ON tenancy_figures
       BEGIN
         INSERT INTO placement_months (month, days, tenancies) VALUES (NEW.month, NEW.days, 1)
         ON CONFLICT (month, days) DO UPDATE SET tenancies = tenancies + 1;
         INSERT INTO placement_areas (month, social_area_id, tenancies) VALUES (NEW.month, NEW.social_area_id, 1)
         ON CONFLICT (month, social_area_id) DO UPDATE SET tenancies = tenancies + 1;
       END""",
    """CREATE TRIGGER placement_counts_delete AFTER DELETE ON tenancy_figures
       BEGIN
         UPDATE placement_months SET tenancies = tenancies - 1 WHERE month = OLD.month AND days = OLD.days;
         UPDATE placement_areas SET tenancies = tenancies - 1
         WHERE month = OLD.month AND social_area_id = OLD.social_area_id;
       END""",
    """CREATE TRIGGER placement_counts_update AFTER UPDATE OF month, days, social_area_id ON tenancy_figures
       WHEN OLD.month IS NOT NEW.month OR OLD.days IS NOT NEW.days OR OLD.social_area_id IS NOT NEW.social_area_id
       BEGIN
         UPDATE placement_months SET tenancies = tenancies - 1 WHERE month = OLD.month AND days = OLD.days;
         INSERT INTO placement_months (month, days, tenancies) VALUES (NEW.month, NEW.days, 1)
         ON CONFLICT (month, days) DO UPDATE SET tenancies = tenancies + 1;
         UPDATE placement_areas SET tenancies = tenancies - 1
         WHERE month = OLD.month AND social_area_id = OLD.social_area_id;
         INSERT INTO placement_areas (month, social_area_id, tenancies) VALUES (NEW.month, NEW.social_area_id, 1)
         ON CONFLICT (month, social_area_id) DO UPDATE SET tenancies = tenancies + 1;
       END""",
    # --- flats per status and area ---
    f"""CREATE TRIGGER flat_counts_insert AFTER INSERT ON vacancies
       BEGIN
         INSERT INTO flat_counts (status, social_area_id, flats)
         SELECT NEW.status, {_sqlite_area('NEW.unit_id')}, 1 WHERE true
         ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flats + 1;
       END""",
    f"""CREATE TRIGGER flat_counts_delete AFTER DELETE ON vacancies
       BEGIN
         UPDATE flat_counts SET flats = flats - 1
         WHERE status = OLD.status AND social_area_id = {_sqlite_area('OLD.unit_id')};
       END""",
    f"""CREATE TRIGGER flat_counts_update AFTER UPDATE OF status, unit_id ON vacancies
       WHEN OLD.status IS NOT NEW.status OR OLD.unit_id IS NOT NEW.unit_id
       BEGIN
         UPDATE flat_counts SET flats = flats - 1
         WHERE status = OLD.status AND social_area_id = {_sqlite_area('OLD.unit_id')};
         INSERT INTO flat_counts (status, social_area_id, flats)
         SELECT NEW.status, {_sqlite_area('NEW.unit_id')}, 1 WHERE true
         ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flats + 1;
       END""",
    # --- a unit moved to another building, a building to another social area (corrections, rare) ---
    f"""CREATE TRIGGER placement_figures_unit_moved AFTER UPDATE OF property_id ON units
       WHEN OLD.property_id IS NOT NEW.property_id
       BEGIN
         UPDATE tenancy_figures SET social_area_id = {_sqlite_area('NEW.id')}
         WHERE tenancy_id IN (SELECT id FROM tenancies WHERE unit_id = NEW.id);
         INSERT INTO flat_counts (status, social_area_id, flats)
         SELECT status, (SELECT social_area_id FROM properties WHERE id = OLD.property_id), -count(*)
         FROM vacancies WHERE unit_id = NEW.id GROUP BY status
         ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flats + excluded.flats;
         INSERT INTO flat_counts (status, social_area_id, flats)
         SELECT status, (SELECT social_area_id FROM properties WHERE id = NEW.property_id), count(*)
         FROM vacancies WHERE unit_id = NEW.id GROUP BY status
         ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flats + excluded.flats;
       END""",
    """CREATE TRIGGER placement_figures_building_moved AFTER UPDATE OF social_area_id ON properties
       WHEN OLD.social_area_id IS NOT NEW.social_area_id
       BEGIN
         UPDATE tenancy_figures SET social_area_id = NEW.social_area_id
         WHERE tenancy_id IN (SELECT t.id FROM tenancies t JOIN units u ON u.id = t.unit_id
                              WHERE u.property_id = NEW.id);
         INSERT INTO flat_counts (status, social_area_id, flats)
         SELECT v.status, OLD.social_area_id, -count(*) FROM vacancies v JOIN units u ON u.id = v.unit_id
         WHERE u.property_id = NEW.id GROUP BY v.status
         ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flats + excluded.flats;
         INSERT INTO flat_counts (status, social_area_id, flats)
         SELECT v.status, NEW.social_area_id, count(*) FROM vacancies v JOIN units u ON u.id = v.unit_id
         WHERE u.property_id = NEW.id GROUP BY v.status
         ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flats + excluded.flats;
       END""",
]
SQLITE_TRIGGER_NAMES = [statement.split()[2] for statement in SQLITE_TRIGGERS]

POSTGRESQL_FUNCTIONS = [
    f"""CREATE FUNCTION tenancy_figures_from_tenancies() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           DELETE FROM tenancy_figures WHERE tenancy_id = OLD.id;
         ELSIF TG_OP = 'INSERT' THEN
           INSERT INTO tenancy_figures (tenancy_id, month, days, social_area_id, status, next_due_on, ends_on)
           SELECT NEW.id, to_char(NEW.starts_on, 'YYYY-MM'), {_postgresql_days('NEW.created_at', 'a.registered_on')},
                  {_postgresql_area('NEW.unit_id')}, a.status, {_postgresql_next_due('NEW.id', 'NEW.starts_on')},
                  NEW.ends_on
           FROM applicants a WHERE a.id = NEW.applicant_id;
         ELSE
           UPDATE tenancy_figures f SET
             month = to_char(NEW.starts_on, 'YYYY-MM'),
             days = {_postgresql_days('NEW.created_at', 'a.registered_on')},
             social_area_id = {_postgresql_area('NEW.unit_id')},
             status = a.status,
             next_due_on = {_postgresql_next_due('NEW.id', 'NEW.starts_on')},
             ends_on = NEW.ends_on
           FROM applicants a WHERE a.id = NEW.applicant_id AND f.tenancy_id = NEW.id;
         END IF;
         RETURN NULL;
       END $$""",
    f"""CREATE FUNCTION tenancy_figures_from_households() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.registered_on IS DISTINCT FROM OLD.registered_on OR NEW.status IS DISTINCT FROM OLD.status THEN
           UPDATE tenancy_figures f SET days = {_postgresql_days('t.created_at', 'NEW.registered_on')},
                                        status = NEW.status
           FROM tenancies t WHERE t.applicant_id = NEW.id AND f.tenancy_id = t.id;
         END IF;
         RETURN NULL;
       END $$""",
    f"""CREATE FUNCTION tenancy_figures_from_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE tenancy_figures f SET next_due_on = {_postgresql_next_due('t.id', 't.starts_on')}
         FROM tenancies t
         WHERE f.tenancy_id = t.id
           AND t.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.tenancy_id END,
                        CASE WHEN TG_OP <> 'DELETE' THEN NEW.tenancy_id END);
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION placement_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.month IS NOT DISTINCT FROM OLD.month AND NEW.days IS NOT DISTINCT FROM OLD.days
            AND NEW.social_area_id IS NOT DISTINCT FROM OLD.social_area_id THEN
           RETURN NULL;
         END IF;
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           UPDATE placement_months SET tenancies = tenancies - 1 WHERE month = OLD.month AND days = OLD.days;
           UPDATE placement_areas SET tenancies = tenancies - 1
           WHERE month = OLD.month AND social_area_id = OLD.social_area_id;
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') THEN
           INSERT INTO placement_months (month, days, tenancies) VALUES (NEW.month, NEW.days, 1)
           ON CONFLICT (month, days) DO UPDATE SET tenancies = placement_months.tenancies + 1;
           INSERT INTO placement_areas (month, social_area_id, tenancies) VALUES (NEW.month, NEW.social_area_id, 1)
           ON CONFLICT (month, social_area_id) DO UPDATE SET tenancies = placement_areas.tenancies + 1;
         END IF;
         RETURN NULL;
       END $$""",
    f"""CREATE FUNCTION flat_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
            AND NEW.unit_id IS NOT DISTINCT FROM OLD.unit_id THEN
           RETURN NULL;
         END IF;
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           UPDATE flat_counts SET flats = flats - 1
           WHERE status = OLD.status AND social_area_id = {_postgresql_area('OLD.unit_id')};
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') THEN
           INSERT INTO flat_counts (status, social_area_id, flats)
           VALUES (NEW.status, {_postgresql_area('NEW.unit_id')}, 1)
           ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flat_counts.flats + 1;
         END IF;
         RETURN NULL;
       END $$""",
    f"""CREATE FUNCTION placement_figures_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.property_id IS DISTINCT FROM OLD.property_id THEN
           UPDATE tenancy_figures SET social_area_id = {_postgresql_area('NEW.id')}
           WHERE tenancy_id IN (SELECT id FROM tenancies WHERE unit_id = NEW.id);
           INSERT INTO flat_counts (status, social_area_id, flats)
           SELECT status, (SELECT social_area_id FROM properties WHERE id = OLD.property_id), -count(*)
           FROM vacancies WHERE unit_id = NEW.id GROUP BY status
           ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flat_counts.flats + EXCLUDED.flats;
           INSERT INTO flat_counts (status, social_area_id, flats)
           SELECT status, (SELECT social_area_id FROM properties WHERE id = NEW.property_id), count(*)
           FROM vacancies WHERE unit_id = NEW.id GROUP BY status
           ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flat_counts.flats + EXCLUDED.flats;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION placement_figures_building_moved() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.social_area_id IS DISTINCT FROM OLD.social_area_id THEN
           UPDATE tenancy_figures SET social_area_id = NEW.social_area_id
           WHERE tenancy_id IN (SELECT t.id FROM tenancies t JOIN units u ON u.id = t.unit_id
                                WHERE u.property_id = NEW.id);
           INSERT INTO flat_counts (status, social_area_id, flats)
           SELECT v.status, OLD.social_area_id, -count(*) FROM vacancies v JOIN units u ON u.id = v.unit_id
           WHERE u.property_id = NEW.id GROUP BY v.status
           ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flat_counts.flats + EXCLUDED.flats;
           INSERT INTO flat_counts (status, social_area_id, flats)
           SELECT v.status, NEW.social_area_id, count(*) FROM vacancies v JOIN units u ON u.id = v.unit_id
           WHERE u.property_id = NEW.id GROUP BY v.status
           ON CONFLICT (status, social_area_id) DO UPDATE SET flats = flat_counts.flats + EXCLUDED.flats;
         END IF;
         RETURN NULL;
       END $$""",
]
# (trigger, table, events, function)
POSTGRESQL_TRIGGERS = [
    ("tenancy_figures_from_tenancies", "tenancies",
     "INSERT OR DELETE OR UPDATE OF starts_on, created_at, applicant_id, unit_id, ends_on",
     "tenancy_figures_from_tenancies"),
    ("tenancy_figures_from_households", "applicants", "UPDATE OF registered_on, status",
     "tenancy_figures_from_households"),
    ("tenancy_figures_from_contacts", "support_contacts",
     "INSERT OR DELETE OR UPDATE OF tenancy_id, contact_on, next_due_on", "tenancy_figures_from_contacts"),
    ("placement_counts_follow", "tenancy_figures", "INSERT OR DELETE OR UPDATE OF month, days, social_area_id",
     "placement_counts_follow"),
    ("flat_counts_follow", "vacancies", "INSERT OR DELETE OR UPDATE OF status, unit_id", "flat_counts_follow"),
    ("placement_figures_unit_moved", "units", "UPDATE OF property_id", "placement_figures_unit_moved"),
    ("placement_figures_building_moved", "properties", "UPDATE OF social_area_id",
     "placement_figures_building_moved"),
]

FILL_SQLITE = [
    f"""INSERT INTO tenancy_figures (tenancy_id, month, days, social_area_id, status, next_due_on, ends_on)
        SELECT t.id, strftime('%Y-%m', t.starts_on), {_sqlite_days('t.created_at', 'a.registered_on')},
               {_sqlite_area('t.unit_id')}, a.status, {_sqlite_next_due('t.id', 't.starts_on')}, t.ends_on
        FROM tenancies t JOIN applicants a ON a.id = t.applicant_id""",
]
FILL_POSTGRESQL = [
    f"""INSERT INTO tenancy_figures (tenancy_id, month, days, social_area_id, status, next_due_on, ends_on)
        SELECT t.id, to_char(t.starts_on, 'YYYY-MM'), {_postgresql_days('t.created_at', 'a.registered_on')},
               {_postgresql_area('t.unit_id')}, a.status, {_postgresql_next_due('t.id', 't.starts_on')}, t.ends_on
        FROM tenancies t JOIN applicants a ON a.id = t.applicant_id""",
]
# The sums, from the tenancies' rows (filled before the triggers on them exist) and from the flats.
FILL_COUNTS = [
    """INSERT INTO placement_months (month, days, tenancies)
       SELECT month, days, count(*) FROM tenancy_figures GROUP BY month, days""",
    """INSERT INTO placement_areas (month, social_area_id, tenancies)
       SELECT month, social_area_id, count(*) FROM tenancy_figures GROUP BY month, social_area_id""",
    """INSERT INTO flat_counts (status, social_area_id, flats)
       SELECT v.status, p.social_area_id, count(*) FROM vacancies v JOIN units u ON u.id = v.unit_id
       JOIN properties p ON p.id = u.property_id GROUP BY v.status, p.social_area_id""",
]


def upgrade():
    op.create_table('tenancy_figures',
    sa.Column('tenancy_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('social_area_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('tenancy_id', name=op.f('pk_tenancy_figures'))
    )
    op.create_index('ix_tenancy_figures_due', 'tenancy_figures', ['status', 'next_due_on', 'ends_on'], unique=False)
    op.create_table('placement_months',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('tenancies', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'days', name=op.f('pk_placement_months'))
    )
    op.create_table('placement_areas',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('social_area_id', sa.Integer(), nullable=False),
    sa.Column('tenancies', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'social_area_id', name=op.f('pk_placement_areas'))
    )
    op.create_table('flat_counts',
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('social_area_id', sa.Integer(), nullable=False),
    sa.Column('flats', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', 'social_area_id', name=op.f('pk_flat_counts'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in FILL_POSTGRESQL + FILL_COUNTS + POSTGRESQL_FUNCTIONS:
            op.execute(statement)
        for name, table, events, function in POSTGRESQL_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")
    elif dialect == "sqlite":
        for statement in FILL_SQLITE + FILL_COUNTS + SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table, _events, function in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('flat_counts')
    op.drop_table('placement_areas')
    op.drop_table('placement_months')
    op.drop_index('ix_tenancy_figures_due', table_name='tenancy_figures')
    op.drop_table('tenancy_figures')
