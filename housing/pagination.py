"""Keyset pagination: pages continue after the last row's sort values, so page 5,000 costs what page 1 does.

The position travels as an opaque cursor (URL-safe base64 of the sort values), never as an offset.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_

from .database import MAX_ID
from .extensions import db


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class SortKey:
    column: object
    descending: bool = False
    kind: type = int  # int, str, date or datetime: how the value travels in the cursor


def encode_cursor(values: list) -> str:
    plain = [value.isoformat() if isinstance(value, date | datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[SortKey]) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise InvalidCursor(cursor)
        parsed = []
        for value, key in zip(values, keys, strict=True):
            if key.kind is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise InvalidCursor(cursor)
            elif key.kind is date:
                value = date.fromisoformat(value)
            elif not isinstance(value, key.kind) or isinstance(value, bool) or not _storable(value):
                raise InvalidCursor(cursor)
            parsed.append(value)
        return parsed
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError) as error:
        raise InvalidCursor(cursor) from error


def _storable(value) -> bool:
    """What the database can compare with a column: no integer beyond an id's range, no text with NUL."""
    if isinstance(value, int):
        return abs(value) <= MAX_ID
    return not isinstance(value, str) or "\x00" not in value


def _after(keys: list[SortKey], values: list):
    """Rows strictly after ``values`` in the order of ``keys`` (the last key must be unique, e.g. the id)."""
    clauses = []
    for index, key in enumerate(keys):
        equal = [keys[i].column == values[i] for i in range(index)]
        beyond = key.column < values[index] if key.descending else key.column > values[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def keyset_page(stmt, keys: list[SortKey], limit: int, cursor: str | None, row_values=None):
    """Return ``(rows, next_cursor)``; ``row_values(row)`` gives a row's sort values (default: attributes)."""
    if cursor:
        stmt = stmt.where(_after(keys, decode_cursor(cursor, keys)))
    order = [key.column.desc() if key.descending else key.column.asc() for key in keys]
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    values = row_values(last) if row_values else [getattr(last, key.column.key) for key in keys]
    return rows, encode_cursor(values)
