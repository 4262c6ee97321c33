"""The reviewer's and informant's side: submit, decide (approve / reject), merge, queue.

Local refusals here are a courtesy (a clear message before anything is pushed); the gate, run again by
the server's pre-receive hook, is what enforces the rules.
"""
from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import checks
from portal import clock, model, policy
from portal.config import Config, ConfigError
from portal.errors import ERROR, Finding, PortalError

from . import gate, records, signatures
from .chain import Evaluation, StageState
from .gitutil import Repo

MAIN = "main"


def person_id(repo: Repo, given: str | None) -> str:
    person = given or repo.config_get("portal.person")
    if not person:
        raise PortalError("不知道你是谁。请用 --as 人员id，或运行 `git config portal.person 你的人员id`（见 roster.yml）")
    return person


def branch_name(ref: str, remote: str) -> str:
    for prefix in ("refs/heads/", f"refs/remotes/{remote}/", f"{remote}/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def has_remote(repo: Repo, remote: str) -> bool:
    return remote in repo.run("remote").split()


def sync(repo: Repo, remote: str) -> None:
    if has_remote(repo, remote):
        repo.fetch(remote)


def base_ref(repo: Repo, remote: str) -> str:
    remote_main = f"refs/remotes/{remote}/{MAIN}"
    return remote_main if repo.rev(remote_main) else MAIN


def head_ref(repo: Repo, ref: str, remote: str) -> str:
    name = branch_name(ref, remote)
    for candidate in (f"refs/remotes/{remote}/{name}", f"refs/heads/{name}", ref):
        if repo.rev(candidate):
            return candidate
    raise PortalError(f"找不到审核分支“{ref}”。请用 portal queue 查看待审稿件，或先 git fetch {remote}")


def person_of(config: Config, person: str) -> str:
    p = config.people.get(person)
    if p is None:
        raise PortalError(f"人员“{person}”不在主分支的 roster.yml 中。请检查 --as 或 git config portal.person")
    return f"{p.name}（{p.id}）"


# --- submit -------------------------------------------------------------------------------------------

def _changed_paths(repo: Repo) -> list[str]:
    out = repo.run("status", "--porcelain", "-z", "--untracked-files=all", "--", model.CONTENT)
    paths = []
    for entry in out.split("\0"):
        if len(entry) > 3:
            paths.append(entry[3:])
    return paths


def submit(root: Path, paths: list[str], person: str, remote: str,
           title: str = "") -> tuple[str, model.Portal | None, list[Finding]]:
    """Commit the items (and every file they publish) on a review branch, signed, and push it;
    return (branch, the items, findings that refused it). `title`: the submission's subject line (default:
    the first item's title, or the first file)."""
    repo = Repo(root)
    rel = [_relative(root, p) for p in paths] if paths else _changed_paths(repo)
    if not rel:
        raise PortalError("没有要报送的改动。请先在 content/ 下写好稿件，或给出稿件路径")
    existing = [p for p in rel if (root / p).exists()]
    with contextlib.suppress(ConfigError):  # a broken config is reported with the checks below
        # a policy document gets its 索引号 when it is submitted, and keeps it (portal/policy.py)
        policy.assign(root, [str(root / p) for p in existing if p.startswith(model.CONTENT + "/")])
    portal, findings = model.load_or_findings(root, [str(root / p) for p in existing if p.startswith(model.CONTENT + "/")])
    if portal is not None:
        findings = checks.run(portal)
    config = portal.config if portal else _config(root)
    person_of(config, person)
    if portal is not None:  # every file an item publishes (attachments, linked pictures ...) goes with it
        changed = set(_changed_paths(repo))
        rel += sorted({f for a in portal.articles for f in gate.published_files(a) if f in changed and f not in rel})
    if any(f.severity == ERROR for f in findings):
        return "", portal, findings
    _check_key(repo.config_get("user.signingkey"), config, person, submitting=True)
    pending = repo.run("status", "--porcelain", "-z", "--untracked-files=all", "--", *rel)
    if not pending.strip("\0"):
        raise PortalError(f"没有要报送的改动：{'、'.join(rel[:3])} 与已提交的版本相同。请先修改稿件再报送")
    current = repo.run("rev-parse", "--abbrev-ref", "HEAD").strip()
    own = f"{records.BRANCH_PREFIX}{person}/"
    slug = portal.articles[0].slug if portal and portal.articles else "config"
    if current.startswith(own):
        sync(repo, remote)
    if current.startswith(own) and not _merged(repo, current, remote):
        branch, start = current, ""
        _catch_up(repo, branch, remote)  # reviewers' decisions were pushed since
    elif current == MAIN or current.startswith(own):  # on main, or on an own branch already merged and published
        branch, start = _new_branch(repo, own, slug, remote), current
        repo.run("checkout", "-q", "-b", branch)
    else:
        raise PortalError(f"当前在分支 {current} 上。新稿件请在 main 上编写后报送；修改已报送的稿件请切换到你自己的 review/ 分支")
    articles = portal.articles if portal else []
    title = title or (articles[0].title if articles else (f"撤稿 {rel[0]}" if not existing else rel[0]))
    try:
        repo.run("add", "-A", "--", *rel)
        # signed: the signature, not any trailer, is what tells the gate and the server who submitted
        repo.run("commit", "-q", "-S", "-m", records.submit_message(title, len(rel), person), "--", *rel,
                 config=["gpg.format=ssh"])
    except PortalError as exc:
        if start:
            repo.status("checkout", "-q", start)  # back where the user was; the changes stay in the working tree
            repo.status("branch", "-q", "-D", branch)
        raise PortalError(f"提交失败，未报送：{exc}") from None
    if has_remote(repo, remote):
        _push(repo, remote, f"HEAD:refs/heads/{branch}", upstream=branch)
    return branch, portal, []


def _merged(repo: Repo, branch: str, remote: str) -> bool:
    """Whether the branch was merged into main already (a new submission then starts a new branch)."""
    base = base_ref(repo, remote)
    theirs = f"refs/remotes/{remote}/{branch}"
    tip = theirs if repo.rev(theirs) else "HEAD"
    return repo.rev(base) is not None and repo.rev(tip) != repo.rev(base) and repo.is_ancestor(tip, base)


def _push(repo: Repo, remote: str, refspec: str, upstream: str = "") -> str:
    """Push; the server's messages (stderr) are returned, and are the error when it refuses."""
    import subprocess

    proc = subprocess.run(["git", "-C", str(repo.path), "push", remote, refspec], capture_output=True)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        said = "\n".join(line for line in err.splitlines() if "portal:" in line or "error:" in line
                         or "rejected" in line) or err.strip()
        raise PortalError(f"服务器拒绝了推送（{refspec.split(':')[-1]}）：\n{said}")
    if upstream:
        repo.status("branch", "-q", f"--set-upstream-to={remote}/{upstream}", upstream)
    return err


def _catch_up(repo: Repo, branch: str, remote: str) -> None:
    if not has_remote(repo, remote):
        return
    repo.fetch(remote)
    theirs = f"refs/remotes/{remote}/{branch}"
    if repo.rev(theirs) and not repo.is_ancestor(theirs, "HEAD"):
        status, _ = repo.status("merge", "-q", "--ff-only", theirs)
        if status != 0:
            raise PortalError(f"本地分支 {branch} 与 {remote} 上的不一致，无法自动更新。请先 git pull 解决后再报送")


def _relative(root: Path, path: str) -> str:
    try:
        return (Path.cwd() / path).absolute().relative_to(root).as_posix()
    except ValueError:
        raise PortalError(f"{path} 不在门户仓库 {root} 内") from None


def _config(root: Path) -> Config:
    from portal.config import load

    return load(root)


def _new_branch(repo: Repo, prefix: str, slug: str, remote: str) -> str:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    name, n = f"{prefix}{stamp}-{slug}", 1
    while repo.rev(f"refs/heads/{name}") or repo.rev(f"refs/remotes/{remote}/{name}"):
        n += 1
        name = f"{prefix}{stamp}-{slug}-{n}"
    return name


# --- approve / reject ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Decided:
    branch: str
    commit: str
    items: dict[str, str]
    next: list[tuple[str, StageState]]  # (item, its next stage) after this decision


def _my_stage(ev: Evaluation, stage: str) -> StageState | None:
    return next((s for s in ev.states if s.stage.id == stage), None)


def _refusal(ev: Evaluation, state: StageState, person: str, config: Config) -> str:
    subject = ev.subject
    if ev.rejected is not None:
        return f"已在 {ev.rejected.stage} 被 {ev.rejected.reviewer} 退回，等待信息员修改后重新报送"
    if state.decision is not None:
        return f"“{state.stage.id}”已由 {state.decision.reviewer} 签署"
    if person in subject.excluded:
        return f"你是该稿件的{subject.excluded[person]}，不能审核自己的稿件"
    signed = [s.stage.id for s in ev.states if s.decision is not None and s.decision.reviewer == person]
    if signed:
        return f"你已签署“{signed[0]}”，同一人不能签署同一稿件的两个环节"
    role = config.roles.get(state.stage.role)
    p = config.people.get(person)
    if p is None or role is None or not p.may_sign(role, subject.department):
        return f"你在名册中不是可签署“{state.stage.title}”的{role.title if role else state.stage.role}"
    nxt = ev.next
    if nxt is not None and nxt.stage.id != state.stage.id:
        who = nxt.reviewer or "任一有该角色者"
        return f"还没轮到“{state.stage.id}”：下一环节是“{nxt.stage.id}”（{who}）"
    return ""


def decide(root: Path, ref: str, stage: str, person: str, action: str, opinion: str, remote: str,
           secrecy: dict[str, str] | None = None, only: list[str] | None = None) -> Decided:
    repo = Repo(root)
    sync(repo, remote)
    head = head_ref(repo, ref, remote)
    branch = branch_name(head, remote)
    result = gate.run(repo, base_ref(repo, remote), head, with_checks=False)
    config = result.config
    if config is None:
        raise PortalError("该分支没有需要审核的改动")
    person_of(config, person)
    stages = list(dict.fromkeys(st.stage.id for ev in result.evaluations for st in ev.states))
    if stage not in stages:
        raise PortalError(f"“{stage}”不是本分支稿件的审核环节。可用的环节（按审核顺序）：{'、'.join(stages) or '（无）'}")
    mine, refusals = [], []
    for ev in result.evaluations:
        state = _my_stage(ev, stage)
        if only and ev.subject.path not in only:
            continue
        if state is None or (state.reviewer and state.reviewer != person):
            continue
        reason = _refusal(ev, state, person, config)
        (refusals.append(f"{ev.subject.path}：{reason}") if reason else mine.append(ev))
    if not mine:
        detail = "\n".join(refusals) or f"你不是本分支任何稿件指定的“{stage}”审核人"
        raise PortalError(f"不能签署“{stage}”：\n{detail}")
    is_secrecy = any(_my_stage(ev, stage).stage.role == "secrecy" for ev in mine)  # type: ignore[union-attr]
    answers = _secrecy_answers(action, is_secrecy, secrecy)
    items: dict[str, str] = {}
    for ev in mine:
        items.update(ev.subject.covered)
    key = repo.config_get("user.signingkey")
    _check_key(key, config, person)
    message = records.decision_message(action, stage, person, items, opinion, answers)
    tree = repo.run("rev-parse", f"{head}^{{tree}}").strip()
    old = repo.must_rev(head)
    sha = repo.run("commit-tree", "-S", "-p", old, tree, input=message.encode(),
                   config=["gpg.format=ssh"]).strip()
    if has_remote(repo, remote):
        _push(repo, remote, f"{sha}:refs/heads/{branch}")
        repo.fetch(remote)
    local = f"refs/heads/{branch}"
    if repo.rev(local) and repo.run("rev-parse", "--abbrev-ref", "HEAD").strip() != branch:
        repo.run("update-ref", local, sha)
    nxt = [] if action == records.REJECT else [(ev.subject.path, n) for ev in mine if (n := _after(ev, stage))]
    return Decided(branch, sha, items, nxt)


def _after(ev: Evaluation, stage: str) -> StageState | None:
    """The stage that comes next once `stage` is signed."""
    ids = [s.stage.id for s in ev.states]
    return next((s for s in ev.states[ids.index(stage) + 1:] if s.decision is None), None)


def _secrecy_answers(action: str, is_secrecy: bool, given: dict[str, str] | None) -> dict[str, str]:
    if not is_secrecy:
        return {}
    if not given:
        if action == records.REJECT:
            return {}
        raise PortalError("保密审查须回答三个问题：--secrecy-answers 是否涉密 发布时间是否适宜 格式和表述是否规范，"
                          "例如 --secrecy-answers 否 是 是")
    if action == records.APPROVE:
        wrong = [q for key, (q, needed) in records.SECRECY.items() if given.get(key) != needed]
        if wrong:
            raise PortalError(f"保密审查的回答（{'、'.join(wrong)}）不允许通过。涉密或不宜发布的稿件请用 portal reject 退回")
    return given


def _check_key(key: str, config: Config, person: str, submitting: bool = False) -> None:
    if not key:
        what = "报送须用本人 SSH 密钥签名（服务器只认签名，不认提交说明里的名字）" if submitting else "审核须用本人 SSH 密钥签名"
        raise PortalError(f"没有配置签名密钥，{what}。请运行 `git config user.signingkey ~/.ssh/id_ed25519`"
                          "（你本人的私钥文件；没有就用 `ssh-keygen -t ed25519` 生成），"
                          "并请网站管理员把对应的公钥（.pub 文件的内容）登记到 roster.yml 中你的 key 字段")
    mine = signatures.public_key_of(key)
    listed = config.people[person].key
    if mine is not None and listed and not signatures.same_key(mine, listed):
        raise PortalError(f"签名密钥 {key} 与 roster.yml 中 {person} 的公钥不符。请使用你本人的密钥，"
                          "或请网站管理员经“配置变更”审核更新名册")


# --- merge --------------------------------------------------------------------------------------------

def merge(root: Path, ref: str, remote: str) -> tuple[str, gate.GateResult]:
    """Gate, then merge into main with a merge commit and push; return (merge commit or '', gate result).

    `result.publish` is the server's publish outcome when it reported one (hooks.Outcome); a publish that
    failed or was refused raises PortalError (the merge itself stands)."""
    from . import hooks

    repo = Repo(root)
    sync(repo, remote)
    head = head_ref(repo, ref, remote)
    branch = branch_name(head, remote)
    base = base_ref(repo, remote)
    result = gate.run(repo, base, head)
    if not result.ok:
        return "", result
    status, out = repo.status("merge-tree", "--write-tree", "--no-messages", result.base, result.head)
    tree = out.split("\n", 1)[0].strip()
    if status != 0 or not tree:
        raise PortalError(f"{branch} 与 main 有冲突，无法合并。请信息员把 main 合并进审核分支解决冲突后重新报送审核")
    sha = repo.run("commit-tree", "-p", result.base, "-p", result.head, tree,
                   input=records.merge_message(branch).encode()).strip()
    said = ""
    if has_remote(repo, remote):
        said = _push(repo, remote, f"{sha}:refs/heads/{MAIN}")
        repo.fetch(remote)
    _move_local_main(repo, sha)
    outcome = hooks.read_outcome(said)
    result.publish = outcome
    if outcome is not None and outcome.status in ("failed", "refused"):
        raise PortalError(f"已合并到 main（提交 {sha[:10]}）并推送，但服务器发布失败：{outcome.reason}")
    return sha, result


def _move_local_main(repo: Repo, sha: str) -> None:
    current = repo.run("rev-parse", "--abbrev-ref", "HEAD").strip()
    if current != MAIN:
        repo.run("update-ref", f"refs/heads/{MAIN}", sha)
    elif not repo.run("status", "--porcelain", "--untracked-files=no").strip():
        repo.run("merge", "-q", "--ff-only", sha)


# --- queue --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Waiting:
    branch: str
    path: str
    title: str
    stage: str
    note: str = ""


def queue(root: Path, person: str, remote: str) -> list[Waiting]:
    repo = Repo(root)
    sync(repo, remote)
    prefix = f"refs/remotes/{remote}/{records.BRANCH_PREFIX}" if has_remote(repo, remote) else f"refs/heads/{records.BRANCH_PREFIX}"
    refs = repo.run("for-each-ref", "--format=%(refname)", prefix).split()
    base = base_ref(repo, remote)
    _known(repo, base, person)
    out = []
    for ref in refs:
        if repo.is_ancestor(ref, base):
            continue  # already merged
        result = gate.run(repo, base, ref, with_checks=False)
        config = result.config
        for ev in result.evaluations:
            branch = branch_name(ref, remote)
            if ev.rejected is not None and person in ev.subject.informants:
                out.append(Waiting(branch, ev.subject.path, ev.subject.title, ev.rejected.stage, "被退回，待修改"))
            nxt = ev.next
            if nxt is None or config is None:
                continue
            if nxt.reviewer == person or (not nxt.reviewer and ev.subject.reviewers is None and _may(config, person, nxt, ev)):
                out.append(Waiting(branch, ev.subject.path, ev.subject.title, nxt.stage.id))
    return out


def _known(repo: Repo, base: str, person: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="portal-queue-") as tmp:
        config = gate._base_config(repo, repo.must_rev(base), Path(tmp).resolve())
    person_of(config, person)


def _may(config: Config, person: str, state: StageState, ev: Evaluation) -> bool:
    p, role = config.people.get(person), config.roles.get(state.stage.role)
    return bool(p and role and p.may_sign(role, ev.subject.department) and person not in ev.subject.excluded)


def add_common_arguments(parser: object, who: bool = True) -> None:
    """--remote and --as, shared by the workflow subcommands."""
    add = parser.add_argument  # type: ignore[attr-defined]
    add("--remote", default="origin", help="审核用的 git 远程仓库名（默认 origin）")
    if who:
        add("--as", dest="person", metavar="ID", help="你的人员 id（默认：git config portal.person）")
