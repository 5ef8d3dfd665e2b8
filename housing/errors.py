"""Domain errors raised by services, and the error pages and JSON errors they turn into."""

import sqlite3

from email_validator import EmailNotValidError, validate_email
from flask import Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from .clock import EARLIEST_DAY, LATEST_DAY
from .database import is_sqlite_busy
from .extensions import db
from .i18n import gettext as _


class DomainError(Exception):
    """A rule of the domain refused the request; ``message`` is German text for the user."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    """Invalid values (422): ``fields`` maps a field name to its messages."""

    status_code = 422
    code = "invalid"

    @classmethod
    def on(cls, field: str, message: str) -> "ValidationFailed":
        return cls(message, {field: [message]})


class Conflict(DomainError):
    """A state conflict (409): a failed guard, a duplicate, a locked record, a stale version."""


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


HTTP_MESSAGES = {
    400: ("bad_request", lambda: _("Die Anfrage ist fehlerhaft.")),
    401: ("unauthorized", lambda: _("Anmeldung erforderlich.")),
    403: ("forbidden", lambda: _("Dafür fehlt Ihnen die Berechtigung.")),
    404: ("not_found", lambda: _("Nicht gefunden.")),
    405: ("method_not_allowed", lambda: _("Diese Methode ist hier nicht erlaubt.")),
    409: ("conflict", lambda: _("Der Vorgang steht im Widerspruch zum aktuellen Stand.")),
    413: ("too_large", lambda: _("Die Anfrage ist zu groß.")),
    422: ("invalid", lambda: _("Die Angaben sind ungültig.")),
    429: ("too_many_requests", lambda: _("Zu viele Versuche. Bitte warten Sie einen Moment.")),
    500: ("server_error", lambda: _("Ein interner Fehler ist aufgetreten.")),
}


def _http_message(status: int) -> tuple[str, str]:
    code, message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500] if status >= 500 else HTTP_MESSAGES[400])
    return code, message()


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status in (403, 404):
        _audit_refusal(status)
    if is_api_request():
        code, message = _http_message(status)
        return json_error(status, code, message)
    template = f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/generic.html"
    return render_template(template, status=status, message=_http_message(status)[1]), status


def _audit_refusal(status: int) -> None:
    """A logged-in user (or token) refused a page or record: into the audit log, in its own transaction, so an
    attempt to guess ids leaves a trace."""
    from flask_login import current_user

    from .audit.services import record
    from .logs import neutralise

    if not current_user or not current_user.is_authenticated or request.endpoint == "static":
        return
    try:
        db.session.rollback()
        record("access.denied", object_type=request.endpoint or "unknown",
               summary=f"{status} {request.method} {neutralise(request.full_path.rstrip('?'))}"[:400])
        db.session.commit()
    except Exception:  # the refusal itself must still be answered
        db.session.rollback()
        current_app.logger.exception("Could not audit a refusal")


def handle_domain_error(error: DomainError):
    db.session.rollback()
    if is_api_request():
        return json_error(error.status_code, error.code, error.message, error.fields)
    return render_template("errors/generic.html", status=error.status_code, message=error.message), error.status_code


def handle_unexpected_error(error: Exception):
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        code, message = _http_message(500)
        return json_error(500, code, message)
    return render_template("errors/500.html", status=500, message=_http_message(500)[1]), 500


WRITE_CONFLICTS = (IntegrityError, StaleDataError, OperationalError)  # what write_conflict() looks at
# A unique or foreign key met another's commit (PostgreSQL's SQLSTATE, SQLite's extended result codes); a NOT NULL
# or CHECK violation is a fault of ours, not a race.
RACED_CONSTRAINTS = {"23505", "23503", sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
                     sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY}


def raced(error: Exception) -> bool:
    """Whether a database error is another's save that came first: the row changed under us, a unique value or a
    referenced row taken or removed meanwhile, SQLite's write after another process's commit."""
    if isinstance(error, StaleDataError):
        return True
    if isinstance(error, OperationalError):
        return is_sqlite_busy(error)
    if isinstance(error, IntegrityError):
        orig = error.orig
        return (getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorcode", None)) in RACED_CONSTRAINTS
    return False


def write_conflict(error: Exception) -> Conflict | None:
    """The refusal for two saves that raced (a unique key taken meanwhile, a row changed under us, on SQLite a
    write after another process's commit), or None when ``error`` is something else."""
    if isinstance(error, OperationalError) and not is_sqlite_busy(error):
        return None
    if not isinstance(error, WRITE_CONFLICTS):
        return None
    current_app.logger.info("Write conflict on %s %s: %s", request.method, request.path, type(error).__name__)
    return Conflict(_("Jemand anderes hat diesen Datensatz gerade geändert. "
                      "Bitte laden Sie die Seite neu und prüfen Sie Ihre Eingabe."))


def handle_write_conflict(error):
    """Two saves raced outside a form (an API call, a button): tell the user. A form's save shows the form again
    with what was typed (forms.save_form)."""
    db.session.rollback()
    return handle_domain_error(write_conflict(error))


def handle_database_error(error: OperationalError):
    """SQLite's form of a race: a transaction that read before another process committed may not write after it
    ("database is locked" at once, whatever the busy timeout), and a writer that waited too long gives up the
    same way. Both are a write conflict, not a server error; anything else is one."""
    if is_sqlite_busy(error):
        return handle_write_conflict(error)
    if current_app.debug or current_app.testing:
        raise error
    return handle_unexpected_error(error)


def handle_untrusted_host(error):
    """A request for a host not in TRUSTED_HOSTS: no page (its links would point to that host)."""
    return Response("400 Bad Request: unknown host", status=400, mimetype="text/plain")


def register_errorhandlers(app):
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_write_conflict)
    app.register_error_handler(StaleDataError, handle_write_conflict)
    app.register_error_handler(OperationalError, handle_database_error)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)


class FieldErrors:
    """Collects field messages so one request reports every problem at once."""

    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def enum(self, field: str, enum_class, value, required: bool = True):
        """``value`` as a member of ``enum_class``; notes a message on ``field`` (and returns None) if it is not."""
        if value in (None, ""):
            if required:
                self.add(field, _("Pflichtangabe fehlt."))
            return None
        try:
            return enum_class(value)
        except ValueError:
            self.add(field, _("Unbekannter Wert „%(value)s“.", value=value))
            return None

    def email(self, field: str, value) -> str | None:
        """``value`` as an e-mail address to write to (trimmed; None when empty); notes a message on ``field`` when
        it cannot be one ("ana@@beispiel", no @). Whether the domain receives mail is not asked."""
        text = (value or "").strip()
        if not text:
            return None
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            self.add(field, _("Bitte eine gültige E-Mail-Adresse angeben, z. B. name@beispiel.de."))
        return text[:254]

    def day(self, field: str, value) -> None:
        """Notes a message on ``field`` when the date lies outside the days the system counts with."""
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            self.add(field, _("Bitte ein Datum zwischen 1900 und 2999 angeben."))

    def raise_if_any(self, message: str | None = None) -> None:
        if self.fields:
            raise ValidationFailed(message or _("Die Angaben sind ungültig."), self.fields)
