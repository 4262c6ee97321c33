"""portal report: column freshness, quotas, timeliness and scores of a period, for the office."""
from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from portal import model
from portal.errors import PortalError
from reports import history, render
from reports import period as periods
from reports.report import build

PUBLIC = ("content", "site", "docs")  # never write the office's report where the public site is built from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", metavar="YYYY-MM", help="统计月份，如 2026-05（默认：本月至今）")
    parser.add_argument("--from", dest="start", metavar="DATE", help="统计起始日期，如 2026-01-01")
    parser.add_argument("--to", dest="end", metavar="DATE", help="统计截止日期（含当天）")
    parser.add_argument("--format", choices=("html", "csv", "json", "bulletin", "docx"), default="html",
                        help="输出格式（默认 html）；bulletin 为可打印的通报（A4 公文版式 HTML），docx 为同一通报的 Word 文件")
    parser.add_argument("--number", metavar="文号", help="通报的文号（默认按 columns.yml 的 reports.bulletin.number）")
    parser.add_argument("--out", type=Path, default=Path("reports-out"), help="输出目录（默认 reports-out/）")


def run(args: argparse.Namespace) -> int:
    out = (args.out if args.out.is_absolute() else Path.cwd() / args.out).resolve()
    for name in PUBLIC:
        public = (args.root / name).resolve()
        if out == public or public in out.parents:
            raise PortalError(f"报表仅供内部使用，不能写入 {name}/（会随网站公开）。请用 --out 指定其他目录")
    period = periods.parse(args.period, args.start, args.end)
    with ThreadPoolExecutor(1) as pool:  # git log runs on the other core while the items load
        records = pool.submit(history.read, args.root)
        portal = model.load(args.root)
        report = build(portal, period, records.result())
    for path in render.write(report, args.format, out, portal.config, args.number):
        print(f"已写入 {path}")
    for warning in report.warnings:
        print(f"提示：{warning}")
    if report.inspection.failed:
        print("按国家政府网站检查指标，本网站将被单项否决：" + "；".join(report.inspection.vetoes))
    return 0
