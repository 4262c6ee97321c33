"""Outdated names and miswritings: warnings, judged against the item's date."""
from __future__ import annotations

import datetime as dt

import pytest

from checks import wording

from .conftest import item_text, rules_of

CASES = [
    # (date, body, expected)
    ("2026-06-03", "国务院扶贫办有关负责同志来我市调研。", ["WORD-ORG-FUPIN-2023"]),
    ("2022-06-03", "国务院扶贫办有关负责同志来我市调研。", ["WORD-ORG-FUPIN"]),
    ("2020-06-03", "国务院扶贫办有关负责同志来我市调研。", []),
    ("2026-06-03", "原国务院扶贫办有关负责同志来我市调研。", []),
    ("2026-06-03", "依据国家安全生产监督管理总局令第88号。", ["WORD-ORG-ANJIAN"]),
    ("2026-06-03", "依据原国家安全生产监督管理总局令第88号。", []),
    ("2017-06-03", "国家安监总局部署安全生产大检查。", []),
    ("2026-06-03", "请各企业将报表报送市安监局。", ["WORD-ORG-ANJIANJU"]),
    ("2019-01-10", "请各企业将报表报送市安监局。", []),
    ("2026-06-03", "市公安消防支队到场处置。", ["WORD-ORG-XIAOFANG"]),
    ("2018-10-20", "市公安消防支队到场处置。", []),
    ("2026-06-03", "市消防救援支队到场处置。", []),
    ("2026-06-03", "国家质检总局、国家旅游局联合发文。", ["WORD-ORG-LVYOU", "WORD-ORG-ZHIJIAN"]),
    ("2026-06-03", "截止到10月底，全市共排查隐患1200项。", ["WORD-JIEZHI"]),
    ("2010-06-03", "截止到10月底，全市共排查隐患1200项。", ["WORD-JIEZHI"]),
    ("2026-06-03", "截至10月底，全市共排查隐患1200项；报名截止时间为11月30日。", []),
    ("2026-06-03", "对主动报告的隐患既往不究。再此基础上，会议进行了安排布署。",
     ["WORD-BUSHU", "WORD-JIWANG", "WORD-ZAICI"]),
    ("2026-06-03", "在此基础上，会议进行了安排部署。", []),
]


@pytest.mark.parametrize(("date", "body", "expected"), CASES)
def test_wording(run_checks, date, body, expected):
    item = item_text("news", body=body, date=f"{date} 10:00", event_date=None)
    findings = run_checks({f"content/news/{date}-item.md": item}, wording)
    assert rules_of(findings, "WORD-") == expected
    assert all(f.severity == "warning" and f.category == "wording" for f in findings if f.rule.startswith("WORD-"))


def test_title_tags_and_summary_are_searched(run_checks, tmp_portal):
    path = "content/news/2026-06-03-item.md"
    item = item_text("news", title="国家旅游局发布节假日出游安全提示", tags=["截止目前"], summary="国土资源部通报地质灾害")
    findings = run_checks({path: item}, wording)
    assert rules_of(findings) == ["WORD-JIEZHI", "WORD-ORG-GUOTU", "WORD-ORG-LVYOU"]
    lines = (tmp_portal / path).read_text(encoding="utf-8").splitlines()
    title = next(f for f in findings if f.rule == "WORD-ORG-LVYOU")
    assert lines[title.line - 1].startswith("title:") and lines[title.line - 1][title.column - 1:].startswith("国家旅游局")


def test_message_gives_the_date_and_the_replacement(run_checks):
    item = item_text("news", body="市公安消防支队到场处置。")
    (f,) = run_checks({"content/news/2026-06-03-item.md": item}, wording)
    assert "自 2018-11-09 起" in f.message and "消防救援" in f.message


def test_warnings_alone_do_not_fail(run_checks, tmp_portal):
    item = item_text("news", body="截止目前，已整改到位。")
    (tmp_portal / "content/news").mkdir(parents=True)
    (tmp_portal / "content/news/2026-06-03-item.md").write_text(item, encoding="utf-8")
    assert wording.main(["--root", str(tmp_portal), str(tmp_portal / "content/news/2026-06-03-item.md")]) == 0


def test_rules_take_over_from_each_other_on_the_day():
    in_force = {d: [r.id for r in wording.in_force(d) if r.id.startswith("WORD-ORG-FUPIN")]
                for d in (dt.date(2021, 2, 24), dt.date(2021, 2, 25), dt.date(2023, 3, 15), dt.date(2023, 3, 16))}
    assert in_force == {dt.date(2021, 2, 24): [], dt.date(2021, 2, 25): ["WORD-ORG-FUPIN"],
                        dt.date(2023, 3, 15): ["WORD-ORG-FUPIN"], dt.date(2023, 3, 16): ["WORD-ORG-FUPIN-2023"]}


def test_a_long_line_of_outdated_names_is_capped_and_counted(tmp_portal, capsys):
    """20,000 outdated names on one line (used to take 2.4 GB): at most MAX_FINDINGS listed, the rest counted."""
    import json

    from portal.cli import main

    item = item_text("news", body="国家旅游局、市安监局，" * 20_000)
    path = tmp_portal / "content/news/2026-06-03-item.md"
    path.parent.mkdir(parents=True)
    path.write_text(item, encoding="utf-8")
    assert main(["--root", str(tmp_portal), "check", "--format", "json"]) == 0  # warnings only
    found = [f for f in json.loads(capsys.readouterr().out) if f["rule"].startswith("WORD-")]
    assert len(found) == wording.MAX_FINDINGS + 1
    (more,) = [f for f in found if f["rule"] == "WORD-MORE"]
    assert f"另有 {40_000 - wording.MAX_FINDINGS} 处" in more["message"] and more["severity"] == "warning"
    assert all(len(f["message"]) < 300 for f in found)


def test_findings_hold_a_short_context_not_the_whole_line(run_checks):
    line = "各地" * 500 + "国家旅游局发布提示" + "各地" * 500
    findings = run_checks({"content/news/2026-06-03-item.md": item_text("news", body=line)}, wording)
    (f,) = [f for f in findings if f.rule == "WORD-ORG-LVYOU"]
    assert "国家旅游局" in f.match and len(f.match) <= len("国家旅游局") + 2 * wording.CONTEXT
    assert f.column == 1001


def test_lines_columns_and_allow_on_long_text(run_checks, tmp_portal):
    body = "\n".join(["原市安监局的职责已划入市应急管理局。" * 300, "第二行。", "请报送市安监局，并抄送县安监局。"])
    findings = run_checks({"content/news/2026-06-03-item.md": item_text("news", body=body)}, wording)
    hits = [(f.rule, f.line, f.column) for f in findings if f.rule.startswith("WORD-")]
    lines = (tmp_portal / "content/news/2026-06-03-item.md").read_text(encoding="utf-8").splitlines()
    third = next(i for i, text in enumerate(lines, 1) if text.startswith("请报送"))
    assert hits == [("WORD-ORG-ANJIANJU", third, 4), ("WORD-ORG-ANJIANJU", third, 12)]


def test_the_one_pass_finds_what_each_rule_alone_finds():
    text = "截止目前，国务院扶贫办、国家卫计委和原国家旅游局；再此基础上安排布署。\n市公安消防支队。截止到10月底。"
    ids = {r.id for r in wording.in_force(dt.date(2026, 6, 3))}
    one_pass = sorted((r.id, m.start()) for r, m in wording.hits(text, ids))
    alone = sorted((r.id, m.start()) for r in wording.in_force(dt.date(2026, 6, 3)) for m in r.finditer(text))
    assert one_pass == alone and len(one_pass) == 6
