"""portal merge REF: run the gate, then merge the review branch into main (a merge commit) and push."""
from __future__ import annotations

import argparse
import sys

from review import workflow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="审核分支")
    workflow.add_common_arguments(parser, who=False)


def run(args: argparse.Namespace) -> int:
    sha, result = workflow.merge(args.root, args.ref, args.remote)
    if not sha:
        for problem in result.problems:
            print(problem.format())
        print(f"审核门禁未通过（{len(result.problems)} 个问题），未合并。", file=sys.stderr)
        return 1
    print(f"已合并到 main：提交 {sha[:10]}（{len(result.evaluations)} 项改动），已推送到 {args.remote}。")
    return 0
