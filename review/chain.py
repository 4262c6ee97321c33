"""Evaluating one approval chain: which stages are signed, by whom, and what is wrong with them.

A decision counts for an item only if it is *current*: made after the last commit that changed the item
(or one of its attachments) and naming exactly the blobs that will be published. Current decisions must
come in the order of the chain, each by the person the item names for that stage, who holds the stage's
role for the item's department, is not an author or the informant, and signs no other stage of the item.
"""
from __future__ import annotations

import dataclasses

from portal.config import Config, Stage
from portal.model import Article

from .gitutil import ZERO
from .records import APPROVE, REJECT, SECRECY, Decision


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    path: str
    stage: str
    rule: str
    message: str
    commit: str = ""

    def format(self) -> str:
        return f"{self.path}: {self.stage or '-'}: {self.rule} {self.message}"

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Subject:
    """What needs a chain: one item with its changed attachments, or one configuration file."""

    path: str
    title: str
    chain: str
    stages: tuple[Stage, ...]
    department: str
    reviewers: dict[str, str] | None  # stage -> person named by the item; None: anyone with the role
    covered: dict[str, str]  # path -> blob every decision must name (ZERO: deleted)
    excluded: dict[str, str]  # person -> why they may not review (author, informant)
    informants: set[str] = dataclasses.field(default_factory=set)  # who signed its changes
    # item versions (blobs) that differ from the one to be published only in `reviewers`: a rejection of
    # one of them still stands
    same_content: set[str] = dataclasses.field(default_factory=set)
    article: Article | None = None  # the item as it will be published (as it was, for a withdrawal)
    last_change: int = -1  # index of the last commit that changed a covered path
    last_change_commit: str = ""
    last_change_paths: tuple[str, ...] = ()

    @property
    def withdrawn(self) -> bool:
        return self.covered.get(self.path) == ZERO


@dataclasses.dataclass
class StageState:
    stage: Stage
    reviewer: str  # the person named for it ("" when anyone holding the role may sign)
    decision: Decision | None = None  # the current, valid approval
    stale: list[Decision] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Evaluation:
    subject: Subject
    states: list[StageState]
    problems: list[Problem]
    rejected: Decision | None = None
    history: list[tuple[Decision, str]] = dataclasses.field(default_factory=list)  # (decision, status)

    @property
    def complete(self) -> bool:
        return not self.problems and all(s.decision for s in self.states)

    @property
    def next(self) -> StageState | None:
        if self.rejected is not None:
            return None
        return next((s for s in self.states if s.decision is None), None)


def _short(sha: str) -> str:
    return sha[:10]


def evaluate(subject: Subject, decisions: list[Decision], config: Config,
             elsewhere: list[Decision] | None = None) -> Evaluation:
    """`decisions`: the validly signed decisions of the range, oldest first; `elsewhere`: validly signed
    rejections made on other review branches, which count only where they stand against this very content."""
    states = [StageState(s, (subject.reviewers or {}).get(s.id, "")) for s in subject.stages]
    by_id = {s.stage.id: s for s in states}
    ev = Evaluation(subject, states, [])
    signers: dict[str, str] = {}  # person -> stage signed (current decisions)

    def problem(stage: str, rule: str, message: str, d: Decision | None = None) -> None:
        ev.problems.append(Problem(subject.path, stage, rule, message, d.commit.sha if d else ""))

    for d in elsewhere or []:
        if subject.path in d.items and _stands(subject, d, by_id, config):
            ev.history.append((d, "current"))
            ev.rejected = d
    for d in decisions:
        if subject.path not in d.items:
            continue
        if d.action == REJECT and _stands(subject, d, by_id, config):
            # a rejection stands against the content it rejected until that content changes, whoever is named
            ev.history.append((d, "current"))
            ev.rejected = d
            signers[d.reviewer] = d.stage
            continue
        stale = _staleness(subject, d)
        if stale:
            ev.history.append((d, stale))
            if d.stage in by_id:
                by_id[d.stage].stale.append(d)
            continue
        reasons = _refusals(subject, d, by_id, signers, config)
        if ev.rejected is not None:
            reasons.append(("REVIEW-REJECTED", f"该稿件已在 {ev.rejected.stage} 被退回（提交 {_short(ev.rejected.commit.sha)}），"
                                               "须修改稿件后重新报送，退回后的签署无效"))
        for rule, message in reasons:
            problem(d.stage, rule, f"{message}（{d.reviewer}，提交 {_short(d.commit.sha)}）", d)
        ev.history.append((d, "invalid" if reasons else "current"))
        if reasons:
            continue
        signers[d.reviewer] = d.stage
        if d.action == REJECT:
            ev.rejected = d
        else:
            by_id[d.stage].decision = d
    if ev.rejected is not None:
        d = ev.rejected
        reason = d.opinion or "（未写理由）"
        problem(d.stage, "REVIEW-REJECTED", f"{d.reviewer} 于 {d.when:%Y-%m-%d %H:%M} 退回：{reason}。审核链已停止，"
                                            "请修改稿件后重新报送（portal submit）", d)
    else:
        for state in states:
            if state.decision is not None:
                continue
            role = config.roles.get(state.stage.role)
            who = f" {state.reviewer} " if state.reviewer else f"任一{role.title if role else state.stage.role}"
            if state.stale:
                last = state.stale[-1]
                problem(state.stage.id, "REVIEW-STALE",
                        f"{last.reviewer} 的审核（提交 {_short(last.commit.sha)}）针对的是旧版本："
                        f"{_stale_reason(subject, last)}。请{who}重新审核", last)
            else:
                problem(state.stage.id, "REVIEW-MISSING", f"尚未经过“{state.stage.title}”（应由{who}签署）")
    return ev


def _stands(subject: Subject, d: Decision, by_id: dict[str, StageState], config: Config) -> bool:
    """A rejection of this very content (the item as published but for `reviewers`, and every file it publishes),
    by someone who holds the stage's role for the item's department."""
    state = by_id.get(d.stage)
    person = config.people.get(d.reviewer)
    role = config.roles.get(state.stage.role) if state else None
    if state is None or person is None or role is None or not person.may_sign(role, subject.department):
        return False
    for path, blob in subject.covered.items():
        named = d.items.get(path)
        if named != blob and not (path == subject.path and named in subject.same_content):
            return False
    return True


def _staleness(subject: Subject, d: Decision) -> str:
    """Why a decision no longer covers the content to be published ('' if it does)."""
    if d.index < subject.last_change:
        return "stale"
    for path, blob in subject.covered.items():
        if d.items.get(path) != blob:
            return "stale"
    return ""


def _stale_reason(subject: Subject, d: Decision) -> str:
    if d.index < subject.last_change:
        return f"其后 {'、'.join(subject.last_change_paths)} 在提交 {_short(subject.last_change_commit)} 中又有改动"
    for path, blob in subject.covered.items():
        if d.items.get(path) != blob:
            named = d.items.get(path)
            return f"{path} 审核的是 {named[:10] if named else '（未列出）'}，待发布的是 {blob[:10]}"
    return ""


def _refusals(subject: Subject, d: Decision, by_id: dict[str, StageState], signers: dict[str, str],
              config: Config) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    state = by_id.get(d.stage)
    if state is None:
        chain = "、".join(by_id) or "（无）"
        return [("REVIEW-STAGE-UNKNOWN", f"“{d.stage}”不是该稿件审核链“{subject.chain}”的环节（应为：{chain}）")]
    person = config.people.get(d.reviewer)
    if state.reviewer and d.reviewer != state.reviewer:
        out.append(("REVIEW-NOT-REVIEWER", f"稿件指定的{d.stage}人是 {state.reviewer}，不是 {d.reviewer}"))
    if subject.reviewers is not None and not state.reviewer:
        out.append(("REVIEW-NO-REVIEWER", f"稿件的 reviewers 中没有指定“{d.stage}”的审核人"))
    role = config.roles.get(state.stage.role)
    if person is None or role is None or not person.may_sign(role, subject.department):
        title = role.title if role else state.stage.role
        scope = f"（{subject.department}）" if subject.department else ""
        out.append(("REVIEW-ROLE", f"{d.reviewer} 在名册中不是可签署该环节的{title}{scope}"))
    if d.reviewer in subject.excluded:
        out.append(("REVIEW-SELF", f"{d.reviewer} 是该稿件的{subject.excluded[d.reviewer]}，不能审核自己的稿件"))
    if state.decision is not None:
        out.append(("REVIEW-DUPLICATE", f"“{d.stage}”已由 {state.decision.reviewer} 签署（提交 {_short(state.decision.commit.sha)}），"
                                        "不能重复签署"))
    elif d.reviewer in signers:
        out.append(("REVIEW-SAME-PERSON", f"{d.reviewer} 已签署“{signers[d.reviewer]}”，同一人不能签署同一稿件的两个环节"))
    position = list(by_id).index(d.stage)
    missing = [s for s in list(by_id.values())[:position] if s.decision is None]
    if missing and state.decision is None:
        out.append(("REVIEW-ORDER", f"在“{missing[0].stage.id}”之前签署了“{d.stage}”，审核须按 {' → '.join(by_id)} 的顺序进行"))
    if d.action == APPROVE and state.stage.role == "secrecy":
        for key, (question, needed) in SECRECY.items():
            if d.secrecy.get(key) != needed:
                got = d.secrecy.get(key) or "未填写"
                out.append(("REVIEW-SECRECY-FORM", f"保密审查“{question}”应为“{needed}”才能通过，记录为“{got}”"))
    return out
