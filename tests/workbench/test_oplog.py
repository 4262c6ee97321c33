"""操作日志: the workbench's own views record logins, logouts, password changes, submissions, decisions and merges;
the page filters by person, action and dates, pages through, and exports CSV that Excel opens (UTF-8 with BOM)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from .conftest import World, decide, head_of, password, submit_item

ADMIN, OFFICE, INFORMANT = "yang.zhiqiang", "chen.xiuying", "sun.lixin"
CST = dt.timezone(dt.timedelta(hours=8))


def ops(**filters: Any) -> list[Any]:
    from workbench.models import Operation

    return list(Operation.objects.filter(**filters))


def rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_logins_logouts_and_password_changes_are_logged(world: World) -> None:
    from django.test import Client

    person = "du.xiaoming"
    before = len(ops(actor=person))
    c = Client()
    assert c.post("/login/", {"username": person, "password": "不是这个密码"}).status_code == 200
    assert c.post("/login/", {"username": person, "password": password(person)}).status_code == 302
    new = "新的密码-Yunjiang-2027"
    assert c.post("/account/password/", {"old": password(person), "new": new, "again": new}).status_code == 302
    assert c.post("/account/password/", {"old": new, "new": password(person), "again": password(person)}).status_code == 302
    assert c.post("/logout/").status_code == 302
    mine = sorted(ops(actor=person), key=lambda o: o.pk)[before:]
    assert [o.action for o in mine] == ["login-failed", "login", "password", "password", "logout"]
    assert mine[0].detail == {"reason": "password"} and mine[0].address == "127.0.0.1"
    assert all("不是这个密码" not in str(o.detail) and new not in str(o.detail) for o in mine)  # no password is logged
    unknown = Client().post("/login/", {"username": "no.such.person", "password": "x"})
    assert unknown.status_code == 200 and ops(actor="no.such.person", action="login-failed")


def test_submissions_decisions_and_merges_are_logged(world: World) -> None:
    branch, path = submit_item(world, f"操作日志测试稿件{world.unique()}")
    assert [o.target for o in ops(actor=INFORMANT, action="submit")][0] == branch
    assert decide(world, "wu.guoqing", branch, path, "初审").status_code == 302
    assert decide(world, "xu.chunyan", branch, path, "保密审查", action="reject", opinion="请删去单位内部电话").status_code == 302
    approved = ops(actor="wu.guoqing", action="approve", target=branch)
    assert len(approved) == 1 and approved[0].detail["stage"] == "初审" and approved[0].detail["path"] == path
    assert len(approved[0].detail["commit"]) == 40
    rejected = ops(actor="xu.chunyan", action="reject", target=branch)
    assert len(rejected) == 1 and rejected[0].detail["stage"] == "保密审查"
    # merging a branch whose chain is not complete: refused by the server's gate, and logged as such
    r = world.client(OFFICE).post("/merge/do/", {"branch": branch, "head": head_of(world, branch)})
    assert r.status_code == 409
    refused = ops(actor=OFFICE, action="merge-refused", target=branch)
    assert len(refused) == 1 and refused[0].detail["commit"] == "" and refused[0].detail["problems"]


def _seed(world: World, tag: str) -> None:
    """Operations at known times (tag makes the action unique to the test)."""
    from workbench import oplog
    from workbench.models import Operation

    for day, actor in ((1, INFORMANT), (5, "wu.guoqing"), (9, INFORMANT), (30, ADMIN)):
        op = oplog.record(actor, tag, f"review/{actor}/item-{day}", day=day)
        Operation.objects.filter(pk=op.pk).update(when=dt.datetime(2026, 11, day, 9, 30, tzinfo=CST))
    oplog.record(INFORMANT, tag, "=HYPERLINK(\"http://evil.example\")<script>alert(1)</script>", note="+1")


def test_page_filters_by_person_action_and_dates(world: World) -> None:
    tag = f"test-filter-{world.unique()}"
    _seed(world, tag)
    c = world.client(OFFICE)
    page = c.get("/oplog/", {"action": tag, "person": "孙立新"}).content.decode()  # a name finds the person's id
    found = rows(page)
    assert len(found) == 3 and all(r[1] == "孙立新（sun.lixin）" for r in found)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    page = c.get("/oplog/", {"action": tag, "start": "2026-11-05", "end": "2026-11-09"}).content.decode()
    assert [r[3] for r in rows(page)] == ["review/sun.lixin/item-9", "review/wu.guoqing/item-5"]
    assert [r[0] for r in rows(page)] == ["2026-11-09 09:30:00", "2026-11-05 09:30:00"]  # China time, newest first
    page = c.get("/oplog/", {"action": tag, "person": ADMIN}).content.decode()
    assert [r[3] for r in rows(page)] == ["review/yang.zhiqiang/item-30"]
    bad = c.get("/oplog/", {"start": "2026-11-09", "end": "2026-11-01"}).content.decode()
    assert "截止日期早于起始日期" in bad and rows(bad) == []
    bad = c.get("/oplog/", {"start": "11/09/2026"}).content.decode()
    assert "起始日期应写成" in bad and "Traceback" not in bad


def test_pages_of_fifty_keep_the_filter(world: World) -> None:
    from workbench import oplog

    tag = f"test-pages-{world.unique()}"
    for i in range(120):
        oplog.record("du.xiaoming", tag, f"target-{i:03d}")
    c = world.client(ADMIN)
    first = c.get("/oplog/", {"action": tag}).content.decode()
    assert len(rows(first)) == 50 and "共 120 条，第 1 / 3 页" in first
    link = re.search(r'<a href="\?([^"]+)">下一页</a>', first).group(1).replace("&amp;", "&")
    assert f"action={tag}" in link and link.endswith("page=2")
    third = c.get(f"/oplog/?action={tag}&page=3").content.decode()
    assert [r[3] for r in rows(third)][-1] == "target-000" and len(rows(third)) == 20
    assert len(rows(c.get(f"/oplog/?action={tag}&page=99").content.decode())) == 20  # past the end: the last page


def test_csv_export_opens_in_excel_and_keeps_formulas_as_text(world: World) -> None:
    tag = f"test-csv-{world.unique()}"
    _seed(world, tag)
    r = world.client(ADMIN).get("/oplog/export.csv", {"action": tag, "person": INFORMANT})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"].startswith("attachment;") and ".csv" in r["Content-Disposition"]
    data = r.content
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["时间", "人员 id", "姓名", "操作", "操作代码", "对象", "地址", "详情"]
    assert len(table) == 4 and {row[1] for row in table[1:]} == {INFORMANT} and {row[2] for row in table[1:]} == {"孙立新"}
    evil = table[1]
    assert evil[5].startswith("'=HYPERLINK") and evil[7] == "note: +1"
    assert world.client(ADMIN).get("/oplog/export.csv", {"start": "2026-13-01"}).status_code == 400
    assert world.client(INFORMANT).get("/oplog/export.csv").status_code == 403
