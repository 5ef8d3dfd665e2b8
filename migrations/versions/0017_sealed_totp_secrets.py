"""Two-factor secrets sealed in the database

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 17:00:00

``users.totp_secret`` held each enrolled user's TOTP secret in clear: anyone with a database dump or a backup could
make that user's login codes. It now holds the secret sealed with Fernet under DATA_ENCRYPTION_KEYS (by default a key
derived from SECRET_KEY; housing/auth/twofactor.py ``seal``), which needs the wider column. The secrets enrolled so
far are sealed here with the keys of the app that runs the migration; the downgrade opens them again.
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from housing.auth.twofactor import seal, unseal

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

def _rewrite(change) -> None:
    """Each enrolled user's secret through ``change`` (a few dozen accounts)."""
    connection = op.get_bind()
    for user_id, secret in connection.execute(
            sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all():
        connection.execute(sa.text("UPDATE users SET totp_secret = :secret WHERE id = :id"),
                           {"secret": change(secret), "id": user_id})


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    _rewrite(lambda secret: seal(secret, current_app.config))


def downgrade():
    _rewrite(lambda secret: unseal(secret, current_app.config))
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
