"""Timeliness: from the event (or the submission) to publication, against each column's deadline;
and how long each review stage takes, from the review records in git.

Start: the item's `event_date`, else the first submission commit of its review branch. A date without
a time counts from 24:00 of that day (the hour is unknown; the informant gets the benefit of the doubt).
End: the merge commit that published it, or the item's date if later (scheduled), else the item's date.
Working days follow the official calendar with its moved workdays (reports/workdays.py).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Iterable, Sequence

from portal import clock, model
from portal.config import Column
from review.records import REJECT

from . import period as periods
from . import workdays
from .history import Submission

PUBLISH_STAGE = "发布"  # pseudo stage: submission to the merge that published the item


@dataclasses.dataclass
class ItemTimeliness:
    path: str
    title: str
    column: str
    unit: str
    start: dt.datetime | None
    start_source: str  # event_date / submission / ""
    published: dt.datetime | None
    published_source: str  # merge / date
    deadline: str
    due: str
    taken: str
    late: bool | None  # None: cannot be judged
    note: str = ""
    start_has_time: bool = True


def _start(article: model.Article, sub: Submission | None) -> tuple[dt.datetime | None, str, bool]:
    """(start, where it came from, whether it has an hour)."""
    if article.event_date is not None:
        parsed = model.parse_when(article.meta.get("event_date"))
        return article.event_date, "event_date", bool(parsed and parsed[1])
    if sub is not None:
        return sub.submitted_at(article.path), "submission", True
    return None, "", False


def item_timeliness(article: model.Article, column: Column, sub: Submission | None) -> ItemTimeliness:
    start, source, has_time = _start(article, sub)
    merged = sub.merged if sub is not None else None
    # public from the later of the merge and the item's date (a scheduled item waits for its date)
    published = max(merged, article.date) if merged and article.date else (merged or article.date)
    row = ItemTimeliness(article.path, article.title, article.column, article.department, start, source, published,
                         "merge" if merged and published == merged else "date", column.deadline.describe(), "", "",
                         None, "", has_time)
    if start is None or published is None:
        row.note = "无信息产生日期（event_date）也无报送记录，无法判定" if published else "稿件没有发布日期"
        return row
    if column.deadline.hours is not None:
        begin = start if has_time else dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(0), clock.CST)
        due = begin + dt.timedelta(hours=column.deadline.hours)
        row.due = model.format_when(due)
        row.taken = f"{max(0.0, (published - begin).total_seconds() / 3600):.1f} 小时"
        row.late = published > due
        return row
    try:
        due_day = workdays.add_working_days(start.astimezone(clock.CST).date(), column.deadline.working_days or 0)
        taken = workdays.working_days_between(start.astimezone(clock.CST).date(), published.astimezone(clock.CST).date())
    except workdays.CalendarGap as exc:
        row.note = str(exc)
        return row
    row.due = f"{due_day:%Y-%m-%d}"
    row.taken = f"{taken} 个工作日"
    row.late = published.astimezone(clock.CST).date() > due_day
    return row


@dataclasses.dataclass
class StageTurnaround:
    stage: str
    count: int
    median_hours: float
    mean_hours: float
    max_hours: float
    rejections: int


def turnaround(submissions: Iterable[Submission], period: periods.Period,
               order: Sequence[str] = ()) -> list[StageTurnaround]:
    """Per stage and item: hours from the item's first submission to the stage's approval in force, for
    approvals in the period (an item rejected and approved again counts to the final approval); and the
    rejections in the period."""
    hours: dict[str, list[float]] = {}
    rejected: dict[str, int] = {}
    for sub in submissions:
        for path in sorted(sub.items):
            start = sub.submitted_at(path)
            for stage, when in sub.final_approvals(path).items():
                if period.contains(when):
                    hours.setdefault(stage, []).append((when - start).total_seconds() / 3600)
            if sub.merged is not None and period.contains(sub.merged):
                hours.setdefault(PUBLISH_STAGE, []).append((sub.merged - start).total_seconds() / 3600)
        for d in sub.decisions:
            if d.action == REJECT and period.contains(d.time):
                rejected[d.stage] = rejected.get(d.stage, 0) + 1
    stages = [s for s in order if s in hours or s in rejected]
    stages += sorted(s for s in {*hours, *rejected} if s not in stages and s != PUBLISH_STAGE)
    stages += [PUBLISH_STAGE] if PUBLISH_STAGE in hours else []
    out = []
    for s in stages:
        h = hours.get(s, [])
        out.append(StageTurnaround(s, len(h), round(statistics.median(h), 1) if h else 0.0,
                                   round(statistics.fmean(h), 1) if h else 0.0, round(max(h), 1) if h else 0.0,
                                   rejected.get(s, 0)))
    return out
