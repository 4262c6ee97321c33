"""Mail through the office's SMTP server, configured from the environment (nothing is sent when it is not).

PORTAL_WEB_SMTP_HOST           the SMTP server (unset: no mail; reminders stay in the workbench)
PORTAL_WEB_SMTP_PORT           default 25 (465: SMTP over TLS)
PORTAL_WEB_SMTP_USER           user name, when the server wants a login
PORTAL_WEB_SMTP_PASSWORD_FILE  a file holding the password (readable by the service's user only)
PORTAL_WEB_SMTP_FROM           the sender's address, e.g. portal-web@yjj.yunjiang.gov.cn
PORTAL_WEB_SMTP_STARTTLS       1: upgrade the connection with STARTTLS before logging in
"""
from __future__ import annotations

import dataclasses
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

TIMEOUT = 30  # seconds for the connection and each command


class MailError(Exception):
    """Why mail could not be sent (in Chinese); `sent` are the indexes of the messages that did go out."""

    def __init__(self, text: str, sent: Sequence[int] = ()) -> None:
        super().__init__(text)
        self.sent = list(sent)


@dataclasses.dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def from_env(env: Mapping[str, str] | None = None) -> Smtp | None:
    """The SMTP settings, or None when PORTAL_WEB_SMTP_HOST is not set. Raises MailError for bad settings."""
    env = os.environ if env is None else env
    host = env.get("PORTAL_WEB_SMTP_HOST", "").strip()
    if not host:
        return None
    text = env.get("PORTAL_WEB_SMTP_PORT", "").strip() or "25"
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise MailError(f"PORTAL_WEB_SMTP_PORT 的值“{text}”不是端口号，请写 25、465 或 587 这样的数字")
    user = env.get("PORTAL_WEB_SMTP_USER", "").strip()
    password = ""
    secret = env.get("PORTAL_WEB_SMTP_PASSWORD_FILE", "").strip()
    if secret:
        try:
            password = Path(secret).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MailError(f"无法读取 PORTAL_WEB_SMTP_PASSWORD_FILE 指定的口令文件 {secret}（{exc.strerror}）。"
                            "请确认文件存在且工作台的运行用户可读") from None
    sender = env.get("PORTAL_WEB_SMTP_FROM", "").strip() or (user if "@" in user else "")
    if "@" not in sender:
        raise MailError("未设置发件地址：请设置 PORTAL_WEB_SMTP_FROM，如 portal-web@yjj.yunjiang.gov.cn")
    starttls = env.get("PORTAL_WEB_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes", "on")
    return Smtp(host, int(text), sender, user, password, starttls)


def message(smtp: Smtp, to: str, name: str, subject: str, text: str, html: str) -> EmailMessage:
    """A mail in Chinese: plain text, with the same content as simple HTML."""
    msg = EmailMessage()
    msg["From"] = formataddr(("编辑审核工作台", smtp.sender))
    msg["To"] = formataddr((name, to)) if name else to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(smtp: Smtp, messages: Sequence[EmailMessage]) -> list[int]:
    """Send every message over one connection; returns the indexes of those sent (the server may refuse an
    address). Raises MailError (in Chinese, with the indexes sent before it) when the server cannot be
    reached, refuses the login or drops the connection."""
    sent: list[int] = []
    if not messages:
        return sent
    try:
        client: smtplib.SMTP
        if smtp.port == 465:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password)
            for i, msg in enumerate(messages):
                try:
                    client.send_message(msg)
                except smtplib.SMTPRecipientsRefused:
                    continue
                sent.append(i)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"邮件服务器 {smtp.where} 拒绝登录（{exc.smtp_code}）：请检查 PORTAL_WEB_SMTP_USER 与口令文件",
                        sent) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"无法通过邮件服务器 {smtp.where} 发送提醒邮件（{type(exc).__name__}：{exc}）。"
                        "提醒仍在工作台“我的提醒”中，下次运行时会重发；请检查 PORTAL_WEB_SMTP_HOST、PORTAL_WEB_SMTP_PORT "
                        "和网络", sent) from None
    return sent
