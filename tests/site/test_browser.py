"""The demo portal in a real browser: Debian's Chromium, driven by Playwright, over loopback HTTP."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal import model
from site_build.build import build_site
from site_build.pages import item_url
from tests.conftest import REPO
from tests.site.conftest import NOW, SCRIPT_TITLE, item, write

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, model.Portal]]:
    """The demo portal plus one item with a <script> title, built and served on 127.0.0.1: (base URL, portal)."""
    root = tmp_path_factory.mktemp("demo") / "portal"
    shutil.copytree(REPO / "content", root / "content")
    for name in ("columns.yml", "roster.yml", "accepted.yml"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, root / name)
    write(root, "disaster/2026-11-21-script.md", item(SCRIPT_TITLE, "2026-11-21 09:00", body="台风防御演练。"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTAL_NOW", NOW)
        result = build_site(root, root.parent / "site")
        portal = model.load(root)
    assert result.ok, [f.format() for f in result.findings]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root.parent / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", portal
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
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(20000)
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    try:
        yield tab
    finally:
        context.close()


def meta(tab: object, name: str) -> str:
    return str(tab.locator(f'meta[name="{name}"]').get_attribute("content"))  # type: ignore[attr-defined]


def info(tab: object) -> dict[str, str]:
    rows = tab.locator("table.portal-info tr")  # type: ignore[attr-defined]
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text() for i in range(rows.count())}


def shot(tab: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / name), full_page=True)  # type: ignore[attr-defined]


def test_home_column_item(demo: tuple[str, model.Portal], page: object) -> None:
    base, portal = demo
    tab = page
    tab.goto(base)  # type: ignore[attr-defined]
    assert tab.title() == "云江市应急管理局"  # type: ignore[attr-defined]
    assert (meta(tab, "SiteName"), meta(tab, "SiteDomain"), meta(tab, "SiteIDCode")) == (
        "云江市应急管理局", "yjj.yunjiang.gov.cn", "3310000017")
    footer = tab.locator("footer.portal-footer").inner_text()  # type: ignore[attr-defined]
    assert "网站标识码：3310000017" in footer and "江ICP备2023001234号-1" in footer
    shot(tab, "site-home.png")

    tab.locator(".md-nav--primary").get_by_role("link", name="动态要闻", exact=True).click()  # type: ignore[attr-defined]
    tab.wait_for_url("**/news/")  # type: ignore[attr-defined]
    assert meta(tab, "ColumnName") == "动态要闻" and meta(tab, "ColumnType") == "工作动态"
    dates = tab.locator(".portal-list time").all_inner_texts()  # type: ignore[attr-defined]
    assert dates and dates == sorted(dates, reverse=True)
    shot(tab, "site-column.png")

    newest = [a for a in portal.in_column("news") if a.is_public()][0]
    tab.locator(".portal-list a").first.click()  # type: ignore[attr-defined]
    tab.wait_for_url(f"**/{item_url(newest)}")  # type: ignore[attr-defined]
    assert tab.locator("h1").inner_text() == newest.title  # type: ignore[attr-defined]
    shown = info(tab)
    assert shown["信息来源"] == newest.source
    assert shown["发布部门"] == portal.config.departments[newest.department].name
    assert shown["发布日期"] == model.format_when(newest.date, newest.date_has_time)  # type: ignore[arg-type]
    assert meta(tab, "ArticleTitle") == newest.title and meta(tab, "ContentSource") == newest.source
    assert meta(tab, "PubDate").startswith(shown["发布日期"][:10])
    if newest.reprint is not None:
        assert shown["转载来源"] == newest.reprint.site and shown["原文链接"] == newest.reprint.url
    shot(tab, "site-item.png")


def test_search_a_chinese_word_and_land_on_the_item(demo: tuple[str, model.Portal], page: object) -> None:
    base, portal = demo
    tab = page
    target = next(a for a in sorted(portal.articles, key=lambda a: a.path) if a.is_public() and "防汛" in a.title)
    tab.goto(base)  # type: ignore[attr-defined]
    box = tab.locator(".portal-banner__search input[name=q]")  # type: ignore[attr-defined]
    box.fill("防汛")
    box.press("Enter")
    tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    status = tab.locator(".portal-search__status").inner_text()  # type: ignore[attr-defined]
    assert status.startswith("找到"), status
    while tab.locator(".portal-search__more").is_visible():  # type: ignore[attr-defined]
        tab.locator(".portal-search__more").click()  # type: ignore[attr-defined]
    titles = tab.locator(".portal-search__results a").all_inner_texts()  # type: ignore[attr-defined]
    assert target.title in titles
    assert int(status.split()[1]) == len(titles)
    shot(tab, "site-search.png")
    tab.locator(".portal-search__results a", has_text=target.title).first.click()  # type: ignore[attr-defined]
    tab.wait_for_url(f"**/{item_url(target)}")  # type: ignore[attr-defined]
    assert tab.locator("h1").inner_text() == target.title  # type: ignore[attr-defined]


def test_search_finds_nothing_for_an_unknown_word(demo: tuple[str, model.Portal], page: object) -> None:
    base, _ = demo
    page.goto(base + "search/?q=" + "量子纠缠")  # type: ignore[attr-defined]
    page.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    assert "没有找到" in page.locator(".portal-search__status").inner_text()  # type: ignore[attr-defined]


def test_script_title_renders_as_text(demo: tuple[str, model.Portal], page: object) -> None:
    base, _ = demo
    tab = page
    tab.goto(base + "disaster/script.html")  # type: ignore[attr-defined]
    assert tab.locator("h1").inner_text() == SCRIPT_TITLE  # type: ignore[attr-defined]
    assert tab.title() == f"{SCRIPT_TITLE} - 云江市应急管理局"  # type: ignore[attr-defined]
    assert meta(tab, "ArticleTitle") == SCRIPT_TITLE
    tab.goto(base + "disaster/")  # type: ignore[attr-defined]
    assert SCRIPT_TITLE in tab.locator(".portal-list").inner_text()  # type: ignore[attr-defined]
    tab.goto(base + "search/?q=" + "测试")  # type: ignore[attr-defined]
    tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    assert SCRIPT_TITLE in tab.locator(".portal-search__results").inner_text()  # type: ignore[attr-defined]
    tab.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert tab.dialogs == []  # type: ignore[attr-defined]
    shot(tab, "site-script-title.png")


def test_no_request_leaves_the_machine(demo: tuple[str, model.Portal], page: object) -> None:
    """No CDN, no web fonts: every request of the home, an item and the search goes to the site itself."""
    base, _ = demo
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))  # type: ignore[attr-defined]
    for path in ("", "news/", "search/?q=" + "应急"):
        page.goto(base + path)  # type: ignore[attr-defined]
        page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert seen and all(u.startswith(base) for u in seen), [u for u in seen if not u.startswith(base)]
    assert os.environ.get("PORTAL_NOW")
