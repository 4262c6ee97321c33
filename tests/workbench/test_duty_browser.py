"""值班读网 in a real browser (Debian's chromium): a defaced page is found by “现在核验” and restored with one
click, confirmed with the password, all with the keyboard; axe-core on every page (and on the 通报)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import LiveServer, World, password
from .test_browser import ARTIFACTS, AXE, CHROMIUM, Person, browser  # noqa: F401 - `browser` is a fixture
from .test_duty import OFFICE, deface, hooks_republish, publish_dir, verify_clean

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium"),
              pytest.mark.skipif(not AXE.exists(), reason="没有 axe-core（.ci/run 用 npm 安装）")]


def test_a_defaced_page_is_found_and_restored_in_the_browser(world: World, live: LiveServer, browser: Any) -> None:  # noqa: F811
    audited: dict[str, list[str]] = {}
    office = Person(browser, live, OFFICE, audited)
    page = office.page
    changed, missing, before, _ = deface(world)
    try:
        office.go("/duty/", "值班读网")
        page.focus("#check-now")
        page.keyboard.press("Enter")
        page.wait_for_selector("#tampered", timeout=120_000)
        office.audit("值班读网（发现篡改）")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "workbench-duty-tampered.png"), full_page=True)
        table = page.inner_text("#tampered")
        assert changed in table and "被修改" in table and missing in table and "缺失" in table

        page.focus("a[href='/duty/restore/?method=republish']")
        page.keyboard.press("Enter")
        page.wait_for_selector("#restore-password")
        office.audit("恢复网站（确认）")
        page.focus("#confirm")
        page.keyboard.press("Space")
        assert page.is_checked("#confirm")
        page.focus("#restore-password")
        page.keyboard.type(password(OFFICE))
        page.keyboard.press("Enter")
        page.wait_for_selector(".messages", timeout=300_000)
        office.audit("值班读网（恢复后）")
        assert "已重新发布" in page.inner_text(".messages"), page.inner_text(".messages")
        assert "核验通过" in page.inner_text("#verify-summary")
        assert page.query_selector("#tampered") is None
    finally:
        if not verify_clean(world):
            hooks_republish(world)
    assert (publish_dir(world) / "current" / changed).read_bytes() == before
    assert verify_clean(world)

    office.go("/reports/?period=2026-11", "通报")
    assert "政务信息报送与网站栏目更新情况通报" in page.inner_text(".report-view")
    page.select_option("#period", "2026-Q4")
    page.focus("#period")
    page.keyboard.press("Tab")  # to 查看
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/?period=2026-Q4")
    office.audit("通报（季度）")
    page.screenshot(path=str(ARTIFACTS / "workbench-reports.png"))
    page.focus("#bulletin-link")
    page.keyboard.press("Enter")
    page.wait_for_selector(".red-head")
    office.audit("可打印的通报")

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "workbench-duty-axe.json").write_text(json.dumps(audited, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")
    problems = {name: found for name, found in audited.items() if found}
    assert not problems, problems
