"""portal approve REF --stage STAGE: sign your stage of the items on a review branch, and push."""
from __future__ import annotations

import argparse

from review import records, workflow
from review.gitutil import Repo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    decision_arguments(parser, "审核")
    parser.add_argument("--opinion", default="", help="审核意见")


def decision_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    """What approve and reject share: the branch, the stage, the secrecy answers, the items."""
    parser.add_argument("ref", metavar="REF", help="审核分支，如 review/sun.lixin/20261122-120000-fang-xun")
    parser.add_argument("--stage", required=True, help="审核环节，如 初审、保密审查、复审、终审")
    parser.add_argument("--secrecy-answers", nargs=3, metavar=("是否涉密", "发布时间是否适宜", "格式和表述是否规范"),
                        choices=records.ANSWERS, help="保密审查的三项回答，如：否 是 是")
    parser.add_argument("--item", action="append", metavar="PATH",
                        help=f"只{verb}这些稿件（默认：分支上指定你审核的全部稿件）")
    workflow.add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return decide(args, records.APPROVE, args.opinion)


def decide(args: argparse.Namespace, action: str, opinion: str) -> int:
    person = workflow.person_id(Repo(args.root), args.person)
    answers = dict(zip(records.SECRECY, args.secrecy_answers, strict=True)) if args.secrecy_answers else None
    done = workflow.decide(args.root, args.ref, args.stage, person, action, opinion, args.remote, answers, args.item)
    verb = records.DECISION_TITLES[action]
    print(f"已签署“{args.stage}”：{verb}（{len(done.items)} 个文件），提交 {done.commit[:10]}，已推送到 {done.branch}。")
    for path, state in done.next:
        print(f"  {path}：下一环节“{state.stage.title}”，请 {state.reviewer or '任一有该角色者'} 审核")
    if action == records.APPROVE and not done.next:
        print(f"审核链已完成，可以合并发布：portal merge {done.branch}")
    return 0
