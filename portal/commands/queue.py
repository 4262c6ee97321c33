"""portal queue [--person ID]: the items on review branches whose next stage is yours."""
from __future__ import annotations

import argparse

from review import workflow
from review.gitutil import Repo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--person", help="人员 id（默认：git config portal.person）")
    workflow.add_common_arguments(parser, who=False)


def run(args: argparse.Namespace) -> int:
    person = workflow.person_id(Repo(args.root), args.person)
    waiting = workflow.queue(args.root, person, args.remote)
    if not waiting:
        print(f"{person} 没有待审核的稿件。")
        return 0
    for w in waiting:
        what = w.note or f"待{w.stage}"
        print(f"{w.branch}\t{w.stage}\t{w.path}\t{w.title}\t{what}")
    print(f"共 {len(waiting)} 项。审核：portal approve 分支 --stage 环节；退回：portal reject 分支 --stage 环节 --reason 理由")
    return 0
