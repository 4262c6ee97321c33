from __future__ import annotations

import datetime as dt

import pytest

from portal import clock
from portal.errors import PortalError
from reports import period as periods

D = dt.date


def test_default_is_this_month_up_to_now() -> None:
    p = periods.parse(None, None, None)
    assert (p.start, p.end, p.label) == (D(2026, 11, 1), D(2026, 11, 30), "2026-11")
    assert p.as_of == clock.now()
    assert p.complete_until == D(2026, 11, 21)


def test_a_past_month_is_evaluated_at_its_end() -> None:
    p = periods.parse("2026-02", None, None)
    assert (p.start, p.end) == (D(2026, 2, 1), D(2026, 2, 28))
    assert p.as_of == dt.datetime(2026, 3, 1, tzinfo=clock.CST)
    assert p.complete_until == D(2026, 2, 28)


def test_from_to() -> None:
    p = periods.parse(None, "2026-01-01", "2026-03-31")
    assert p.label == "2026-01-01至2026-03-31" and p.as_of == dt.datetime(2026, 4, 1, tzinfo=clock.CST)


@pytest.mark.parametrize("args, message", [
    (("2026-13", None, None), "年月"),
    (("2026-05", "2026-01-01", None), "只能选一种"),
    ((None, "2026-05-01", "2026-04-01"), "早于"),
    ((None, "5月1日", None), "不是日期"),
    (("2027-01", None, None), "尚未到来"),
])
def test_bad_periods_are_user_errors(args: tuple[str | None, str | None, str | None], message: str) -> None:
    with pytest.raises(PortalError, match=message):
        periods.parse(*args)


def test_windows_of_each_cycle() -> None:
    feb = (D(2026, 2, 1), D(2026, 2, 28))
    daily = periods.windows("daily", *feb)
    assert D(2026, 2, 14) in [w.start for w in daily]  # the moved Saturday is a working day
    assert D(2026, 2, 16) not in [w.start for w in daily]  # the holiday is not
    assert len(daily) == 16  # 20 weekdays - 6 holiday weekdays (16-20, 23) + 2 moved Saturdays (14, 28)
    weekly = periods.windows("weekly", *feb)
    assert [(w.start, w.end) for w in weekly][0] == (D(2026, 1, 26), D(2026, 2, 1))  # judged by its Sunday
    assert len(weekly) == 4
    assert all((w.end - w.start).days == 13 for w in periods.windows("biweekly", *feb))
    assert [w.label for w in periods.windows("monthly", *feb)] == ["2026-02"]
    assert periods.windows("quarterly", *feb) == []  # Q1 ends in March: judged in March
    assert [w.label for w in periods.windows("quarterly", D(2026, 3, 1), D(2026, 3, 31))] == ["2026年第1季度"]
    assert [w.label for w in periods.windows("yearly", D(2025, 12, 1), D(2025, 12, 31))] == ["2025年"]
    assert periods.windows("on-change", *feb) == []


def test_a_window_is_judged_once_it_is_over() -> None:
    p = periods.parse("2026-11", None, None)  # now is Sunday 22 November, noon
    weeks = periods.weeks_between(p.start, p.end)
    assert [p.judged(w) for w in weeks] == [True, True, True, False, False]
