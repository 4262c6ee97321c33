"""The demo's November 通报, checked against answers computed by hand, printed to PDF and written as .docx.

Hand computation (the demo portal, November 2026, evaluated on 1 December; no holidays in November 2026):
- 动态要闻 (daily, 宣教科): 21 working days (2-6, 9-13, 16-20, 23-27, 30), an item only on Friday 20: 20 missed;
- 头条新闻 (every two weeks, 宣教科): the fortnights 19 Oct - 1 Nov and 16-29 Nov have no item: 2 missed;
- 通知公告 (weekly, ten units led by 局办公室): items only in the week of 16-22 Nov; the weeks ending on Sundays
  1, 8, 15 and 29 November are missed: 4, charged once, to 局办公室 (谁牵头谁负责);
- 宣教科: 4 items x 0.3 = 1.2, 22 misses x 0.3 = -6.6, total -5.4; 局办公室: 1 item 0.3, -1.2, total -0.9.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from portal import config, model
from portal.cli import main
from reports import bulletin
from reports import history as histories
from reports import period as periods
from reports.report import build
from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts"
DECEMBER_1 = "2026-12-01T09:00:00+08:00"


@pytest.fixture
def november(demo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("PORTAL_NOW", DECEMBER_1)
    out = tmp_path / "out"
    assert main(["--root", str(demo_root), "report", "--period", "2026-11", "--format", "json", "--out", str(out)]) == 0
    return json.loads((out / "report-2026-11.json").read_text(encoding="utf-8"))


def test_known_answers_of_the_demo_november(november: dict) -> None:
    units = {u["unit"]: u for u in november["units"]}
    columns = {c["id"]: c for c in november["columns"]}
    workdays = [f"2026-11-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 23, 24, 25, 26, 27, 30)]
    assert columns["news"]["missed"] == workdays
    assert columns["headlines"]["missed"] == ["2026-10-19起两周", "2026-11-16起两周"]
    assert columns["notices"]["missed"] == ["2026-W44", "2026-W45", "2026-W46", "2026-W48"]
    x, office = units["宣教科"], units["局办公室"]
    assert (x["items"], x["score_items"], x["missed_updates"], x["score_missed"], x["score"]) == (4, 1.2, 22, -6.6, -5.4)
    assert (office["items"], office["missed_updates"], office["score"]) == (1, 4, -0.9)
    assert office["missed_windows"] == ["notices:2026-W44", "notices:2026-W45", "notices:2026-W46", "notices:2026-W48"]
    assert (x["grade"], office["grade"]) == ("不合格", "不合格")
    # the nine other owners of 通知公告 lose nothing for the same missed weeks
    assert all(u["score_missed"] == 0 for uid, u in units.items() if uid not in ("宣教科", "局办公室"))


def test_units_with_no_items_never_rank_above_a_unit_with_items(november: dict) -> None:
    ranks = [(u["items"] == 0, u["rank"]) for u in november["units"]]
    worked = max(rank for none, rank in ranks if not none)
    assert all(rank > worked for none, rank in ranks if none)
    names = [u["name"] for u in november["units"]]
    assert "宣传教育科" in names and names.index("宣传教育科") < names.index("防汛抗旱科")


@pytest.fixture
def doc(demo_root: Path, monkeypatch: pytest.MonkeyPatch) -> bulletin.Doc:
    monkeypatch.setenv("PORTAL_NOW", DECEMBER_1)
    portal = model.load(demo_root)
    report = build(portal, periods.parse("2026-11", None, None), histories.read(demo_root))
    return bulletin.compose(report, portal.config)


def text_of(doc: bulletin.Doc) -> str:
    parts = [doc.red_head, doc.number, doc.title, doc.recipients, *doc.intro]
    for s in doc.sections:
        parts.append(s.title)
        for b in s.blocks:
            parts += [" ".join(b.head)] + [" ".join(r) for r in b.rows] if isinstance(b, bulletin.Table) else [b]
    return "\n".join(parts + [doc.issuer, doc.date])


def test_the_bulletin_says_what_to_fix_by_date_and_how_it_scored(doc: bulletin.Doc) -> None:
    text = text_of(doc)
    assert doc.number == "云应急办通〔2026〕11号" and doc.red_head == "云江市应急管理局办公室文件"
    assert doc.title == "关于2026年11月政务信息报送和网站栏目更新情况的通报"
    ranking = next(b for b in doc.sections[1].blocks if isinstance(b, bulletin.Table))
    assert ranking.head[:2] == ["名次", "单位"] and "等级" in ranking.head
    by_name = {r[1]: r for r in ranking.rows}
    assert "宣教科" not in by_name and by_name["宣传教育科"][7] == "-5.4" and by_name["宣传教育科"][8] == "不合格"
    assert by_name["政策法规科"][8] == "合格"  # 0.5 x 2 policy items + 0.3 = 1.3 >= 1.2
    # the missed days and weeks, by date
    assert "栏目“动态要闻”（每天更新，按工作日计）漏更新 20 次：11月2日、11月3日" in text
    assert "栏目“通知公告”（每周更新）漏更新 4 次：10月26日—11月1日、11月2日—8日、11月9日—15日、11月23日—29日" in text
    assert "栏目“头条新闻”（每两周更新）漏更新 2 次：10月19日—11月1日、11月16日—29日" in text
    # the scoring figures and the rules behind the ranking
    for figure in ("每发布一篇稿件计 0.3 分", "每篇计 0.5 分", "市级 1 分、省级 3 分、国家级 5 分", "每少更新一次扣 0.3 分",
                   "每次扣 0.5 分", "牵头单位", "优秀不低于 3 分", "合格不低于 1.2 分", "自然周", "按工作日计",
                   "较晚者", "第 10 名 非煤矿山安全监督管理科、防灾减灾救灾科"):
        assert figure in text, figure
    assert "四、信息采用情况" in text and "本期没有被上级采用的稿件" in text


def test_adopted_items_are_listed(git_portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tests.reports.conftest import item

    monkeypatch.setenv("PORTAL_NOW", DECEMBER_1)
    git_portal.commit("2026-11-10 10:00", "直接提交", {
        "content/news/2026-11-10-a.md": item("省级采用的动态", "2026-11-10 09:00", adoption="[市级, 省级]"),
        "content/news/2026-11-11-b.md": item("合写并被国家级采用", "2026-11-11 09:00",
                                             authors=["sun.lixin", "gao.tingting"], adoption="[国家级]")})
    portal = model.load(git_portal.root)
    report = build(portal, periods.parse("2026-11", None, None), histories.read(git_portal.root))
    table = next(b for b in bulletin.compose(report, portal.config).sections[3].blocks if isinstance(b, bulletin.Table))
    assert [(r[1], r[2], r[4], r[5]) for r in table.rows] == [
        ("省级采用的动态", "宣传教育科", "市级、省级", "4"), ("合写并被国家级采用", "宣传教育科", "国家级", "5")]


def test_grades_and_the_letterhead_come_from_the_configuration(tmp_portal: Path) -> None:
    text = (tmp_portal / "columns.yml").read_text(encoding="utf-8")
    text = text.replace("  grades: {优秀: 3.0, 良好: 2.0, 合格: 1.2}", "  grades: {达标: 1.2}")
    (tmp_portal / "columns.yml").write_text(text.replace("云应急办通〔{year}〕{month}号", "测〔{year}〕{month}号"),
                                            encoding="utf-8")
    cfg = config.load(tmp_portal)
    assert [g.name for g in cfg.reports.grades] == ["达标"] and cfg.reports.bulletin.number == "测〔{year}〕{month}号"
    from reports.report import grade

    assert [grade(t, cfg.reports.grades, 1) for t in (1.2, 1.19)] == ["达标", "不合格"]
    assert grade(2.3, cfg.reports.grades, 2) == "不合格" and grade(2.4, cfg.reports.grades, 2) == "达标"  # two months


def pdf_of(browser_html: Path, pdf: Path, screenshot: Path | None = None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = chromium.new_page(viewport={"width": 794, "height": 1123})
            page.goto(browser_html.as_uri())
            page.pdf(path=str(pdf), prefer_css_page_size=True)
            if screenshot is not None:
                page.emulate_media(media="print")
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            chromium.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")
def test_the_november_bulletin_prints_on_a4_with_the_ranking_on_one_page(demo_root: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    monkeypatch.setenv("PORTAL_NOW", DECEMBER_1)
    out = tmp_path / "out"
    assert main(["--root", str(demo_root), "report", "--period", "2026-11", "--format", "bulletin",
                 "--out", str(out)]) == 0
    page = out / "tongbao-2026-11.html"
    html = page.read_text(encoding="utf-8")
    assert "size:A4" in html and "thead{display:table-header-group}" in html and "break-inside:avoid" in html
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = out / "tongbao-2026-11.pdf"
    pdf_of(page, pdf, ARTIFACTS / "tongbao-2026-11.png")
    shutil.copy(pdf, ARTIFACTS / "tongbao-2026-11.pdf")
    reader = pypdf.PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    pages = [p.extract_text() for p in reader.pages]
    with_ranking = [i for i, t in enumerate(pages) if "漏更" in t and "宣传教育科" in t and "名" in t]
    assert with_ranking and "云江市应急管理局办公室" in pages[-1]
    table = [i for i, t in enumerate(pages) if "应急管理服务中" in t and "非煤矿" in t.replace("⾮", "非")]
    assert len(table) >= 1 and table[0] == with_ranking[0]  # the 15 rows of the ranking on one page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")
def test_a_long_ranking_repeats_its_header_and_never_splits_a_row(tmp_path: Path) -> None:
    import pypdf

    rows = [[str(i), f"U{i:03d}", "1", "0.3", "0", "0", "0", "0.3", "不合格", "未完成（差 3 篇）"] for i in range(1, 91)]
    head = ["名次", "单位", "发布稿件", "稿件得分", "采用得分", "漏更新扣分", "缺解读扣分", "总分", "等级", "报送任务"]
    doc = bulletin.Doc("红头", "文号", "标题", "主送：", ["正文。"],
                       [bulletin.Section("二、各单位得分与排名", [bulletin.Table(head, rows, [1] * 10)])], "发文机关", "2026年12月1日")
    page = tmp_path / "long.html"
    page.write_text(bulletin.html(doc), encoding="utf-8")
    pdf_of(page, tmp_path / "long.pdf")
    pages = [p.extract_text() for p in pypdf.PdfReader(tmp_path / "long.pdf").pages]
    holding = [t for t in pages if "U0" in t]
    assert len(holding) >= 3
    assert all("名次" in t and "总分" in t and "等级" in t for t in holding)  # the header row on every page of the table
    seen = [n for t in holding for n in range(1, 91) if f"U{n:03d}" in t]
    assert sorted(seen) == list(range(1, 91))  # every row on exactly one page...
    for t in holding:  # ...and whole: its first and last cells together
        assert sum(f"U{n:03d}" in t for n in range(1, 91)) == t.replace("\n", "").replace(" ", "").count("（差3篇）")


def test_the_docx_carries_the_same_content_in_an_official_layout(demo_root: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 doc: bulletin.Doc) -> None:
    import docx
    from docx.oxml.ns import qn

    monkeypatch.setenv("PORTAL_NOW", DECEMBER_1)
    out = tmp_path / "out"
    assert main(["--root", str(demo_root), "report", "--period", "2026-11", "--format", "docx", "--out", str(out),
                 "--number", "云应急办通〔2026〕15号"]) == 0
    word = docx.Document(io.BytesIO((out / "tongbao-2026-11.docx").read_bytes()))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[:3] == [doc.red_head, "云应急办通〔2026〕15号", doc.title]
    assert word.paragraphs[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xD0, 0, 0)
    body = next(p for p in word.paragraphs if p.text.startswith("根据"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    heading = next(p for p in word.paragraphs if p.text == "一、总体情况")
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    ranking = word.tables[0]
    assert [c.text for c in ranking.rows[0].cells][:2] == ["名次", "单位"]
    assert ranking.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in ranking.rows)
    expected = next(b for b in doc.sections[1].blocks if isinstance(b, bulletin.Table))
    assert [[c.text for c in r.cells] for r in ranking.rows[1:]] == expected.rows
    for part in ("存在的问题和整改要求", "计分说明", "漏更新 20 次"):
        assert any(part in t for t in paragraphs), part
    assert paragraphs[-2:] == ["云江市应急管理局办公室", "2026年12月1日"]
