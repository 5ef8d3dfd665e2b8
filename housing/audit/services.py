"""Writing the audit log. Every service that changes, shows, exports or deletes personal data calls ``record``."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import inspect, select

from ..extensions import db
from .models import AuditEvent

# Never written to the log, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "session_token", "totp_secret"})


def _jsonable(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    return value


def _clean(changes: dict | None) -> dict | None:
    if not changes:
        return None
    return {key: ("***" if key in SECRET_KEYS else _jsonable(value)) for key, value in changes.items()}


def pending_changes(obj) -> dict:
    """The attributes of ``obj`` changed in this unit of work, as ``{name: [old, new]}``.

    When the old value was not loaded (the object expired at a commit before the change), it is
    read from the database, which still holds it until the flush."""
    state = inspect(obj)
    changes, unknown = {}, []
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            new = history.added[0] if history.added else None
            if history.deleted:
                changes[attr.key] = [history.deleted[0], new]
            elif state.persistent and not history.unchanged:
                unknown.append(attr)
                changes[attr.key] = [None, new]
            else:
                changes[attr.key] = [None, new]
    if unknown:
        with db.session.no_autoflush:
            stored = db.session.execute(
                select(*[attr.columns[0] for attr in unknown]).where(
                    *[column == value for column, value in zip(state.mapper.primary_key, state.identity, strict=True)])
            ).first()
        for attr, value in zip(unknown, stored or [None] * len(unknown), strict=True):
            changes[attr.key][0] = value
    return {key: pair for key, pair in changes.items() if pair[0] != pair[1]}


def record(action: str, obj=None, *, actor=None, object_type=None, object_id=None, summary=None, changes=None):
    """Add an audit event to the session (the caller commits with its own change).

    ``obj`` names the record (its table and id) unless ``object_type``/``object_id`` are given;
    ``actor`` defaults to the logged-in user.
    """
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if obj is not None:
        if obj.id is None:
            db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        summary=summary[:500] if summary else None,
        changes=_clean(changes),
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
