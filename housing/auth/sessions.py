"""Server-side sessions: the login cookie carries a random session id; the row behind it decides.

Logging out ends the row, so a copied cookie stops working; a session also ends after the idle timeout
(``SESSION_IDLE_TIMEOUT``) and the absolute lifetime (``PERMANENT_SESSION_LIFETIME``), and all of a user's
sessions end when the password changes or the account is deactivated.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload, undefer_group

from ..clock import utcnow
from ..database import commit_bookkeeping
from ..extensions import db
from .models import User, UserSession

PREFIX = "s:"
# last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    """Start a session for ``user``; returns the identity for Flask-Login's cookie."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=digest(token))
    if has_request_context():
        row.ip_address = (request.remote_addr or "")[:45] or None
        row.user_agent = (request.user_agent.string or "")[:200] or None
    db.session.add(row)
    db.session.flush()
    return PREFIX + token


def with_user(relationship, for_pages: bool = False):
    """Load a session's or token's user and the user's roles with it, in the same query: every request needs both;
    with ``for_pages``, also the figures every page's shell shows (the unread count, see jobs/models.py)."""
    user = joinedload(relationship)
    return user.options(joinedload(User.role_links), undefer_group("shell")) if for_pages else user.joinedload(
        User.role_links)


# Every request asks it: built once, so a request only binds the token's digest.
_SESSION_BY_TOKEN = select(UserSession).where(UserSession.token_hash == bindparam("token_hash")).options(
    with_user(UserSession.user, for_pages=True))


def _expiry_reason(row: UserSession, now) -> str | None:
    config = current_app.config
    if now - row.created_at > config["PERMANENT_SESSION_LIFETIME"]:
        return "expired"
    if now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"]:
        return "idle"
    return None


def load(identity: str) -> User | None:
    """Flask-Login's user loader: the user of an open, fresh session, or None. Runs at the start of each
    request (see ``load_at_start``), so the occasional write here commits nothing else."""
    if not identity or not identity.startswith(PREFIX):
        return None
    row = db.session.scalars(_SESSION_BY_TOKEN, {"token_hash": digest(identity[len(PREFIX):])}).unique().one_or_none()
    if row is None or row.ended_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    reason = _expiry_reason(row, now)
    if reason:
        end(row, reason)
        commit_bookkeeping()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        commit_bookkeeping()
    g.user_session = row
    return row.user


def current() -> UserSession | None:
    return g.get("user_session") if has_request_context() else None


def end(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason


def end_all(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every open session of ``user`` (but ``keep``); returns how many."""
    statement = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement.values(ended_at=utcnow(), end_reason=reason)
                              .execution_options(synchronize_session=False)).rowcount


def open_sessions_of(user: User) -> list[UserSession]:
    """The user's live sessions. A browser closed without logging out never returns to end its row, so rows past
    the idle timeout or the lifetime are left out here (they are dead: ``load`` refuses them)."""
    config, now = current_app.config, utcnow()
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None),
        UserSession.last_seen_at > now - config["SESSION_IDLE_TIMEOUT"],
        UserSession.created_at > now - config["PERMANENT_SESSION_LIFETIME"]).order_by(UserSession.last_seen_at.desc())))
