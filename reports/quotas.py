"""Quotas: items each unit submits per week and per month (seed 004: at least 1 a week, 4 a month).

A week (Monday to Sunday) or month is judged in the period that holds its last day, once it is over;
a month still running is shown but not judged.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from portal.config import Quota

from . import period as periods


@dataclasses.dataclass
class UnitQuota:
    unit: str
    quota: Quota
    items: int  # items dated in the period
    weeks: list[tuple[str, int]]  # judged weeks: (label, items)
    months: list[tuple[str, int]]  # judged months
    running: list[tuple[str, int]]  # months not judged: not over yet, or only partly in the period

    @property
    def weeks_short(self) -> list[str]:
        return [label for label, n in self.weeks if n < self.quota.per_week]

    @property
    def months_short(self) -> list[str]:
        return [label for label, n in self.months if n < self.quota.per_month]

    @property
    def ok(self) -> bool:
        return not self.weeks_short and not self.months_short


def count_in(days: Sequence[dt.date], window: periods.Window) -> int:
    """Items of a sorted list of days that fall in the window."""
    return bisect.bisect_right(days, window.end) - bisect.bisect_left(days, window.start)


def unit_quota(unit: str, quota: Quota, days: Sequence[dt.date], period: periods.Period) -> UnitQuota:
    items = count_in(days, periods.Window(period.start, period.end, period.label))
    weeks = [(w.label, count_in(days, w)) for w in periods.weeks_between(period.start, period.end) if period.judged(w)]
    months, running = [], []
    for m in period.months():
        row = (m.label, count_in(days, m))
        if period.judged(m):
            months.append(row)
        else:  # not over yet, or only partly inside the period
            running.append(row)
    return UnitQuota(unit, quota, items, weeks, months, running)


def monthly_counts(days_by_unit: Mapping[str, Sequence[dt.date]], months: Sequence[periods.Window]) -> dict[str, list[int]]:
    """Unit -> items in each month, for the chart of items per unit per month."""
    return {unit: [count_in(days, m) for m in months] for unit, days in days_by_unit.items()}
