"""The whole flow over HTTP with the test client: write, submit, review in order (one return and fix), merge."""
from __future__ import annotations

from .conftest import (
    BODY,
    CHAIN,
    World,
    _messages,
    decide,
    item_fields,
    new_draft,
    password,
    save,
    submit_item,
)


def test_informant_sees_live_findings_and_preview(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    data = item_fields("防汛宣传<script>alert(1)</script>", BODY + "\n本文件为秘密★1年，内部资料。\n<script>alert(2)</script>\n")
    r = c.post(f"/drafts/{pk}/preview/", {"version": 1, **data})
    assert r.status_code == 200
    out = r.json()
    assert out["errors"] >= 1
    rules = {f["rule"] for f in out["findings"]}
    assert any(rule.startswith("SEC-") for rule in rules), rules
    secrecy = next(f for f in out["findings"] if f["rule"].startswith("SEC-"))
    assert secrecy["body_line"] == 5  # next to the line of the body it concerns
    assert "<script" not in out["html"] and "alert(2)" not in out["html"]
    assert "防汛宣传&lt;script&gt;" in out["html"]  # the title escaped, as the site escapes it
    # nothing was saved by the preview
    assert c.get(f"/drafts/{pk}/").status_code == 200


def test_submit_refused_while_a_check_fails_then_accepted(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    bad = item_fields("安全生产宣传进社区", BODY + "\n此件不公开。\n")
    r = save(c, pk, bad, action="submit", password=password("sun.lixin"))
    assert r.status_code == 422
    assert "未报送" in _messages(r)
    r = save(c, pk, item_fields("安全生产宣传进社区", BODY), action="submit", password="wrong-password")
    assert r.status_code == 403
    r = save(c, pk, item_fields("安全生产宣传进社区", BODY), action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, _messages(r)
    mine = c.get("/items/").content.decode()
    assert "安全生产宣传进社区" in mine and "待“科室负责人初审”：吴国庆" in mine


def test_whole_chain_with_a_return_and_merge(world: World) -> None:
    branch, path = submit_item(world, "应急救援装备展示活动")
    # 初审 approves; 保密审查 returns it with a reason
    r = decide(world, "wu.guoqing", branch, path, "初审")
    assert r.status_code == 302, _messages(r)
    r = decide(world, "xu.chunyan", branch, path, "保密审查", action="reject", opinion="第二段数据请核实")
    assert r.status_code == 302, _messages(r)
    mine = world.client("sun.lixin").get("/items/").content.decode()
    assert "退回：第二段数据请核实" in mine
    # the informant revises on the same branch
    c = world.client("sun.lixin")
    r = c.get("/items/revise/", {"branch": branch, "path": path})
    assert r.status_code == 302
    pk = int(r["Location"].rstrip("/").split("/")[-1])
    fixed = item_fields("应急救援装备展示活动", BODY.replace("500余份", "520份"))
    r = save(c, pk, fixed, action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, _messages(r)
    # the chain starts again: 初审's approval is stale
    page = world.client("wu.guoqing").get("/queue/").content.decode()
    assert "应急救援装备展示活动" in page
    for stage, person in CHAIN.items():
        r = decide(world, person, branch, path, stage)
        assert r.status_code == 302, (stage, _messages(r))
    office = world.client("yang.zhiqiang")
    page = office.get("/merge/").content.decode()
    assert branch in page
    from .conftest import head_of

    r = office.post("/merge/do/", {"branch": branch, "head": head_of(world, branch)})
    assert r.status_code == 200, _messages(r)
    text = r.content.decode()
    assert "已合并" in text
    mine = world.client("sun.lixin").get("/items/").content.decode()
    assert "已发布" in mine


def test_revising_keeps_the_items_files(world: World) -> None:
    """A submitted item reopened for a fix brings its attachments and pictures along from git."""
    import io

    from PIL import Image

    from workbench import views
    from workbench.models import Draft

    from .test_security import _upload

    c = world.client("sun.lixin")
    pk = new_draft(c)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(picture, "PNG")
    _upload(c, pk, "xian-chang.png", picture.getvalue())
    body = BODY + "\n![现场](files/xian-chang.png)\n"
    r = save(c, pk, item_fields("带图片的稿件", body), action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, _messages(r)
    branch = Draft.objects.get(pk=pk).submitted_branch
    path = Draft.objects.get(pk=pk).path
    r = c.get("/items/revise/", {"branch": branch, "path": path})
    again = Draft.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    assert (views._uploads(again) / "xian-chang.png").read_bytes() == picture.getvalue()
    r = save(c, again.pk, item_fields("带图片的稿件", body + "补充一句。\n"), action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, _messages(r)


def test_enrol_against_a_server_repository(world: World, tmp_path) -> None:
    """`portal web --enrol` (not the demo): the roster of the server's main, a password and a key for the person."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_WEB_")}
    cmd = [sys.executable, "-m", "portal", "--root", str(world.demo.work), "web", "--server", str(world.demo.server),
           "--data", str(tmp_path / "data")]
    ok = subprocess.run([*cmd, "--enrol", "wu.guoqing"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    line = ok.stdout.splitlines()[0].split("\t")
    assert line[0] == "wu.guoqing" and line[1] == "吴国庆" and line[2].startswith("http://127.0.0.1:8080/people/accept/")
    assert "配置变更" in ok.stdout
    bad = subprocess.run([*cmd, "--enrol", "no.body"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "不在主分支的 roster.yml 中" in bad.stderr
