"""Database plumbing shared by every area: UTC timestamps, SQLite connection settings."""

import sqlite3
from datetime import UTC
from decimal import Decimal

import flask_sqlalchemy.session
from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter

from .clock import utcnow  # noqa: F401  (re-exported for model defaults)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no offset; this restores it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class, length: int = 30, name: str | None = None) -> Enum:
    """A portable enum column: the members' values as strings, guarded by a CHECK constraint.

    ``name`` names the constraint; give one when a table has two columns of the same enum."""
    return Enum(
        enum_class, native_enum=False, create_constraint=True, length=length, validate_strings=True,
        values_callable=lambda members: [member.value for member in members], name=name,
    )


# Ids are INTEGER columns: PostgreSQL refuses to compare them with a bigger number (SQLite beyond 64 bits).
MAX_ID = 2**31 - 1


def _numbers_up_to(limit: int) -> str:
    """A regular expression matching the decimal numbers 0 to ``limit`` (with as many digits as ``limit`` at most)."""
    digits = str(limit)
    alternatives = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - position - 1
            alternatives.append(digits[:position] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a record id, so at most ``MAX_ID``; a bigger number is not found (404) instead
    of reaching the database.

    The limit is in the pattern, not a ``max``: werkzeug answers a number its converter refuses after matching with
    405 when the same path has a route for another method (PATCH /api/v1/properties/99999999999 was "method not
    allowed, use GET")."""

    regex = _numbers_up_to(MAX_ID)


def fits(value, column) -> bool:
    """Whether a number fits a Numeric column (``Vacancy.net_cold_rent``): Numeric(8, 2) holds less than 10^6 once
    rounded to cents. PostgreSQL refuses a bigger one; services check first, to say which field is wrong."""
    if value in (None, ""):
        return True
    precision, scale = column.type.precision, column.type.scale
    return Decimal(value).copy_abs() < Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale) / 2


def normalise_database_url(url: str) -> str:
    """Route plain PostgreSQL URLs through psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, connection_record):
    """Foreign keys, WAL and a busy timeout on every SQLite connection.

    pysqlite would otherwise open transactions on its own and ignore the PRAGMAs inside them;
    with ``isolation_level = None`` SQLAlchemy emits ``BEGIN`` itself (see ``_begin_sqlite``),
    which also makes SAVEPOINTs and transactional DDL work.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # 32 MB of pages per connection instead of 2 MB: a list or a report reads its index and rows from memory.
    cursor.execute("PRAGMA cache_size = -32768")
    cursor.close()


def is_sqlite_busy(error) -> bool:
    """Whether a SQLAlchemy error is SQLite's SQLITE_BUSY (any of its extended codes, e.g. BUSY_SNAPSHOT)."""
    orig = getattr(error, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(orig, sqlite3.OperationalError) and code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


def commit_bookkeeping() -> None:
    """Commit a request's bookkeeping (when a login session or an API token was last used), written before the
    request's own work. On SQLite another process may have committed since this transaction read
    (SQLITE_BUSY_SNAPSHOT): the bookkeeping is then left for the next request instead of failing this one."""
    from .extensions import db

    try:
        db.session.commit()
    except OperationalError as error:
        if not is_sqlite_busy(error):
            raise
        db.session.rollback()


class Session(flask_sqlalchemy.session.Session):
    """The application's session: a request that only adds audit events (a page viewed, a list exported) never
    fails because another process wrote meanwhile.

    On SQLite a transaction that has read may not start writing once another process has committed since
    (SQLITE_BUSY_SNAPSHOT, at once, whatever the busy timeout): two officers opening case files at the same moment
    would see a write conflict for merely reading. Such a commit is retried once in a fresh transaction that
    writes first, and so waits its turn. A commit with any other change is never retried: that conflict is real."""

    def commit(self) -> None:
        pending = list(self.new)
        audit_only = bool(pending) and not self.dirty and not self.deleted and all(
            getattr(obj, "__tablename__", None) == "audit_events" for obj in pending)
        try:
            super().commit()
        except OperationalError as error:
            if not (audit_only and is_sqlite_busy(error)):
                raise
            self.rollback()
            self.add_all(pending)
            super().commit()


def commit_after_reading() -> None:
    """Commit what a page that only reads adds once it is made (its audit event): without expiring the rows it read,
    which nothing reads again (a case file holds a few hundred; expiring them costs more than the insert)."""
    from .extensions import db

    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


class PersonName:
    """For models of a person with ``first_name`` and ``last_name``."""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


def insert_ignoring_conflicts(model, rows: list[dict], conflict_columns: list[str]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns how many rows were new.
    For writes two processes may race on (a reminder delivered by two schedulers started by mistake)."""
    if not rows:
        return 0
    from .extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).on_conflict_do_nothing(index_elements=conflict_columns).returning(model.id)
    inserted = 0
    for start in range(0, len(rows), 500):
        inserted += len(db.session.execute(statement, rows[start:start + 500]).all())
    return inserted


def _count_query(_connection, _cursor, statement, *_args) -> None:
    from flask import current_app, g, has_app_context

    if statement != "BEGIN" and has_app_context() and current_app.config["QUERY_COUNT_HEADER"]:
        g.query_count = g.get("query_count", 0) + 1


def count_queries_per_request(app) -> None:
    """With QUERY_COUNT_HEADER on (the benchmark's setting), every response says in ``X-Query-Count`` how many SQL
    statements its request ran, so a page whose queries grow with the data shows it under load."""
    from flask import g

    if not event.contains(Engine, "before_cursor_execute", _count_query):
        event.listen(Engine, "before_cursor_execute", _count_query)

    @app.after_request
    def tell(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
