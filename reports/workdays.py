"""Working days on the official Chinese calendar, with its moved workdays (调休).

The calendar is the `chinesecalendar` package (PyPI), which encodes each year's State Council
arrangement (国务院办公厅关于部分节假日安排的通知) and is released again every year once the next
year's arrangement is published. It refuses years it does not know instead of guessing: a weekday
rule would silently count the Spring Festival as working days and a moved Saturday as a holiday.
So must we: a date outside its years raises CalendarGap, never a wrong answer.

The State Council publishes the next year's arrangement in November or December, weeks before the
package is released. For such a year the administrator copies the notice into `calendar.yml` at the
portal's root (holidays and moved working days, reviewed like any other change); `configure(root)`
reads it, and it is used only for years the package does not know.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

import chinese_calendar

from portal import textfile, yamlfile
from portal.errors import PortalError

ONE_DAY = dt.timedelta(days=1)


CALENDAR_FILE = "calendar.yml"
RANGE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:~|至|--|—)\s*(\d{4}-\d{1,2}-\d{1,2})\s*$")


@dataclasses.dataclass(frozen=True)
class YearSchedule:
    """One year of the State Council's arrangement, as entered in calendar.yml."""
    year: int
    source: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # weekend days that are working days (调休上班)


_local: dict[int, YearSchedule] = {}


class CalendarGap(PortalError):
    """The official calendar of that year is known neither to the installed package nor to calendar.yml."""

    def __init__(self, day: dt.date) -> None:
        first, last = coverage()
        local = "、".join(str(y) for y in sorted(_local)) or "无"
        super().__init__(
            f"无法判定 {day:%Y-%m-%d} 是否为工作日：chinesecalendar 只收录 {first}—{last} 年，{CALENDAR_FILE} 已录入的年份：{local}。"
            f"请按国务院办公厅《关于{day.year}年部分节假日安排的通知》在门户仓库根目录的 {CALENDAR_FILE} 中写入 "
            f"years: {{{day.year}: {{source: 文号, holidays: [放假日期…], workdays: [调休上班日期…]}}}}（格式见 README“报表”一节），"
            "或升级 chinesecalendar（pip install -U chinesecalendar）")
        self.day = day


def _day(text: Any, where: str, year: int) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise PortalError(f"{where}：“{text}”不是日期，请写成 {year}-01-01 或 {year}-02-05 ~ {year}-02-11") from None
    if day.year not in (year, year - 1):  # a New Year holiday may begin on 31 December
        raise PortalError(f"{where}：{day} 不在 {year} 年（{year} 年的安排只能写 {year} 年的日期，元旦假期可含上年 12 月底）")
    return day


def _days(values: Any, key: str, where: str, year: int) -> frozenset[dt.date]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise PortalError(f"{where}：{key} 应为日期列表，如 [{year}-01-01, {year}-02-05 ~ {year}-02-11]")
    out: set[dt.date] = set()
    for value in values:
        m = RANGE.match(str(value))
        if not m:
            out.add(_day(value, where, year))
            continue
        first, last = _day(m.group(1), where, year), _day(m.group(2), where, year)
        if last < first:
            raise PortalError(f"{where}：“{value}”的结束日期早于开始日期")
        out.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return frozenset(out)


def read_calendar(path: Path) -> dict[int, YearSchedule]:
    """calendar.yml: `years: {2027: {source, holidays, workdays}}`; errors name the file and the line."""
    text, problems = textfile.decode(path.read_bytes(), path.name)
    if text is None:
        raise PortalError("；".join(f.format() for f in problems))
    try:
        data, lines = yamlfile.load(text)
    except yamlfile.YamlError as exc:
        raise PortalError(f"{path.name}:{exc.line}: {exc.problem}。请修正 YAML 语法") from None
    years = (data or {}).get("years") if isinstance(data, dict) else None
    if not isinstance(years, dict):
        raise PortalError(f"{path.name}:1: 应有 years: 一节，按年份写入国务院公布的节假日安排（可以为空：years: {{}}）")
    out = {}
    for key, body in years.items():
        where = f"{path.name}:{lines.get(f'years.{key}', 1)}"
        if not str(key).isdigit() or not isinstance(body, dict) or "holidays" not in body:
            raise PortalError(f"{where}：年份“{key}”应写成 {key}: {{source: 文号, holidays: [...], workdays: [...]}}")
        year = int(key)
        holidays = _days(body.get("holidays"), "holidays", where, year)
        moved = _days(body.get("workdays"), "workdays", where, year)
        both = sorted(holidays & moved)
        if both:
            raise PortalError(f"{where}：{both[0]} 同时写在 holidays 和 workdays 中")
        out[year] = YearSchedule(year, str(body.get("source") or ""), holidays, moved)
    return out


def configure(root: Path) -> dict[int, YearSchedule]:
    """Use the portal's calendar.yml (if any) for the years the package does not know."""
    path = root / CALENDAR_FILE
    schedules = read_calendar(path) if path.is_file() else {}
    _local.clear()
    _local.update(schedules)
    is_workday.cache_clear()
    return schedules


def reset() -> None:
    """Forget any calendar.yml read before (the package alone)."""
    _local.clear()
    is_workday.cache_clear()


def source(year: int) -> str:
    """Where the calendar of `year` comes from, for the report's notes."""
    first, last = coverage()
    if first <= year <= last:
        return f"chinesecalendar {chinese_calendar.__version__}"
    if year in _local:
        return f"{CALENDAR_FILE}（{_local[year].source or '国务院办公厅通知'}）"
    return "无"


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
        schedule = _local.get(day.year)
        if schedule is None:
            raise CalendarGap(day) from None
        if day in schedule.workdays or day in schedule.holidays:
            return day in schedule.workdays
        return day.weekday() < 5


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
