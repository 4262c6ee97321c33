"""portal columns: the columns, their owners, cycle and newest item."""
from __future__ import annotations

import argparse
import json
import unicodedata

from portal import model
from portal.config import CYCLE_TITLES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def run(args: argparse.Namespace) -> int:
    portal = model.load(args.root)
    rows: list[dict[str, object]] = []
    for column in portal.columns.values():
        items = portal.in_column(column.id)
        newest = model.format_when(items[0].date, False) if items and items[0].date else "（无）"
        rows.append({"id": column.id, "title": column.title, "departments": list(column.departments),
                     "cycle": column.cycle, "items": len(items), "newest": newest})
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    header = ["栏目", "名称", "更新周期", "稿件数", "最新稿件", "负责科室"]
    table = [[str(r["id"]), str(r["title"]), CYCLE_TITLES[str(r["cycle"])], str(r["items"]), str(r["newest"]),
              "、".join(portal.columns[str(r["id"])].departments)] for r in rows]
    sizes = [max(width(row[i]) for row in [header, *table]) for i in range(len(header) - 1)]
    for row in [header, *table]:
        print("  ".join(pad(cell, sizes[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    return 0
