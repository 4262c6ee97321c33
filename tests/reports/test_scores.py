"""Scores by the scoring table of columns.yml (defaults: seed 004), and the table's validation."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from portal import clock, config, model
from reports import freshness, scores
from reports import period as periods
from tests.reports.conftest import item


def load(root: Path) -> model.Portal:
    return model.load(root)


def test_co_authored_item_is_shared_between_the_units(write_item, tmp_portal: Path) -> None:
    # sun.lixin is 宣教科's informant, gao.tingting 法规科's; the item was adopted by the province
    write_item("news/2026-11-02-a.md", item("合写", "2026-11-02 09:00", authors=["sun.lixin", "gao.tingting"],
                                            adoption="[省级]"))
    portal = load(tmp_portal)
    units, people = scores.score(portal.config, portal.articles, [], [])
    assert (units["宣教科"].items, units["宣教科"].adoption) == (0.15, 1.5)
    assert (units["法规科"].items, units["法规科"].adoption) == (0.15, 1.5)
    assert units["宣教科"].total == units["法规科"].total == 1.65
    assert (people["sun.lixin"].items, people["sun.lixin"].points) == (0.5, 1.65)


def test_adoption_levels_add_up(write_item, tmp_portal: Path) -> None:
    write_item("news/2026-11-02-a.md", item("采用", "2026-11-02 09:00", adoption="[市级, 省级, 国家级]"))
    portal = load(tmp_portal)
    assert scores.item_points(portal.config, portal.articles[0]) == (0.3, 9.0)


def documents(write_item) -> None:
    write_item("documents/2026-11-03-banfa.md", item(
        "关于印发《云江市安全生产约谈办法》的通知", "2026-11-03 09:00", "法规科", "通知", doc_number="云应急发〔2026〕9号"))
    write_item("documents/2026-11-04-yijian.md", item(
        "关于加强汛后隐患排查的意见", "2026-11-04 09:00", "法规科", "意见", doc_number="云应急发〔2026〕10号"))
    write_item("interpretations/2026-11-05-jiedu.md", item(
        "《云江市安全生产约谈办法》政策解读", "2026-11-05 09:00", "法规科", "解读"))


def test_policy_documents_and_missing_interpretations(write_item, tmp_portal: Path) -> None:
    documents(write_item)
    portal = load(tmp_portal)
    s = portal.config.reports.scoring
    docs = [a for a in portal.articles if a.column == s.documents]
    interps = [a for a in portal.articles if a.column == s.interpretations]
    missing = scores.missing_interpretations(portal.config, docs, interps)
    assert [a.title for a in missing] == ["关于加强汛后隐患排查的意见"]
    units, _ = scores.score(portal.config, portal.articles, [], missing)
    u = units["法规科"]
    assert (u.items, u.missing_points, u.total) == (1.5, -0.5, 1.0)  # 3 policy items at 0.5, one missing -0.5


def test_an_interpretation_naming_the_document_number_counts(write_item, tmp_portal: Path) -> None:
    documents(write_item)
    write_item("interpretations/2026-11-06-jiedu2.md", item(
        "汛后隐患排查意见解读", "2026-11-06 09:00", "法规科", "解读", summary="解读云应急发〔2026〕10号"))
    portal = load(tmp_portal)
    docs = [a for a in portal.articles if a.column == "documents"]
    interps = [a for a in portal.articles if a.column == "interpretations"]
    assert scores.missing_interpretations(portal.config, docs, interps) == []


def test_a_number_that_only_begins_another_documents_number_is_not_named(write_item, tmp_portal: Path) -> None:
    """〔2026〕1号 is not named by a text that names 〔2026〕10号, while keys that overlap in one text
    (a 《name》 inside the title of the same sentence) are all found."""
    documents(write_item)
    write_item("documents/2026-11-07-yi.md", item(
        "关于做好冬季森林防火工作的通知", "2026-11-07 09:00", "法规科", "通知", doc_number="云应急发〔2026〕1号"))
    write_item("interpretations/2026-11-08-jiedu3.md", item(
        "汛后隐患排查意见解读", "2026-11-08 09:00", "法规科", "解读",
        summary="解读云应急发〔2026〕10号，并见《云江市安全生产约谈办法》"))
    portal = load(tmp_portal)
    docs = [a for a in portal.articles if a.column == "documents"]
    interps = [a for a in portal.articles if a.column == "interpretations"]
    missing = scores.missing_interpretations(portal.config, docs, interps)
    assert [a.title for a in missing] == ["关于做好冬季森林防火工作的通知"]


def test_a_missed_update_of_a_co_owned_column_is_charged_once_to_the_lead_unit(tmp_portal: Path) -> None:
    cfg = config.load(tmp_portal)
    october = periods.parse("2026-10", None, None)
    row = freshness.column_freshness(cfg.columns["reform"], [], october.as_of, october)  # 法规科, 执法支队; monthly
    assert [w.label for w in row.missed] == ["2026-10"]
    units, _ = scores.score(cfg, [], [row], [])
    assert {u: (s.missed_updates, s.total, [(c, w.label) for c, w in s.missed]) for u, s in units.items()} == {
        "法规科": (1, -0.3, [("reform", "2026-10")])}  # 谁牵头谁负责: one missed item, one deduction


def test_co_owned_shared_splits_the_deduction(tmp_portal: Path) -> None:
    text = (tmp_portal / "columns.yml").read_text(encoding="utf-8")
    (tmp_portal / "columns.yml").write_text(text.replace("    co_owned: lead", "    co_owned: shared"), encoding="utf-8")
    cfg = config.load(tmp_portal)
    november = periods.parse("2026-11", None, None, now=dt.datetime(2026, 12, 1, tzinfo=clock.CST))
    row = freshness.column_freshness(cfg.columns["notices"], [], november.as_of, november)  # ten units, weekly
    # the weeks ending on Sundays 1, 8, 15, 22 and 29 November
    assert [w.label for w in row.missed] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    units, _ = scores.score(cfg, [], [row], [])
    assert len(units) == 10 and {s.total for s in units.values()} == {-0.15}  # 5 x 0.3 / 10
    assert round(sum(s.total for s in units.values()), 2) == -1.5


def test_a_policy_column_costs_half_a_point_per_missed_update(tmp_portal: Path) -> None:
    cfg = config.load(tmp_portal)
    october = periods.parse("2026-10", None, None)
    rows = [freshness.column_freshness(cfg.columns[c], [], october.as_of, october)
            for c in ("documents", "interpretations", "meetings")]
    units, _ = scores.score(cfg, [], rows, [])
    # documents: 法规科 leads (-0.5); interpretations: 法规科 (-0.5); meetings: 局办公室 leads (-0.3)
    assert {u: s.total for u, s in units.items()} == {"法规科": -1.0, "局办公室": -0.3}


def test_a_column_can_declare_its_scoring_class(tmp_portal: Path) -> None:
    text = (tmp_portal / "columns.yml").read_text(encoding="utf-8")
    marker = "  - id: powers\n"
    text = text.replace(marker, marker + "    scoring: policy\n")
    text = text.replace("    chain: 政策文件\n    scoring: policy\n    deadline: {working_days: 20}\n"
                        "    reprint_sources: [中国政府网, 应急管理部, 省应急管理厅]",
                        "    chain: 政策文件\n    scoring: regular\n    deadline: {working_days: 20}\n"
                        "    reprint_sources: [中国政府网, 应急管理部, 省应急管理厅]")
    (tmp_portal / "columns.yml").write_text(text, encoding="utf-8")
    cfg = config.load(tmp_portal)
    assert (cfg.columns["powers"].scoring, cfg.columns["interpretations"].scoring) == ("policy", "regular")
    assert scores.is_policy(cfg, "powers") and not scores.is_policy(cfg, "interpretations")
    assert scores.is_policy(cfg, "documents") and not scores.is_policy(cfg, "news")


def test_a_wrong_scoring_class_is_an_error_with_its_line(tmp_portal: Path) -> None:
    text = (tmp_portal / "columns.yml").read_text(encoding="utf-8")
    (tmp_portal / "columns.yml").write_text(text.replace("    scoring: policy\n", "    scoring: 政策\n", 1), encoding="utf-8")
    with pytest.raises(config.ConfigError) as exc:
        config.load(tmp_portal)
    [f] = exc.value.findings
    line = text.splitlines().index("    scoring: policy") + 1
    assert (f.rule, f.line) == ("CFG-VALUE", line) and "policy" in f.message and "0.5" in f.message


def replace_reports(root: Path, section: str) -> int:
    """Put `section` in place of the demo's reports section; return the line it starts after."""
    text = (root / "columns.yml").read_text(encoding="utf-8")
    base = text[:text.index("\nreports:")] + "\n"
    (root / "columns.yml").write_text(base + section, encoding="utf-8")
    return base.count("\n")


REPORTS_SECTION = """
reports:
  quotas:
    per_week: 2
    per_month: 10
    units:
      综合科: {per_month: 15}
  scoring:
    item: 1
    adoption: {省级: 4}
    missed_update: -1
    policy:
      item: 2
      missing: -3
"""


def test_another_office_sets_its_own_table(tmp_portal: Path, write_item) -> None:
    replace_reports(tmp_portal, REPORTS_SECTION)
    cfg = config.load(tmp_portal)
    assert cfg.reports.quota_for("宣教科") == config.Quota(2, 10)
    assert cfg.reports.quota_for("综合科") == config.Quota(2, 15)
    write_item("news/2026-11-02-a.md", item("采用", "2026-11-02 09:00", adoption="[省级]"))
    portal = load(tmp_portal)
    assert scores.item_points(portal.config, portal.articles[0]) == (1, 4)
    assert portal.config.reports.scoring.missing_interpretation == -3


@pytest.mark.parametrize("section, rule, line, words", [
    ("reports:\n  quota: {}\n", "CFG-UNKNOWN-KEY", 2, "是否想写“quotas”"),
    ("reports:\n  quotas:\n    per_week: 一\n", "CFG-TYPE", 3, "非负整数"),
    ("reports:\n  quotas:\n    per_month: -1\n", "CFG-TYPE", 3, "非负整数"),
    ("reports:\n  quotas:\n    units:\n      宣传科: {per_month: 1}\n", "CFG-DEPT-UNKNOWN", 4, "宣教科"),
    ("reports:\n  scoring:\n    adoption: {县级: 1}\n", "CFG-VALUE", 3, "市级、省级、国家级"),
    ("reports:\n  scoring:\n    item: true\n", "CFG-TYPE", 3, "数值"),
    ("reports:\n  scoring:\n    policy:\n      documents: wenjian\n", "CFG-COLUMN-UNKNOWN", 4, "wenjian"),
    ("reports:\n  scoring:\n    co_owned: all\n", "CFG-VALUE", 3, "lead / shared"),
    ("reports:\n  grades: {优秀: 很高}\n", "CFG-TYPE", 2, "数值"),
    ("reports:\n  grades: [优秀, 良好]\n", "CFG-TYPE", 2, "映射"),
    ("reports:\n  bulletin:\n    redhead: 文件\n", "CFG-UNKNOWN-KEY", 3, "red_head"),
    ("reports:\n  date_tolerance_hours: 一天\n", "CFG-TYPE", 2, "数值"),
])
def test_bad_reports_section_names_the_line(tmp_portal: Path, section: str, rule: str, line: int, words: str) -> None:
    offset = replace_reports(tmp_portal, section)
    with pytest.raises(config.ConfigError) as info:
        config.load(tmp_portal)
    [finding] = info.value.findings
    assert (finding.path, finding.rule, finding.line) == ("columns.yml", rule, offset + line)
    assert words in finding.message


def test_without_a_reports_section_the_defaults_are_seed_004(tmp_portal: Path) -> None:
    replace_reports(tmp_portal, "")
    cfg = config.load(tmp_portal)
    assert cfg.reports == config.ReportSettings()
    assert cfg.reports.quota == config.Quota(per_week=1, per_month=4)
    assert dict(cfg.reports.scoring.adoption) == {"市级": 1, "省级": 3, "国家级": 5}


def test_the_demo_section_matches_the_defaults(tmp_portal: Path) -> None:
    settings = config.load(tmp_portal).reports
    assert settings.bulletin.issuer == "云江市应急管理局办公室"  # the demo's own letterhead; the rest is the defaults
    assert dataclasses.replace(settings, bulletin=config.Bulletin()) == config.ReportSettings()


def test_co_author_shares_are_rounded_only_at_the_end(write_item, tmp_portal: Path) -> None:
    for i in range(3):
        write_item(f"news/2026-11-0{i + 2}-a.md", item(f"三人合写{i}", f"2026-11-0{i + 2} 09:00",
                                                       authors=["sun.lixin", "gao.tingting", "guo.lei"]))
    portal = load(tmp_portal)
    units, _ = scores.score(portal.config, portal.articles, [], [])
    assert [units[u].items for u in ("宣教科", "法规科", "危化科")] == [0.3, 0.3, 0.3]
