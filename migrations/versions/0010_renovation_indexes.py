"""Viertelwerk: the sums over hour entries served by one covering index

``ix_hour_entries_project_sums`` (project, day, work package, person, absence, hours) replaces
``ix_hour_entries_project_day`` (project, day), which it starts with: every lookup the old one served is served as
before, and the sums over a period or a project (the reports page, progress against plan) are read from the index
alone instead of from the table's rows (issue 9).

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-24 07:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hour_entries', schema=None) as batch_op:
        batch_op.create_index('ix_hour_entries_project_sums', ['project_id', 'worked_on', 'work_package_id',
                                                               'participant_id', 'absence', 'hours'], unique=False)
        batch_op.drop_index('ix_hour_entries_project_day')


def downgrade():
    with op.batch_alter_table('hour_entries', schema=None) as batch_op:
        batch_op.create_index('ix_hour_entries_project_day', ['project_id', 'worked_on'], unique=False)
        batch_op.drop_index('ix_hour_entries_project_sums')
