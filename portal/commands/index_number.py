"""portal index-number [PATH...]: write a 索引号 into each policy document that has none."""
from __future__ import annotations

import argparse

from portal import policy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="要编号的政策文件（默认：全部尚无索引号的政策文件）")


def run(args: argparse.Namespace) -> int:
    done = policy.assign(args.root, args.paths or None)
    for path, number in done:
        print(f"{path}：索引号 {number}")
    if not done:
        print("没有需要编号的政策文件（已有索引号的不会改变；栏目须为 policy: document 且 columns.yml 规定了索引号格式）。")
    return 0
