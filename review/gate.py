"""The merge gate: every content change between base and head has a complete, valid chain and passes every check.

Policy is read from the base, never from the head: roster.yml (people, roles and keys), columns.yml (chains),
and the checks' rules and accepted findings. The items are read from the head, parsed with the base's config.
"""
from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml

import checks
from portal import model
from portal.config import Config, ConfigError
from portal.errors import ERROR, Finding

from . import enrolment, records, signatures
from .chain import Evaluation, Problem, Subject, evaluate
from .gitutil import ZERO, Commit, GitError, Repo

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
    submitters: dict[str, str] = dataclasses.field(default_factory=dict)  # content commit -> its signer
    publish: Any = None  # review.hooks.Outcome after `workflow.merge`, when the server reported its publish

    @property
    def ok(self) -> bool:
        return not self.problems


def is_item(path: str) -> bool:
    parts = path.split("/")
    return parts[0] == model.CONTENT and len(parts) >= 3 and path.endswith(".md") and parts[2] != model.FILES_DIR


def run(repo: Repo, base: str, head: str, *, update: bool = False, with_checks: bool = True,
        elsewhere: bool = True) -> GateResult:
    """`update`: head is a new value of main (pre-receive), so main must only move by review merges.
    `elsewhere`: also heed rejections recorded on the repository's other review branches (a rejection stands
    against the rejected content wherever it is submitted again)."""
    base_sha, head_sha = repo.must_rev(base), repo.must_rev(head)
    problems: list[Problem] = []
    commits = repo.commits(base_sha, head_sha)
    if update:
        problems += _main_moves_by_merges(repo, base_sha, head_sha, commits)
    fork = repo.merge_base(base_sha, head_sha) or base_sha
    entries = repo.diff_modes(fork, head_sha)
    problems += malformed(entries)
    changes = {p: blob for p, (mode, blob) in entries.items() if mode not in BAD_MODES}
    result = GateResult(base_sha, head_sha, problems, [], [], commits, None)
    if not entries:
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
        result.submitters = submitters
        subjects = _subjects(repo, config, fork, head_sha, changes, commits, submitters, decisions, problems)
        foreign = _rejections_elsewhere(repo, config, base_sha, commits, subjects) if elsewhere else []
        _same_content(repo, subjects, foreign)
        for subject in subjects:
            ev = evaluate(subject, decisions, config, foreign)
            result.evaluations.append(ev)
            problems += ev.problems
        if with_checks:
            items = sorted({p for p in changes if is_item(p) and changes[p] != ZERO}
                           | {s.path for s in subjects if s.path in s.covered and is_item(s.path) and not s.withdrawn})
            result.findings = _checks(repo, config, head_sha, items, root, problems)
            problems += [Problem(f.path, "", f.rule, f"第 {f.line} 行：{f.message}") for f in result.findings
                         if f.severity == ERROR]
    order = {ev.subject.path: {st.stage.id: i for i, st in enumerate(ev.states)} for ev in result.evaluations}
    result.problems = sorted(set(problems), key=lambda p: (p.path != "main", p.path, order.get(p.path, {}).get(p.stage, 99), p.stage,
                                                           p.rule, p.commit, p.message))
    return result


BAD_MODES = {"120000": ("REVIEW-SYMLINK", "是符号链接"), "160000": ("REVIEW-SUBMODULE", "是子模块（gitlink）")}


def malformed(entries: dict[str, tuple[str, str]]) -> list[Problem]:
    """Symbolic links and submodules: nothing a portal publishes, and a way to point outside the repository."""
    out = []
    for path, (mode, _blob) in sorted(entries.items()):
        if mode in BAD_MODES:
            rule, what = BAD_MODES[mode]
            out.append(Problem(path, "", rule, f"{path} {what}。门户仓库只接受普通文件：请删除它（git rm {path}），"
                                               "换成文件本身后重新报送"))
    return out


def published_files(article: model.Article) -> list[str]:
    """Every file the item publishes (repository paths): front-matter attachments and every file its body links."""
    try:
        from portal import view

        return [f.rel for f in view.of(article).files]
    except Exception:  # noqa: BLE001 - before portal.view existed, or a body it cannot read: the attachments check's reading
        pass
    try:
        from checks.attachments import references

        return [r.rel for r in references(article)]
    except Exception:  # noqa: BLE001 - a file it cannot name stays outside the item's chain (配置变更 then covers it)
        return []


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
    """The decision commits whose signature and form are good (problems for the others), and the signer of
    each content commit (its informant: identity comes from signatures only, never from a trailer). A content
    commit (one that changes files, merge commits and conflict resolutions included) must be signed by a
    roster key."""
    claimed = [records.parse_decision(c, i) for i, c in enumerate(commits) if records.claims_decision(c)]
    content = [c for c in commits if c.changes and not records.claims_decision(c)]
    with signatures.Verifier(repo, config) as verifier:
        sigs = verifier.verify({d.commit.sha: d.reviewer for d in claimed})
        signers = verifier.identify([c.sha for c in content])
    submitters = {sha: sig.signer for sha, sig in signers.items() if sig.good and sig.signer}
    for c in content:
        sig = signers[c.sha]
        if sig.good:
            continue
        if sig.status == signatures.UNKNOWN_KEY and (person := enrolment.self_enrolment(repo, c)):
            submitters[c.sha] = person  # a new key enrolling itself: its chain is the roster's (配置变更)
            continue
        rule, why = {signatures.UNSIGNED: ("REVIEW-UNSIGNED", "没有签名"),
                     signatures.UNKNOWN_KEY: ("REVIEW-UNKNOWN-KEY", "的签名密钥不在主分支的 roster.yml 中"),
                     }.get(sig.status, ("REVIEW-BAD-SIGNATURE", "的签名无效（内容与签名不符，或不是 SSH 签名）"))
        changed = sorted(c.changes)
        shown = "、".join(changed[:3]) + ("等" if len(changed) > 3 else "")
        problems.append(Problem(changed[0], "", rule,
                                f"修改内容的提交 {c.sha[:10]}（{c.subject}，改动 {shown}）{why}。报送人只认签名："
                                f"{SIGNING_HELP}；然后重写该分支上的这个提交（或在 main 上重新 portal submit）", c.sha))
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
            touched = "、".join(sorted(d.commit.changes)[:3])
            reasons.append(("REVIEW-DECISION-CHANGES", f"审核提交同时修改了内容（{touched}）。审核提交必须是空提交"))
        for rule, message in reasons:
            for path in sorted(d.items) or ["-"]:
                problems.append(Problem(path, d.stage, rule, f"{message}（提交 {d.commit.sha[:10]}）", d.commit.sha))
        if not reasons:
            good.append(d)
    return good, submitters


SIGNING_HELP = ("请先设置签名：`git config user.signingkey ~/.ssh/id_ed25519`（本人私钥，其公钥须登记在 roster.yml），"
                "`git config gpg.format ssh`，再用 portal submit 报送（它会签名）")


def _subjects(repo: Repo, config: Config, fork: str, head: str, changes: dict[str, str], commits: list[Commit],
              submitters: dict[str, str], decisions: list[records.Decision], problems: list[Problem]) -> list[Subject]:
    items = sorted(p for p in changes if is_item(p))
    old_blobs = repo.blobs(fork, items)
    wanted = [changes[p] for p in items if changes[p] != ZERO] + list(old_blobs.values())
    blobs = repo.read_objects(wanted)
    subjects: list[Subject] = []
    covered: set[str] = set()
    others_changed = any(not is_item(p) for p in changes)
    for path in items:
        versions = [a for a in (_parse(config, path, blobs.get(changes[path])), _parse(config, path, blobs.get(old_blobs.get(path, ""))))
                    if a is not None]
        if not versions:
            problems.append(Problem(path, "", "REVIEW-ITEM-UNREADABLE", "稿件无法解析，无法确定审核链（见检查结果）"))
            continue
        # rendering the body is only needed when some other file changed that the item might publish
        files = {f for a in versions for f in published_files(a) if f in changes and f != path} if others_changed else set()
        subject = _subject(config, versions, {path: changes[path]} | {f: changes[f] for f in sorted(files)})
        covered.update(subject.covered)
        subjects.append(subject)
    leftover = sorted(p for p in changes if p not in covered and not is_item(p))
    # a changed file of an item that is itself unchanged (a replaced picture): that item's chain covers it
    for subject in _linking_items(repo, config, head, changes, [p for p in leftover if _in_files(p)]):
        covered.update(subject.covered)
        subjects.append(subject)
    others = [p for p in leftover if p not in covered]
    chain = config.chains.get(CONFIG_CHAIN)
    for path in others:
        if chain is None:
            problems.append(Problem(path, "", "REVIEW-NO-CONFIG-CHAIN", f"columns.yml 中没有“{CONFIG_CHAIN}”审核链，无法审核该文件的改动"))
            continue
        subjects.append(Subject(path, path, chain.id, chain.stages, "", None, {path: changes[path]}, {}))
    for subject in subjects:
        _history(subject, commits, submitters)
    _same_content(repo, subjects, decisions)
    return subjects


def _rejections_elsewhere(repo: Repo, config: Config, base: str, commits: list[Commit],
                          subjects: list[Subject]) -> list[records.Decision]:
    """Validly signed rejections on other review branches (not yet on main) naming one of the subjects' items."""
    paths = {s.path for s in subjects if is_item(s.path)}
    if not paths:
        return []
    branches = [r for r in repo.refs("refs/heads/", "refs/remotes/")
                if r.startswith("refs/heads/" + records.BRANCH_PREFIX)
                or (r.startswith("refs/remotes/") and r.split("/", 3)[-1].startswith(records.BRANCH_PREFIX))]
    if not branches:
        return []
    seen = {c.sha for c in commits}
    out = repo.run("log", "--format=%H", "-E", f"--grep=^{records.ACTION}: *{records.REJECT}", *branches, f"^{base}", "--")
    found = []
    for sha in dict.fromkeys(out.split()):
        if sha in seen:
            continue
        commit = next((c for c in repo.commits(None, sha, exclude=[f"{sha}^@"]) if c.sha == sha), None)
        if commit is None:
            continue
        d = records.parse_decision(commit, -1)
        if d.action == records.REJECT and not d.malformed and paths & set(d.items) and not commit.changes:
            found.append(d)
    if not found:
        return []
    with signatures.Verifier(repo, config) as verifier:
        sigs = verifier.verify({d.commit.sha: d.reviewer for d in found})
    return [d for d in found if sigs[d.commit.sha].good]


def _subject(config: Config, versions: list[model.Article], covered: dict[str, str]) -> Subject:
    article = versions[0]
    column = config.columns[article.column]
    excluded = {a: "撰稿人" for v in versions for a in v.authors}
    return Subject(article.path, article.title or article.path, column.chain.id,
                   column.chain.for_importance(article.importance), article.department, dict(article.reviewers),
                   covered, excluded, article=article)


def _in_files(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 4 and parts[0] == model.CONTENT and parts[2] == model.FILES_DIR


def _linking_items(repo: Repo, config: Config, head: str, changes: dict[str, str], files: list[str]) -> list[Subject]:
    """The items of head, not changed themselves, that publish one of `files`; each covers those files."""
    if not files:
        return []
    columns = sorted({"/".join(f.split("/")[:2]) for f in files})
    candidates = {p: b for c in columns for p, b in repo.tree_files(head, c + "/").items() if is_item(p)}
    blobs = repo.read_objects(candidates.values())
    out = []
    for path, blob in sorted(candidates.items()):
        article = _parse(config, path, blobs.get(blob))
        if article is None:
            continue
        linked = [f for f in published_files(article) if f in files]
        if linked:
            out.append(_subject(config, [article], {path: blob} | {f: changes[f] for f in sorted(set(linked))}))
    return out


def content_key(data: bytes | None) -> bytes:
    """An item's content for judging whether a rejection still stands: the file without its `reviewers` entry
    (naming other reviewers changes nothing a reader sees)."""
    if data is None:
        return b""
    try:
        text = data.decode("utf-8")
        fm, body, _ = model.split_front_matter(text)
        meta = yaml.safe_load(fm) if fm is not None else None
        if not isinstance(meta, dict):
            return data
        meta.pop("reviewers", None)
        return json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n---\n" + body.encode()
    except (UnicodeDecodeError, ValueError, TypeError, yaml.YAMLError):
        return data


def _same_content(repo: Repo, subjects: list[Subject], decisions: list[records.Decision]) -> None:
    """For each item, the item versions named by rejections that differ from it only in `reviewers`."""
    named: dict[str, set[str]] = {}
    by_path = {s.path: s for s in subjects if is_item(s.path)}
    for d in decisions:
        if d.action != records.REJECT:
            continue
        for path, blob in d.items.items():
            subject = by_path.get(path)
            if subject is not None and blob != subject.covered.get(path) and blob != ZERO:
                named.setdefault(path, set()).add(blob)
    if not named:
        return
    datas = repo.read_objects([b for path, bs in named.items() for b in bs] +
                              [by_path[p].covered[p] for p in named if by_path[p].covered[p] != ZERO])
    for path, bs in named.items():
        subject = by_path[path]
        current = content_key(datas.get(subject.covered[path]))
        subject.same_content |= {b for b in bs if current and content_key(datas.get(b)) == current}


def _parse(config: Config, path: str, data: bytes | None) -> model.Article | None:
    if data is None:
        return None
    article, _ = model.parse_article(config, path, data)
    return article if article is not None and article.column in config.columns else None


def _history(subject: Subject, commits: list[Commit], submitters: dict[str, str]) -> None:
    """The last change of the subject's content, and who signed its changes (they may not review it)."""
    for i, c in enumerate(commits):
        changed = tuple(p for p in subject.covered if p in c.changes)
        if changed:
            subject.last_change, subject.last_change_commit, subject.last_change_paths = i, c.sha, changed
            person = submitters.get(c.sha)
            if person:
                subject.informants.add(person)
                subject.excluded.setdefault(person, "报送人（信息员）")


def _checks(repo: Repo, config: Config, head: str, items: list[str], root: Path,
            problems: list[Problem]) -> list[Finding]:
    """Every check over the head's changed items, with the base's config and rules (already in root).

    Only what the checks read is written into root: the items, the files they publish, the policy columns when
    one of the items is a policy document or 解读, and a column in full when the branch holds every item of it
    (then files no item references are findings). The other items of their columns are only listed, for
    duplicate web addresses: the gate's work follows the submission, not the size of main."""
    if not items:
        return []
    columns = sorted({"/".join(p.split("/")[:2]) for p in items})
    policy = sorted(f"{model.CONTENT}/{c.id}" for c in config.columns.values() if c.policy)
    try:
        listed = repo.tree_entries(head, sorted(set(columns) | (set(policy) if set(columns) & set(policy) else set())))
        names = [p for p in listed if p.endswith(".md") and p.split("/")[2:3] != [model.FILES_DIR]]
        wanted = set(items)
        for column in columns:
            mine = [p for p in names if p.startswith(column + "/")]
            if set(mine) <= wanted:
                wanted |= {p for p in listed if p.startswith(column + "/")}
        wanted |= {p for p in names if p.startswith(tuple(c + "/" for c in policy))}
        repo.write_entries({p: listed[p] for p in sorted(wanted) if p in listed}, root)
        published = set()
        for path in (p for p in items if p in listed):
            article, _ = model.parse_article(config, path, (root / path).read_bytes())
            published |= set(published_files(article)) if article is not None else set()
        repo.write_entries({p: listed[p] for p in sorted(published - wanted) if p in listed}, root)
    except (OSError, ValueError, GitError) as exc:
        problems.append(Problem(columns[0], "", "REVIEW-MALFORMED", f"无法取出分支上的栏目文件（{exc}）。"
                                                                   "请删除其中的符号链接或异常文件后重新报送"))
        return []
    portal, findings = model.load_or_findings(root, [str(root / p) for p in items])
    if portal is None:
        return findings
    in_columns = [p for p in names if p.startswith(tuple(c + "/" for c in columns))]
    portal.findings = [f for f in portal.findings if f.rule != model.SLUG_DUP] + model.duplicate_slugs(in_columns, items)
    return checks.run(portal)
