"""portal audit: self-inspection of the built site, as the national inspection would do it."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from checks.runner import report
from portal import model
from portal.errors import PortalError
from reports.audit import audit, live_site


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path,
                        help="已构建的网站目录，或 portal publish 的发布目录（只检查 current 指向的在用版本；默认：门户仓库下的 site/）")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")


def run(args: argparse.Namespace) -> int:
    given = (Path.cwd() / args.site if args.site else args.root / "site").absolute()
    if not given.is_dir():
        raise PortalError(f"网站目录 {given} 不存在。请先构建网站（portal build），或用 --site 指定目录")
    site_dir = live_site(given).resolve()  # a publish directory: only the live release is the public site
    portal = model.load(args.root)
    result = audit(portal, site_dir)
    i = result.inspection
    if args.format == "json":
        print(json.dumps({
            "site": str(site_dir), "pages": result.pages, "failed": result.failed, "vetoes": i.vetoes,
            "counts": i.counts, "home_age_days": i.home_age_days,
            "columns": [{"id": c.id, "title": c.title, "status": c.status, "items": c.items,
                         "newest": model.format_when(c.newest) if c.newest else None, "age_days": c.age_days} for c in result.columns],
            "findings": [f.as_dict() for f in result.findings],
        }, ensure_ascii=False, indent=2))
        return 1 if result.failed else 0
    status = report(result.findings)
    stale = [c.title for c in result.columns if c.status in ("stale", "empty")]
    print(f"检查了 {result.pages} 个网页；首页最近更新："
          f"{f'{i.home_age_days} 天前' if i.home_age_days is not None else '无'}；"
          f"超期或空白栏目 {len(stale)} 个{'（' + '、'.join(stale) + '）' if stale else ''}。", file=sys.stderr)
    print("自查结论：" + ("不合格，" + "；".join(i.vetoes) if i.vetoes else ("不合格" if status else "合格")),
          file=sys.stderr)
    return status
