"""The configuration forms over HTTP (Django's test client against the demo's server repository): who may open
them, the findings of portal.config.load next to the fields in Chinese, the diff before submitting, the password."""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

from .conftest import World, password

ADMIN, OFFICE, INFORMANT, REVIEWER = "yang.zhiqiang", "chen.xiuying", "sun.lixin", "wu.guoqing"


def column_data(cid: str, **changes: Any) -> dict[str, Any]:
    from workbench.configforms import ColumnForm
    from workbench.services import server

    server().refresh()  # the mirror exists before the first request too
    data = ColumnForm.initial_of(server().config(), cid)
    data = {k: v for k, v in data.items() if not (k == "home" and not v)}
    data |= changes
    return {k: v for k, v in data.items() if v is not None}


def person_data(pid: str, **changes: Any) -> dict[str, Any]:
    from workbench.configforms import PersonForm
    from workbench.services import server

    server().refresh()
    return PersonForm.initial_of(server().config(), pid) | changes


def field_errors(page: str, field: str) -> str:
    """The text of the errors shown under one field ('' when none)."""
    found = re.search(rf'<ul class="field-error" id="id_{field}-err">(.*?)</ul>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def diff_changes(page: str) -> tuple[list[str], list[str]]:
    """The removed and the added lines of the diff shown before submitting."""
    diff = page.split('<pre class="diff"', 1)[1].split("</pre>", 1)[0]
    removed = re.findall(r'<span class="dl d-"><span class="sr">删除：</span>(.*?)</span>', diff)
    added = re.findall(r'<span class="dl d\+"><span class="sr">新增：</span>(.*?)</span>', diff)
    return [html.unescape(x) for x in removed], [html.unescape(x) for x in added]


def submitted_branches(world: World) -> list[str]:
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    return srv.branches()


@pytest.mark.parametrize("url", ["/config/", "/config/columns/news/", "/config/columns/new/", f"/config/people/{INFORMANT}/",
                                 "/config/departments/宣教科/", "/config/departments/new/", "/oplog/", "/oplog/export.csv"])
def test_only_the_administrator_and_the_office(world: World, url: str) -> None:
    for person in (INFORMANT, REVIEWER):
        r = world.client(person).get(url)
        assert r.status_code == 403 and "网站管理员和办公室" in r.content.decode()
    r = world.client(INFORMANT).post(url, column_data("news", title="改名", action="preview"))
    assert r.status_code == 403
    for person in (ADMIN, OFFICE):
        assert world.client(person).get(url).status_code == 200
    assert world.client().get(url).status_code == 302  # not logged in: the login page


def test_nav_link_only_for_those_who_may(world: World) -> None:
    assert 'href="/config/"' in world.client(ADMIN).get("/").content.decode()
    assert 'href="/oplog/"' in world.client(OFFICE).get("/").content.decode()
    assert 'href="/config/"' not in world.client(INFORMANT).get("/").content.decode()


def test_the_form_shows_the_column_as_it_is_on_main(world: World) -> None:
    page = world.client(ADMIN).get("/config/columns/news/").content.decode()
    assert 'value="动态要闻"' in page and 'value="宣教科"' in page and 'value="新闻、动态、图片"' in page
    assert '<option value="daily" selected>' in page and 'name="home"' in page and "checked" in page
    people = world.client(ADMIN).get(f"/config/people/{INFORMANT}/").content.decode()
    assert 'value="孙立新"' in people and 'name="key"' not in people and "ssh-ed25519" not in people


def test_preview_shows_the_change_as_a_diff_with_text_markers_and_escapes_scripts(world: World) -> None:
    before = submitted_branches(world)
    r = world.client(ADMIN).post("/config/columns/news/", column_data(
        "news", title="<script>alert(1)</script>动态要闻", kinds="新闻、动态", action="preview"))
    page = r.content.decode()
    assert r.status_code == 200, page[:3000]
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    removed, added = diff_changes(page)
    assert removed == ["-     title: 动态要闻", "-     kinds: [新闻, 动态, 图片]"]
    assert added == ["+     title: <script>alert(1)</script>动态要闻", "+     kinds: [新闻, 动态]"]
    assert 'type="password"' in page and 'value="submit"' in page
    assert submitted_branches(world) == before


@pytest.mark.parametrize("changes, field, expected", [
    ({"departments": "宣传科"}, "departments", ["CFG-DEPT-UNKNOWN", "宣教科"]),
    ({"kinds": "新闻、消息"}, "kinds", ["CFG-KIND-UNKNOWN", "消息"]),
    ({"cycle": "dayly"}, "cycle", ["CFG-CYCLE", "daily"]),
    ({"chain": "四审"}, "chain", ["CFG-CHAIN-UNKNOWN"]),
    ({"type": "新闻"}, "type", ["CFG-COLUMN-TYPE"]),
    ({"inspection": "weekly"}, "inspection", ["CFG-VALUE", "news"]),
    ({"scoring": "bonus"}, "scoring", ["CFG-VALUE", "policy"]),
    ({"reprint_sources": "人民网"}, "reprint_sources", ["CFG-SOURCE-UNKNOWN", "人民日报"]),
    ({"deadline_number": "24小时"}, "deadline_number", ["正整数"]),
    ({"deadline_number": "0"}, "deadline_number", ["正整数"]),
    ({"deadline_unit": "days"}, "deadline_number", ["CFG-DEADLINE"]),
    ({"title": "动态\n要闻"}, "title", ["只能是一行", "换行"]),
    ({"title": ""}, "title", ["请填写栏目名称"]),
    ({"departments": "、、"}, "departments", ["请至少填写一个负责科室"]),
    ({"description": "x" * 400}, "description", ["最多 300 个字"]),
])
def test_bad_input_is_named_in_chinese_next_to_its_field(world: World, changes: dict[str, str], field: str,
                                                          expected: list[str]) -> None:
    r = world.client(ADMIN).post("/config/columns/news/", column_data("news", action="preview", **changes))
    page = r.content.decode()
    assert r.status_code == 422, page[:2000]
    shown = field_errors(page, field)
    assert all(e in shown for e in expected), (shown, page[:3000])
    assert 'aria-invalid="true"' in page and "Traceback" not in page
    assert 'value="submit"' not in page  # nothing offered for submission


def test_a_new_column(world: World) -> None:
    data = column_data("news", id="news", title="要闻", action="preview")
    r = world.client(ADMIN).post("/config/columns/new/", data)
    assert r.status_code == 422 and "CFG-DUPLICATE" in field_errors(r.content.decode(), "id")
    r = world.client(ADMIN).post("/config/columns/new/", data | {"id": "Safety Week"})
    assert r.status_code == 422 and "CFG-COLUMN-ID" in field_errors(r.content.decode(), "id")
    r = world.client(ADMIN).post("/config/columns/new/", data | {"id": "safety-week", "title": "安全生产月"})
    page = html.unescape(r.content.decode())
    assert r.status_code == 200, page[:3000]
    assert "+   - id: safety-week" in page and "+     title: 安全生产月" in page and "删除：" not in page


def test_the_roster_forms(world: World) -> None:
    c = world.client(OFFICE)
    r = c.post(f"/config/people/{REVIEWER}/", person_data(REVIEWER, roles=["unit_head", "superuser"], action="preview"))
    assert r.status_code == 422 and "CFG-ROLE-UNKNOWN" in field_errors(r.content.decode(), "roles")
    r = c.post(f"/config/people/{REVIEWER}/", person_data(REVIEWER, department="宣传科", action="preview"))
    assert r.status_code == 422 and "宣教科" in field_errors(r.content.decode(), "department")
    r = c.post(f"/config/people/{REVIEWER}/", person_data(REVIEWER, roles=[], action="preview"))
    assert r.status_code == 422 and "请至少选择一项角色" in field_errors(r.content.decode(), "roles")
    r = c.post(f"/config/people/{REVIEWER}/", person_data(REVIEWER, title="宣教科科长", roles=["unit_head", "secrecy"],
                                                          action="preview"))
    page = html.unescape(r.content.decode())
    assert r.status_code == 200, page[:3000]
    assert "-     title: 科室负责人" in page and "+     title: 宣教科科长" in page
    assert "+     roles: [unit_head, secrecy]" in page
    r = c.post(f"/config/people/{REVIEWER}/", person_data(REVIEWER, email="wu guoqing@yjj", action="preview"))
    assert r.status_code == 422 and "CFG-EMAIL" in field_errors(r.content.decode(), "email")
    r = c.post(f"/config/people/{REVIEWER}/", person_data(REVIEWER, email="wuguoqing@yunjiang.gov.cn", action="preview"))
    assert r.status_code == 200
    assert diff_changes(r.content.decode()) == ([], ["+     email: wuguoqing@yunjiang.gov.cn"])  # after the key line
    r = c.post("/config/departments/宣教科/", {"name": "宣传教育科（新闻办）", "action": "preview"})
    page = html.unescape(r.content.decode())
    assert "+   - {id: 宣教科, name: 宣传教育科（新闻办）}" in page
    r = c.post("/config/departments/new/", {"id": "宣教科", "name": "又一个", "action": "preview"})
    assert r.status_code == 422 and "CFG-DUPLICATE" in r.content.decode()
    r = c.post("/config/departments/new/", {"id": "宣教、法规", "name": "合并科室", "action": "preview"})
    assert r.status_code == 422 and "不能含空格、逗号、顿号" in field_errors(r.content.decode(), "id")
    r = c.post("/config/departments/new/", {"id": "新闻中心", "name": "新闻中心", "action": "preview"})
    assert r.status_code == 200 and diff_changes(r.content.decode()) == ([], ["+   - {id: 新闻中心, name: 新闻中心}"])
    assert world.client(ADMIN).get("/config/people/no.such/").status_code == 404
    assert world.client(ADMIN).get("/config/columns/no-such/").status_code == 404


def test_nothing_changed(world: World) -> None:
    r = world.client(ADMIN).post("/config/columns/news/", column_data("news", action="preview"))
    assert r.status_code == 422 and "没有任何改动" in r.content.decode()


def test_back_to_the_form_keeps_what_was_typed(world: World) -> None:
    r = world.client(ADMIN).post("/config/columns/news/", column_data("news", title="要闻动态", action="back"))
    assert r.status_code == 200 and 'value="要闻动态"' in r.content.decode()


def test_submit_needs_the_password_and_the_same_main(world: World) -> None:
    from workbench.services import server

    before = submitted_branches(world)
    c = world.client(ADMIN)
    data = column_data("science", cycle="weekly", action="submit", base=server().main_sha(), note="")
    r = c.post("/config/columns/science/", data | {"password": "不对的密码-1"})
    assert r.status_code == 403 and "密码不正确" in r.content.decode()
    r = c.post("/config/columns/science/", data | {"password": password(ADMIN), "base": "0" * 40})
    page = r.content.decode()
    assert r.status_code == 409 and "已有新的改动" in page and 'class="diff"' in page
    r = c.post("/config/columns/science/", data | {"password": ""})
    assert r.status_code == 422
    assert submitted_branches(world) == before


def test_other_open_changes_of_the_same_file_are_named(world: World) -> None:
    from portal.config import COLUMN_KEYS
    from workbench import configchange, yamledit
    from workbench.configforms import COLUMN_OPTIONAL
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    text = (srv.read("refs/heads/main", "columns.yml") or b"").decode("utf-8")
    changed = yamledit.set_fields(text, "columns", ("id", "party"), {"group": "机关党建"}, COLUMN_KEYS, COLUMN_OPTIONAL)
    branch = configchange.submit("du.xiaoming", password("du.xiaoming"), {"columns.yml": changed}, "机关建设归入党建分组")
    r = world.client(ADMIN).post("/config/columns/budget/", column_data("budget", home="on", action="preview"))
    page = r.content.decode()
    assert r.status_code == 200 and "尚未合并的 columns.yml 改动" in page and branch in page
    r = world.client(ADMIN).post("/config/departments/宣教科/", {"name": "宣传科", "action": "preview"})
    assert r.status_code == 200 and branch not in r.content.decode()  # a roster.yml change: not concerned
    listed = world.client(OFFICE).get("/config/").content.decode()
    assert f'href="/review/?branch={branch}&amp;path=columns.yml"' in listed
