"""portal remind: compute everyone's reminders (我的提醒) and send the mail due; run every 10 minutes by a timer."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal.errors import PortalError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="服务器仓库（裸仓库路径或 URL；默认 PORTAL_WEB_SERVER，或当前仓库的 origin）")
    parser.add_argument("--data", type=Path, help="工作台数据目录（默认 PORTAL_WEB_DATA 或 <门户>/.workbench），与 portal web 相同")
    parser.add_argument("--no-mail", action="store_true", help="只更新工作台中的提醒，不发邮件")


def run(args: argparse.Namespace) -> int:
    from portal.commands.web import _origin
    from workbench import setup

    server = args.server or os.environ.get("PORTAL_WEB_SERVER") or _origin(args.root)
    if not server:
        raise PortalError("不知道服务器仓库在哪里。请用 --server 给出裸仓库路径（或设置 PORTAL_WEB_SERVER），与 portal web 相同")
    data = args.data or Path(os.environ.get("PORTAL_WEB_DATA", args.root / ".workbench"))
    setup.configure(data.resolve(), server)
    from workbench import mail, reminders
    from workbench.services import server as workbench_server

    try:
        smtp = None if args.no_mail else mail.from_env()
    except mail.MailError as exc:
        print(f"邮件设置有误，本次不发邮件：{exc}", file=sys.stderr)
        smtp = None
        failed = True
    else:
        failed = False
    done = reminders.run(workbench_server(), os.environ.get("PORTAL_WEB_URL", ""), smtp)
    print(f"新提醒 {done.created} 条。" + ("" if done.smtp else "未配置邮件服务器（PORTAL_WEB_SMTP_HOST），不发邮件。"))
    for person, kind in sorted(done.mailed.items()):
        print(f"已发邮件：{person}（{'即时' if kind == 'urgent' else '每日汇总'}）")
    if done.no_address:
        print(f"没有邮箱、未发邮件：{'、'.join(sorted(done.no_address))}（请在 roster.yml 中填写 email）")
    for error in done.errors:
        print(f"错误：{error}", file=sys.stderr)
    return 1 if done.errors or failed else 0
