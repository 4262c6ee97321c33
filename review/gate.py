"""The merge gate: every content change between base and head has a complete, valid chain and passes every check.

Policy is read from the base, never from the head: roster.yml (people, roles and keys), columns.yml (chains),
and the checks' rules and accepted findings. The items are read from the head, parsed with the base's config.
"""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import checks
from portal import model
from portal.config import Config, ConfigError
from portal.errors import ERROR, Finding

from . import records, signatures
from .chain import Evaluation, Problem, Subject, evaluate
from .gitutil import ZERO, Commit, Repo

CONFIG_CHAIN = "配置变更"
# Files of the base that hold policy (besides every .yml at the top: columns.yml, roster.yml, accepted.yml ...),
# written into the scratch root the gate loads the portal from. (The check modules read their rules from the
# installed package, which the server and the CI templates install from the base.)
POLICY_FILES = ("checks/rules", "checks/accepted.yml")


@dataclasses.dataclass
class GateResult:
    base: str
    head: str
    problems: list[Problem]
    evaluations: list[Evaluation]
    findings: list[Finding]
    commits: list[Commit]
    config: Config | None

    @property
    def ok(self) -> bool:
        return not self.problems


def is_item(path: str) -> bool:
    parts = path.split("/")
    return parts[0] == model.CONTENT and len(parts) >= 3 and path.endswith(".md") and parts[2] != model.FILES_DIR


def run(repo: Repo, base: str, head: str, *, update: bool = False, with_checks: bool = True) -> GateResult:
    """`update`: head is a new value of main (pre-receive), so main must only move by review merges."""
    base_sha, head_sha = repo.must_rev(base), repo.must_rev(head)
    problems: list[Problem] = []
    commits = repo.commits(base_sha, head_sha)
    if update:
        problems += _main_moves_by_merges(repo, base_sha, head_sha, commits)
    fork = repo.merge_base(base_sha, head_sha) or base_sha
    changes = repo.diff(fork, head_sha)
    result = GateResult(base_sha, head_sha, problems, [], [], commits, None)
    if not changes:
        return result
    with tempfile.TemporaryDirectory(prefix="portal-gate-") as tmp:
        root = Path(tmp).resolve()  # the model resolves its root; paths handed to it must match
        try:
            config = _base_config(repo, base_sha, root)
        except ConfigError as exc:
            problems += [Problem(f.path, "", f.rule, f"主分支上的配置有误，无法审核：{f.message}") for f in exc.findings]
            return result
        result.config = config
        decisions, submitters = _verify(repo, config, commits, problems)
        subjects = _subjects(repo, config, fork, head_sha, changes, commits, submitters, problems)
        for subject in subjects:
            ev = evaluate(subject, decisions, config)
            result.evaluations.append(ev)
            problems += ev.problems
        if with_checks:
            result.findings = _checks(repo, head_sha, changes, root)
            problems += [Problem(f.path, "", f.rule, f"第 {f.line} 行：{f.message}") for f in result.findings
                         if f.severity == ERROR]
    result.problems = sorted(set(problems), key=lambda p: (p.path, p.stage, p.rule, p.commit, p.message))
    return result


def _main_moves_by_merges(repo: Repo, base: str, head: str, commits: list[Commit]) -> list[Problem]:
    if not repo.is_ancestor(base, head):
        return [Problem("main", "", "REVIEW-NOT-FAST-FORWARD",
                        f"推送会改写 main 的历史（{base[:10]} 不是 {head[:10]} 的祖先）。main 的历史不可改写")]
    first_parent = set(repo.run("rev-list", "--first-parent", head, f"^{base}").split())
    out = []
    for c in commits:
        if c.sha not in first_parent:
            continue
        if len(c.parents) < 2:  # a forge's merge button is fine too: what counts is the chain of the merged branch
            out.append(Problem("main", "", "REVIEW-DIRECT-PUSH",
                               f"提交 {c.sha[:10]}（{c.subject}）直接推送到 main，未经审核合并。"
                               "请推送到 review/ 分支，审核完成后用 portal merge 合并", c.sha))
    return out


def _base_config(repo: Repo, base: str, root: Path) -> Config:
    """Write the base's policy files into root and load the config from there."""
    present = repo.tree_files(base)
    wanted = [p for p in present if ("/" not in p and p.endswith((".yml", ".yaml")))
              or any(p == f or p.startswith(f + "/") for f in POLICY_FILES)]
    repo.archive_into(base, wanted, root)
    from portal.config import load as load_config

    return load_config(root)


def _verify(repo: Repo, config: Config, commits: list[Commit],
            problems: list[Problem]) -> tuple[list[records.Decision], dict[str, str]]:
    """The decision commits whose signature and form are good (problems for the others), and the proven
    signer of each signed content commit (the informant: signed submissions prove who submitted)."""
    claimed = [records.parse_decision(c, i) for i, c in enumerate(commits) if records.claims_decision(c)]
    content = {c.sha: c.trailer(records.INFORMANT) for c in commits
               if c.changes and not records.claims_decision(c) and len(c.parents) < 2}
    with signatures.Verifier(repo, config) as verifier:
        sigs = verifier.verify({d.commit.sha: d.reviewer for d in claimed} | verifier.signed(content))
    submitters = {sha: sigs[sha].signer for sha in content if sha in sigs and sigs[sha].signer}
    good = []
    for d in claimed:
        reasons = []
        sig = sigs[d.commit.sha]
        if sig.status == signatures.UNSIGNED:
            reasons.append(("REVIEW-UNSIGNED", "审核提交没有签名。审核须用本人 SSH 密钥签名（portal approve 会自动签名）"))
        elif sig.status == signatures.WRONG_KEY:
            reasons.append(("REVIEW-WRONG-KEY", f"签名用的是 {sig.signer} 的密钥，而提交声称审核人是 {d.reviewer}"))
        elif sig.status == signatures.UNKNOWN_KEY:
            reasons.append(("REVIEW-UNKNOWN-KEY", "签名用的密钥不在主分支的 roster.yml 中"))
        elif sig.status == signatures.BAD:
            reasons.append(("REVIEW-BAD-SIGNATURE", "签名无效（提交内容与签名不符，或不是 SSH 签名）"))
        if d.malformed:
            reasons.append(("REVIEW-FORMAT", f"审核记录格式有误：{d.malformed}（见 review/FORMAT.md）"))
        if len(d.commit.parents) > 1:
            reasons.append(("REVIEW-DECISION-MERGE", "审核提交不能是合并提交"))
        elif d.commit.changes:
            changed = "、".join(sorted(d.commit.changes)[:3])
            reasons.append(("REVIEW-DECISION-CHANGES", f"审核提交同时修改了内容（{changed}）。审核提交必须是空提交"))
        for rule, message in reasons:
            for path in sorted(d.items) or ["-"]:
                problems.append(Problem(path, d.stage, rule, f"{message}（提交 {d.commit.sha[:10]}）", d.commit.sha))
        if not reasons:
            good.append(d)
    return good, submitters


def _subjects(repo: Repo, config: Config, fork: str, head: str, changes: dict[str, str], commits: list[Commit],
              submitters: dict[str, str], problems: list[Problem]) -> list[Subject]:
    items = sorted(p for p in changes if is_item(p))
    old_blobs = repo.blobs(fork, items)
    wanted = [changes[p] for p in items if changes[p] != ZERO] + list(old_blobs.values())
    blobs = repo.read_objects(wanted)
    subjects: list[Subject] = []
    covered: set[str] = set()
    for path in items:
        versions = [a for a in (_parse(config, path, blobs.get(changes[path])), _parse(config, path, blobs.get(old_blobs.get(path, ""))))
                    if a is not None]
        if not versions:
            problems.append(Problem(path, "", "REVIEW-ITEM-UNREADABLE", "稿件无法解析，无法确定审核链（见检查结果）"))
            continue
        article = versions[0]
        column = config.columns[article.column]
        attachments = {att.file for a in versions for att in a.attachments if att.file in changes}
        excluded = {a: "撰稿人" for v in versions for a in v.authors}
        subject = Subject(path, article.title or path, column.chain.id, column.chain.for_importance(article.importance),
                          article.department, dict(article.reviewers), {path: changes[path]} | {
                              a: changes[a] for a in sorted(attachments)}, excluded, article=article)
        covered.update(subject.covered)
        subjects.append(subject)
    others = sorted(p for p in changes if p not in covered and not is_item(p))
    chain = config.chains.get(CONFIG_CHAIN)
    for path in others:
        if chain is None:
            problems.append(Problem(path, "", "REVIEW-NO-CONFIG-CHAIN", f"columns.yml 中没有“{CONFIG_CHAIN}”审核链，无法审核该文件的改动"))
            continue
        subjects.append(Subject(path, path, chain.id, chain.stages, "", None, {path: changes[path]}, {}))
    for subject in subjects:
        _history(subject, commits, submitters)
    return subjects


def _parse(config: Config, path: str, data: bytes | None) -> model.Article | None:
    if data is None:
        return None
    article, _ = model.parse_article(config, path, data)
    return article if article is not None and article.column in config.columns else None


def _history(subject: Subject, commits: list[Commit], submitters: dict[str, str]) -> None:
    """The last change of the subject's content, and who submitted its changes (they may not review it)."""
    for i, c in enumerate(commits):
        changed = tuple(p for p in subject.covered if p in c.changes)
        if changed:
            subject.last_change, subject.last_change_commit, subject.last_change_paths = i, c.sha, changed
            for person in [*records.informants(c), *([submitters[c.sha]] if c.sha in submitters else [])]:
                subject.informants.add(person)
                subject.excluded.setdefault(person, "报送人（信息员）")


def _checks(repo: Repo, head: str, changes: dict[str, str], root: Path) -> list[Finding]:
    """Every check over the head's changed items, with the base's config and rules (already in root)."""
    items = [p for p in changes if is_item(p) and changes[p] != ZERO]
    if not items:
        return []
    columns = sorted({"/".join(p.split("/")[:2]) for p in items})
    repo.archive_into(head, columns, root)
    portal, findings = model.load_or_findings(root, [str(root / p) for p in items])
    if portal is None:
        return findings
    return checks.run(portal)
