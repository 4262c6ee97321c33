"""portal server install|publish BARE_REPO: install the server hooks (gate and publish), or re-check and publish main."""
from __future__ import annotations

import argparse
from pathlib import Path

from review import hooks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = sub.add_parser("install", help="在服务器的裸仓库中安装钩子")
    install.add_argument("bare", type=Path, metavar="BARE_REPO", help="裸仓库路径")
    install.add_argument("--publish-dir", type=Path, help="main 更新后发布网站的目录（post-receive 使用）")
    install.add_argument("--kind", choices=hooks.KINDS,
                         help="服务器类型：plain（纯 git）、gitea（含 Forgejo）、gitlab（默认：按仓库目录自动判断）")
    publish = sub.add_parser("publish", help="复核并发布服务器上当前的 main（恢复备份或发布失败之后）")
    publish.add_argument("bare", type=Path, metavar="BARE_REPO", help="裸仓库路径")


def run(args: argparse.Namespace) -> int:
    if args.action == "publish":
        outcome = hooks.republish(args.bare)
        return 0 if outcome.status in ("ok", "none") else 1
    done = hooks.install(args.bare, args.publish_dir, args.kind)
    print(f"服务器类型：{done.kind}")
    for path in done.written:
        print(f"已安装 {path}")
    for key, value, why in done.settings:
        print(f"已设置 git config {key}={value}（{why}）")
    for note in done.notes:
        print(f"注意：{note}")
    print("main 只接受经审核门禁的合并；review/<人员id>/… 分支只接受本人签名的报送与签名的审核记录；其他引用一律拒绝。")
    return 0
