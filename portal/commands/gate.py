"""portal gate --base REF --head REF: exit 0 only if every change has a complete, valid chain and passes every check."""
from __future__ import annotations

import argparse
import json
import sys

from review import gate
from review.gitutil import Repo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", required=True, help="基准（main，或推送前 main 的值）；名册、栏目与规则都从这里读取")
    parser.add_argument("--head", required=True, help="待检查的提交（审核分支，或推送后 main 的值）")
    parser.add_argument("--update", action="store_true",
                        help="head 是 main 的新值（服务端钩子用）：main 只能由审核合并提交推进")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")


def run(args: argparse.Namespace) -> int:
    result = gate.run(Repo(args.root), args.base, args.head, update=args.update)
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in result.problems], ensure_ascii=False, indent=2))
    else:
        for problem in result.problems:
            print(problem.format())
        items = len(result.evaluations)
        if result.ok:
            print(f"审核门禁通过：{items} 项改动的审核链完整，检查全部通过。")
        else:
            print(f"审核门禁未通过：{len(result.problems)} 个问题。", file=sys.stderr)
    return 0 if result.ok else 1
