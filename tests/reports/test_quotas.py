from __future__ import annotations

import datetime as dt

from portal.config import Quota
from reports import period as periods
from reports import quotas

D = dt.date


def test_weeks_and_months_of_a_finished_month() -> None:
    october = periods.parse("2026-10", None, None)
    days = [D(2026, 9, 30), D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 14), D(2026, 10, 26), D(2026, 11, 1)]
    q = quotas.unit_quota("宣教科", Quota(1, 4), days, october)
    assert q.items == 4
    # weeks ending 4, 11, 18, 25 October: the one of 28 Sep - 4 Oct holds the item of 30 September
    assert q.weeks == [("2026-W40", 1), ("2026-W41", 2), ("2026-W42", 1), ("2026-W43", 0)]
    assert q.weeks_short == ["2026-W43"]
    assert q.months == [("2026-10", 4)] and q.months_short == [] and q.running == []
    assert not q.ok
    assert quotas.unit_quota("宣教科", Quota(0, 5), days, october).months_short == ["2026-10"]


def test_a_running_month_is_not_judged() -> None:
    november = periods.parse("2026-11", None, None)
    q = quotas.unit_quota("宣教科", Quota(1, 4), [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16)], november)
    assert q.months == [] and q.running == [("2026-11", 3)]
    assert [n for _, n in q.weeks] == [0, 1, 1]  # weeks ending 1, 8, 15 November; 22 November is today
    assert q.weeks_short == ["2026-W44"]


def test_monthly_counts() -> None:
    months = periods.months_between(D(2026, 9, 1), D(2026, 10, 31))
    assert quotas.monthly_counts({"甲": [D(2026, 9, 3), D(2026, 10, 1), D(2026, 10, 31)], "乙": []}, months) == {
        "甲": [1, 2], "乙": [0, 0]}
