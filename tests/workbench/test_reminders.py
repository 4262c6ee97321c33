"""我的提醒 and their mail, against the demo server repository and a real SMTP server (aiosmtpd on 127.0.0.1),
with the clock set by PORTAL_NOW: the stage's reviewer is reminded (and nobody else), the informant of a
returned item; one digest a day, at once when something is due within hours; no mail without SMTP; an SMTP
server that is down gives a Chinese error while the in-app list still works."""
from __future__ import annotations

import asyncio
import email
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import Message
from email.policy import default as default_policy
from typing import Any

import pytest

from .conftest import REPO, World, decide, item_fields, new_draft, password, save

DAY1 = "2026-11-20T09:00:00+08:00"  # items below have event_date 11-20: due 11-21 00:00 (news: 24 hours)
DAY1_LATER = "2026-11-20T10:00:00+08:00"
DAY1_EVENING = "2026-11-20T21:00:00+08:00"  # 3 hours before the deadline: urgent
DAY2 = "2026-11-21T09:00:00+08:00"
ADDRESSES = {"sun.lixin": "sun@yj.example", "wu.guoqing": "wu@yj.example", "xu.chunyan": "xu@yj.example",
             "li.xiaoming": "li@yj.example", "chen.xiuying": "chen@yj.example", "du.xiaoming": "du@yj.example"}


class Inbox:
    """What the local SMTP server received: (recipients, message)."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.mails if address in rcpt]

    def clear(self) -> None:
        self.mails.clear()


def text_of(msg: Message) -> str:
    part = msg.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(part.get_content()) if part is not None else ""


def html_of(msg: Message) -> str:
    part = msg.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
    return str(part.get_content()) if part is not None else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()
    asyncio.set_event_loop(None)


@pytest.fixture()
def mail_env(smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch) -> Inbox:
    inbox, port = smtp
    monkeypatch.setenv("PORTAL_WEB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_WEB_SMTP_PORT", str(port))
    monkeypatch.setenv("PORTAL_WEB_SMTP_FROM", "portal-web@yj.example")
    inbox.clear()
    return inbox


@pytest.fixture()
def addresses(world: World) -> None:
    from django.contrib.auth.models import User

    for person, address in ADDRESSES.items():
        User.objects.filter(username=person).update(email=address)


def submit(world: World, title: str, monkeypatch: pytest.MonkeyPatch, now: str, day: str = "2026-11-20") -> tuple[str, str]:
    from workbench.models import Draft

    monkeypatch.setenv("PORTAL_NOW", now)
    c = world.client("sun.lixin")
    pk = new_draft(c)
    fields = item_fields(title, f"11月20日，{title}。市应急管理局组织开展相关工作，各单位积极参与。\n",
                         date=f"{day}T08:00", event_date=day)
    assert save(c, pk, fields).status_code == 302
    r = save(c, pk, fields, action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, r.content.decode()[:2000]
    draft = Draft.objects.get(pk=pk)
    return draft.submitted_branch, draft.path


def remind(monkeypatch: pytest.MonkeyPatch, now: str, smtp_on: bool = True, with_site: bool = False) -> Any:
    from workbench import mail, reminders
    from workbench.services import server

    monkeypatch.setenv("PORTAL_NOW", now)
    return reminders.run(server(), "https://wb.yj.example/", mail.from_env() if smtp_on else None, with_site=with_site)


def notices(person: str, title: str, kind: str = "") -> list[Any]:
    from workbench.models import Notice

    found = Notice.objects.filter(person=person, text__contains=title)
    return list(found.filter(kind=kind) if kind else found)


def test_the_stages_reviewer_is_reminded_and_mailed_and_nobody_else(world: World, mail_env: Inbox, addresses: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    title = f"危化企业安全检查通报{world.unique()}"
    branch, path = submit(world, title, monkeypatch, DAY1)
    done = remind(monkeypatch, DAY1)
    assert not done.errors
    waiting = notices("wu.guoqing", title, "waiting")
    assert len(waiting) == 1 and "初审”审核" in waiting[0].text and waiting[0].mailed is not None
    assert branch in waiting[0].link or "review" in waiting[0].link
    for other in ("xu.chunyan", "li.xiaoming", "chen.xiuying", "du.xiaoming"):
        assert not notices(other, title), other
    mails = [m for m in mail_env.to("wu@yj.example") if title in text_of(m)]
    assert len(mails) == 1
    body = text_of(mails[0])
    assert "https://wb.yj.example/review/?branch=" in body and "初审”审核" in body
    assert title in html_of(mails[0]) and 'href="https://wb.yj.example/review/' in html_of(mails[0])
    assert mails[0]["Subject"].startswith("编辑审核工作台：今日提醒")
    for other in ("xu@yj.example", "li@yj.example", "chen@yj.example", "du@yj.example"):
        assert not [m for m in mail_env.to(other) if title in text_of(m)], other

    # 初审 approves: the reminder moves on to 保密审查 (xu.chunyan) and wu's is closed
    assert decide(world, "wu.guoqing", branch, path, "初审").status_code == 302
    remind(monkeypatch, DAY1)
    assert notices("xu.chunyan", title, "waiting")
    assert all(n.seen is not None for n in notices("wu.guoqing", title, "waiting"))

    # 保密审查 returns it: the informant is told why, the reviewer's reminder closes
    r = decide(world, "xu.chunyan", branch, path, "保密审查", action="reject", opinion="第二段涉及内部数据，请删除")
    assert r.status_code == 302
    remind(monkeypatch, DAY1)
    returned = notices("sun.lixin", title, "returned")
    assert len(returned) == 1 and "第二段涉及内部数据" in returned[0].text and "被徐春燕退回" in returned[0].text
    assert all(n.seen is not None for n in notices("xu.chunyan", title, "waiting"))
    assert not notices("wu.guoqing", title, "returned")


def test_one_digest_a_day_and_urgent_at_once(world: World, mail_env: Inbox, addresses: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    remind(monkeypatch, DAY1)  # whatever was waiting before this test has had its mail today
    first = f"防汛物资储备检查{world.unique()}"
    submit(world, first, monkeypatch, DAY1)
    mail_env.clear()
    remind(monkeypatch, DAY1_LATER)
    assert notices("wu.guoqing", first, "waiting")  # in the app at once ...
    assert not mail_env.to("wu@yj.example")  # ... but the day's digest has gone: no second mail today
    assert notices("wu.guoqing", first, "waiting")[0].mailed is None

    # three hours before the deadline: mailed at once, with the deadline reminder to the informant too
    remind(monkeypatch, DAY1_EVENING)
    urgent = [m for m in mail_env.to("wu@yj.example") if first in text_of(m)]
    assert len(urgent) == 1 and urgent[0]["Subject"].startswith("【紧急】")
    assert "将于 11月21日 00:00 到达发布时限" in text_of(urgent[0])
    assert [m for m in mail_env.to("sun@yj.example") if first in text_of(m) and "到达发布时限" in text_of(m)]
    mail_env.clear()
    remind(monkeypatch, DAY1_EVENING)  # run again (every 10 minutes): nothing new, nothing sent twice
    assert not [m for m in mail_env.to("wu@yj.example") if first in text_of(m)]

    # the next morning: a new item's reminder goes out in that day's digest, once
    second = f"地质灾害隐患排查部署{world.unique()}"
    submit(world, second, monkeypatch, DAY2, day="2026-11-21")
    remind(monkeypatch, DAY2)
    digest = [m for m in mail_env.to("wu@yj.example") if second in text_of(m)]
    assert len(digest) == 1 and first not in text_of(digest[0])
    remind(monkeypatch, DAY2)
    assert len([m for m in mail_env.to("wu@yj.example") if second in text_of(m)]) == 1


def test_no_mail_without_smtp(world: World, mail_env: Inbox, addresses: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench import mail

    title = f"应急演练通知{world.unique()}"
    submit(world, title, monkeypatch, DAY1)
    monkeypatch.delenv("PORTAL_WEB_SMTP_HOST")
    assert mail.from_env() is None
    done = remind(monkeypatch, DAY1, smtp_on=False)
    assert not done.smtp and not done.mailed
    assert notices("wu.guoqing", title, "waiting")[0].mailed is None
    assert not mail_env.mails


def test_smtp_down_chinese_error_and_the_list_still_works(world: World, addresses: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    title = f"森林防火宣传周活动{world.unique()}"
    submit(world, title, monkeypatch, DAY1)
    closed = free_port()  # nothing listens there
    env = {**os.environ, "PORTAL_NOW": DAY2, "PORTAL_WEB_SMTP_HOST": "127.0.0.1", "PORTAL_WEB_SMTP_PORT": str(closed),
           "PORTAL_WEB_SMTP_FROM": "portal-web@yj.example", "PORTAL_WEB_URL": "https://wb.yj.example/"}
    demo = world.demo
    proc = subprocess.run([sys.executable, "-m", "portal", "--root", str(REPO), "remind", "--server", str(demo.server),
                           "--data", str(demo.data)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"无法通过邮件服务器 127.0.0.1:{closed} 发送提醒邮件" in proc.stderr and "Traceback" not in proc.stderr
    assert "我的提醒" in proc.stderr
    waiting = notices("wu.guoqing", title, "waiting")
    assert len(waiting) == 1 and waiting[0].mailed is None  # kept, to be mailed on the next run

    monkeypatch.setenv("PORTAL_NOW", DAY2)
    page = world.client("wu.guoqing").get("/reminders/")
    assert page.status_code == 200
    text = page.content.decode()
    assert title in text and "去处理" in text and "/review/?branch=" in text
    assert "我的提醒 <span class=\"count\">" in world.client("wu.guoqing").get("/queue/").content.decode()
    assert title not in world.client("li.xiaoming").get("/reminders/").content.decode()


def test_known_read_dismiss(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.models import Notice

    title = f"安全生产月总结{world.unique()}"
    submit(world, title, monkeypatch, DAY1)
    c = world.client("wu.guoqing")
    c.get("/reminders/")
    notice = Notice.objects.get(person="wu.guoqing", kind="waiting", text__contains=title)
    assert notice.seen is None
    # somebody else's reminder cannot be dismissed through the form
    world.client("li.xiaoming").post("/reminders/", {"notice": notice.pk})
    notice.refresh_from_db()
    assert notice.seen is None
    r = c.post("/reminders/", {"notice": notice.pk})
    assert r.status_code == 302
    notice.refresh_from_db()
    assert notice.seen is not None
    c.get("/reminders/")  # still waiting, but the person has seen it: not given again
    assert Notice.objects.filter(person="wu.guoqing", key=notice.key).count() == 1
    assert f"《{title}》待你" not in c.get("/reminders/").content.decode().split("最近已处理的提醒")[0]


def test_smtp_settings_errors_are_chinese(tmp_path: Any) -> None:
    from workbench import mail

    assert mail.from_env({}) is None
    base = {"PORTAL_WEB_SMTP_HOST": "mail.yj.example", "PORTAL_WEB_SMTP_FROM": "portal-web@yj.example"}
    assert mail.from_env(base) == mail.Smtp("mail.yj.example", 25, "portal-web@yj.example")
    with pytest.raises(mail.MailError, match="PORTAL_WEB_SMTP_PORT 的值“abc”不是端口号"):
        mail.from_env(base | {"PORTAL_WEB_SMTP_PORT": "abc"})
    with pytest.raises(mail.MailError, match="未设置发件地址"):
        mail.from_env({"PORTAL_WEB_SMTP_HOST": "mail.yj.example"})
    with pytest.raises(mail.MailError, match="无法读取 PORTAL_WEB_SMTP_PASSWORD_FILE"):
        mail.from_env(base | {"PORTAL_WEB_SMTP_PASSWORD_FILE": str(tmp_path / "missing")})
    secret = tmp_path / "smtp-password"
    secret.write_text("口令-2026\n", encoding="utf-8")
    smtp = mail.from_env(base | {"PORTAL_WEB_SMTP_PASSWORD_FILE": str(secret), "PORTAL_WEB_SMTP_USER": "portal-web",
                                 "PORTAL_WEB_SMTP_PORT": "587", "PORTAL_WEB_SMTP_STARTTLS": "1"})
    assert smtp is not None and smtp.password == "口令-2026" and smtp.starttls and smtp.port == 587


def test_the_rosters_email_comes_first(world: World, tmp_path: Any) -> None:
    import shutil

    from django.contrib.auth.models import User

    from portal import config
    from workbench import reminders

    for name in ("columns.yml", "roster.yml"):
        shutil.copyfile(REPO / name, tmp_path / name)
    roster = (tmp_path / "roster.yml").read_text(encoding="utf-8")
    at = roster.index("  - id: wu.guoqing\n")
    (tmp_path / "roster.yml").write_text(roster[:at] + "  - id: wu.guoqing\n    email: wuguoqing@yjj.example.cn\n"
                                         + roster[at + len("  - id: wu.guoqing\n"):], encoding="utf-8")
    cfg = config.load(tmp_path)
    User.objects.filter(username="wu.guoqing").update(email="wu@yj.example")
    User.objects.filter(username="xu.chunyan").update(email="xu@yj.example")
    assert reminders.address(cfg, "wu.guoqing") == "wuguoqing@yjj.example.cn"
    assert reminders.address(cfg, "xu.chunyan") == "xu@yj.example"  # not in the roster: the account's
    assert reminders.address(cfg, "wang.jianguo") == ""
