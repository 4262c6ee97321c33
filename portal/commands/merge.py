"""portal merge REF: run the gate, merge the review branch into main (a merge commit), push, and report the publish."""
from __future__ import annotations

import argparse
import sys

from review import workflow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="审核分支")
    workflow.add_common_arguments(parser, who=False)


def run(args: argparse.Namespace) -> int:
    sha, result = workflow.merge(args.root, args.ref, args.remote)  # a failed publish raises PortalError (exit 1)
    if not sha:
        for problem in result.problems:
            print(problem.format())
        print(f"审核门禁未通过（{len(result.problems)} 个问题），未合并。", file=sys.stderr)
        return 1
    pushed = f"已推送到 {args.remote}" if workflow.has_remote(workflow.Repo(args.root), args.remote) else "（没有远程仓库，未推送）"
    print(f"已合并到 main：提交 {sha[:10]}（{len(result.evaluations)} 项改动），{pushed}。")
    outcome = result.publish
    if outcome is None:
        print("服务器没有报告发布结果（未安装 portal 钩子？）。请到服务器上确认网站已更新。")
    elif outcome.status == "ok":
        print(f"服务器已发布：版本 {outcome.release}。")
    else:
        print(f"服务器未发布：{outcome.reason}")
    return 0
