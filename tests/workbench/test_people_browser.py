"""In a real browser (Debian's chromium): the administrator invites a new person, who accepts the link and sets
a password; the key their browser session made enters roster.yml through the 配置变更 chain (网站管理员, then
办公室), is merged, and shows in the roster's history. axe-core on every page; the forms are driven by keyboard."""
from __future__ import annotations

import json
from typing import Any

from .conftest import LiveServer, World, password
from .test_browser import ARTIFACTS, AXE, SERIOUS, Person, browser  # noqa: F401 - browser is a fixture

NEWCOMER = "fang.li"


def audit(page: Any, name: str, audited: dict[str, list[str]]) -> None:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    audited.setdefault(name, []).extend(f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
                                        if v["impact"] in SERIOUS)


def decide_config(reviewer: Person, branch: str, stage: str) -> None:
    reviewer.go(f"/review/?branch={branch}&path=roster.yml", f"配置变更：{stage}")
    page = reviewer.page
    assert stage in page.inner_text("#d-h") and NEWCOMER in page.inner_text(".diff")
    page.focus("textarea[name=opinion]")
    page.keyboard.type("同意登记")
    page.keyboard.press("Tab")
    page.keyboard.type(password(reviewer.person))
    page.keyboard.press("Tab")  # to 通过
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg-success")
    assert f"已签署“{stage}”" in page.inner_text(".messages")


def test_invitation_accepted_and_key_enrolled_through_the_configuration_chain(
        world: World, live: LiveServer, browser: Any) -> None:  # noqa: F811
    audited: dict[str, list[str]] = {}
    admin = Person(browser, live, "yang.zhiqiang", audited)
    admin.page.click("nav >> text=人员")
    admin.page.wait_for_selector("#invite-h")
    admin.audit("人员")
    page = admin.page
    page.focus("#id_person")
    page.keyboard.type(NEWCOMER)
    page.keyboard.press("Tab")
    page.keyboard.type("方丽")
    page.select_option("#id_department", "宣教科")
    page.focus("#id_title")
    page.keyboard.type("信息员")
    page.focus("input[name=roles][value=informant]")
    page.keyboard.press("Space")
    page.focus("#id_title")
    page.keyboard.press("Enter")  # submits the invitation form
    page.wait_for_selector("#link")
    admin.audit("邀请链接")
    link = page.input_value("#link")
    assert "/people/accept/" in link

    # the invitee, in a browser of their own, not logged in
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    invitee = context.new_page()
    invitee.goto(link)
    audit(invitee, "设置密码", audited)
    assert "方丽" in invitee.inner_text("h1")
    invitee.focus("#id_new")
    invitee.keyboard.type(password(NEWCOMER))
    invitee.keyboard.press("Tab")
    invitee.keyboard.type(password(NEWCOMER))
    invitee.keyboard.press("Enter")
    invitee.wait_for_selector("text=待名册变更审核")
    audit(invitee, "待名册变更审核", audited)
    text = invitee.inner_text("main")
    branch = text.split("审核分支 ", 1)[1].split("。", 1)[0].strip()
    assert branch.startswith(f"review/{NEWCOMER}/")

    # 网站管理员 sees it in 待我审核 and approves; the invitee cannot log in before the merge
    admin.go("/queue/", "待我审核")
    assert "roster.yml" in page.inner_text("main")
    decide_config(admin, branch, "初审")
    office = Person(browser, live, "chen.xiuying", audited)
    decide_config(office, branch, "终审")
    admin.go("/merge/", "合并发布")
    page.click(f"tr:has-text('{branch}') >> button")
    page.wait_for_selector("h1")
    admin.audit("合并结果")
    assert "失败" not in page.inner_text("h1")

    # the roster's history shows the change, who submitted it and who approved it
    admin.go("/people/history/", "名册历史")
    history = page.inner_text("main")
    assert f"新增 方丽（{NEWCOMER}）" in history and "杨志强" in history and "陈秀英" in history
    # the newcomer logs in with the password they chose; nothing is pending any more
    newcomer = Person(browser, live, NEWCOMER, audited)
    assert "待名册变更审核" not in newcomer.page.inner_text("main")
    ARTIFACTS.mkdir(exist_ok=True)
    newcomer.page.screenshot(path=str(ARTIFACTS / "workbench-people-enrolled.png"))
    (ARTIFACTS / "workbench-people-axe.json").write_text(json.dumps(audited, ensure_ascii=False, indent=1), encoding="utf-8")
    problems = {name: found for name, found in audited.items() if found}
    assert not problems, problems
    context.close()
