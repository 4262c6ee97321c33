"""portal check [PATH...]: every check, over every item or the given ones."""
from __future__ import annotations

import argparse

from checks.runner import check_paths, report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="要检查的稿件（默认：content/ 下全部）")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")


def run(args: argparse.Namespace) -> int:
    portal, findings = check_paths(args.root, args.paths)
    status = report(findings, args.format)
    if args.format == "text" and not findings and portal is not None:
        print(f"检查通过：{len(portal.articles)} 篇稿件。")
    return status
