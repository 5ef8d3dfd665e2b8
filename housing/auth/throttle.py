"""Login throttling that holds across web workers and app hosts: failures are rows in the database.

After ``LOGIN_MAX_FAILURES_PER_ACCOUNT`` failures for one e-mail address, or ``LOGIN_MAX_FAILURES_PER_ADDRESS``
from one IP address, within ``LOGIN_THROTTLE_WINDOW``, further attempts are refused with 429 until the
window has passed. The account key is the e-mail as typed (lower-cased), whether or not such an account
exists, so the answer never tells whether it does.
"""

from sqlalchemy import delete, func, select

from ..clock import utcnow
from ..extensions import db
from .models import LoginFailure


def _keys(email: str, address: str | None) -> list[tuple[str, str, int]]:
    from flask import current_app

    config = current_app.config
    keys = [("account", (email or "").strip().lower()[:254], config["LOGIN_MAX_FAILURES_PER_ACCOUNT"])]
    if address:
        keys.append(("address", address[:254], config["LOGIN_MAX_FAILURES_PER_ADDRESS"]))
    return keys


def is_blocked(email: str, address: str | None) -> bool:
    from flask import current_app

    since = utcnow() - current_app.config["LOGIN_THROTTLE_WINDOW"]
    for kind, key, limit in _keys(email, address):
        count = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.kind == kind, LoginFailure.key == key, LoginFailure.failed_at >= since))
        if count >= limit:
            return True
    return False


def record_failure(email: str, address: str | None) -> None:
    for kind, key, _limit in _keys(email, address):
        db.session.add(LoginFailure(kind=kind, key=key))


def clear_account(email: str) -> None:
    """A successful login forgets the account's failures (the address's stay: they may be someone else's)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.kind == "account",
                                                  LoginFailure.key == (email or "").strip().lower()[:254]))


def purge_old(on) -> int:
    """A retention task: failures older than a day have done their job."""
    from datetime import timedelta

    return db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < utcnow() - timedelta(days=1))
                              ).rowcount
