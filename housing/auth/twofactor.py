"""Two-factor login with TOTP (RFC 6238, any authenticator app): enrolment with a QR code, one-time use of
each code, recovery codes, and the admin's reset. Required for the roles in ``TWO_FACTOR_REQUIRED_ROLES``."""

import base64
import hmac
import logging
import secrets
from functools import lru_cache

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, select

from ..audit.services import record
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from . import sessions
from .models import RecoveryCode, User

ISSUER = "Stadt Dortmund – Wohnen"
RECOVERY_CODES = 10
# A code is accepted one time step (30 s) early or late: clocks of phones drift.
WINDOW = 1


log = logging.getLogger(__name__)


def required_for(user: User) -> bool:
    return user.has_role(*current_app.config["TWO_FACTOR_REQUIRED_ROLES"])


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI (no image library, no external request)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


@lru_cache(maxsize=4)
def _sealer(keys: tuple[str, ...]) -> MultiFernet:
    """Fernet (AES-128-CBC with an HMAC-SHA256) under each key, the first one sealing; each key stretched to a
    Fernet key with HKDF-SHA256, so any long random string will do."""
    def fernet(key: str) -> Fernet:
        raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"housing: data at rest").derive(key.encode())
        return Fernet(base64.urlsafe_b64encode(raw))

    return MultiFernet([fernet(key) for key in keys])


def data_keys(config) -> tuple[str, ...]:
    """DATA_ENCRYPTION_KEYS (a list, or a comma-separated string as in HOUSING_DATA_ENCRYPTION_KEYS), else the
    SECRET_KEY."""
    keys = config.get("DATA_ENCRYPTION_KEYS") or ()
    if isinstance(keys, str):
        keys = keys.split(",")
    return tuple(key.strip() for key in keys if key.strip()) or (config["SECRET_KEY"],)


def seal(secret: str, config=None) -> str:
    """A TOTP secret as it is stored: encrypted and authenticated (a database dump alone makes no codes)."""
    return _sealer(data_keys(config or current_app.config)).encrypt(secret.encode()).decode()


def unseal(stored: str, config=None) -> str | None:
    """The secret from its stored form; None (and an error in the log) when no key opens it, as after a change of
    SECRET_KEY without the old one in DATA_ENCRYPTION_KEYS: the user then logs in with a recovery code."""
    try:
        return _sealer(data_keys(config or current_app.config)).decrypt(stored.encode()).decode()
    except InvalidToken:
        log.error("A two-factor secret could not be opened with the configured keys (DATA_ENCRYPTION_KEYS)")
        return None


def _matching_step(secret: str, code: str) -> int | None:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(user: User, code: str) -> bool:
    """A current code of the user's authenticator, not used before (a seen code cannot be replayed)."""
    secret = unseal(user.totp_secret) if user.totp_secret else None
    step = _matching_step(secret, code) if secret else None
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    if len(data_keys(current_app.config)) > 1:  # keys being changed: sealed anew under the first one
        user.totp_secret = seal(secret)
    return True


def enable(user: User, secret: str, code: str) -> list[str]:
    """Switch two-factor login on after the user typed a code from the new secret; returns the recovery codes
    (shown once, stored hashed)."""
    step = _matching_step(secret, code)
    if step is None:
        raise ValidationFailed.on("code", _("Der Code stimmt nicht. Bitte den aktuellen Code aus der App eingeben."))
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = seal(secret), utcnow(), step
    codes = _new_recovery_codes(user)
    record("two_factor.enable", user, actor=user)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _n in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=sessions.digest(code)) for code in codes)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    code = (code or "").strip().lower()
    row = db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                       RecoveryCode.code_hash == sessions.digest(code),
                                                       RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    record("two_factor.recovery_code", user, actor=user)
    return True


def remaining_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                RecoveryCode.used_at.is_(None))).all())


def disable(user: User, *, actor: User) -> None:
    """The admin's reset (the user enrols again at the next login), or a user's own switch-off where two-factor
    login is optional for their roles; the user's sessions end."""
    if actor is user and required_for(user):
        raise ValidationFailed.on("code", _("Für Ihre Rolle ist die Anmeldung in zwei Schritten vorgeschrieben."))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_all(user, "two_factor", keep=sessions.current() if actor is user else None)
    record("two_factor.reset" if actor is not user else "two_factor.disable", user, actor=actor)
