"""The clock: UTC for storage, Dortmund's calendar day for deadlines. Tests freeze it with time-machine."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The calendar day in Dortmund (a deadline "today" means Dortmund's today, not UTC's)."""
    return datetime.now(LOCAL_TZ).date()
