"""A policy document and its 解读 in Debian's Chromium: axe-core finds nothing, the links lead both ways."""
from __future__ import annotations

import pytest

from portal import model
from tests.site import test_browser as site_browser
from tests.site.test_browser import AXE, CHROMIUM, DESKTOP, PHONE, axe, info, shot

demo = site_browser.demo  # the demo portal built and served on 127.0.0.1 (module fixtures of the site's browser tests)
browser = site_browser.browser
page = site_browser.page

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")
DOCUMENT = "documents/weihua-qiye-anquan-fengxian-fenji-guankong-banfa.html"
INTERPRETATION = "interpretations/weihua-qiye-anquan-fengxian-fenji-guankong-banfa-jiedu.html"


def test_from_the_document_to_its_interpretation_and_back(demo: tuple[str, model.Portal], page: object) -> None:
    base, _ = demo
    page.goto(base + DOCUMENT)  # type: ignore[attr-defined]
    rows = info(page)
    assert list(rows)[:7] == ["索引号", "主题分类", "发文机关", "成文日期", "文号", "发布日期", "有效性"]
    assert rows["索引号"] == "3310000017/2026-00003" and rows["有效性"] == "有效"
    related = page.get_by_role("region", name="政策解读")  # type: ignore[attr-defined]
    related.get_by_role("link").click()
    page.wait_for_url(base + INTERPRETATION)  # type: ignore[attr-defined]
    page.get_by_role("region", name="解读的政策文件").get_by_role("link").click()  # type: ignore[attr-defined]
    page.wait_for_url(base + DOCUMENT)  # type: ignore[attr-defined]


@pytest.mark.skipif(not AXE.exists(), reason="没有 axe-core（.ci/run 用 npm 安装到 tests/workbench/node_modules）")
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_nothing_on_policy_pages(demo: tuple[str, model.Portal], browser: object, size: str) -> None:
    base, _ = demo
    context = browser.new_context(viewport=DESKTOP if size == "desktop" else PHONE, locale="zh-CN",  # type: ignore[attr-defined]
                                  is_mobile=size == "phone", has_touch=size == "phone")
    tab = context.new_page()
    found = {}
    try:
        for name, path in (("document", DOCUMENT), ("interpretation", INTERPRETATION)):
            tab.goto(base + path)
            found[name] = axe(tab)
            width = tab.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1], (name, size, width)
            assert tab.locator("th[scope=row]").count() >= 3
            shot(tab, f"site-{size}-policy-{name}.png")
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}
