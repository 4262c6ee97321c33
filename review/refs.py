"""Which ref updates the server accepts (the pre-receive hook), judged from signatures.

Plain git has no authenticated user, so who pushed is never asked: what is pushed must prove itself.
- `main` (the published branch) moves only by review merges that pass the gate (review/gate.py).
- `review/<person>/<name>` branches, `<person>` in main's roster: every commit the push adds is signed by
  that person or an administrator, or is a validly signed, empty review decision, or is an unsigned merge
  that only brings in main (a forge's "update branch" button). No rewriting (non-fast-forward); deleting
  only once the branch is merged into main.
- Any ref that is a symbolic ref (a `master` left pointing at main by a rename ...) is refused: a push to it
  would move what it points at without being judged as that.
- Everything else (tags, other branch names, notes ...) is refused, except the forge's own internal refs
  when the server is a forge (`portal.kind` gitea: refs/pull/; gitlab: refs/merge-requests/ ...).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from portal.config import Config

from . import enrolment, gate, records, signatures
from .gitutil import ZERO, Commit, Repo

MAIN = "main"
MAIN_REF = f"refs/heads/{MAIN}"
REVIEW_PREFIX = f"refs/heads/{records.BRANCH_PREFIX}"
ADMIN_ROLE = "admin"
FORGE_REFS = {
    "gitea": ("refs/pull/",),
    "gitlab": ("refs/merge-requests/", "refs/keep-around/", "refs/environments/", "refs/pipelines/"),
}


@dataclasses.dataclass(frozen=True)
class Update:
    old: str
    new: str
    ref: str

    @property
    def created(self) -> bool:
        return self.old == ZERO

    @property
    def deleted(self) -> bool:
        return self.new == ZERO


def parse(lines: Sequence[str]) -> list[Update]:
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3:
            out.append(Update(*parts))
    return out


def kind_of_ref(ref: str, kind: str) -> str:
    """'main', 'review', 'forge' or '' (refused)."""
    if ref == MAIN_REF:
        return "main"
    if ref.startswith(REVIEW_PREFIX):
        return "review"
    if any(ref.startswith(prefix) for prefix in FORGE_REFS.get(kind, ())):
        return "forge"
    return ""


def refused_name(ref: str) -> str:
    if ref.startswith("refs/tags/"):
        return (f"不接受标签 {ref[len('refs/tags/'):]}：发布版本由服务器按 main 的合并记录生成，"
                "仓库只接受 main（经审核合并）与 review/<人员id>/… 审核分支")
    name = ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref
    return (f"不接受 {name}：仓库只接受 main（经审核合并）与 review/<人员id>/<名称> 审核分支。"
            "稿件请用 portal submit 报送（它会推送到你自己的审核分支）")


def owner_of(ref: str) -> tuple[str, str]:
    """refs/heads/review/<person>/<name> -> (person, name); '' where missing."""
    rest = ref[len(REVIEW_PREFIX):]
    person, _, name = rest.partition("/")
    return person, name


def _is_admin(config: Config, person: str) -> bool:
    p = config.people.get(person)
    return bool(p and ADMIN_ROLE in p.roles)


def check_review(repo: Repo, config: Config, update: Update, main: str) -> list[str]:
    """Why an update of a review branch is refused (empty: accepted)."""
    person, name = owner_of(update.ref)
    branch = update.ref[len("refs/heads/"):]
    if not person or not name:
        return [f"{branch}：审核分支应为 review/<人员id>/<名称>（portal submit 会自动命名）"]
    if person not in config.people and (update.deleted or not _enrols(repo, update, main, person)):
        return [f"{branch}：{person} 不在主分支的 roster.yml 中，不能有审核分支"
                "（只能推送以本人新密钥签名、把本人登记进 roster.yml 的报送）"]
    if update.deleted:
        if repo.is_ancestor(update.old, main):
            return []
        return [f"{branch}：未合并的审核分支不能删除（其中的报送与审核记录要保留）。"
                "不再需要的分支由网站管理员在服务器上处理"]
    if not update.created and not repo.is_ancestor(update.old, update.new):
        return [f"{branch}：审核分支只能追加提交，不能改写或回退（强制推送）。"
                "要修改稿件，请在分支上再次 portal submit；要重来，请从 main 重新报送到新分支"]
    added = repo.commits(None if update.created else update.old, update.new, exclude=[main])
    if not added:
        return []
    fork = repo.merge_base(main, update.new) or main
    problems = [f"{branch}：{p.message}" for p in gate.malformed(repo.diff_modes(fork, update.new))]
    decisions = {c.sha: c for c in added if records.claims_decision(c)}
    others = [c for c in added if c.sha not in decisions]
    with signatures.Verifier(repo, config) as verifier:
        claimed = verifier.verify({sha: c.trailer(records.REVIEWER) for sha, c in decisions.items()})
        signers = verifier.identify([c.sha for c in others])
    for sha, c in decisions.items():
        sig, reviewer = claimed[sha], c.trailer(records.REVIEWER)
        if not sig.good:
            problems.append(f"{branch}：审核提交 {sha[:10]}（{c.subject}）的签名不是 {reviewer or '（未写审核人）'} "
                            f"本人在名册中的密钥（{_status(sig)}）。审核请用 portal approve / portal reject")
        elif c.changes or c.is_merge:
            problems.append(f"{branch}：审核提交 {sha[:10]}（{c.subject}）必须是空提交，不能修改内容或是合并提交")
    for c in others:
        sig = signers[c.sha]
        if sig.good and (sig.signer == person or _is_admin(config, sig.signer)):
            continue
        if sig.status == signatures.UNKNOWN_KEY and enrolment.self_enrolment(repo, c) == person:
            continue  # the person's new key, enrolling itself (its 配置变更 chain is judged at merge)
        if _catch_up_merge(repo, c, main):
            continue
        if sig.good:
            problems.append(f"{branch}：提交 {c.sha[:10]}（{c.subject}）由 {sig.signer} 签名；"
                            f"只有 {person} 本人（或网站管理员）能向 {person} 的审核分支推送内容。"
                            f"请用你自己的审核分支（portal submit）")
        else:
            problems.append(f"{branch}：提交 {c.sha[:10]}（{c.subject}）{_status(sig)}。向审核分支推送的每个提交"
                            f"都须由 {person} 本人签名：git config user.signingkey ~/.ssh/id_ed25519（本人私钥，"
                            "公钥登记在 roster.yml），git config gpg.format ssh，然后用 portal submit 报送")
    return problems


def _enrols(repo: Repo, update: Update, main: str, person: str) -> bool:
    """Whether a branch of someone not (yet) in the roster holds only that person's self-enrolment and decisions."""
    content = [c for c in repo.commits(None, update.new, exclude=[main]) if not records.claims_decision(c)]
    return bool(content) and all((enrolment.enrolled(repo, c) or ("", ""))[0] == person for c in content)


def _catch_up_merge(repo: Repo, c: Commit, main: str) -> bool:
    """A merge that changes nothing of its own and whose other parents are all on main (a forge's update button)."""
    return c.is_merge and not c.changes and all(repo.is_ancestor(p, main) for p in c.parents[1:])


def _status(sig: signatures.Signature) -> str:
    return {signatures.UNSIGNED: "没有签名", signatures.UNKNOWN_KEY: "签名密钥不在主分支的 roster.yml 中",
            signatures.WRONG_KEY: f"签名用的是 {sig.signer} 的密钥"}.get(sig.status, "签名无效")
