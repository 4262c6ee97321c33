"""portal server install BARE_REPO: install the pre-receive gate and the post-receive publish hooks."""
from __future__ import annotations

import argparse
from pathlib import Path

from review import hooks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = sub.add_parser("install", help="在服务器的裸仓库中安装钩子")
    install.add_argument("bare", type=Path, metavar="BARE_REPO", help="裸仓库路径")
    install.add_argument("--publish-dir", type=Path, help="main 更新后发布网站的目录（post-receive 使用）")


def run(args: argparse.Namespace) -> int:
    written = hooks.install(args.bare, args.publish_dir)
    for path in written:
        print(f"已安装 {path}")
    print("推送到 main 时将运行审核门禁；不合规的推送会被拒绝。")
    return 0
