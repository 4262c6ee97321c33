"""portal submit [PATH...]: put items on a review branch, push it, and say who reviews next."""
from __future__ import annotations

import argparse
import sys

from checks.runner import report
from review import workflow
from review.gitutil import Repo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="要报送的稿件（默认：content/ 下全部改动）")
    workflow.add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    person = workflow.person_id(Repo(args.root), args.person)
    branch, portal, refused = workflow.submit(args.root, args.paths, person, args.remote)
    if refused:
        report(refused)
        print("检查未通过，未报送。请按上面的提示修改后重新运行 portal submit。", file=sys.stderr)
        return 1
    articles = portal.articles if portal else []
    pushed = f"，已推送到 {args.remote}" if workflow.has_remote(Repo(args.root), args.remote) else \
        f"（没有远程仓库 {args.remote}，未推送）"
    print(f"已报送到审核分支 {branch}（{len(articles)} 篇稿件）{pushed}。")
    for article in articles:
        stages = portal.stages_for(article) if portal else ()
        if stages:
            who = article.reviewers.get(stages[0].id) or "（未指定）"
            print(f"  {article.path}：下一环节“{stages[0].title}”，请 {who} 审核")
    return 0
