"""indexes for the lists' filters and sorts

Every list a page or the API offers finds its rows by an index, or reads them in an index's order up to the page's
LIMIT (issue 9; tests/main/test_query_plans.py checks the plans):

- properties: the case list sorted by status (``status_rank``, the pipeline order kept by the database), by the
  last change and by priority (highest first, then the oldest case), filtered by postcode and by a prefix of the
  address key (``varchar_pattern_ops``: the LIKE prefix in any collation, not only "C");
- defects and orders: open deadlines across all cases (due soon on the start page, the list's "overdue" filter);
- applicants: the households list, most urgent and longest waiting first, for everyone's and by status;
- tenancies: by flat (a landlord's tenancies) and by offer; support contacts: a tenancy's latest contact;
- participants: the list by name; project supervisors: a supervisor's projects (the key leads with the project);
- audit events: one person's actions, newest first; actions by their beginning (``varchar_pattern_ops``, which
  serves equality as before).

Dropped: units.property_id's own index (the unique key on property_id and label serves every lookup) and the one
on support_contacts.tenancy_id (now the first column of the index with contact_on).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 06:49:39.127957

"""
from alembic import op
import sqlalchemy as sa

import housing.database  # noqa: F401  (the project's column types, e.g. UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# housing.properties.models.STATUS_RANK_SQL as of this revision: the pipeline, then the exits, then no status.
STATUS_RANK_SQL = (
    "CASE status WHEN 'reported' THEN 0 WHEN 'registered' THEN 1 WHEN 'inspected' THEN 2 "
    "WHEN 'owner_engaged' THEN 3 WHEN 'order_issued' THEN 4 WHEN 'acquisition_review' THEN 5 "
    "WHEN 'acquiring' THEN 6 WHEN 'acquired' THEN 7 WHEN 'in_renovation' THEN 8 WHEN 'ready_for_letting' THEN 9 "
    "WHEN 'let' THEN 10 WHEN 'resolved_by_owner' THEN 11 WHEN 'demolished' THEN 12 WHEN 'delisted' THEN 13 "
    "ELSE 14 END"
)


def upgrade():
    # A generated column, stored on PostgreSQL (which indexes no virtual one); virtual on SQLite, which adds only
    # a virtual column without rebuilding the table (and indexes it all the same).
    stored = True if op.get_bind().dialect.name == 'postgresql' else None
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_rank', sa.SmallInteger(), sa.Computed(STATUS_RANK_SQL, persisted=stored),
                                      nullable=False))
        batch_op.drop_index('ix_properties_priority_id')
        batch_op.create_index('ix_properties_priority_id', [sa.literal_column('priority DESC'), 'id'], unique=False)
        batch_op.create_index('ix_properties_status_rank', ['status_rank', 'street', 'id'], unique=False)
        batch_op.create_index('ix_properties_updated_id', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_properties_postcode', ['postcode'], unique=False)
        batch_op.create_index('ix_properties_address_key_prefix', ['address_key'], unique=False,
                              postgresql_ops={'address_key': 'varchar_pattern_ops'})

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index('ix_units_property_id')

    with op.batch_alter_table('defects', schema=None) as batch_op:
        batch_op.create_index('ix_defects_resolved_deadline', ['resolved_on', 'deadline'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_issued_deadline', ['status', 'deadline'], unique=False)

    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index('ix_applicants_status_rank')
        batch_op.create_index('ix_applicants_status_rank',
                              ['status', sa.literal_column('urgency_rank DESC'), 'registered_on', 'id'], unique=False)
        batch_op.create_index('ix_applicants_rank', [sa.literal_column('urgency_rank DESC'), 'registered_on', 'id'],
                              unique=False)

    with op.batch_alter_table('tenancies', schema=None) as batch_op:
        batch_op.create_index('ix_tenancies_vacancy_id', ['vacancy_id'], unique=False)
        batch_op.create_index('ix_tenancies_offer_id', ['offer_id'], unique=False)

    with op.batch_alter_table('support_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_support_contacts_tenancy_id')
        batch_op.create_index('ix_support_contacts_tenancy_contact', ['tenancy_id', 'contact_on'], unique=False)

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index('ix_participants_name', ['last_name', 'first_name'], unique=False)

    with op.batch_alter_table('project_supervisors', schema=None) as batch_op:
        batch_op.create_index('ix_project_supervisors_user_id', ['user_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_action')
        batch_op.create_index('ix_audit_events_action', ['action'], unique=False,
                              postgresql_ops={'action': 'varchar_pattern_ops'})
        batch_op.create_index('ix_audit_events_actor_label', ['actor_label', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_label')
        batch_op.drop_index('ix_audit_events_action')
        batch_op.create_index('ix_audit_events_action', ['action'], unique=False)

    with op.batch_alter_table('project_supervisors', schema=None) as batch_op:
        batch_op.drop_index('ix_project_supervisors_user_id')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_name')

    with op.batch_alter_table('support_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_support_contacts_tenancy_contact')
        batch_op.create_index('ix_support_contacts_tenancy_id', ['tenancy_id'], unique=False)

    with op.batch_alter_table('tenancies', schema=None) as batch_op:
        batch_op.drop_index('ix_tenancies_offer_id')
        batch_op.drop_index('ix_tenancies_vacancy_id')

    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index('ix_applicants_rank')
        batch_op.drop_index('ix_applicants_status_rank')
        batch_op.create_index('ix_applicants_status_rank', ['status', 'urgency_rank', 'registered_on'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_issued_deadline')

    with op.batch_alter_table('defects', schema=None) as batch_op:
        batch_op.drop_index('ix_defects_resolved_deadline')

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_property_id', ['property_id'], unique=False)

    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.drop_index('ix_properties_address_key_prefix')
        batch_op.drop_index('ix_properties_postcode')
        batch_op.drop_index('ix_properties_updated_id')
        batch_op.drop_index('ix_properties_status_rank')
        batch_op.drop_index('ix_properties_priority_id')
        batch_op.create_index('ix_properties_priority_id', ['priority', 'id'], unique=False)
        batch_op.drop_column('status_rank')
