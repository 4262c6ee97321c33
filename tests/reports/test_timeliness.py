"""Timeliness against each column's deadline, in hours or in working days of the official calendar."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal import clock, config, model
from reports import history, timeliness, workdays
from reports import period as periods
from tests.reports.conftest import GitPortal, item
from tests.reports.test_history import at, rejected_then_approved


def article(cfg: config.Config, column: str, text: str) -> model.Article:
    a, _ = model.parse_article(cfg, f"content/{column}/2026-01-01-x.md", text.encode())
    assert a is not None
    return a


def sub(submitted: str, merged: str | None) -> history.Submission:
    step = history.Step(0, "submit", at(submitted), frozenset())
    return history.Submission("review/x", "sun.lixin", [step], set(), at(merged) if merged else None)


@pytest.fixture
def cfg(tmp_portal: Path) -> config.Config:
    return config.load(tmp_portal)


@pytest.mark.parametrize("merged, late", [("2026-02-25 18:00", False), ("2026-02-26 09:00", True)])
def test_working_days_across_the_spring_festival(cfg: config.Config, merged: str, late: bool) -> None:
    # notices: 3 working days. Event on Friday 13 February: Sat 14 (moved workday), Tue 24, Wed 25.
    a = article(cfg, "notices", item("春节通知", "2026-02-25 09:00", kind="通知", event_date="2026-02-13"))
    row = timeliness.item_timeliness(a, cfg.columns["notices"], sub("2026-02-13 10:00", merged))
    assert (row.start_source, row.published_source, row.due) == ("event_date", "merge", "2026-02-25")
    assert row.late is late
    assert row.taken == ("3 个工作日" if not late else "4 个工作日")


@pytest.mark.parametrize("event, published, late", [
    ("2026-03-02 09:00", "2026-03-03 09:00", False),   # exactly 24 hours
    ("2026-03-02 09:00", "2026-03-03 09:01", True),
    ("2026-03-02", "2026-03-03 23:59", False),         # a date alone counts from 24:00 of that day
    ("2026-03-02", "2026-03-04 00:01", True),
])
def test_hours(cfg: config.Config, event: str, published: str, late: bool) -> None:
    a = article(cfg, "news", item("动态", published, event_date=event))
    row = timeliness.item_timeliness(a, cfg.columns["news"], None)
    assert (row.published_source, row.late) == ("date", late)


def test_submission_time_when_there_is_no_event_date(cfg: config.Config) -> None:
    a = article(cfg, "news", item("动态", "2026-03-03 08:00"))
    on_time = timeliness.item_timeliness(a, cfg.columns["news"], sub("2026-03-02 10:00", "2026-03-03 09:00"))
    assert (on_time.start_source, on_time.late, on_time.taken) == ("submission", False, "23.0 小时")
    late = timeliness.item_timeliness(a, cfg.columns["news"], sub("2026-03-02 10:00", "2026-03-03 11:00"))
    assert late.late is True


def test_without_start_it_cannot_be_judged(cfg: config.Config) -> None:
    row = timeliness.item_timeliness(article(cfg, "news", item("动态", "2026-03-03 12:00")), cfg.columns["news"], None)
    assert row.late is None and "无法判定" in row.note


def test_beyond_the_calendar_it_says_so(cfg: config.Config) -> None:
    year = workdays.coverage()[1] + 1
    a = article(cfg, "notices", item("通知", f"{year}-01-10 09:00", kind="通知", event_date=f"{year}-01-05"))
    row = timeliness.item_timeliness(a, cfg.columns["notices"], None)
    assert row.late is None and "chinesecalendar" in row.note


def test_turnaround_per_stage_from_git(git_portal: GitPortal) -> None:
    rejected_then_approved(git_portal)
    subs = history.read(git_portal.root).submissions
    stages = {s.stage: s for s in timeliness.turnaround(subs, periods.parse("2026-02", None, None),
                                                        ["初审", "保密审查", "复审", "终审"])}
    assert list(stages) == ["初审", "保密审查", "复审", "终审", "发布"]
    assert stages["初审"].median_hours == 25.0  # from the first submission to the approval in force
    assert stages["保密审查"].median_hours == 11 * 24 and stages["保密审查"].rejections == 1
    assert stages["终审"].median_hours == 12 * 24
    assert stages["发布"].median_hours == 12 * 24 + 1
    assert timeliness.turnaround(subs, periods.parse("2026-03", None, None)) == []


def test_outside_the_period_nothing_counts(git_portal: GitPortal) -> None:
    rejected_then_approved(git_portal)
    january = periods.Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "2026-01",
                             dt.datetime(2026, 2, 1, tzinfo=clock.CST))
    assert timeliness.turnaround(history.read(git_portal.root).submissions, january) == []


@pytest.mark.parametrize("date, late", [("2026-03-04 08:00", False), ("2026-03-04 10:00", True)])
def test_a_scheduled_item_is_published_at_its_date_not_its_merge(cfg: config.Config, date: str, late: bool) -> None:
    # event 3 March 09:00, merged 2 March 18:00 (before the event!), public from its date: 24-hour limit
    a = article(cfg, "news", item("动态", date, event_date="2026-03-03 09:00", scheduled="true"))
    row = timeliness.item_timeliness(a, cfg.columns["news"], sub("2026-03-02 10:00", "2026-03-02 18:00"))
    assert (row.published_source, row.published, row.late) == ("date", at(date), late)


def test_a_back_dated_item_is_published_at_its_merge(cfg: config.Config) -> None:
    a = article(cfg, "news", item("动态", "2026-03-02 09:00", event_date="2026-03-02 08:00"))
    row = timeliness.item_timeliness(a, cfg.columns["news"], sub("2026-03-05 10:00", "2026-03-05 11:00"))
    assert (row.published_source, row.published, row.late) == ("merge", at("2026-03-05 11:00"), True)
