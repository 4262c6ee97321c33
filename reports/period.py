"""The period a report covers, the moment it is evaluated at, and the update windows inside it."""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re

from portal import clock
from portal.errors import PortalError

from . import workdays

ONE_DAY = dt.timedelta(days=1)
BIWEEK_EPOCH = dt.date(2024, 1, 1)  # a Monday; two-week windows are counted from it
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclasses.dataclass(frozen=True)
class Window:
    """One update window of a cycle (a day, a week, a month...), both ends inclusive."""
    start: dt.date
    end: dt.date
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str
    as_of: dt.datetime  # the end of the period, or now if the period is not over yet

    @property
    def complete_until(self) -> dt.date:
        """The last day that is over at `as_of`."""
        return self.as_of.date() - ONE_DAY  # as_of is at or before 24:00 of the period's last day

    def contains(self, when: dt.datetime | dt.date) -> bool:
        day = when.astimezone(clock.CST).date() if isinstance(when, dt.datetime) else when
        return self.start <= day <= self.end and (not isinstance(when, dt.datetime) or when <= self.as_of)

    def judged(self, window: Window) -> bool:
        """A window is judged in the period that holds its last day, once that day is over."""
        return self.start <= window.end <= self.end and window.end <= self.complete_until

    def months(self) -> list[Window]:
        return months_between(self.start, self.end)


def _parse_day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PortalError(f"{option} 的值“{text}”不是日期，请写成 2026-05-01") from None


def parse(period: str | None, start: str | None, end: str | None, now: dt.datetime | None = None) -> Period:
    """--period YYYY-MM, or --from/--to; by default the current month up to now."""
    now = (now or clock.now()).astimezone(clock.CST)
    if period and (start or end):
        raise PortalError("--period 与 --from/--to 只能选一种")
    if start or end:
        first = _parse_day(start, "--from") if start else dt.date(now.year, now.month, 1)
        last = _parse_day(end, "--to") if end else now.date()
        label = f"{first:%Y-%m-%d}至{last:%Y-%m-%d}"
    else:
        if period:
            m = MONTH.match(period.strip())
            if not m or not 1 <= int(m.group(2)) <= 12:
                raise PortalError(f"--period 的值“{period}”应为年月，如 2026-05")
            year, month = int(m.group(1)), int(m.group(2))
        else:
            year, month = now.year, now.month
        first = dt.date(year, month, 1)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        label = f"{year}-{month:02d}"
    if last < first:
        raise PortalError(f"--to（{last}）早于 --from（{first}）")
    if first > now.date():
        raise PortalError(f"报表期间从 {first} 开始，尚未到来（当前 {now:%Y-%m-%d}）")
    end_at = dt.datetime.combine(last + ONE_DAY, dt.time(0), clock.CST)
    return Period(first, last, label, min(end_at, now))


def months_between(first: dt.date, last: dt.date) -> list[Window]:
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        days = calendar.monthrange(year, month)[1]
        out.append(Window(dt.date(year, month, 1), dt.date(year, month, days), f"{year}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def weeks_between(first: dt.date, last: dt.date) -> list[Window]:
    """ISO weeks (Monday to Sunday) whose Sunday falls between first and last."""
    sunday = first + dt.timedelta(days=6 - first.weekday())
    out = []
    while sunday <= last:
        monday = sunday - dt.timedelta(days=6)
        year, week, _ = monday.isocalendar()
        out.append(Window(monday, sunday, f"{year}-W{week:02d}"))
        sunday += dt.timedelta(days=7)
    return out


def windows(cycle: str, first: dt.date, last: dt.date) -> list[Window]:
    """The update windows of `cycle` that end between first and last (none for on-change)."""
    if cycle == "daily":  # 每天: every working day of the official calendar
        out, day = [], first
        while day <= last:
            if workdays.is_workday(day):
                out.append(Window(day, day, f"{day:%Y-%m-%d}"))
            day += ONE_DAY
        return out
    if cycle == "weekly":
        return weeks_between(first, last)
    if cycle == "biweekly":
        out = []
        for week in weeks_between(first, last):
            if (week.start - BIWEEK_EPOCH).days // 7 % 2 == 1:
                out.append(Window(week.start - dt.timedelta(days=7), week.end, f"{week.start - dt.timedelta(days=7):%Y-%m-%d}起两周"))
        return out
    if cycle in ("monthly", "quarterly", "yearly"):
        step = {"monthly": 1, "quarterly": 3, "yearly": 12}[cycle]
        out = []
        for month in months_between(first, last):
            if month.start.month % step == 0:
                begin = dt.date(month.start.year, month.start.month - step + 1, 1)
                label = {1: month.label, 3: f"{begin.year}年第{(begin.month + 2) // 3}季度", 12: f"{begin.year}年"}[step]
                if month.end <= last:
                    out.append(Window(begin, month.end, label))
        return out
    return []
