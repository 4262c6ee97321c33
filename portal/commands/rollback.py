"""portal rollback --dir DIR [--to RELEASE]: make an earlier release live again, atomically."""
from __future__ import annotations

import argparse
from pathlib import Path

from portal.errors import PortalError
from site_build import publish


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, required=True, metavar="DIR", help="portal publish --to 所用的发布目录")
    parser.add_argument("--to", metavar="RELEASE", help="要恢复的版本（默认：在用版本的上一个版本）")
    parser.add_argument("--list", action="store_true", help="只列出保留的版本，不回滚")


def run(args: argparse.Namespace) -> int:
    if args.list:
        layout = publish.Layout(args.dir.absolute())
        if not layout.root.is_dir():
            raise PortalError(f"发布目录 {layout.root} 不存在。请给出 portal publish --to 所用的目录")
        live = layout.live()
        for release in layout.ordered():
            print(f"{release}{'  （在用）' if release == live else ''}")
        if not layout.ordered():
            print(f"{layout.root} 还没有发布过任何版本。")
        return 0
    old, new = publish.rollback(args.dir, args.to)
    print(f"已回滚：在用版本由 {old} 改为 {new}，已记入 {args.dir / publish.LOG}。")
    return 0
