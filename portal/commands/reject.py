"""portal reject REF --stage STAGE --reason TEXT: send the items back to the informant (a signed decision)."""
from __future__ import annotations

import argparse

from portal.commands.approve import decide
from review import records, workflow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="审核分支")
    parser.add_argument("--stage", required=True, help="审核环节")
    parser.add_argument("--reason", required=True, help="退回理由（写给信息员，说明要改什么）")
    parser.add_argument("--secrecy-answers", nargs=3, metavar=("是否涉密", "发布时间是否适宜", "格式和表述是否规范"),
                        choices=records.ANSWERS, help="保密审查的三项回答")
    parser.add_argument("--item", action="append", metavar="PATH", help="只退回这些稿件")
    workflow.add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return decide(args, records.REJECT, args.reason)
