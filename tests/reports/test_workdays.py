"""Working days on the official calendar, with the 2026 Spring Festival and its moved workdays.

2026 arrangement (国务院办公厅通知, as encoded by chinesecalendar 1.11): 2月15日（周日）至23日（周一）
放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
"""
from __future__ import annotations

import datetime as dt

import pytest

from reports import workdays

D = dt.date


@pytest.mark.parametrize("day, expected", [
    (D(2026, 2, 13), True),   # Friday before the holiday
    (D(2026, 2, 14), True),   # Saturday, a moved workday (调休上班)
    (D(2026, 2, 16), False),  # Monday in the holiday
    (D(2026, 2, 23), False),  # Monday, last day of the holiday
    (D(2026, 2, 24), True),
    (D(2026, 2, 28), True),   # Saturday, a moved workday
    (D(2026, 3, 1), False),   # an ordinary Sunday
    (D(2026, 10, 1), False),  # National Day
])
def test_is_workday_follows_the_official_calendar(day: dt.date, expected: bool) -> None:
    assert workdays.is_workday(day) is expected


def test_deadline_spans_the_spring_festival() -> None:
    # Friday 13 February + 3 working days: Sat 14 (moved workday), Tue 24, Wed 25.
    # A weekday rule would say Wednesday 18, in the middle of the holiday.
    assert workdays.add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)
    assert workdays.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert workdays.add_working_days(D(2026, 2, 15), 1) == D(2026, 2, 24)  # starting inside the holiday


def test_working_days_between_does_not_count_the_first_day() -> None:
    assert workdays.working_days_between(D(2026, 2, 13), D(2026, 2, 25)) == 3
    assert workdays.working_days_between(D(2026, 2, 13), D(2026, 2, 13)) == 0
    assert workdays.working_days_between(D(2026, 2, 16), D(2026, 2, 23)) == 0


def test_a_year_the_calendar_does_not_know_is_an_error_not_a_guess() -> None:
    first, last = workdays.coverage()
    assert first <= 2025 and last >= 2026
    with pytest.raises(workdays.CalendarGap) as info:
        workdays.add_working_days(D(last, 12, 30), 5)
    assert "chinesecalendar" in str(info.value) and f"{last}" in str(info.value)
