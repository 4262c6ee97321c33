"""portal check [PATH...]: every check, over every item or the given ones."""
from __future__ import annotations

import argparse

from checks.runner import check_paths, report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="要检查的稿件（默认：content/ 下全部）")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")
    parser.add_argument("--no-cache", action="store_true",
                        help="不用上次检查记住的结果，重新读取全部稿件（默认只重新检查改动过的稿件）")


def run(args: argparse.Namespace) -> int:
    # a whole-portal run goes through the findings cache (checks/cache.py); --no-cache reads every item again
    portal, findings = check_paths(args.root, args.paths, cached=True, reuse=not args.no_cache)
    status = report(findings, args.format)
    if args.format == "text" and not findings and portal is not None:
        print(f"检查通过：{getattr(portal, 'items', 0) or len(portal.articles)} 篇稿件。")
    return status
