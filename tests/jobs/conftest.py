"""Shared helpers of the job tests: a clock moved day by day, running a job as the scheduler would, the
messages in the inboxes, and a real SMTP server (aiosmtpd) on a free local port.

The clock starts on Monday, 2 November 2026, 09:00 in Dortmund (after the change to winter time), so every
deadline below is counted from a known day.
"""

import socket
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from sqlalchemy import select

from housing.clock import LOCAL_TZ, utcnow
from housing.extensions import db
from housing.jobs.models import JobRun, Notification
from housing.jobs.registry import JOBS
from housing.jobs.runner import latest_slot, run_scheduled

NOW = datetime(2026, 11, 2, 8, tzinfo=UTC)  # 09:00 in Dortmund
START = date(2026, 11, 2)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def local(day: date, hour: int = 7, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


def run_on(clock, name: str, day: date) -> JobRun | None:
    """Move the clock to 07:00 in Dortmund on ``day`` and run the job's latest slot, as the scheduler does."""
    clock.move_to(local(day))
    return run_scheduled(name, latest_slot(JOBS[name], utcnow()))


def messages(user=None) -> list[tuple]:
    """(recipient id, kind, title, link) of the notifications (of ``user``), oldest first."""
    stmt = select(Notification).order_by(Notification.id)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return [(n.user_id, n.kind, n.title, n.link) for n in db.session.scalars(stmt)]


def walk(clock, names, first: date, days: int) -> dict[date, list[tuple]]:
    """Run the jobs ``names`` on each of ``days`` days from ``first`` on; the new messages (sorted)
    by the day they came."""
    seen = len(messages())
    new = {}
    for offset in range(days):
        day = first + timedelta(days=offset)
        for name in names:
            run = run_on(clock, name, day)
            assert run is not None and run.status == "succeeded", (name, day, run and run.summary)
        now = messages()
        if len(now) > seen:
            new[day] = sorted(now[seen:])
        seen = len(now)
    return new


def dmy(day: date) -> str:
    return f"{day:%d.%m.%Y}"


# --- a real SMTP server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailSink:
    """Keeps every message the SMTP server receives (parsed), with its envelope."""

    def __init__(self):
        self.messages = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on 127.0.0.1 and a free port: ``.port``, ``.sink.messages``."""
    from aiosmtpd.controller import Controller

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.sink = sink
    try:
        yield controller
    finally:
        controller.stop()


BASE_URL = "https://wohnen.dortmund.example"


@pytest.fixture
def mail_to(app):
    """``mail_to(port)`` points the app's e-mail at 127.0.0.1:port (restored after the test)."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "BASE_URL")
    saved = {key: app.config.get(key) for key in keys}

    def configure(port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL=BASE_URL)

    yield configure
    app.config.update(saved)


@pytest.fixture
def mail(smtp_server, mail_to):
    """E-mail goes to the test's SMTP server; returns the list of messages it received."""
    mail_to(smtp_server.port)
    return smtp_server.sink.messages
