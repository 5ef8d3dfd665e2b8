"""The clock: UTC for storage, Dortmund's calendar day for deadlines. Tests freeze it with time-machine."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.easter import easter

LOCAL_TZ = ZoneInfo("Europe/Berlin")
# The days the system counts with: a date outside is a typo (0001-01-01, 9999-12-31 has no day after it).
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The calendar day in Dortmund (a deadline "today" means Dortmund's today, not UTC's)."""
    return datetime.now(LOCAL_TZ).date()


@lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    """North Rhine-Westphalia's public holidays in ``year`` (Dortmund's): New Year, Good Friday, Easter Monday,
    1 May, Ascension, Whit Monday, Corpus Christi, German Unity Day, All Saints' Day and the two days of Christmas."""
    sunday = easter(year)
    return frozenset({date(year, 1, 1), sunday - timedelta(days=2), sunday + timedelta(days=1), date(year, 5, 1),
                      sunday + timedelta(days=39), sunday + timedelta(days=50), sunday + timedelta(days=60),
                      date(year, 10, 3), date(year, 11, 1), date(year, 12, 25), date(year, 12, 26)})


def working_days_between(first: date, last: date) -> int:
    """Monday to Friday in [first, last], public holidays taken off."""
    if last < first:
        return 0
    days = (last - first).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (first + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    holidays = sum(1 for year in range(first.year, last.year + 1) for holiday in public_holidays(year)
                   if first <= holiday <= last and holiday.weekday() < 5)
    return count - holidays
