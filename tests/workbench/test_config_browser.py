"""A column changed in the browser (Debian's chromium): the office fills the form with the keyboard, a finding is
shown next to its field, the change is shown as a diff, signed with the password and submitted; the administrator
(初审) and a second office member (终审) approve it on their pages; the office merges; columns.yml on main has the
change and nothing else. Every page is checked with axe-core (no serious or critical violations).

The demo has one administrator and two office members, and the person who submits a change may not review it; so the
test first enrols a second office member (周玉兰) through the same 配置变更 chain, submitted by an informant."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from .conftest import LiveServer, World, _messages, decide, head_of, password
from .test_browser import ARTIFACTS, AXE, CHROMIUM, Person

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）"),
              pytest.mark.skipif(not AXE.exists(), reason="没有 axe-core（.ci/run 用 npm 安装到 tests/workbench/node_modules）")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ADMIN, OFFICE, SECOND = "yang.zhiqiang", "chen.xiuying", "zhou.yulan"
NOTE = "按附件2调整应急科普栏目的更新周期"


def main_text(name: str) -> str:
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    return (srv.read("refs/heads/main", name) or b"").decode("utf-8")


@pytest.fixture(scope="module")
def second_office(world: World) -> str:
    """周玉兰 (局办公室) gets an account, a key and the office role, through an approved and merged 配置变更."""
    from portal.config import PERSON_KEYS
    from workbench import configchange, setup, yamledit

    public = setup.enrol(SECOND, password(SECOND))
    roster = setup.set_roster_key(main_text("roster.yml"), SECOND, public)
    roster = yamledit.set_fields(roster, "people", ("id", SECOND), {"roles": ["informant", "office"]}, PERSON_KEYS)
    branch = configchange.submit("du.xiaoming", password("du.xiaoming"), {"roster.yml": roster}, "周玉兰兼办公室审核")
    for person, stage in ((ADMIN, "初审"), (OFFICE, "终审")):
        r = decide(world, person, branch, "roster.yml", stage)
        assert r.status_code == 302, _messages(r)
    r = world.client(ADMIN).post("/merge/do/", {"branch": branch, "head": head_of(world, branch)})
    assert r.status_code == 200, r.content.decode()[:2000]
    return SECOND


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"])
        yield b
        b.close()


def test_a_column_change_from_the_form_through_the_chain(world: World, live: LiveServer, browser: Any,
                                                         second_office: str) -> None:
    before = main_text("columns.yml")
    audited: dict[str, list[str]] = {}
    office = Person(browser, live, OFFICE, audited)
    page = office.page

    # the list, then the column's form, reached and filled with the keyboard only
    office.go("/config/", "栏目与名册")
    link = page.locator("a[href='/config/columns/science/']")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_title")
    office.audit("修改栏目")
    assert page.input_value("#id_title") == "应急科普"
    page.focus("#id_kinds")
    page.keyboard.press("Control+A")
    page.keyboard.type("科普、漫画")  # 漫画 is not a kind in columns.yml
    page.focus("#id_cycle")
    page.keyboard.press("ArrowUp")  # monthly -> biweekly
    assert page.input_value("#id_cycle") == "biweekly"
    page.focus("#id_title")
    page.keyboard.press("Enter")  # the form's first button: 预览改动
    page.wait_for_selector("#id_kinds-err")
    office.audit("修改栏目（有问题）")
    assert "CFG-KIND-UNKNOWN" in page.inner_text("#id_kinds-err") and "漫画" in page.inner_text("#id_kinds-err")
    assert page.get_attribute("#id_kinds", "aria-invalid") == "true"
    page.focus("#id_kinds")
    page.keyboard.press("Control+A")
    page.keyboard.type("科普、图片")
    page.keyboard.press("Enter")

    # the diff, marked with 删除/新增 for screen readers and -/+ on screen; then the password and submit
    page.wait_for_selector("pre.diff")
    office.audit("确认配置变更")
    diff = page.inner_text("pre.diff")
    changes = [line for line in diff.splitlines() if line.startswith(("- ", "+ "))]
    assert changes == ["-     cycle: monthly", "+     cycle: biweekly"], diff
    assert page.locator("pre.diff .d\\+ .sr").first.inner_text() == "新增："
    page.focus("#id_note")
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    page.keyboard.type(password(OFFICE))
    page.keyboard.press("Enter")  # the first button: 签名并提交配置变更
    page.wait_for_selector(".msg-success")
    office.audit("栏目与名册（已提交）")
    message = page.inner_text(".messages")
    assert NOTE in message and "review/chen.xiuying/" in message
    branch = re.search(r"review/[A-Za-z0-9._/-]+", message).group(0)  # type: ignore[union-attr]
    assert main_text("columns.yml") == before  # nothing changes before the chain is complete

    # 初审 by the administrator, 终审 by the other office member, on the reviewer pages
    for person, stage in ((ADMIN, "初审"), (second_office, "终审")):
        reviewer = Person(browser, live, person, audited)
        reviewer.go("/queue/", f"待我审核（{stage}）")
        reviewer.page.click(f"a[href*='branch={quote(branch)}&']")
        reviewer.page.wait_for_selector("#d-h")
        reviewer.audit(f"配置变更审核：{stage}")
        assert "+    cycle: biweekly" in reviewer.page.inner_text("pre.diff")  # the reviewer page's unified diff
        reviewer.page.fill("textarea[name=opinion]", "同意")
        reviewer.page.fill("input[name=password]", password(person))
        reviewer.page.click("button[value=approve]")
        reviewer.page.wait_for_selector(".msg-success")
        assert f"已签署“{stage}”" in reviewer.page.inner_text(".messages")
        reviewer.context.close()

    # the office merges; main's columns.yml differs from before in that one line only
    office.go("/merge/", "合并发布")
    page.click(f"tr:has-text('{branch}') button")
    page.wait_for_selector("h1")
    office.audit("合并结果")
    after = main_text("columns.yml")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [("    cycle: monthly", "    cycle: biweekly")]

    # the log shows the submission, the decisions and the merge
    office.go("/oplog/?action=config-submit", "操作日志")
    assert branch in page.inner_text("table.list")
    from workbench.models import Operation

    assert {(o.actor, o.action) for o in Operation.objects.filter(target=branch)} >= {
        (OFFICE, "config-submit"), (ADMIN, "approve"), (second_office, "approve"), (OFFICE, "merge")}

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "workbench-config-axe.json").write_text(json.dumps(audited, ensure_ascii=False, indent=1), encoding="utf-8")
    problems = {name: found for name, found in audited.items() if found}
    assert not problems, problems
