"""portal schedule: publish main again when a scheduled item's time has come (run by a systemd timer or cron)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal.errors import PortalError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", type=Path, help="服务器上的裸仓库（默认 PORTAL_WEB_SERVER）；须已用 "
                                                     "portal server install --publish-dir 配置发布目录")
    parser.add_argument("--list", action="store_true", help="只列出定时发布的稿件，不发布")


def run(args: argparse.Namespace) -> int:
    from workbench import schedule

    bare = args.server or (Path(os.environ["PORTAL_WEB_SERVER"]) if os.environ.get("PORTAL_WEB_SERVER") else None)
    if bare is None:
        raise PortalError("不知道服务器仓库在哪里。请用 --server 给出服务器上裸仓库的路径（或设置 PORTAL_WEB_SERVER）")
    if args.list:
        from review import hooks
        from review.gitutil import Repo

        repo = Repo(hooks.git_dir_of(bare))
        sha = repo.rev(schedule.MAIN)
        if sha is None:
            raise PortalError(f"{bare} 中没有 main 分支")
        items = schedule.scheduled_items(repo, sha, schedule.main_config(repo, sha))
        for s in items:
            print(f"{s.date:%Y-%m-%d %H:%M}\t{s.column}\t{s.title}\t{s.path}\t{s.merged_by}")
        print(f"共 {len(items)} 篇定时发布的稿件。")
        return 0
    done = schedule.run(bare)
    for s in done.due:
        print(f"已到发布时间：{s.date:%Y-%m-%d %H:%M} {s.title}（{s.path}）")
    if done.outcome is not None:
        if done.ok:
            print(f"已重新发布 main（提交 {done.outcome.commit[:10]}）：{done.outcome.release or done.outcome.reason}")
        else:
            print(f"定时发布失败：{done.outcome.reason}。下次运行时将再次发布；也可在工作台“值班读网”中重新发布",
                  file=sys.stderr)
            return 1
    elif not done.due:
        nxt = f"下一篇 {done.waiting[0].date:%Y-%m-%d %H:%M}《{done.waiting[0].title}》" if done.waiting else "没有待发布的定时稿件"
        print(f"没有到时间的定时稿件，未发布（{nxt}）。")
    return 0
