"""portal report end to end: a generated history with known answers, and the demo portal."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from portal import model
from portal.cli import main
from tests.reports.conftest import GitPortal, item
from tests.reports.test_history import rejected_then_approved


@pytest.fixture
def february(git_portal: GitPortal) -> GitPortal:
    """宣教科 in February 2026: one notice on time across the Spring Festival (rejected, then approved),
    one notice late, a co-authored item adopted by the province, and an undated item."""
    rejected_then_approved(git_portal)
    rv = git_portal.branch("review/sun.lixin/20260213-100000-late")
    rv.submit("2026-02-13 10:00", {"content/notices/2026-02-26-late.md": item(
        "关于节后复工安全检查的通知", "2026-02-26 10:00", kind="通知", event_date="2026-02-13")})
    rv.approve_all(["2026-02-24 10:00", "2026-02-24 11:00", "2026-02-25 10:00", "2026-02-26 09:00"])
    rv.merge("2026-02-26 10:00")
    git_portal.commit("2026-02-10 12:00", "直接提交（无审核记录）", {
        "content/hot/2026-02-10-hezuo.md": item("联合开展节前检查", "2026-02-10 11:00",
                                                authors=["sun.lixin", "gao.tingting"], adoption="[省级]"),
        "content/budget/2026-02-11-undated.md": item("无日期的预算公开", None, "局办公室", "数据")})
    return git_portal


def run_report(root: Path, out: Path, *args: str) -> int:
    return main(["--root", str(root), "report", "--out", str(out), *args])


def test_known_answers_for_february(february: GitPortal, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_report(february.root, out, "--period", "2026-02", "--format", "json") == 0
    data = json.loads((out / "report-2026-02.json").read_text(encoding="utf-8"))
    assert data["period"] == {"label": "2026-02", "start": "2026-02-01", "end": "2026-02-28", "as_of": "2026-03-01 00:00"}
    items = {i["path"].rsplit("/", 1)[1]: i for i in data["items"]}
    assert set(items) == {"2026-02-25-notice.md", "2026-02-26-late.md", "2026-02-10-hezuo.md"}
    assert (items["2026-02-25-notice.md"]["late"], items["2026-02-25-notice.md"]["due"]) == (False, "2026-02-25")
    assert (items["2026-02-26-late.md"]["late"], items["2026-02-26-late.md"]["taken"]) == (True, "4 个工作日")
    assert items["2026-02-10-hezuo.md"]["late"] is None  # no event_date, no review record
    unit = next(u for u in data["units"] if u["unit"] == "宣教科")
    assert (unit["items"], unit["late"], unit["undetermined"]) == (3, 1, 1)
    columns = {c["id"]: c for c in data["columns"]}
    assert columns["notices"]["missed"] == ["2026-W05", "2026-W06", "2026-W07", "2026-W08"]
    assert len(columns["news"]["missed"]) == 16  # every working day of February 2026, moved Saturdays included
    assert columns["budget"]["undated"] == 1 and columns["budget"]["status"] == "stale"
    # a missed update is charged once, to the column's lead unit (notices is led by 局办公室, not 宣教科)
    missed = sum(len(c["missed"]) for c in data["columns"] if c["departments"][0] == "宣教科")
    assert unit["missed_updates"] == missed == 16 + 2 + 1  # news: working days; headlines: 2 fortnights; science
    assert (unit["score_items"], unit["score_adoption"]) == (0.75, 1.5)  # 0.3 + 0.3 + 0.3 / 2; 3 / 2
    assert unit["score"] == round(0.75 + 1.5 - 0.3 * missed, 2)
    fagui = next(u for u in data["units"] if u["unit"] == "法规科")
    assert (fagui["score_items"], fagui["score_adoption"]) == (0.15, 1.5)  # the co-author's share
    stages = {s["stage"]: s for s in data["stages"]}
    assert stages["初审"]["count"] == 2 and stages["保密审查"]["rejections"] == 1
    assert data["inspection"]["home_age_days"] == 3  # notices is on the home page; newest 26 February
    assert data["inspection"]["failed"] and data["inspection"]["counts"]["empty"] == 25 - 3  # all but notices, hot, budget
    assert [u["rank"] for u in data["units"]] == sorted(u["rank"] for u in data["units"])


def test_csv_and_html_carry_the_same_numbers(february: GitPortal, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for fmt in ("json", "csv", "html"):
        assert run_report(february.root, out, "--period", "2026-02", "--format", fmt) == 0
    data = json.loads((out / "report-2026-02.json").read_text(encoding="utf-8"))
    with (out / "report-2026-02-units.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = {r["unit"]: r for r in csv.DictReader(f)}
    for unit in data["units"]:
        assert float(rows[unit["unit"]]["score"]) == unit["score"]
        assert int(rows[unit["unit"]]["late"]) == unit["late"]
    page = (out / "report-2026-02.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "单项否决" in page and "各科室报送情况排名" in page
    assert page.count("<svg") == 3
    assert "<script" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # self-contained
    xuanjiao = next(u for u in data["units"] if u["unit"] == "宣教科")
    assert f"<td>宣传教育科</td><td class=\"n\">{xuanjiao['items']}</td>" in page  # units by their names


def test_the_report_is_never_written_into_the_public_site(february: GitPortal, capsys: pytest.CaptureFixture[str]) -> None:
    for target in ("content", "site/reports", "docs"):
        assert run_report(february.root, february.root / target) == 1
        assert "不能写入" in capsys.readouterr().err
    assert not (february.root / "content" / "report-2026-11.html").exists()


@pytest.mark.parametrize("args, message", [
    (["--period", "2026-5月"], "应为年月"),
    (["--period", "2026-05", "--from", "2026-05-01"], "只能选一种"),
])
def test_bad_arguments_are_explained(tmp_portal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     args: list[str], message: str) -> None:
    assert run_report(tmp_portal, tmp_path, *args) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_demo_portal_over_its_year(demo_root: Path, tmp_path: Path) -> None:
    assert run_report(demo_root, tmp_path, "--from", "2025-11-23", "--to", "2026-11-22", "--format", "json") == 0
    data = json.loads((tmp_path / "report-2025-11-23至2026-11-22.json").read_text(encoding="utf-8"))
    portal = model.load(demo_root)
    dated = [a for a in portal.articles if a.date and not a.draft and "2025-11-23" <= f"{a.date:%Y-%m-%d}" <= "2026-11-22"]
    assert len(data["items"]) == len(dated)
    assert sum(u["items"] for u in data["units"]) == len(dated)
    assert [c["id"] for c in data["columns"]] == list(portal.columns)
    # the demo fills every column and pairs every policy document with its interpretation
    assert data["inspection"]["counts"]["empty"] == 0
    assert all(not u["missing_interpretations"] for u in data["units"])
    assert data["inspection"]["home_age_days"] is not None and data["inspection"]["home_age_days"] <= 14


def test_outside_git_the_report_still_works_and_says_why_it_lacks_review_data(
        write_item, tmp_portal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_item("news/2026-11-20-a.md", item("甲", "2026-11-20 09:00", event_date="2026-11-19 10:00"))
    assert run_report(tmp_portal, tmp_path, "--format", "json") == 0
    assert "不是 git 仓库" in capsys.readouterr().out
    data = json.loads((tmp_path / "report-2026-11.json").read_text(encoding="utf-8"))
    assert data["has_history"] is False and data["stages"] == []
    [row] = data["items"]
    assert (row["start_source"], row["published_source"], row["late"]) == ("event_date", "date", False)


def month(root: Path, out: Path, label: str) -> dict:
    assert run_report(root, out, "--period", label, "--format", "json") == 0
    return json.loads((out / f"report-{label}.json").read_text(encoding="utf-8"))


def test_an_item_counts_in_the_month_it_became_public(git_portal: GitPortal, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Four items dated 30 October, submitted and merged on 3 November: November's, so back-dating cannot
    rescue October's quota; an item merged on 28 November and scheduled for 1 December: December's."""
    monkeypatch.setenv("PORTAL_NOW", "2026-12-15T12:00:00+08:00")
    late = git_portal.branch("review/sun.lixin/20261103-090000-a")
    late.submit("2026-11-03 09:00", {f"content/news/2026-10-30-{i}.md": item(f"动态{i}", "2026-10-30 17:00")
                                     for i in range(4)})
    late.approve_all(["2026-11-03 10:00", "2026-11-03 11:00", "2026-11-03 12:00", "2026-11-03 14:00"])
    late.merge("2026-11-03 15:00")
    early = git_portal.branch("review/sun.lixin/20261127-090000-b")
    early.submit("2026-11-27 09:00", {"content/news/2026-12-01-s.md": item("定时发布", "2026-12-01 09:00",
                                                                          scheduled="true")})
    early.approve_all(["2026-11-27 10:00", "2026-11-27 11:00", "2026-11-27 12:00", "2026-11-28 09:00"])
    early.merge("2026-11-28 10:00")
    out = tmp_path / "out"
    units = {m: {u["unit"]: u for u in month(git_portal.root, out, m)["units"]} for m in ("2026-10", "2026-11", "2026-12")}
    assert units["2026-10"]["宣教科"]["items"] == 0
    assert units["2026-10"]["宣教科"]["months_short"] == ["2026-10"]
    assert units["2026-11"]["宣教科"]["items"] == 4
    assert units["2026-11"]["宣教科"]["weeks"][1] == {"week": "2026-W45", "items": 4}  # 2-8 November
    assert units["2026-12"]["宣教科"]["items"] == 1
    november = month(git_portal.root, out, "2026-11")
    published = {i["path"].rsplit("/", 1)[1]: i["published"] for i in november["items"]}
    assert published["2026-10-30-0.md"] == "2026-11-03 15:00" and "2026-12-01-s.md" not in published
    news = next(c for c in november["columns"] if c["id"] == "news")
    assert "2026-11-02" in news["missed"] and "2026-11-03" not in news["missed"]  # public on the 3rd, not the 30th
