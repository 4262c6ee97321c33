"""Column and quota reminders agree with the report: a column the report calls stale (or about to be, a few
days later) reminds its own department's informants and nobody else; a department short of its quota last
week is told so; running again gives nothing twice."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import World

LATE = "2027-01-20T09:00:00+08:00"  # long after the demo's newest items


def report_at(root: Any, now: dt.datetime) -> Any:
    from portal import model
    from reports import history
    from reports import period as periods
    from reports.report import build

    return build(model.load(root), periods.parse(None, None, None, now), history.read(root))


def run(monkeypatch: pytest.MonkeyPatch, now: str) -> Any:
    from workbench import reminders
    from workbench.services import server

    monkeypatch.setenv("PORTAL_NOW", now)
    return reminders.run(server(), "", None)


def texts(person: str, kind: str) -> list[str]:
    from workbench.models import Notice

    return list(Notice.objects.filter(person=person, kind=kind, seen__isnull=True).values_list("text", flat=True))


def test_stale_columns_and_quotas_as_the_report_counts_them(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal import clock
    from workbench import reminders
    from workbench.models import Notice
    from workbench.services import server

    done = run(monkeypatch, LATE)
    assert not done.errors, done.errors
    report = report_at(reminders.checkout(server()), clock.now())
    config = server().config()
    stale = [c for c in report.columns if c.status in ("stale", "empty") and c.inspection != "static"]
    assert stale
    for column in stale:
        for person in reminders.informants_of(config, column.departments):
            assert any(f"栏目“{column.title}”" in t for t in texts(person, "stale")), (person, column.id)
    news = next(c for c in report.columns if c.id == "news")
    assert news.stale  # 动态要闻 (宣教科) is stale: its informants hear of it, 危化科's does not
    assert any("动态要闻" in t and "国家检查时限（2 周）" in t for t in texts("sun.lixin", "stale"))
    assert any("动态要闻" in t for t in texts("du.xiaoming", "stale"))
    assert not any("动态要闻" in t for t in texts("guo.lei", "stale"))

    # quotas: last week (2027-01-11..17) as reports.quotas counts it
    unit = next(u for u in report.units if u.unit == "危化科")
    assert unit.items == 0
    assert any("危险化学品安全监督管理科上周" in t and "少于报送任务 1 篇" in t for t in texts("guo.lei", "quota"))
    assert not any("危险化学品" in t for t in texts("sun.lixin", "quota"))

    count = Notice.objects.count()
    again = run(monkeypatch, LATE)
    assert again.created == 0 and Notice.objects.count() == count


def test_a_column_about_to_go_stale(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal import clock
    from workbench import reminders
    from workbench.services import server

    monkeypatch.setenv("PORTAL_NOW", "2026-11-22T12:00:00+08:00")
    report = report_at(reminders.checkout(server()), clock.now())
    news = next(c for c in report.columns if c.id == "news")
    assert news.fresh_until is not None
    # two days before 动态要闻 passes the national limit: a warning, with the last day named
    soon = dt.datetime.combine(news.fresh_until - dt.timedelta(days=2), dt.time(9), clock.CST)
    run(monkeypatch, soon.isoformat())
    warned = [t for t in texts("sun.lixin", "stale") if "动态要闻" in t and "之后即超过国家检查时限" in t]
    assert warned and f"{news.fresh_until:%m月%d日}" in warned[0]
    assert not any("动态要闻" in t for t in texts("guo.lei", "stale"))
