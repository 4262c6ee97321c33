"""Freshness against the inspection thresholds: the boundary days, undated and empty columns, vetoes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal import clock, config
from reports import freshness
from reports import period as periods

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=clock.CST)


def ago(days: int, hour: int = 9) -> dt.datetime:
    day = NOW.date() - dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=clock.CST)


@pytest.fixture
def columns(tmp_portal: Path) -> dict[str, config.Column]:
    return config.load(tmp_portal).columns


# "超过2周未更新": 14 calendar days since the newest item is still fresh, 15 is stale.
@pytest.mark.parametrize("days, stale", [(0, False), (13, False), (14, False), (15, True), (40, True)])
def test_news_column_two_weeks(columns: dict[str, config.Column], days: int, stale: bool) -> None:
    # calendar days, not periods of 24 hours: an item at 23:00 fourteen days ago is 14 days old
    row = freshness.column_freshness(columns["meetings"], [ago(60), ago(days, hour=23 if days else 8)], NOW)
    assert row.age_days == days
    assert row.stale is stale
    assert row.status == ("stale" if stale else "ok")


@pytest.mark.parametrize("newest, stale", [(dt.date(2026, 5, 22), False), (dt.date(2026, 5, 21), True)])
def test_notice_column_six_months(columns: dict[str, config.Column], newest: dt.date, stale: bool) -> None:
    when = dt.datetime.combine(newest, dt.time(10), clock.CST)
    row = freshness.column_freshness(columns["documents"], [when], NOW)
    assert row.fresh_until == freshness.add_months(newest, 6)
    assert row.stale is stale


def test_other_column_one_year(columns: dict[str, config.Column]) -> None:
    assert not freshness.column_freshness(columns["budget"], [ago(365)], NOW).stale
    assert freshness.column_freshness(columns["budget"], [ago(366)], NOW).stale


def test_static_column_is_never_stale_but_can_be_empty(columns: dict[str, config.Column]) -> None:
    assert not freshness.column_freshness(columns["leaders"], [ago(3000)], NOW).stale
    assert freshness.column_freshness(columns["leaders"], [], NOW).empty


def test_an_undated_item_is_not_an_update(columns: dict[str, config.Column]) -> None:
    row = freshness.column_freshness(columns["news"], [None], NOW)
    assert not row.empty and row.stale and row.undated == 1 and row.newest is None
    row = freshness.column_freshness(columns["news"], [None, ago(3)], NOW)
    assert not row.stale and row.age_days == 3


def test_items_after_the_evaluation_time_do_not_count(columns: dict[str, config.Column]) -> None:
    row = freshness.column_freshness(columns["meetings"], [ago(20), NOW + dt.timedelta(hours=1)], NOW)
    assert row.age_days == 20 and row.stale


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=clock.CST)


def labels(row: freshness.ColumnFreshness) -> list[str]:
    return [w.label for w in row.missed]


@pytest.mark.parametrize("newest, overdue", [
    ("2026-11-20", False),  # NOW is Sunday 22 November: Friday 20 was the last working day that is over
    ("2026-11-21", False),  # a Saturday item is newer still
    ("2026-11-19", True),   # Friday 20 got nothing
])
def test_own_cycle_of_a_daily_column_counts_working_days(columns: dict[str, config.Column], newest: str,
                                                         overdue: bool) -> None:
    row = freshness.column_freshness(columns["news"], [at(newest)], NOW)
    assert row.overdue is overdue and not row.stale
    assert row.status == ("overdue" if overdue else "ok")


def test_a_daily_column_at_a_weekend_month_end(columns: dict[str, config.Column]) -> None:
    # October 2026 ends on a Saturday; National Day 1-7 off, the 10th a moved Saturday
    october = periods.parse("2026-10", None, None)
    workdays = [dt.date(2026, 10, d) for d in (8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30)]
    row = freshness.column_freshness(columns["news"], [at(d.isoformat()) for d in workdays], october.as_of, october)
    assert (row.status, labels(row)) == ("ok", [])
    without_friday = freshness.column_freshness(columns["news"], [at(d.isoformat()) for d in workdays[:-1]],
                                                october.as_of, october)
    assert (without_friday.status, labels(without_friday)) == ("overdue", ["2026-10-30"])


@pytest.mark.parametrize("period, newest, status, missed", [
    ("2026-11", "2026-10-31", "overdue", ["2026-11"]),  # a monthly column last updated on the 31st: November missed
    ("2026-10", "2026-10-31", "ok", []),
    ("2026-02", "2026-01-31", "overdue", ["2026-02"]),  # February: 28 days, no item
    ("2026-02", "2026-02-28", "ok", []),
    ("2026-09", "2026-08-31", "overdue", ["2026-09"]),  # a 30-day month
    ("2026-09", "2026-09-30", "ok", []),
])
def test_a_monthly_column_status_agrees_with_its_missed_months(columns: dict[str, config.Column], period: str,
                                                              newest: str, status: str, missed: list[str]) -> None:
    p = periods.parse(period, None, None, now=dt.datetime(2026, 12, 15, tzinfo=clock.CST))
    row = freshness.column_freshness(columns["accidents"], [at(newest, 23)], p.as_of, p)
    assert (row.status if not row.stale else "overdue", labels(row)) == (status, missed)
    assert row.overdue is bool(missed)


def test_status_mid_period_judges_the_last_window_that_is_over(columns: dict[str, config.Column]) -> None:
    # NOW 22 November: October is the last month that is over; an item of 31 October keeps the column ok
    assert freshness.column_freshness(columns["accidents"], [at("2026-10-31")], NOW).status == "ok"
    assert freshness.column_freshness(columns["accidents"], [at("2026-09-30")], NOW).overdue
    # weekly: the week of 16-22 November is not over; 9-15 November is the one judged
    assert not freshness.column_freshness(columns["notices"], [at("2026-11-09")], NOW).overdue
    assert freshness.column_freshness(columns["notices"], [at("2026-11-08")], NOW).overdue


def rows(columns: dict[str, config.Column], stale: list[str], empty: list[str]) -> list[freshness.ColumnFreshness]:
    out = []
    for cid, column in columns.items():
        dates = [] if cid in empty else [ago(400)] if cid in stale else [NOW]
        out.append(freshness.column_freshness(column, dates, NOW))
    return out


NEWS_NOTICE = ["news", "headlines", "notices", "consultations", "meetings", "hot", "documents", "interpretations"]
OTHER = ["budget", "accidents", "commitments", "permits", "reform", "inspections", "emergency", "disaster"]


@pytest.mark.parametrize("stale, empty, vetoes", [
    ([], [], 0),
    (NEWS_NOTICE[4:8], [], 0),                         # 4 stale news/notice columns: no veto
    (NEWS_NOTICE[3:8], [], 1),                         # 5: veto
    (NEWS_NOTICE[6:8] + OTHER[:7], [], 0),             # 9 stale columns, 2 of them news/notice
    (NEWS_NOTICE[6:8] + OTHER[:8], [], 1),             # 10 stale columns: veto
    ([], ["leaders", "functions", "organization", "powers"], 0),           # 4 empty columns
    ([], ["leaders", "functions", "organization", "powers", "budget"], 1),  # 5 empty columns: veto
])
def test_vetoes(columns: dict[str, config.Column], stale: list[str], empty: list[str], vetoes: int) -> None:
    r = rows(columns, stale, empty)
    inspection = freshness.inspect(r, [NOW], NOW)
    assert len(inspection.vetoes) == vetoes
    assert inspection.failed is bool(vetoes)


@pytest.mark.parametrize("days, stale", [(14, False), (15, True)])
def test_home_page_two_weeks(columns: dict[str, config.Column], days: int, stale: bool) -> None:
    inspection = freshness.inspect(rows(columns, [], []), [ago(days)], NOW)
    assert inspection.home_stale is stale
    assert any("首页" in v for v in inspection.vetoes) is stale


def test_home_page_without_items(columns: dict[str, config.Column]) -> None:
    assert freshness.inspect(rows(columns, [], []), [], NOW).vetoes == ["首页栏目没有任何稿件（单项否决）"]
