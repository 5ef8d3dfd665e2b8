"""Two-factor secrets sealed in the database

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 17:00:00

``users.totp_secret`` held each enrolled user's TOTP secret in clear: anyone with a database dump or a backup could
make that user's login codes. It now holds the secret sealed with Fernet under DATA_ENCRYPTION_KEYS (by default a key
derived from SECRET_KEY; housing/auth/twofactor.py ``seal``), which needs the wider column. The secrets enrolled so
far are sealed here with the keys of the app that runs the migration; the downgrade opens them again.
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

from housing.auth.twofactor import seal, unseal

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BASE32 = re.compile(r"[A-Z2-7]+=*")  # a secret in clear (pyotp.random_base32); a sealed one is Fernet's base64


def _secrets() -> list[tuple[int, str]]:
    """Each enrolled user's stored secret (a few dozen accounts)."""
    return op.get_bind().execute(sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()


def _store(changed: dict[int, str]) -> None:
    for user_id, secret in changed.items():
        op.get_bind().execute(sa.text("UPDATE users SET totp_secret = :secret WHERE id = :id"),
                              {"secret": secret, "id": user_id})


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    # Only secrets in clear: one the new code sealed before this ran (SQLite does not hold a column to its
    # length) stays as it is.
    _store({user_id: seal(secret, current_app.config) for user_id, secret in _secrets()
            if BASE32.fullmatch(secret)})


def downgrade():
    opened = {user_id: secret if BASE32.fullmatch(secret) else unseal(secret, current_app.config)
              for user_id, secret in _secrets()}
    if None in opened.values():  # a secret written as NULL would leave its user enrolled with no secret
        raise RuntimeError("0017 downgrade: the configured DATA_ENCRYPTION_KEYS (or SECRET_KEY) do not open every "
                           "two-factor secret; nothing was changed")
    _store(opened)
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
