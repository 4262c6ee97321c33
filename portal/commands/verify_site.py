"""portal verify-site DIR | --url URL: compare a served site with its release manifest (网页防篡改)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from portal.errors import PortalError
from site_build import verify


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("where", nargs="?", type=Path, metavar="DIR",
                        help="要核验的目录：发布目录、其中的 current、某个版本目录，或配合 --manifest 的任意网站目录")
    parser.add_argument("--url", help="通过 HTTP 核验已上线的网站，如 http://127.0.0.1:8000/")
    parser.add_argument("--dir", type=Path, metavar="DIR", help="与 --url 合用：发布目录，从中找到在用版本的清单")
    parser.add_argument("--manifest", type=Path, metavar="FILE", help="发布清单 manifest.json")
    parser.add_argument("--new", action="store_true", help="与 --url 合用：先访问与上一版本相比新增或更新的页面，确认已上线")
    parser.add_argument("--timeout", type=float, default=verify.TIMEOUT, metavar="SECONDS", help="每个请求的超时秒数")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")


def run(args: argparse.Namespace) -> int:
    where = args.where or args.dir
    if args.url is None and where is None:
        raise PortalError("请指定要核验的目录（portal verify-site DIR），或用 --url 核验网站")
    if args.new and args.url is None:
        raise PortalError("--new 须与 --url 合用：它通过 HTTP 确认新页面已上线")
    located = verify.locate(where, args.manifest)
    if args.url is not None:
        report = verify.verify_url(located, verify.check_url(args.url), new=args.new, timeout=args.timeout)
    else:
        report = verify.verify_dir(located, located.site)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.format == "json" else report.text())
    return 0 if report.ok else 1
