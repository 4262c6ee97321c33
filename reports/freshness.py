"""Column freshness: against each column's own cycle and against the national inspection.

The thresholds are those of the national inspection of government websites (国办秘函〔2019〕19号,
政府网站与政务新媒体检查指标): a column "超过 N 未更新" is stale. Ages are counted in calendar days
(Beijing time) from the newest item's date to the day of evaluation; "超过2周" means more than
14 days, so an item exactly 14 days old still counts and one 15 days old does not.
"""
from __future__ import annotations

import bisect
import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable

from portal import clock
from portal.config import Column

from . import period as periods
from . import workdays

# inspection class -> (days, months, description): stale when the newest item is older than this
THRESHOLDS: dict[str, tuple[int, int, str]] = {
    "news": (14, 0, "2 周"),     # 动态、要闻类
    "notice": (0, 6, "6 个月"),  # 通知公告、政策文件类
    "other": (0, 12, "1 年"),    # 其他应更新的栏目
}
CLASS_TITLES = {"news": "动态要闻类", "notice": "通知公告/政策文件类", "other": "其他应更新栏目", "static": "概况类（无更新要求）"}
HOME_DAYS = 14  # 首页：监测时间点前 2 周内无更新
# 单项否决: (what is counted, how many fail, description)
VETOES = (
    ("stale_news_notice", 5, "动态要闻类、通知公告/政策文件类栏目未按时更新累计 {n} 个（≥{limit} 个即单项否决）"),
    ("stale", 10, "应更新栏目长期未更新累计 {n} 个（≥{limit} 个即单项否决）"),
    ("empty", 5, "空白栏目 {n} 个（≥{limit} 个即单项否决）"),
)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stale_after(inspection: str, newest: dt.date) -> dt.date | None:
    """The last day on which a column last updated on `newest` is still fresh (None: never stale)."""
    if inspection not in THRESHOLDS:
        return None
    days, months, _ = THRESHOLDS[inspection]
    return newest + dt.timedelta(days=days) if days else add_months(newest, months)


@dataclasses.dataclass
class ColumnFreshness:
    id: str
    title: str
    departments: tuple[str, ...]
    cycle: str
    cycle_days: int | None
    inspection: str
    items: int  # items public at the time of evaluation (dated or not)
    undated: int
    newest: dt.datetime | None
    age_days: int | None
    fresh_until: dt.date | None  # last day before the column becomes stale by the inspection rule
    stale: bool  # by the inspection rule
    empty: bool
    overdue: bool  # by its own cycle: no item since the start of its last update window that is over
    missed: list[periods.Window]  # update windows of the period without a new item
    note: str = ""

    @property
    def status(self) -> str:
        if self.empty:
            return "empty"
        if self.stale:
            return "stale"
        return "overdue" if self.overdue else "ok"


@dataclasses.dataclass
class Inspection:
    home_newest: dt.datetime | None
    home_age_days: int | None
    home_stale: bool
    counts: dict[str, int]
    vetoes: list[str]

    @property
    def failed(self) -> bool:
        return bool(self.vetoes)


def _age(newest: dt.datetime | None, as_of: dt.datetime) -> int | None:
    return None if newest is None else (as_of.astimezone(clock.CST).date() - newest.astimezone(clock.CST).date()).days


def column_freshness(column: Column, dates: Iterable[dt.datetime | None], as_of: dt.datetime,
                     period: periods.Period | None = None) -> ColumnFreshness:
    """`dates`: the dates of the column's public items (None for an undated item). With a period,
    also the update windows of the period the column got no item in."""
    dates = list(dates)
    known = sorted(d for d in dates if d is not None and d <= as_of)
    undated = sum(d is None for d in dates)
    newest = known[-1] if known else None
    age = _age(newest, as_of)
    until = stale_after(column.inspection, newest.astimezone(clock.CST).date()) if newest else None
    today = as_of.astimezone(clock.CST).date()
    empty = not known and not undated
    needs_update = column.inspection in THRESHOLDS
    stale = needs_update and not empty and (until is None or today > until)
    days = sorted({d.astimezone(clock.CST).date() for d in known})
    note = ""
    missed: list[periods.Window] = []
    overdue = False
    try:
        last = last_window(column.cycle, as_of)
        overdue = last is not None and not empty and not (days and days[-1] >= last.start)
        if period is not None:
            missed = [w for w in periods.windows(column.cycle, period.start, period.end)
                      if period.judged(w) and not _any_in(days, w)]
    except workdays.CalendarGap as exc:
        note = f"未判定是否按周期更新、未统计漏更新次数：{exc}"
    return ColumnFreshness(column.id, column.title, column.departments, column.cycle, column.cycle_days,
                           column.inspection, len(known) + undated, undated, newest, age, until, stale, empty,
                           overdue, missed, note)


# how far back the last update window that is over can begin (the longest holiday is 9 days)
LOOKBACK = {"daily": 31, "weekly": 14, "biweekly": 28, "monthly": 62, "quarterly": 190, "yearly": 400}


def last_window(cycle: str, as_of: dt.datetime) -> periods.Window | None:
    """The last update window of the cycle that is over at `as_of` (None for on-change columns).

    The same windows as the missed count (periods.windows): the status and the deductions never disagree."""
    if cycle not in LOOKBACK:
        return None
    done = as_of.astimezone(clock.CST).date() - dt.timedelta(days=1)  # the last day that is over (as Period)
    found = periods.windows(cycle, done - dt.timedelta(days=LOOKBACK[cycle]), done)
    return found[-1] if found else None


def _any_in(days: list[dt.date], window: periods.Window) -> bool:
    i = bisect.bisect_left(days, window.start)
    return i < len(days) and days[i] <= window.end


def inspect(rows: list[ColumnFreshness], home_dates: Iterable[dt.datetime], as_of: dt.datetime) -> Inspection:
    """The inspection's veto conditions over all columns, and the home page."""
    home = max((d for d in home_dates if d <= as_of), default=None)
    home_age = _age(home, as_of)
    home_stale = home_age is None or home_age > HOME_DAYS
    counts = {
        "stale_news_notice": sum(r.stale and r.inspection in ("news", "notice") for r in rows),
        "stale": sum(r.stale for r in rows),
        "empty": sum(r.empty for r in rows),
    }
    vetoes = [text.format(n=counts[key], limit=limit) for key, limit, text in VETOES if counts[key] >= limit]
    if home_stale:
        vetoes.insert(0, "首页超过 2 周无新稿件（单项否决）" if home else "首页栏目没有任何稿件（单项否决）")
    return Inspection(home, home_age, home_stale, counts, vetoes)
