"""The whole flow in a real browser (Debian's chromium), five people in separate contexts, with axe-core on
every workbench page: an informant imports a .docx, fixes a finding shown live and submits; 初审, 保密审查
(after a return and a fix), 复审 and 终审 approve in order; the office merges; the page is on the published site."""
from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import LiveServer, World, password

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium（apt-get install chromium；CI 会安装）")
TITLE = "云江广场安全生产宣传咨询活动"
SERIOUS = ("serious", "critical")
# Playwright's sync API keeps an event loop in the test thread; the fixtures' database calls there are plain
# synchronous calls (the server itself runs in waitress's threads)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def docx_with_picture() -> bytes:
    from docx import Document
    from docx.shared import Cm
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(picture, "PNG")
    picture.seek(0)
    doc = Document()
    doc.add_paragraph("11月21日，市应急管理局在云江广场开展安全生产宣传咨询活动，发放宣传资料500余份，解答群众咨询120人次。")
    doc.add_picture(picture, width=Cm(4))
    doc.add_paragraph("活动现场设置了应急救援装备展示区和互动体验区。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"])
        yield b
        b.close()


class Person:
    """One person's browser context: logs in through the form, checks every page with axe-core."""

    def __init__(self, browser: Any, live: LiveServer, person: str, audited: dict[str, list[str]]) -> None:
        # bypass_csp only lets the test inject axe-core; the pages' own CSP header is tested over HTTP
        self.context = browser.new_context(bypass_csp=True, locale="zh-CN")
        self.page = self.context.new_page()
        self.live, self.person, self.audited = live, person, audited
        self.page.goto(f"{live.url}/login/")
        self.audit("登录")
        self.page.fill("#id_username", person)
        self.page.fill("#id_password", password(person))
        self.page.keyboard.press("Enter")  # the keyboard is enough
        self.page.wait_for_url(f"{live.url}/")
        self.audit("首页")

    def go(self, path: str, name: str) -> None:
        self.page.goto(f"{self.live.url}{path}")
        self.audit(name)

    def audit(self, name: str) -> None:
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
               for v in result["violations"] if v["impact"] in SERIOUS]
        self.audited.setdefault(name, []).extend(bad)

    def approve(self, stage: str, opinion: str = "同意", secrecy: bool = False, reject: bool = False) -> None:
        self.go("/queue/", "待我审核")
        self.page.click(f"tr:has-text('{TITLE}') >> text=审核")
        self.page.wait_for_selector("#d-h")
        self.audit(f"审核：{stage}")
        assert stage in self.page.inner_text("#d-h")
        if secrecy:
            for question in ("是否涉密", "发布时间是否适宜", "格式和表述是否规范"):
                assert question in self.page.inner_text(".decide")
            self.page.check("input[name='Portal-Secrecy-Classified'][value='否']")
            self.page.check("input[name='Portal-Secrecy-Timing'][value='是']")
            self.page.check("input[name='Portal-Secrecy-Format'][value='是']")
        self.page.fill("textarea[name=opinion]", opinion)
        self.page.fill("input[name=password]", password(self.person))
        self.page.click("button[value=reject]" if reject else "button[value=approve]")
        self.page.wait_for_selector(".msg-success")
        assert f"已签署“{stage}”" in self.page.inner_text(".messages")


def submit(page: Any) -> None:
    page.click("button[value=submit]")
    page.wait_for_selector(".msg-success, .msg-error, .conflict")
    assert "已报送到审核分支" in page.inner_text("main"), page.inner_text("#findings")[:3000]


def wait_findings(page: Any, present: bool, rule_prefix: str) -> None:
    page.wait_for_function(
        "([prefix, present]) => { const t = document.getElementById('findings').innerText;"
        " return t.includes(prefix) === present; }", arg=[rule_prefix, present], timeout=20_000)


@pytest.mark.skipif(not AXE.exists(), reason="没有 axe-core（.ci/run 用 npm 安装到 tests/workbench/node_modules）")
def test_whole_flow_in_the_browser(world: World, live: LiveServer, browser: Any, tmp_path: Path) -> None:
    audited: dict[str, list[str]] = {}
    informant = Person(browser, live, "sun.lixin", audited)
    reviewers = {stage: Person(browser, live, person, audited) for stage, person in
                 (("初审", "wu.guoqing"), ("保密审查", "xu.chunyan"), ("复审", "li.xiaoming"), ("终审", "chen.xiuying"))}
    page = informant.page

    # the informant: a new item, a .docx imported, a finding shown live next to its line, fixed, submitted
    informant.go("/items/new/", "新建稿件")
    page.select_option("#column", "news")
    page.click("button.primary")
    page.wait_for_selector("#item-form")
    informant.audit("编辑稿件")
    document = tmp_path / "活动.docx"
    document.write_bytes(docx_with_picture())
    page.set_input_files("#docx-file", str(document))
    page.click("form.upload:has(#docx-file) button")
    page.wait_for_selector(".msg-success")
    assert "图片 1 张" in page.inner_text(".messages")
    assert "活动.docx" in page.inner_text(".attachments")
    page.fill("#id_title", TITLE)
    page.fill("#id_event_date", "2026-11-21")
    for stage, person in (("初审", "wu.guoqing"), ("保密审查", "xu.chunyan"), ("复审", "li.xiaoming"),
                          ("终审", "chen.xiuying")):
        page.select_option(f"#id_reviewer_{stage}", person)
    body = page.input_value("#id_body")
    assert "云江广场" in body and "files/" in body  # the picture is linked from the body
    page.fill("#id_body", body + "\n本材料为内部资料，注意保存。\n")
    wait_findings(page, True, "SEC-")
    assert "正文第" in page.inner_text("#findings")
    assert "云江广场" in page.inner_text("#preview")  # the page as the site renders it
    page.fill("#id_body", body)
    wait_findings(page, False, "SEC-")
    page.fill("#submit-password", password("sun.lixin"))
    submit(page)
    informant.audit("我的稿件")

    informant.go("/account/password/", "修改密码")
    reviewers["初审"].approve("初审")
    reviewers["保密审查"].approve("保密审查", opinion="第二段请补充活动时间", reject=True)

    # the informant sees the return with its reason, fixes and resubmits on the same branch
    informant.go("/items/", "我的稿件（退回）")
    assert "第二段请补充活动时间" in page.inner_text("main")
    page.click(f"tr:has-text('{TITLE}') >> text=修改")
    page.wait_for_selector("#item-form")
    page.fill("#id_body", page.input_value("#id_body").replace("活动现场", "上午9时起，活动现场"))
    page.fill("#submit-password", password("sun.lixin"))
    submit(page)

    # the chain again, in order: 初审's earlier approval is stale
    reviewers["初审"].approve("初审")
    reviewers["保密审查"].approve("保密审查", secrecy=True)
    reviewers["复审"].approve("复审")
    office = reviewers["终审"]
    office.approve("终审")

    # the office merges; the server's publish result is shown; the page is on the published site
    office.go("/merge/", "合并发布")
    office.page.click(f"tr:has-text('{TITLE}') button")
    office.page.wait_for_selector("#publish-result")
    office.audit("合并结果")
    result = office.page.inner_text("#publish-result")
    assert "成功" in result, result
    informant.go("/items/", "我的稿件（已发布）")
    link = page.get_attribute(f"tr:has-text('{TITLE}') >> text=查看已发布页面", "href")
    assert link
    page.goto(link if link.startswith("http") else f"{live.url}{link}")
    assert TITLE in page.inner_text("h1")
    assert "上午9时起" in page.inner_text("body")

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "workbench-axe.json").write_text(json.dumps(audited, ensure_ascii=False, indent=1), encoding="utf-8")
    problems = {name: found for name, found in audited.items() if found}
    assert not problems, problems
