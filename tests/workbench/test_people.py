"""People (issue 12): invitations and their one-time links, enrolment through the 配置变更 chain, password reset,
key replacement, deactivation and the roster's history, over HTTP with the test client against the demo server."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from typing import Any

import pytest

from .conftest import NOW, World, _messages, decide, head_of, password, submit_item


def invite(world: World, person: str, **new: Any) -> str:
    """The administrator invites `person` (new fields for someone not in the roster); the link's path."""
    r = world.client("yang.zhiqiang").post("/people/invite/", {"person": person, **new})
    assert r.status_code == 200, _messages(r)
    found = re.search(r'id="link" value="https?://[^/"]+(/people/accept/[^"]+/)"', r.content.decode())
    assert found, r.content.decode()[:3000]
    return found.group(1)


def accept(world: World, link: str, person: str) -> str:
    """The invitee sets their password (the tests' known one); the roster change's branch."""
    from django.test import Client

    r = Client().post(link, {"new": password(person), "again": password(person)})
    assert r.status_code == 200, _messages(r) + r.content.decode()[:3000]
    found = re.search(r"审核分支 (review/[^\s<。]+)", r.content.decode())
    assert found, r.content.decode()[:2000]
    return found.group(1)


def through_the_chain(world: World, branch: str) -> None:
    """网站管理员 初审, 办公室 终审, merged by the administrator: the roster change is on main."""
    r = decide(world, "yang.zhiqiang", branch, "roster.yml", "初审")
    assert r.status_code == 302, _messages(r)
    r = decide(world, "chen.xiuying", branch, "roster.yml", "终审")
    assert r.status_code == 302, _messages(r)
    r = world.client("yang.zhiqiang").post("/merge/do/", {"branch": branch, "head": head_of(world, branch)})
    assert r.status_code == 200, r.content.decode()[:2000]


def roster_on_main() -> str:
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    return (srv.read("refs/heads/main", "roster.yml") or b"").decode("utf-8")


NEW = {"name": "新同事", "department": "宣教科", "title": "信息员", "roles": ["informant"]}


def test_only_the_administrator_invites(world: World) -> None:
    for person in ("sun.lixin", "chen.xiuying"):
        c = world.client(person)
        assert c.get("/people/").status_code == 403
        assert c.post("/people/invite/", {"person": "pan.jianguo"}).status_code == 403
        assert c.post("/people/reset/", {"person": "sun.lixin"}).status_code == 403
        assert c.post("/people/deactivate/", {"person": "sun.lixin", "password": password(person)}).status_code == 403
    from workbench.models import Invite

    assert not Invite.objects.filter(created_by__in=["sun.lixin", "chen.xiuying"]).exists()
    page = world.client("yang.zhiqiang").get("/people/").content.decode()
    assert "邀请人员" in page and "pan.jianguo" in page


def test_a_new_person_needs_name_department_and_roles(world: World) -> None:
    admin = world.client("yang.zhiqiang")
    r = admin.post("/people/invite/", {"person": "Bad Id!"})
    assert r.status_code == 400 and "人员 id 只能用小写" in r.content.decode()
    r = admin.post("/people/invite/", {"person": "ke.xin", "name": "柯新", "department": "没有这个科"})
    assert r.status_code == 400
    r = admin.post("/people/invite/", {"person": "sun.lixin"})
    assert r.status_code == 409 and "已有账号" in r.content.decode()


def test_links_are_single_use_expire_and_belong_to_one_person(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    from workbench.models import Invite

    link = invite(world, "hu.yue", **NEW)
    assert Invite.objects.filter(person="hu.yue", used__isnull=True).count() == 1
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invite.objects.filter(token_hash=token).exists()  # only the hash is stored
    # someone logged in as another person cannot use it
    r = world.client("du.xiaoming").get(link)
    assert r.status_code == 403 and "此链接是给 hu.yue 的" in r.content.decode()
    # a tampered token is nobody's link
    assert Client().get(link[:-3] + "xx/").status_code == 410
    # too weak a password: refused, nothing used
    r = Client().post(link, {"new": "12345678901", "again": "12345678901"})
    assert r.status_code == 400 and Invite.objects.filter(person="hu.yue", used__isnull=True).count() == 1
    # expired after 72 hours
    later = (dt.datetime.fromisoformat(NOW) + dt.timedelta(hours=73)).isoformat()
    monkeypatch.setenv("PORTAL_NOW", later)
    r = Client().get(link)
    assert r.status_code == 410 and "已过期" in r.content.decode()
    monkeypatch.setenv("PORTAL_NOW", NOW)
    # a new link replaces the old one; used once, then never again
    old, link = link, invite(world, "hu.yue", **NEW)
    assert Client().get(old).status_code == 410
    branch = accept(world, link, "hu.yue")
    assert branch.startswith("review/hu.yue/")
    r = Client().post(link, {"new": password("hu.yue"), "again": password("hu.yue")})
    assert r.status_code == 410 and "已经使用过" in r.content.decode()


def test_invitation_enrols_a_new_person_through_the_configuration_chain(world: World) -> None:
    from django.test import Client

    from workbench.models import Operation

    link = invite(world, "lu.ming", **NEW)
    branch = accept(world, link, "lu.ming")
    assert "lu.ming" not in roster_on_main()
    # the invitee is not in the roster yet: they cannot log in
    r = Client().post("/login/", {"username": "lu.ming", "password": password("lu.ming")}, follow=True)
    assert "/login/" in r.redirect_chain[-1][0]
    # the administrator sees the change in 待我审核 and on its review page, with the new entry and its key
    admin = world.client("yang.zhiqiang")
    assert branch in admin.get("/queue/").content.decode()
    page = admin.get("/review/", {"branch": branch, "path": "roster.yml"}).content.decode()
    assert "+  - id: lu.ming" in page and "ssh-ed25519" in page and "新同事" in page
    through_the_chain(world, branch)
    roster = roster_on_main()
    assert "id: lu.ming" in roster
    from workbench.models import SigningKey

    public = SigningKey.objects.get(user__username="lu.ming").public
    assert " ".join(public.split()[:2]) in roster
    # now a member: logs in, signs a submission of their own
    r = Client().post("/login/", {"username": "lu.ming", "password": password("lu.ming")})
    assert r.status_code == 302 and r["Location"] == "/"
    branch2, _ = submit_item(world, "新同事的第一篇稿件", person="lu.ming")
    assert branch2.startswith("review/lu.ming/")
    # the roster's history names who submitted and who approved
    history = world.client("sun.lixin").get("/people/history/").content.decode()
    assert "新增 新同事（lu.ming）" in history and "杨志强" in history and "陈秀英" in history
    assert Operation.objects.filter(action="invite", target="lu.ming", actor="yang.zhiqiang").exists()
    assert Operation.objects.filter(action="enrol", target="lu.ming").exists()


def test_an_existing_roster_person_is_invited_and_cannot_sign_until_approved(world: World) -> None:
    link = invite(world, "pan.jianguo")
    branch = accept(world, link, "pan.jianguo")
    c = world.client("pan.jianguo")
    home = c.get("/").content.decode()
    assert "待名册变更审核" in home
    through_the_chain(world, branch)
    assert "待名册变更审核" not in c.get("/").content.decode()


def test_a_reset_cannot_sign_until_its_roster_change_is_approved(world: World) -> None:
    from django.test import Client

    from workbench import signing
    from workbench.models import SigningKey
    from workbench.services import server

    through_the_chain(world, accept(world, invite(world, "qin.lan", **NEW), "qin.lan"))
    submit_item(world, "重置前的稿件", person="qin.lan")
    old_key = SigningKey.objects.get(user__username="qin.lan").public
    signed_in = world.client("qin.lan")
    assert signed_in.get("/").status_code == 200
    # the administrator issues a reset link; an administrator cannot reset their own
    assert world.client("yang.zhiqiang").post("/people/reset/", {"person": "yang.zhiqiang"}).status_code == 403
    r = world.client("yang.zhiqiang").post("/people/reset/", {"person": "qin.lan"})
    assert r.status_code == 200
    link = re.search(r'id="link" value="https?://[^/"]+(/people/accept/[^"]+/)"', r.content.decode()).group(1)  # type: ignore[union-attr]
    r = Client().post(link, {"new": "another-pass-2026", "again": "another-pass-2026"})
    assert r.status_code == 200, r.content.decode()[:2000]
    branch = re.search(r"审核分支 (review/[^\s<。]+)", r.content.decode()).group(1)  # type: ignore[union-attr]
    key = SigningKey.objects.get(user__username="qin.lan")
    assert key.public != old_key
    assert signed_in.get("/").status_code == 302  # the session of the old password ended with the reset
    # the workbench refuses to sign, and says why
    c = world.client("qin.lan")
    assert "待名册变更审核" in c.get("/").content.decode()
    from .conftest import item_fields, new_draft, save

    pk = new_draft(c)
    save(c, pk, item_fields("重置后的稿件", "正文。\n", authors=["qin.lan"]))
    r = save(c, pk, item_fields("重置后的稿件", "正文。\n", authors=["qin.lan"]), action="submit", password="another-pass-2026")
    assert r.status_code == 403 and "待名册变更审核" in _messages(r)
    # and so does the server: a commit signed with the new key, pushed by hand, is refused
    srv = server()
    clone = srv.data / "clones" / "qin.lan"
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "origin"], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "-f", "-B", "review/qin.lan/by-hand", "origin/main"], check=True)
    (clone / "content" / "news" / "2026-11-22-by-hand.md").write_text("---\ntitle: 手工\n---\n正文\n", encoding="utf-8")
    with signing.unlocked(key.private, "another-pass-2026") as keyfile:
        subprocess.run(["git", "-C", str(clone), "add", "content"], check=True)
        subprocess.run(["git", "-C", str(clone), "-c", "gpg.format=ssh", "-c", f"user.signingkey={keyfile}", "commit", "-q",
                        "-S", "-m", "报送：手工"], check=True)
    push = subprocess.run(["git", "-C", str(clone), "push", "origin", "HEAD:refs/heads/review/qin.lan/by-hand"],
                          capture_output=True, text=True)
    assert push.returncode != 0 and "roster.yml" in push.stderr
    # the roster change approved and merged: the new key signs
    through_the_chain(world, branch)
    r = save(c, pk, item_fields("重置后的稿件", "正文。\n", authors=["qin.lan"]), action="submit", password="another-pass-2026")
    assert r.status_code == 302, _messages(r)


def test_a_person_replaces_a_lost_key(world: World) -> None:
    from workbench.models import Operation, SigningKey

    through_the_chain(world, accept(world, invite(world, "tao.hong", **NEW), "tao.hong"))
    c = world.client("tao.hong")
    old = SigningKey.objects.get(user__username="tao.hong").public
    assert c.post("/people/key/", {"password": "wrong", "reason": "丢失"}).status_code == 403
    r = c.post("/people/key/", {"password": password("tao.hong"), "reason": "笔记本丢失"}, follow=True)
    assert r.status_code == 200 and "旧密钥已停用" in r.content.decode()
    new = SigningKey.objects.get(user__username="tao.hong").public
    assert new != old and "待名册变更审核" in c.get("/").content.decode()
    op = Operation.objects.filter(action="key-replace", actor="tao.hong").latest("when")
    through_the_chain(world, op.detail["branch"])
    assert " ".join(new.split()[:2]) in roster_on_main()
    assert "待名册变更审核" not in c.get("/").content.decode()


def test_deactivation_locks_the_account_at_once_and_submits_the_removal(world: World) -> None:
    from django.contrib.auth.models import User

    from workbench.models import Operation

    through_the_chain(world, accept(world, invite(world, "gu.yan", **NEW), "gu.yan"))
    c = world.client("gu.yan")
    assert c.get("/").status_code == 200
    admin = world.client("yang.zhiqiang")
    assert admin.post("/people/deactivate/", {"person": "gu.yan", "password": "wrong"}).status_code == 403
    assert User.objects.get(username="gu.yan").is_active
    r = admin.post("/people/deactivate/", {"person": "gu.yan", "password": password("yang.zhiqiang")}, follow=True)
    assert "账号已立即停用" in r.content.decode()
    assert not User.objects.get(username="gu.yan").is_active
    r = c.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    from django.test import Client

    r = Client().post("/login/", {"username": "gu.yan", "password": password("gu.yan")})
    assert r.status_code == 200 and "不正确" in r.content.decode()
    op = Operation.objects.filter(action="deactivate", target="gu.yan").latest("when")
    branch = op.detail["branch"]
    page = admin.get("/review/", {"branch": branch, "path": "roster.yml"}).content.decode()
    assert "-  - id: gu.yan" in page
    # the administrator who submitted it cannot approve it: another administrator must
    assert decide(world, "yang.zhiqiang", branch, "roster.yml", "初审").status_code == 403


def test_portal_web_enrol_prints_an_invitation_link(world: World) -> None:
    from portal.errors import PortalError
    from workbench import people

    line = people.cli_invite("wang.jianguo", "https://portal-web.example.internal")
    pid, name, url = line.split("\t")
    assert (pid, name) == ("wang.jianguo", "王建国") and url.startswith("https://portal-web.example.internal/people/accept/")
    with pytest.raises(PortalError, match="不在主分支的 roster.yml 中"):
        people.cli_invite("no.body", "http://x")


def test_the_link_is_mailed_when_the_office_has_an_smtp_server(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import email
    import socket
    from email.policy import default as default_policy

    from aiosmtpd.controller import Controller

    received: list[tuple[list[str], Any]] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default_policy)))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # no SMTP configured: the page says so, the link is only shown
        r = world.client("yang.zhiqiang").post("/people/invite/", {"person": "wei.na", **NEW, "email": "wei.na@yj.example"})
        assert "未配置邮件服务器" in r.content.decode() and not received
        monkeypatch.setenv("PORTAL_WEB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_WEB_SMTP_PORT", str(port))
        monkeypatch.setenv("PORTAL_WEB_SMTP_FROM", "portal-web@yj.example")
        link = invite(world, "wei.na", **NEW, email="wei.na@yj.example")
        assert len(received) == 1 and received[0][0] == ["wei.na@yj.example"]
        body = received[0][1].get_body(preferencelist=("plain",)).get_content()
        assert link in body and "只能使用一次" in body
        # the address goes into the roster with the person
        branch = accept(world, link, "wei.na")
        from workbench.services import server

        assert b"wei.na@yj.example" in (server().read(f"refs/heads/{branch}", "roster.yml") or b"")
    finally:
        controller.stop()
        import asyncio

        asyncio.set_event_loop(None)  # leave no loop behind for the browser tests' sync API
