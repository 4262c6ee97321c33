"""我的提醒 and 定时发布 in Debian's chromium: reached and used with the keyboard only, axe-core finds nothing
serious or critical on either page."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import LiveServer, World, password
from .test_reminders import DAY1, submit
from .test_schedule import scheduled_item

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"])
        context = browser.new_context(bypass_csp=True, locale="zh-CN")  # bypass only to inject axe-core
        yield context.new_page()
        browser.close()


def serious(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


def press_on(page: Any, locator: Any) -> None:
    """Tab through the page until `locator` has the focus, then press Enter (no mouse)."""
    for _ in range(80):
        if locator.evaluate("e => e === document.activeElement"):
            page.keyboard.press("Enter")
            return
        page.keyboard.press("Tab")
    raise AssertionError("按 Tab 键无法到达该元素")


def test_reminders_and_scheduled_pages_by_keyboard(world: World, live: LiveServer, page: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    later = f"应急科普进校园活动预告{world.unique()}"
    scheduled_item(world, later, monkeypatch, "2026-11-26T10:00")  # merged, to be published on 11-26
    title = f"汛期安全提示{world.unique()}"
    submit(world, title, monkeypatch, DAY1)
    page.goto(f"{live.url}/login/")
    page.fill("#id_username", "wu.guoqing")
    page.fill("#id_password", password("wu.guoqing"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/")

    press_on(page, page.locator("nav a[href='/reminders/']"))
    page.wait_for_url(f"{live.url}/reminders/")
    assert page.locator("h1").inner_text() == "我的提醒"
    row = page.locator("tr", has_text=f"《{title}》待你")
    assert row.count() == 1 and "去处理" in row.inner_text()
    assert serious(page) == []
    assert page.locator("nav a[href='/reminders/'] .count").count() == 1

    press_on(page, row.locator("button"))  # 知道了
    page.wait_for_url(f"{live.url}/reminders/")
    assert "已标记为知道了" in page.locator(".messages").inner_text()
    assert page.locator("tr", has_text=f"《{title}》待你").count() == 0

    press_on(page, page.locator("nav a[href='/scheduled/']"))
    page.wait_for_url(f"{live.url}/scheduled/")
    assert page.locator("h1").inner_text() == "定时发布"
    assert page.locator("tr", has_text=later).count() == 1  # DAY1 is before its time: 待发布
    assert "待发布" in page.locator("tr", has_text=later).inner_text()
    assert serious(page) == []
