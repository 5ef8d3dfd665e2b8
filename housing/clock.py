"""The clock: UTC for storage, Dortmund's calendar day for deadlines. Tests freeze it with time-machine."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Berlin")
# The days the system counts with: a date outside is a typo (0001-01-01, 9999-12-31 has no day after it).
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The calendar day in Dortmund (a deadline "today" means Dortmund's today, not UTC's)."""
    return datetime.now(LOCAL_TZ).date()
