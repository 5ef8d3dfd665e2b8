"""The in-app inbox: delivering messages once per user and key, reading them, and the e-mail copy.

E-mails leave the system, so they carry only the title and a link back; they are sent after the
notifications are committed (``send_pending_emails``), never from inside the transaction that creates them.
"""

import logging
import smtplib
from email import policy
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import bindparam, func, select, update

from ..auth.models import User
from ..clock import utcnow
from ..database import insert_ignoring_conflicts
from ..extensions import db
from ..i18n import gettext as _
from .models import Notification
from .registry import Reminder

log = logging.getLogger(__name__)


def deliver(reminders: list[Reminder]) -> int:
    """Put each reminder into its recipients' inboxes unless it is there already; returns how many were new.
    Safe against a second process delivering the same reminders at the same time (the insert skips conflicts)."""
    user_ids = {user_id for reminder in reminders for user_id in reminder.recipients}
    if not user_ids:
        return 0
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(user_ids), User.is_active.is_(True)))}
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    rows = []
    now = utcnow()
    for reminder in reminders:
        for user_id in sorted(reminder.recipients):
            user = users.get(user_id)
            if user is None:
                continue
            with force_locale(user.language or default):
                rows.append({"user_id": user_id, "key": reminder.key[:200], "kind": reminder.kind,
                             "title": str(reminder.title)[:300], "body": str(reminder.body) if reminder.body else None,
                             "link": reminder.link, "severity": reminder.severity, "created_at": now})
    return insert_ignoring_conflicts(Notification, rows, ["user_id", "key"])


def notify(user_ids, key: str, kind: str, title, body=None, link: str | None = None, severity: str = "info") -> int:
    """Deliver one message now (the caller commits)."""
    return deliver([Reminder(frozenset(user_ids), key, kind, title, body, link, severity)])


# Every page's shell shows it: built once, so a request only binds the user.
_UNREAD = select(func.count()).select_from(Notification).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def unread_count(user) -> int:
    loaded = user.__dict__.get("unread_notifications")  # read with the request's user (until a commit expires it)
    if loaded is not None:
        return loaded
    return db.session.scalar(_UNREAD, {"user_id": user.id}) or 0


def inbox_of(user, limit: int = 200) -> list[Notification]:
    """Unread first, then the newest."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)))


def notification_of(user, notification_id: int) -> Notification | None:
    """A user reaches only their own messages."""
    return db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                        Notification.user_id == user.id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount


# --- e-mail ------------------------------------------------------------------------------------------------------


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_pending_emails(limit: int = 500) -> int:
    """Send an e-mail for each committed notification not mailed yet (oldest first); returns how many were sent.

    Each is claimed (marked and committed) before it is sent, so two senders at the same time (the scheduler's
    minute and a job started on the admin page) never mail it twice; a failed send gives the claim back, a crash
    between claim and send loses that one e-mail (the message stays in the inbox)."""
    if not mail_configured():
        return 0
    sent = 0
    pending = db.session.execute(
        select(Notification.id, Notification.title, Notification.link, User.email, User.name, User.language)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.is_active.is_(True))
        .order_by(Notification.id).limit(limit)).all()
    db.session.commit()  # each claim below starts a transaction of its own (SQLite: see runner.claim)
    if not pending:
        return 0
    config = current_app.config
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("SMTP server %s not reachable: %s", config["MAIL_SERVER"], error)
        return 0
    with smtp:
        for notification_id, title, link, email, name, language in pending:
            message = _message(config, email, name, language, title, link)
            claimed = db.session.execute(update(Notification).where(
                Notification.id == notification_id, Notification.emailed_at.is_(None)).values(emailed_at=utcnow()))
            db.session.commit()
            if not claimed.rowcount:
                continue  # another sender has it
            try:
                smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as error:
                log.warning("E-mail for notification %s not sent: %s", notification_id, error)
                db.session.execute(update(Notification).where(Notification.id == notification_id)
                                   .values(emailed_at=None))
                db.session.commit()
                continue
            sent += 1
    return sent


# Python 3.11 folds a long subject so that the space before an encoded word starting with "(" is lost
# ("Heizung(§ 5)"); kept on one line (RFC 5322 allows 998 characters) the subject arrives as written. The body is
# quoted-printable, so its lines stay short all the same.
MAIL_POLICY = policy.default.clone(max_line_length=998)


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=20)
    if str(config.get("MAIL_USE_TLS") or "").lower() in ("1", "true", "yes", "on"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _message(config, email: str, name: str, language: str | None, title: str, link: str | None) -> EmailMessage:
    base = (config.get("BASE_URL") or "").rstrip("/")
    with force_locale(language or config["BABEL_DEFAULT_LOCALE"]):
        lines = [_("Guten Tag %(name)s,", name=name), "", title, ""]
        if link:
            lines.append(_("Details: %(url)s", url=base + link))
        lines += [_("Alle Nachrichten: %(url)s", url=base + "/inbox"), "", "--",
                  _("Diese Nachricht wurde automatisch versandt; bitte antworten Sie nicht darauf.")]
        message = EmailMessage(policy=MAIL_POLICY)
        message["Subject"] = "[housing] " + title.replace("\n", " ").replace("\r", " ")[:200]
    message["From"] = config["MAIL_FROM"]
    message["To"] = email
    message.set_content("\n".join(lines), cte="quoted-printable")
    return message
