"""Site search in a real browser (Debian's chromium via Playwright): phrases, ranking, snippets, filters, paging, keyboard."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_build.build import build_site
from tests.conftest import REPO
from tests.site.conftest import NOW, SCRIPT_TITLE, item, write

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts"
AXE = REPO / "tests" / "workbench" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")

PHRASE = "汛前检查组织有力"  # holds 检查组织
APART = "检查组织"  # the query; the next item holds 检查组 and 查组织 (in 调查组织) but never 检查组织
DUTY = 23  # items about 值班: three pages of results


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def news(title: str, date: str, body: str) -> str:
    return item(title, date, department="宣教科", kind="新闻", body=body)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("search") / "portal"
    root.mkdir()
    for name in ("columns.yml", "roster.yml"):
        shutil.copy(REPO / name, root / name)
    write(root, "disaster/2026-06-01-phrase.md", item("全市汛前准备工作情况", "2026-06-01 09:00", body=f"市应急管理局{PHRASE}。"))
    write(root, "disaster/2026-06-02-apart.md", item("汛期工作通报", "2026-06-02 09:00",
                                                     body="检查组到场后，调查组织架构和人员。"))
    write(root, "disaster/2026-06-03-pairs.md", item("开展督导", "2026-06-03 09:00", body="开展检查，加强组织领导。"))
    write(root, "news/2025-03-01-title.md", news("防汛物资储备情况", "2025-03-01 09:00", "库存充足，账实相符。"))
    write(root, "disaster/2026-07-01-body.md", item("夏季工作安排", "2026-07-01 09:00", body="全面做好防汛准备。"))
    write(root, "disaster/2026-07-02-script.md", item(SCRIPT_TITLE, "2026-07-02 09:00", body="台风防御“测试”演练<b>加粗</b>。"))
    write(root, "news/2026-05-01-icp.md", news("网站改造完成", "2026-05-01 09:00", "网站已完成ICP备案，IPv6改造于2026年完成。"))
    for n in range(DUTY):
        write(root, f"disaster/2026-08-{n + 1:02d}-duty-{n + 1}.md", item(f"第{n + 1}周工作", f"2026-08-{n + 1:02d} 09:00",
                                                                  body="各单位做好值班值守工作。"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTAL_NOW", NOW)
        result = build_site(root, root.parent / "site")
    assert result.ok, [f.format() for f in result.findings]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root.parent / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def tab(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(20000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    try:
        yield page
    finally:
        context.close()


def search(tab: object, base: str, query: str, extra: str = "") -> list[str]:
    tab.goto(base + "search/?q=" + query + extra)  # type: ignore[attr-defined]
    return results(tab)


def results(tab: object) -> list[str]:
    tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    return list(tab.locator(".portal-search__results li > a").all_inner_texts())  # type: ignore[attr-defined]


def status(tab: object) -> str:
    return str(tab.locator(".portal-search__status").inner_text())  # type: ignore[attr-defined]


def shot(tab: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / name), full_page=True)  # type: ignore[attr-defined]


def test_a_phrase_matches_only_adjacent_characters(site: str, tab: object) -> None:
    assert search(tab, site, APART) == ["全市汛前准备工作情况"]  # not the items with 检查组 … 查组织 or 检查 … 组织
    assert status(tab) == "找到 1 条结果。"  # every candidate was confirmed: an exact count
    snippet = tab.locator(".portal-search__snippet").inner_text()  # type: ignore[attr-defined]
    assert PHRASE in snippet
    assert tab.locator(".portal-search__snippet mark").all_inner_texts() == [APART]  # type: ignore[attr-defined]
    assert search(tab, site, "调查组") == ["汛期工作通报"]  # three characters: one trigram, exact
    assert sorted(search(tab, site, "检查")) == sorted(["全市汛前准备工作情况", "汛期工作通报", "开展督导"])
    assert search(tab, site, "组织领导") == ["开展督导"]
    assert search(tab, site, "检查 组织") != []  # two parts: each a phrase, anywhere in the item
    assert search(tab, site, "量子纠缠") == [] and "没有找到" in status(tab)
    search(tab, site, "火")
    assert "至少两个汉字" in status(tab)


def test_title_matches_first_then_newest(site: str, tab: object) -> None:
    titles = search(tab, site, "防汛")
    assert titles == [SCRIPT_TITLE, "防汛物资储备情况", "夏季工作安排"]  # a 2025 title match before a 2026 body match
    marks = tab.locator(".portal-search__results li > a mark").all_inner_texts()  # type: ignore[attr-defined]
    assert marks == ["防汛", "防汛"]
    body_match = tab.locator(".portal-search__results li").nth(2)  # type: ignore[attr-defined]
    assert body_match.locator(".portal-search__snippet mark").all_inner_texts() == ["防汛"]


def test_snippets_and_titles_are_text_never_markup(site: str, tab: object) -> None:
    assert search(tab, site, "测试") == [SCRIPT_TITLE]
    link = tab.locator(".portal-search__results li > a").first  # type: ignore[attr-defined]
    assert "&lt;script&gt;" in link.inner_html() and link.locator("mark").all_inner_texts() == ["测试"]
    snippet = tab.locator(".portal-search__snippet").first  # type: ignore[attr-defined]
    assert snippet.locator("mark").all_inner_texts() == ["测试"] and snippet.locator("b, script").count() == 0
    assert "加粗" in snippet.inner_text()
    tab.wait_for_timeout(200)  # type: ignore[attr-defined]
    assert tab.dialogs == [] and tab.evaluate("() => document.querySelectorAll('.portal-search__results script').length") == 0  # type: ignore[attr-defined]
    shot(tab, "search-script-title.png")


def test_latin_words_numbers_full_width_and_case(site: str, tab: object) -> None:
    assert search(tab, site, "ＩＣＰ") == ["网站改造完成"]
    assert search(tab, site, "ipv6") == ["网站改造完成"]
    assert search(tab, site, "IcP备案") == ["网站改造完成"]
    assert search(tab, site, "2026") == ["网站改造完成"]
    assert search(tab, site, "ipv") == []  # whole words only


def test_filters_by_column_and_year_from_the_keyboard(site: str, tab: object) -> None:
    assert len(search(tab, site, "防汛")) == 3
    column = tab.get_by_label("栏目", exact=True)  # type: ignore[attr-defined]
    column.focus()
    column.select_option("news")
    assert results(tab) == ["防汛物资储备情况"] and "c=news" in tab.url  # type: ignore[attr-defined]
    column.select_option("")
    tab.get_by_label("年份", exact=True).select_option("2026")  # type: ignore[attr-defined]
    assert results(tab) == [SCRIPT_TITLE, "夏季工作安排"]  # the 2026 items with 防汛, title match first
    assert "y=2026" in tab.url  # type: ignore[attr-defined]
    assert search(tab, site, "防汛", "&y=2025") == ["防汛物资储备情况"]
    assert tab.get_by_label("年份", exact=True).input_value() == "2025"  # type: ignore[attr-defined]


def test_paging_with_the_keyboard(site: str, tab: object) -> None:
    first = search(tab, site, "值班")
    assert len(first) == 10 and status(tab) == f"找到 {DUTY} 条结果，第 1/3 页。"
    assert first[0] == f"第{DUTY}周工作"  # newest first
    nxt = tab.get_by_role("link", name="下一页")  # type: ignore[attr-defined]
    nxt.focus()
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    second = results(tab)
    assert len(second) == 10 and not set(first) & set(second) and "p=2" in tab.url  # type: ignore[attr-defined]
    tab.get_by_role("link", name="3", exact=True).click()  # type: ignore[attr-defined]
    third = results(tab)
    assert len(third) == 3 and third[-1] == "第1周工作"
    shot(tab, "search-page-3.png")
    tab.go_back()  # type: ignore[attr-defined]
    assert results(tab) == second


def test_keyboard_search_and_axe(site: str, browser: object) -> None:
    for size, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 375, "height": 740})):
        context = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[attr-defined]
        tab = context.new_page()
        try:
            tab.goto(site + "search/")
            tab.wait_for_selector("#portal-search[data-state=done]")
            box = tab.locator("#portal-search input[name=q]")
            box.focus()
            tab.keyboard.type("值班")
            tab.keyboard.press("Enter")
            tab.wait_for_function("() => document.querySelectorAll('.portal-search__results li').length === 10")
            tab.wait_for_selector("#portal-search[data-state=done]")
            assert "q=" in tab.url
            if AXE.exists():
                tab.add_script_tag(path=str(AXE))
                found = tab.evaluate("() => axe.run(document, {resultTypes: ['violations']})")["violations"]
                assert found == [], [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in found]
            width = tab.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1], width
            shot(tab, f"search-{size}.png")
        finally:
            context.close()
