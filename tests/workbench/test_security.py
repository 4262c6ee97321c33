"""Every permission and attack over HTTP: each is refused with a message in Chinese and changes nothing."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import override_settings

from .conftest import BODY, World, decide, head_of, item_fields, new_draft, password, save, submit_item


@pytest.fixture(scope="module")
def pending(world: World) -> tuple[str, str]:
    """An item waiting for 初审."""
    return submit_item(world, "安全生产月启动仪式")


def text(r: Any) -> str:
    return r.content.decode()


PAGES = ["/", "/items/", "/items/new/", "/queue/", "/merge/", "/review/?branch=x&path=y", "/drafts/1/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(world: World, url: str) -> None:
    r = world.client().get(url)
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_headers(world: World) -> None:
    r = world.client().get("/login/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"


def test_login_throttled(world: World) -> None:
    c = world.client()
    for _ in range(5):
        r = c.post("/login/", {"username": "wu.guoqing", "password": "wrong-password"})
        assert "人员 id 或密码不正确" in text(r)
    r = c.post("/login/", {"username": "wu.guoqing", "password": password("wu.guoqing")})
    assert r.status_code == 429 and "登录失败次数过多" in text(r)


def test_password_hashed_with_argon2(world: World) -> None:
    from django.contrib.auth.models import User

    assert User.objects.get(username="sun.lixin").password.startswith("argon2")


def test_signing_key_only_encrypted(world: World) -> None:
    from workbench.models import SigningKey

    key = SigningKey.objects.get(user__username="sun.lixin")
    assert "aes256-ctr" in __import__("base64").b64decode("".join(key.private.splitlines()[1:-1]))[:64].decode("latin1")
    assert key.public.split()[1] in (world.demo.work / "roster.yml").read_text()


def test_stale_session_is_logged_out(world: World) -> None:
    from django.contrib.sessions.models import Session

    c = world.client("sun.lixin")
    assert c.get("/").status_code == 200
    Session.objects.filter(session_key=c.session.session_key).update(expire_date=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    r = c.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_post_without_csrf_token_is_refused(world: World, pending: tuple[str, str]) -> None:
    branch, path = pending
    c = world.client("wu.guoqing", csrf=True)
    before = head_of(world, branch)
    r = c.post("/review/decide/", {"branch": branch, "path": path, "stage": "初审", "head": before, "action": "approve",
                                   "password": password("wu.guoqing")})
    assert r.status_code == 403 and "CSRF" in text(r)
    assert head_of(world, branch) == before


@pytest.mark.parametrize(("person", "stage", "why"), [
    ("li.xiaoming", "初审", "不是你"),  # a stage that is not theirs
    ("xu.chunyan", "保密审查", "还没轮到"),  # out of order
    ("sun.lixin", "初审", "不是你"),  # the informant, on their own item
    ("du.xiaoming", "初审", "不是这篇稿件的审核人"),  # someone who has nothing to do with it
    ("wu.guoqing", "终审", "不是你"),
    ("wu.guoqing", "不存在的环节", "不是该稿件审核链的环节"),
])
def test_forged_decisions(world: World, pending: tuple[str, str], person: str, stage: str, why: str) -> None:
    branch, path = pending
    before = head_of(world, branch)
    r = decide(world, person, branch, path, stage)
    assert r.status_code in (403, 400) and why in text(r), text(r)[:2000]
    assert head_of(world, branch) == before


def test_decision_for_another_item_or_branch(world: World, pending: tuple[str, str]) -> None:
    branch, path = pending
    before = head_of(world, branch)
    r = decide(world, "wu.guoqing", branch, "content/news/2026-11-21-not-there.md", "初审")
    assert r.status_code == 403 and head_of(world, branch) == before
    data = {"branch": "review/sun.lixin/../../main", "path": path, "stage": "初审", "head": before,
            "action": "approve", "password": password("wu.guoqing")}
    r = world.client("wu.guoqing").post("/review/decide/", data)
    assert r.status_code == 404


def test_decision_after_a_change_is_refused(world: World) -> None:
    branch, path = submit_item(world, "防灾减灾知识讲座")
    data = {"branch": branch, "path": path, "stage": "初审", "head": "0" * 40, "action": "approve",
            "password": password("wu.guoqing")}
    r = world.client("wu.guoqing").post("/review/decide/", data)
    assert r.status_code == 409 and "已有新的修改" in text(r)


def test_decision_with_wrong_password_signs_nothing(world: World, pending: tuple[str, str]) -> None:
    branch, path = pending
    before = head_of(world, branch)
    r = decide(world, "wu.guoqing", branch, path, "初审", password="not-my-password")
    assert r.status_code == 403 and "密码不正确" in text(r)
    assert head_of(world, branch) == before


def test_return_needs_a_reason(world: World, pending: tuple[str, str]) -> None:
    branch, path = pending
    r = decide(world, "wu.guoqing", branch, path, "初审", action="reject", opinion="")
    assert r.status_code == 400 and "理由" in text(r)


def test_secrecy_stage_must_answer_the_form(world: World) -> None:
    branch, path = submit_item(world, "应急演练观摩")
    assert decide(world, "wu.guoqing", branch, path, "初审").status_code == 302
    page = text(world.client("xu.chunyan").get("/review/", {"branch": branch, "path": path}))
    assert "是否涉密" in page and "发布时间是否适宜" in page and "格式和表述是否规范" in page
    before = head_of(world, branch)
    r = decide(world, "xu.chunyan", branch, path, "保密审查", **{"Portal-Secrecy-Classified": "是"})
    assert r.status_code == 400 and "不允许通过" in text(r)
    assert head_of(world, branch) == before
    form = world.client("xu.chunyan").get("/review/form/", {"branch": branch, "path": path})
    assert form.status_code == 200 and "网站信息公开保密审查表" in text(form)


def test_reading_someone_elses_item(world: World, pending: tuple[str, str]) -> None:
    branch, path = pending
    assert world.client("wu.guoqing").get("/review/", {"branch": branch, "path": path}).status_code == 200
    r = world.client("du.xiaoming").get("/review/", {"branch": branch, "path": path})
    assert r.status_code == 403
    r = world.client("du.xiaoming").get("/items/revise/", {"branch": branch, "path": path})
    assert r.status_code == 403


def test_drafts_are_private(world: World) -> None:
    pk = new_draft(world.client("sun.lixin"))
    other = world.client("du.xiaoming")
    assert other.get(f"/drafts/{pk}/").status_code == 404
    assert other.post(f"/drafts/{pk}/", {"action": "delete"}).status_code == 404
    assert other.post(f"/drafts/{pk}/preview/", item_fields("x", "y")).status_code == 404


def test_only_informants_write_and_only_in_their_columns(world: World) -> None:
    assert world.client("wu.guoqing").post("/items/new/", {"column": "news"}).status_code == 403
    r = world.client("sun.lixin").post("/items/new/", {"column": "budget"})
    assert r.status_code == 403
    c = world.client("sun.lixin")
    pk = new_draft(c)
    r = save(c, pk, item_fields("标题", BODY, column="budget"))
    assert r.status_code == 200 and "有效的选项" in text(r)


def test_forged_reviewer_choice_is_refused(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    r = save(c, pk, item_fields("标题", BODY, **{"reviewer_初审": "sun.lixin"}))
    assert r.status_code == 200 and "有效的选项" in text(r)


def test_merge_is_for_the_office_and_the_complete_chain(world: World, pending: tuple[str, str]) -> None:
    branch, _ = pending
    head = head_of(world, branch)
    r = world.client("wu.guoqing").post("/merge/do/", {"branch": branch, "head": head})
    assert r.status_code == 403
    assert world.client("sun.lixin").get("/merge/").status_code == 403
    r = world.client("yang.zhiqiang").post("/merge/do/", {"branch": branch, "head": head})
    assert r.status_code == 409 and "审核门禁未通过" in text(r)
    r = world.client("yang.zhiqiang").post("/merge/do/", {"branch": branch, "head": "1" * 40})
    assert r.status_code == 409


def _upload(c: Any, pk: int, name: str, data: bytes, action: str = "upload") -> Any:
    """A multipart post written by hand: the test client would strip a path from the file name itself."""
    from workbench.models import Draft

    version = Draft.objects.get(pk=pk).version
    boundary = "----workbench-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in (("version", version), ("action", action), ("title", "附件"))]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    r = c.generic("POST", f"/drafts/{pk}/", body, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 302
    return c.get(r["Location"])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.urls.append(value or "")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("../../etc/passwd.txt", b"x", "不能含有路径"),
    ("..\\x.pdf", b"%PDF-1.4", "不能含有路径"),
    ("tool.exe", b"MZ\0\0", "不允许上传"),
    ("archive.zip", b"PK\3\4", "不允许上传"),
    ("noextension", b"x", "不允许上传"),
    ("<script>.pdf", b"%PDF", "不允许的字符"),
])
def test_bad_uploads(world: World, name: str, data: bytes, message: str) -> None:
    from workbench import views
    from workbench.models import Draft

    c = world.client("sun.lixin")
    pk = new_draft(c)
    r = _upload(c, pk, name, data)
    assert message in text(r)
    uploads = views._uploads(Draft.objects.get(pk=pk))
    assert not uploads.exists() or not any(uploads.iterdir())


def test_too_large_upload(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    with override_settings(UPLOAD_MAX_BYTES=1024):
        r = _upload(c, pk, "big.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    assert "超过上传上限" in text(r)


def test_upload_is_checked_like_any_attachment(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    save(c, pk, item_fields("附件测试", BODY))
    r = _upload(c, pk, "renamed.pdf", b"PK\3\4not really a pdf")
    page = text(r)
    assert "renamed.pdf" in page and "ATT-" in page


def test_script_in_every_field_is_inert(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    data = item_fields(evil, BODY + "\n" + evil + "\n[x](javascript:alert(3))\n", summary=evil, tags=evil,
                       source=evil, doc_number=evil)
    r = save(c, pk, data)
    assert r.status_code == 302
    page = text(c.get(f"/drafts/{pk}/"))
    preview = c.post(f"/drafts/{pk}/preview/", {"version": 2, **data}).json()["html"]
    for html in (page, preview):
        tags = _Tags()
        tags.feed(html)
        assert all(s.get("src") == "/static/workbench/app.js" for s in tags.scripts)  # only the workbench's own
        assert not tags.handlers and not tags.urls
    assert "&lt;script&gt;alert(1)" in preview  # the title is shown as text


def test_two_windows_conflict_never_overwrites(world: World) -> None:
    from workbench.models import Draft

    c = world.client("sun.lixin")
    pk = new_draft(c)
    version = Draft.objects.get(pk=pk).version
    r = c.post(f"/drafts/{pk}/", {"version": version, "action": "save", **item_fields("第一个窗口", BODY)})
    assert r.status_code == 302
    r = c.post(f"/drafts/{pk}/", {"version": version, "action": "save", **item_fields("第二个窗口", BODY)})
    assert r.status_code == 409 and "修改冲突" in text(r) and "第二个窗口" in text(r)
    assert "第一个窗口" in Draft.objects.get(pk=pk).text


def test_item_changed_on_the_server_after_it_was_opened(world: World) -> None:
    branch, path = submit_item(world, "消防安全检查")
    c = world.client("sun.lixin")
    first = c.get("/items/revise/", {"branch": branch, "path": path})["Location"]
    # the same item revised and resubmitted from a second draft meanwhile
    from workbench.models import Draft

    pk1 = int(first.rstrip("/").split("/")[-1])
    d1 = Draft.objects.get(pk=pk1)
    d2 = Draft.objects.create(owner=d1.owner, path=d1.path, branch=d1.branch, base_blob=d1.base_blob, text=d1.text)
    r = save(c, d2.pk, item_fields("消防安全检查", BODY.replace("500余份", "600份")), action="submit",
             password=password("sun.lixin"))
    assert r.status_code == 302
    r = save(c, pk1, item_fields("消防安全检查", BODY.replace("500余份", "700份")))
    assert r.status_code == 409 and "已在审核分支" in text(r)
    assert "600份" in (world.demo.server and head_of(world, branch) and _read(world, branch, path))


def _read(world: World, branch: str, path: str) -> str:
    from workbench.services import server

    return (server().read(f"refs/heads/{branch}", path) or b"").decode()


def test_two_people_on_the_same_item(world: World) -> None:
    """A new item whose file another informant has under review is a conflict, not a second version."""
    branch, path = submit_item(world, "同一稿件冲突测试")
    c = world.client("du.xiaoming")
    pk = new_draft(c)
    r = save(c, pk, item_fields("同一稿件冲突测试", BODY, authors=["du.xiaoming"]))
    assert r.status_code == 302
    r = save(c, pk, item_fields("同一稿件冲突测试", BODY, authors=["du.xiaoming"]), action="submit",
             password=password("du.xiaoming"))
    assert r.status_code == 409 and branch in text(r)


def test_password_change_reencrypts_the_key(world: World) -> None:
    from django.contrib.auth.models import User

    from workbench import signing
    from workbench.models import SigningKey

    c = world.client("yang.zhiqiang")
    r = c.post("/account/password/", {"old": "wrong-password", "new": "新的密码-abc-2026", "again": "新的密码-abc-2026"})
    assert r.status_code == 200 and "现在的密码不正确" in text(r)
    r = c.post("/account/password/", {"old": password("yang.zhiqiang"), "new": "12345678901", "again": "12345678901"})
    assert r.status_code == 200 and "field-error" in text(r)
    new = "新的密码-abc-2026"
    r = c.post("/account/password/", {"old": password("yang.zhiqiang"), "new": new, "again": new})
    assert r.status_code == 302
    assert c.get("/").status_code == 200  # the session survives its own password change
    key = SigningKey.objects.get(user__username="yang.zhiqiang")
    with signing.unlocked(key.private, new):
        pass
    with pytest.raises(signing.WrongPassword), signing.unlocked(key.private, password("yang.zhiqiang")):
        pass
    user = User.objects.get(username="yang.zhiqiang")  # put things back for the other tests
    key.private = signing.reencrypt(key.private, new, password("yang.zhiqiang"))
    key.save()
    user.set_password(password("yang.zhiqiang"))
    user.save()


def test_login_with_the_password_form(world: World) -> None:
    c = world.client()
    r = c.post("/login/", {"username": "chen.xiuying", "password": password("chen.xiuying")})
    assert r.status_code == 302 and r["Location"] == "/"
    assert "陈秀英" in text(c.get("/"))
    r = c.post("/login/?next=//evil.example/", {"username": "chen.xiuying", "password": password("chen.xiuying")})
    assert r["Location"] == "/"


def test_draft_files_are_served_to_their_owner_only(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    _upload(c, pk, "tu.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    assert c.get(f"/drafts/{pk}/files/tu.png").status_code == 200
    assert c.get(f"/drafts/{pk}/files/..%2F..%2Fsecret_key").status_code == 404
    assert world.client("du.xiaoming").get(f"/drafts/{pk}/files/tu.png").status_code == 404


def test_a_new_item_never_overwrites_one_already_on_main(world: World) -> None:
    """A new draft whose file name is taken on main is a conflict (it would replace a published item)."""
    from workbench.models import Draft

    c = world.client("sun.lixin")
    pk = new_draft(c)
    taken = _a_news_item_on_main(world)
    Draft.objects.filter(pk=pk).update(path=taken, base_blob="")
    r = save(c, pk, item_fields("消防演练", BODY), action="submit", password=password("sun.lixin"))
    assert r.status_code == 409 and "已有同名稿件" in text(r)


def _a_news_item_on_main(world: World) -> str:
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    return next(p for p in srv.mirror.tree_files(srv.main_sha()) if p.startswith("content/news/") and p.endswith(".md"))
