"""Policy documents on the built site: the standard table, links to and from their 解读, incremental builds."""
from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest

from site_build.build import build_site
from tests.checks.conftest import item_text
from tests.conftest import REPO
from tests.site.conftest import tree, write

DOC = "documents/2026-11-10-banfa.md"
JIEDU = "interpretations/2026-11-10-banfa-jiedu.md"
STANDARD = ["索引号", "主题分类", "发文机关", "成文日期", "文号", "发布日期", "有效性"]


def doc(**fields: object) -> str:
    base: dict[str, object] = {
        "title": "关于印发《云江市有限空间作业安全管理办法》的通知", "type": "通知", "department": "法规科",
        "date": "2026-11-10 09:00", "event_date": "2026-11-06", "doc_number": "云应急发〔2026〕60号",
        "index_number": "3310000017/2026-00060", "topic": "安全生产", "issuer": "云江市应急管理局",
        "validity": "废止", "validity_date": "2026-12-01"}
    return item_text("documents", "各县（区）应急管理局：现将《办法》印发给你们，请认真遵照执行。", **{**base, **fields})


def jiedu(**fields: object) -> str:
    base: dict[str, object] = {"title": "《云江市有限空间作业安全管理办法》政策解读", "type": "解读", "department": "法规科",
                               "date": "2026-11-10 10:00", "interprets": f"content/{DOC}"}
    return item_text("interpretations", "一、为什么制定《办法》？有限空间作业事故多发。", **{**base, **fields})


def page(site: Path, url: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / url).read_text(encoding="utf-8"))


def table(html: lxml.html.HtmlElement) -> list[tuple[str, str, str]]:
    """(header, its scope, value) of each row of the item's information table."""
    (info,) = html.xpath('//table[contains(@class, "portal-info")]')
    return [(tr.xpath("th")[0].text_content(), tr.xpath("th")[0].get("scope"), tr.xpath("td")[0].text_content())
            for tr in info.xpath(".//tr")]


def related(site: Path, url: str) -> list[tuple[str, str]]:
    """(link text, page it leads to, relative to the site) of the item's related-items section."""
    html = page(site, url)
    links = html.xpath('//section[contains(@class, "portal-related")]//a')
    base = (site / url).parent
    return [(a.text_content(), (base / a.get("href")).resolve().relative_to(site.resolve()).as_posix()) for a in links]


def same_as_full(root: Path, site: Path, tmp_path: Path) -> None:
    full = build_site(root, tmp_path / "full-check")
    assert full.ok and not full.incremental
    a, b = tree(site), tree(tmp_path / "full-check")
    assert sorted(a) == sorted(b)
    assert [rel for rel in a if a[rel] != b[rel]] == []
    shutil.rmtree(tmp_path / "full-check")


@pytest.fixture
def policy_portal(mini: Path) -> Path:
    write(mini, DOC, doc())
    # another pair, so that neither column is empty at the first build
    write(mini, "documents/2026-10-08-yaodian.md", doc(
        title="关于印发《云江市安全生产约谈办法》的通知", date="2026-10-08 09:00", event_date="2026-10-06",
        doc_number="云应急发〔2026〕50号", index_number="3310000017/2026-00050", validity=None, validity_date=None))
    write(mini, "interpretations/2026-10-08-yaodian-jiedu.md", jiedu(
        title="《云江市安全生产约谈办法》解读", date="2026-10-08 10:00", interprets="3310000017/2026-00050"))
    return mini


def test_the_standard_table_and_the_links_both_ways(policy_portal: Path, tmp_path: Path) -> None:
    write(policy_portal, JIEDU, jiedu())
    result = build_site(policy_portal, tmp_path / "site")
    assert result.ok, [f.format() for f in result.findings]
    site = tmp_path / "site"
    html = page(site, "documents/banfa.html")
    rows = table(html)
    assert [r[0] for r in rows] == STANDARD + ["信息来源", "发布部门"]
    assert {r[1] for r in rows} == {"row"}
    assert dict((r[0], r[2]) for r in rows) | {} == {
        "索引号": "3310000017/2026-00060", "主题分类": "安全生产", "发文机关": "云江市应急管理局",
        "成文日期": "2026-11-06", "文号": "云应急发〔2026〕60号", "发布日期": "2026-11-10 09:00",
        "有效性": "有效（2026-12-01起废止）", "信息来源": "云江市应急管理局法规科", "发布部门": "政策法规科"}
    assert html.xpath('//table[contains(@class, "portal-info")]/caption')[0].text_content() == "政策文件信息"
    assert related(site, "documents/banfa.html") == [("《云江市有限空间作业安全管理办法》政策解读",
                                                      "interpretations/banfa-jiedu.html")]
    assert related(site, "interpretations/banfa-jiedu.html") == [("关于印发《云江市有限空间作业安全管理办法》的通知",
                                                                  "documents/banfa.html")]
    assert page(site, "documents/banfa.html").xpath('//section[contains(@class, "portal-related")]/h2')[0].text == "政策解读"
    # a 解读 keeps the ordinary table of an item
    assert [r[0] for r in table(page(site, "interpretations/banfa-jiedu.html"))][:3] == ["信息来源", "发布部门", "发布日期"]


def test_a_document_without_optional_fields_shows_what_it_has(policy_portal: Path, tmp_path: Path) -> None:
    write(policy_portal, DOC, doc(topic=None, issuer=None, validity=None, validity_date=None, event_date=None,
                                  doc_number=None, index_number=None))
    result = build_site(policy_portal, tmp_path / "site")
    assert result.ok
    rows = dict((r[0], r[2]) for r in table(page(tmp_path / "site", "documents/banfa.html")))
    assert rows == {"发文机关": "云江市应急管理局", "发布日期": "2026-11-10 09:00", "有效性": "有效",
                    "信息来源": "云江市应急管理局法规科", "发布部门": "政策法规科"}


def test_adding_and_removing_an_interpretation_rebuilds_its_document(policy_portal: Path, tmp_path: Path) -> None:
    first = build_site(policy_portal, tmp_path / "v1")
    assert first.ok and related(tmp_path / "v1", "documents/banfa.html") == []
    write(policy_portal, JIEDU, jiedu())
    second = build_site(policy_portal, tmp_path / "v2", incremental_from=tmp_path / "v1")
    assert second.ok and second.incremental
    assert {"documents/banfa.html", "interpretations/banfa-jiedu.html"} <= set(second.written)
    assert "disaster/fang-xun.html" not in second.written
    assert [t for t, _ in related(tmp_path / "v2", "documents/banfa.html")] == ["《云江市有限空间作业安全管理办法》政策解读"]
    same_as_full(policy_portal, tmp_path / "v2", tmp_path)
    (policy_portal / "content" / JIEDU).unlink()
    third = build_site(policy_portal, tmp_path / "v3", incremental_from=tmp_path / "v2")
    assert third.ok and third.incremental and "documents/banfa.html" in third.written
    assert "interpretations/banfa-jiedu.html" in third.removed
    assert related(tmp_path / "v3", "documents/banfa.html") == []
    same_as_full(policy_portal, tmp_path / "v3", tmp_path)


def test_a_retitled_or_withdrawn_document_rebuilds_its_interpretation(policy_portal: Path, tmp_path: Path) -> None:
    write(policy_portal, JIEDU, jiedu())
    assert build_site(policy_portal, tmp_path / "v1").ok
    write(policy_portal, DOC, doc(title="关于印发《云江市有限空间作业安全管理规定》的通知"))
    second = build_site(policy_portal, tmp_path / "v2", incremental_from=tmp_path / "v1")
    assert second.ok and second.incremental and "interpretations/banfa-jiedu.html" in second.written
    assert related(tmp_path / "v2", "interpretations/banfa-jiedu.html")[0][0] == "关于印发《云江市有限空间作业安全管理规定》的通知"
    same_as_full(policy_portal, tmp_path / "v2", tmp_path)
    write(policy_portal, DOC, doc(draft=True))  # taken down: its 解读 no longer links to it (a warning says so)
    third = build_site(policy_portal, tmp_path / "v3", incremental_from=tmp_path / "v2")
    assert third.ok and third.incremental and "documents/banfa.html" in third.removed
    assert "interpretations/banfa-jiedu.html" in third.written
    assert related(tmp_path / "v3", "interpretations/banfa-jiedu.html") == []
    assert any(f.rule == "POLICY-TARGET-WITHDRAWN" for f in third.findings)
    same_as_full(policy_portal, tmp_path / "v3", tmp_path)


def test_a_deleted_document_stops_the_build_until_its_interpretation_goes_too(policy_portal: Path, tmp_path: Path) -> None:
    write(policy_portal, JIEDU, jiedu())
    assert build_site(policy_portal, tmp_path / "v1").ok
    (policy_portal / "content" / DOC).unlink()
    refused = build_site(policy_portal, tmp_path / "v2", incremental_from=tmp_path / "v1")
    assert not refused.ok and [f.rule for f in refused.findings if f.severity == "error"] == ["POLICY-TARGET-MISSING"]
    assert not (tmp_path / "v2").exists()
    (policy_portal / "content" / JIEDU).unlink()
    done = build_site(policy_portal, tmp_path / "v2", incremental_from=tmp_path / "v1")
    assert done.ok and done.incremental
    same_as_full(policy_portal, tmp_path / "v2", tmp_path)


def test_the_day_a_document_is_repealed_its_page_says_so(policy_portal: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write(policy_portal, JIEDU, jiedu())
    assert build_site(policy_portal, tmp_path / "v1").ok
    monkeypatch.setenv("PORTAL_NOW", "2026-12-01T08:00:00+08:00")
    second = build_site(policy_portal, tmp_path / "v2", incremental_from=tmp_path / "v1")
    assert second.ok and second.incremental and "documents/banfa.html" in second.written
    assert "interpretations/banfa-jiedu.html" not in second.written
    assert dict((r[0], r[2]) for r in table(page(tmp_path / "v2", "documents/banfa.html")))["有效性"] == "废止（2026-12-01起）"
    same_as_full(policy_portal, tmp_path / "v2", tmp_path)
    third = build_site(policy_portal, tmp_path / "v3", incremental_from=tmp_path / "v2")
    assert third.ok and "documents/banfa.html" not in third.written  # nothing changed since


def test_the_demo_policy_documents(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    root.mkdir()
    for name in ("columns.yml", "roster.yml", "calendar.yml", "accepted.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "content", root / "content")
    result = build_site(root, tmp_path / "site")
    assert result.ok, [f.format() for f in result.findings if f.severity == "error"]
    site = tmp_path / "site"
    documents = sorted(p.relative_to(site).as_posix() for p in (site / "documents").glob("*.html") if p.name != "index.html")
    assert len(documents) >= 5
    for url in documents:
        rows = table(page(site, url))
        assert [r[0] for r in rows][:7] == STANDARD, url
        links = related(site, url)
        assert links and all(target.startswith("interpretations/") for _, target in links), url
        for _, target in links:
            assert ("documents/" + url.split("/")[1]) in [t for _, t in related(site, target)]
    assert "有效（2027-01-01起失效）" in (site / "documents/2026-nian-yingji-guanli-gongzuo-yaodian.html").read_text(encoding="utf-8")
    assert "废止（2026-11-01起）" in (site / "documents/anquan-shengchan-yuetan-banfa-shixing.html").read_text(encoding="utf-8")
