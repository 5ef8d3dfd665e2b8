"""Dortmund's working days: weekends and North Rhine-Westphalia's public holidays are not owed."""

from datetime import date

from housing.clock import public_holidays, working_days_between


def test_the_public_holidays_of_north_rhine_westphalia_in_2026():
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
        date(2026, 5, 25), date(2026, 6, 4), date(2026, 10, 3), date(2026, 11, 1), date(2026, 12, 25),
        date(2026, 12, 26)]
    # Easter moves: in 2027 Good Friday is 26 March and Corpus Christi 27 May.
    assert {date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17), date(2027, 5, 27)} <= \
        public_holidays(2027)


def test_working_days_leave_out_weekends_and_the_holidays_that_fall_on_weekdays():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 6)) == 5  # an ordinary week
    assert working_days_between(date(2026, 4, 6), date(2026, 4, 10)) == 4  # Easter Monday
    assert working_days_between(date(2026, 5, 1), date(2026, 5, 31)) == 18  # 21 weekdays, three holidays
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 31)) == 22  # 3 October is a Saturday
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 31)) == 22 + 20  # Christmas Friday, New Year
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 2)) == 0
