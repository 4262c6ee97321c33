"""portal show REF: the items of a review branch, their diff against main, the checks' findings and the chain so far."""
from __future__ import annotations

import argparse

from review import gate, records, workflow
from review.gitutil import Repo

STATUS = {"current": "有效", "stale": "已过期（其后稿件有改动）", "invalid": "无效"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="审核分支")
    parser.add_argument("--no-diff", action="store_true", help="不显示与 main 的差异")
    workflow.add_common_arguments(parser, who=False)


def run(args: argparse.Namespace) -> int:
    repo = Repo(args.root)
    workflow.sync(repo, args.remote)
    head = workflow.head_ref(repo, args.ref, args.remote)
    base = workflow.base_ref(repo, args.remote)
    result = gate.run(repo, base, head)
    for ev in result.evaluations:
        s = ev.subject
        print(f"== {s.path}  {s.title}")
        print(f"   审核链：{s.chain}（{' → '.join(st.stage.id for st in ev.states)}）  发布部门：{s.department or '-'}")
        for decision, status in ev.history:
            verb = records.DECISION_TITLES.get(decision.action, decision.action)
            print(f"   {decision.stage}\t{decision.reviewer}\t{decision.when:%Y-%m-%d %H:%M}\t{verb}\t"
                  f"{STATUS[status]}\t{decision.commit.sha[:10]}\t{decision.opinion}")
        nxt = ev.next
        if nxt is not None:
            print(f"   下一环节：{nxt.stage.title}（{nxt.reviewer or '任一有该角色者'}）")
        elif ev.rejected is not None:
            print("   已退回，等待信息员修改后重新报送")
    if result.findings:
        print("== 检查结果")
        for finding in result.findings:
            print(f"   {finding.format()}")
    print("== 审核门禁：" + ("通过" if result.ok else f"{len(result.problems)} 个问题"))
    for problem in result.problems:
        print(f"   {problem.format()}")
    if not args.no_diff:
        print("== 与 main 的差异")
        print(repo.run("diff", "--stat", "-p", f"{result.base}...{result.head}"))
    return 0
