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

    tab.get_by_role("button", name="新闻动态").click()  # type: ignore[attr-defined]
    tab.locator(".portal-nav").get_by_role("link", name="动态要闻", exact=True).click()  # type: ignore[attr-defined]
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
    box = tab.locator(".portal-header__search input[name=q]")  # type: ignore[attr-defined]
    box.fill("防汛")
    box.press("Enter")
    tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    status = tab.locator(".portal-search__status").inner_text()  # type: ignore[attr-defined]
    assert status.startswith("找到"), status
    titles = tab.locator(".portal-search__results li > a").all_inner_texts()  # type: ignore[attr-defined]
    while tab.get_by_role("link", name="下一页").count():  # type: ignore[attr-defined]  # every page of results
        tab.get_by_role("link", name="下一页").click()  # type: ignore[attr-defined]
        tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
        titles += tab.locator(".portal-search__results li > a").all_inner_texts()  # type: ignore[attr-defined]
    assert target.title in titles
    assert int(status.split()[1]) == len(titles)
    in_title = ["防汛" in t for t in titles]
    assert in_title == sorted(in_title, reverse=True) and not all(in_title), titles  # title matches first
    marks = tab.locator(".portal-search__results mark").all_inner_texts()  # type: ignore[attr-defined]
    assert marks and set(marks) == {"防汛"}  # the query is highlighted in the titles
    shot(tab, "site-search.png")
    tab.goto(base + "search/?q=" + "防汛")  # type: ignore[attr-defined]
    tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    while not tab.locator(".portal-search__results li > a", has_text=target.title).count():  # type: ignore[attr-defined]
        tab.get_by_role("link", name="下一页").click()  # type: ignore[attr-defined]
        tab.wait_for_selector("#portal-search[data-state=done]")  # type: ignore[attr-defined]
    tab.locator(".portal-search__results li > a", has_text=target.title).first.click()  # type: ignore[attr-defined]
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


# ---------------------------------------------------------------- accessibility, keyboard, bytes (issue 13)

AXE = REPO / "tests" / "workbench" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}  # also what a 750 px wide window shows at 200 % zoom
ATTACHMENT_ITEM = "permits/2026-chunjie-yanhua-baozhu-lingshou-xuke-tongbao.html"


def page_types(portal: model.Portal) -> dict[str, str]:
    """One address of every kind of page: name -> path."""
    reprint = next(a for a in portal.articles if a.is_public() and a.reprint is not None)
    return {"home": "", "column": "news/", "item": ATTACHMENT_ITEM,
            "reprint": item_url(reprint), "search": "search/?q=" + "防汛", "sitemap": "sitemap.html",
            "404": "404.html"}


def axe(tab: object) -> list[str]:
    tab.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = tab.evaluate("() => axe.run(document, {resultTypes: ['violations']})")  # type: ignore[attr-defined]
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


@pytest.mark.skipif(not AXE.exists(), reason="没有 axe-core（.ci/run 用 npm 安装到 tests/workbench/node_modules）")
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_nothing_on_every_page_type(demo: tuple[str, model.Portal], browser: object, size: str) -> None:
    base, portal = demo
    context = browser.new_context(viewport=DESKTOP if size == "desktop" else PHONE, locale="zh-CN",  # type: ignore[attr-defined]
                                  is_mobile=size == "phone", has_touch=size == "phone")
    tab = context.new_page()
    found = {}
    try:
        for name, path in page_types(portal).items():
            tab.goto(base + path)
            if name == "search":
                tab.wait_for_selector("#portal-search[data-state=done]")
            found[name] = axe(tab)
            width = tab.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1], (name, size, width)  # nothing scrolls sideways
            assert tab.locator("h1").count() == 1, name
            assert tab.evaluate("() => document.documentElement.lang") == "zh-CN"
            shot(tab, f"site-{size}-{name}.png")
    finally:
        context.close()
    bad = {k: v for k, v in found.items() if v}
    assert bad == {}, "\n".join(f"{k}: {x}" for k, v in bad.items() for x in v)


def focused(tab: object) -> str:
    return str(tab.evaluate("() => (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || '').trim()"))  # type: ignore[attr-defined]


def test_keyboard_skip_link_search_focus_and_menu(demo: tuple[str, model.Portal], page: object) -> None:
    base, _ = demo
    tab = page
    tab.goto(base + ATTACHMENT_ITEM)  # type: ignore[attr-defined]
    tab.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert focused(tab) == "跳到正文"
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert tab.evaluate("() => document.activeElement.id") == "portal-main"  # type: ignore[attr-defined]
    box = tab.locator(".portal-header__search input")  # type: ignore[attr-defined]
    box.focus()
    style = box.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert style.startswith("solid") and not style.endswith(" 0px"), style  # the search box shows focus
    assert not tab.get_by_role("button", name="栏目导航").is_visible()  # type: ignore[attr-defined]  # a phone's button
    group = tab.get_by_role("button", name="政务服务")  # type: ignore[attr-defined]
    group.focus()
    assert not tab.locator(".portal-nav").get_by_role("link", name="许可通报").is_visible()  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert group.get_attribute("aria-expanded") == "true"
    tab.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert focused(tab) == "许可通报"
    tab.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert group.get_attribute("aria-expanded") == "false" and focused(tab) == "政务服务"
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    tab.keyboard.press("Tab")  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    tab.wait_for_url("**/permits/")  # type: ignore[attr-defined]


def test_phone_menu_opens_from_the_keyboard_and_closed_links_take_no_focus(
        demo: tuple[str, model.Portal], browser: object) -> None:
    base, _ = demo
    context = browser.new_context(viewport=PHONE, locale="zh-CN")  # type: ignore[attr-defined]
    tab = context.new_page()
    try:
        tab.goto(base + "news/")
        seen = []
        for _ in range(14):  # through the header and the closed menu into the page
            tab.keyboard.press("Tab")
            seen.append(tab.evaluate("() => document.activeElement.closest('.portal-nav__menu') ? 'menu' : "
                                     "document.activeElement.className + ':' + document.activeElement.textContent.trim()"))
        assert "menu" not in seen, seen  # the closed drawer's links take no focus
        toggle = tab.get_by_role("button", name="栏目导航")
        toggle.focus()
        tab.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        tab.keyboard.press("Tab")  # the menu's first entry has focus after 首页
        tab.keyboard.press("Enter")
        assert tab.get_by_role("link", name="通知公告").is_visible()
        tab.keyboard.press("Tab")
        assert focused(tab) == "通知公告"
        shot(tab, "site-phone-menu.png")
        tab.keyboard.press("Enter")
        tab.wait_for_url("**/notices/")
    finally:
        context.close()


def test_a_first_visit_is_small_and_never_fetches_a_sitemap(demo: tuple[str, model.Portal], browser: object) -> None:
    base, _ = demo
    for path in ("", "news/", ATTACHMENT_ITEM):
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")  # type: ignore[attr-defined]
        tab = context.new_page()
        responses: list[object] = []
        tab.on("response", lambda r, into=responses: into.append(r))
        try:
            tab.goto(base + path)
            tab.wait_for_load_state("networkidle")
            urls = [r.url for r in responses]  # type: ignore[attr-defined]
            total = sum(r.request.sizes()["responseBodySize"] + r.request.sizes()["responseHeadersSize"]  # type: ignore[attr-defined]
                        for r in responses)
        finally:
            context.close()
        assert not [u for u in urls if "sitemap" in u], urls
        scripts = [u for u in urls if u.endswith(".js")]
        assert scripts == [base + "assets/portal.js"], scripts  # no theme bundle
        assert all(r.status == 200 for r in responses), [(r.url, r.status) for r in responses]  # type: ignore[attr-defined]
        assert total < 100_000, (path, total)  # uncompressed, every request counted


def test_elder_mode_is_kept_across_pages(demo: tuple[str, model.Portal], page: object) -> None:
    base, _ = demo
    tab = page
    tab.add_init_script("window.__spoken = []; if (window.speechSynthesis) { window.speechSynthesis.speak = "  # type: ignore[attr-defined]
                        "function (u) { window.__spoken.push(u.text); }; }")
    tab.goto(base)  # type: ignore[attr-defined]
    size = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
    plain = tab.evaluate(size)  # type: ignore[attr-defined]
    tab.get_by_role("button", name="长者模式").click()  # type: ignore[attr-defined]
    tab.get_by_role("button", name="高对比度").click()  # type: ignore[attr-defined]
    tab.get_by_role("button", name="指读").click()  # type: ignore[attr-defined]
    tab.goto(base + ATTACHMENT_ITEM)  # type: ignore[attr-defined]
    assert tab.evaluate(size) > plain * 1.2  # type: ignore[attr-defined]
    classes = tab.evaluate("() => document.documentElement.className")  # type: ignore[attr-defined]
    assert "portal-contrast" in classes and "portal-cursor" in classes
    assert tab.get_by_role("button", name="长者模式").get_attribute("aria-pressed") == "true"  # type: ignore[attr-defined]
    tab.locator("h1").hover()  # type: ignore[attr-defined]
    assert any("烟花爆竹" in t for t in tab.evaluate("() => window.__spoken"))  # type: ignore[attr-defined]
    shot(tab, "site-elder-mode.png")
    tab.get_by_role("button", name="放大").click()  # type: ignore[attr-defined]
    tab.get_by_role("button", name="还原").click()  # type: ignore[attr-defined]
    assert tab.evaluate(size) == plain  # type: ignore[attr-defined]
    assert "portal-contrast" not in tab.evaluate("() => document.documentElement.className")  # type: ignore[attr-defined]


def test_item_tools_attachment_and_leaving_notice(demo: tuple[str, model.Portal], page: object) -> None:
    base, portal = demo
    tab = page
    tab.goto(base + ATTACHMENT_ITEM)  # type: ignore[attr-defined]
    meta_text = tab.locator(".portal-attachments__meta").first.inner_text()  # type: ignore[attr-defined]
    assert meta_text.startswith("（") and ("KB" in meta_text or "MB" in meta_text or " B" in meta_text)
    body = tab.locator(".portal-body")  # type: ignore[attr-defined]
    before = body.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    tab.get_by_role("button", name="大", exact=True).click()  # type: ignore[attr-defined]
    assert body.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") > before
    assert tab.get_by_role("button", name="打印本页").is_visible()  # type: ignore[attr-defined]
    reprint = page_types(portal)["reprint"]
    tab.goto(base + reprint)  # type: ignore[attr-defined]
    tab.locator("table.portal-info a").first.click()  # type: ignore[attr-defined]
    assert tab.dialogs and "离开本站" in tab.dialogs[0]  # type: ignore[attr-defined]
    assert tab.url == base + reprint  # type: ignore[attr-defined]  # dismissed: the reader stays


def test_mourning_dates_turn_the_site_grey(demo: tuple[str, model.Portal], page: object) -> None:
    base, _ = demo
    page.clock.set_fixed_time("2026-12-13T10:00:00")  # type: ignore[attr-defined]
    page.goto(base)  # type: ignore[attr-defined]
    assert "portal-gray" in page.evaluate("() => document.documentElement.className")  # type: ignore[attr-defined]
    page.clock.set_fixed_time("2026-12-14T10:00:00")  # type: ignore[attr-defined]
    page.goto(base + "news/")  # type: ignore[attr-defined]
    assert "portal-gray" not in page.evaluate("() => document.documentElement.className")  # type: ignore[attr-defined]
