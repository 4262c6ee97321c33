"""The review record in commit messages (review/FORMAT.md): writing and reading the trailers."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from portal import clock

from .gitutil import ZERO, Commit

ACTION = "Portal-Action"
INFORMANT = "Portal-Informant"
STAGE = "Portal-Stage"
REVIEWER = "Portal-Reviewer"
ITEM = "Portal-Item"
BRANCH = "Portal-Branch"
SECRECY = {  # trailer -> question of the 网站信息公开保密审查表, and the answer an approval needs
    "Portal-Secrecy-Classified": ("是否涉密", "否"),
    "Portal-Secrecy-Timing": ("发布时间是否适宜", "是"),
    "Portal-Secrecy-Format": ("格式和表述是否规范", "是"),
}
ANSWERS = ("是", "否")

SUBMIT, APPROVE, REJECT, MERGE = "submit", "approve", "reject", "merge"
DECISIONS = (APPROVE, REJECT)
DECISION_TITLES = {APPROVE: "通过", REJECT: "退回"}
DELETED = "deleted"  # may be written instead of the zero blob id for a withdrawn item
BRANCH_PREFIX = "review/"
BLOB = re.compile(r"^[0-9a-f]{40}$")


@dataclasses.dataclass(frozen=True)
class Decision:
    """An approve or reject commit on a review branch, as it claims to be (signature checked elsewhere)."""

    commit: Commit
    index: int  # position in the range, oldest first
    action: str
    stage: str
    reviewer: str
    items: dict[str, str]  # path -> blob approved (ZERO for a withdrawal)
    secrecy: dict[str, str]  # trailer -> 是/否
    malformed: str = ""  # why the trailers cannot be read, if they cannot

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.commit.time, clock.CST)

    @property
    def opinion(self) -> str:
        return self.commit.body


def claims_decision(commit: Commit) -> bool:
    """A commit that says it records a review decision, in any of the ways it could say so."""
    action = commit.trailer(ACTION).lower()
    return action in DECISIONS or bool(commit.trailer(STAGE) or commit.trailer(REVIEWER))


def parse_decision(commit: Commit, index: int) -> Decision:
    action = commit.trailer(ACTION).lower()
    items: dict[str, str] = {}
    problems = []
    for value in commit.trailers_of(ITEM):
        path, _, blob = value.rpartition(" ")
        blob = ZERO if blob == DELETED else blob
        if not path or not BLOB.match(blob):
            problems.append(f"“{ITEM}: {value}”应为“路径 blob”")
            continue
        items[path.strip()] = blob
    if action not in DECISIONS:
        problems.append(f"{ACTION} 应为 approve 或 reject")
    stage, reviewer = commit.trailer(STAGE), commit.trailer(REVIEWER)
    if not stage or not reviewer:
        problems.append(f"缺少 {STAGE} 或 {REVIEWER}")
    if not items:
        problems.append(f"没有 {ITEM}（审核的稿件及其 blob）")
    secrecy = {k: commit.trailer(k) for k in SECRECY if commit.trailer(k)}
    return Decision(commit, index, action, stage, reviewer, items, secrecy, "；".join(problems))


def informants(commit: Commit) -> list[str]:
    return commit.trailers_of(INFORMANT)


def submit_message(title: str, count: int, informant: str) -> str:
    return f"报送：{title}（共 {count} 篇）\n\n{ACTION}: {SUBMIT}\n{INFORMANT}: {informant}\n"


def decision_message(action: str, stage: str, reviewer: str, items: dict[str, str], opinion: str,
                     secrecy: dict[str, str] | None = None) -> str:
    lines = [f"审核：{stage} {DECISION_TITLES[action]}（{len(items)} 篇）", ""]
    if opinion.strip():
        lines += [opinion.strip(), ""]
    lines += [f"{ACTION}: {action}", f"{STAGE}: {stage}", f"{REVIEWER}: {reviewer}"]
    lines += [f"{ITEM}: {path} {blob}" for path, blob in sorted(items.items())]
    lines += [f"{key}: {value}" for key, value in (secrecy or {}).items()]
    return "\n".join(lines) + "\n"


def merge_message(branch: str) -> str:
    return f"发布：合并 {branch}\n\n{ACTION}: {MERGE}\n{BRANCH}: {branch}\n"
