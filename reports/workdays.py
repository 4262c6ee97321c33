"""Working days on the official Chinese calendar, with its moved workdays (调休).

The calendar is the `chinesecalendar` package (PyPI), which encodes each year's State Council
arrangement (国务院办公厅关于部分节假日安排的通知) and is released again every year once the next
year's arrangement is published. It refuses years it does not know instead of guessing: a weekday
rule would silently count the Spring Festival as working days and a moved Saturday as a holiday.
So must we: a date outside its years raises CalendarGap, never a wrong answer.
"""
from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar

from portal.errors import PortalError

ONE_DAY = dt.timedelta(days=1)


class CalendarGap(PortalError):
    """The official calendar of that year is not known to the installed package."""

    def __init__(self, day: dt.date) -> None:
        first, last = coverage()
        super().__init__(f"工作日历只覆盖 {first}—{last} 年，无法判定 {day:%Y-%m-%d} 是否为工作日。"
                         "请升级 chinesecalendar（pip install -U chinesecalendar），国务院公布次年节假日安排后它会随之更新")
        self.day = day


@functools.cache
def coverage() -> tuple[int, int]:
    """First and last year the installed calendar knows."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years), max(years)


@functools.cache
def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise CalendarGap(day) from None


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The last day of a limit of n working days counted from `start`.

    As in Chinese administrative law, the day the period starts is not counted
    (民法典 第二百零一条): an event on Friday with 1 working day is due on the next working day.
    """
    day = start
    while n > 0:
        day += ONE_DAY
        if is_workday(day):
            n -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_workday(day)
    return count
