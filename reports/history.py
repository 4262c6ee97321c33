"""Review records read from git history, in the format of review/FORMAT.md.

One `git log` over main and the open review branches gives every commit with its trailers;
each merge commit on main's first-parent line (Portal-Action: merge) closes one review branch,
whose own commits (submit / approve / reject) are walked back from the merge's second parent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from portal import clock

RS, US, GS = "\x1e", "\x1f", "\x1d"
TRAILERS = ("Portal-Action", "Portal-Stage", "Portal-Reviewer", "Portal-Informant", "Portal-Branch", "Portal-Item")
# git parses the trailers (the last paragraph of the message, as `git interpret-trailers` does)
LOG_FORMAT = "%x1e%H%x1f%P%x1f%ct" + "".join(f"%x1f%(trailers:key={k},valueonly,separator=%x1d)" for k in TRAILERS) + "%x1f"


class Commit(NamedTuple):
    """A commit and its review trailers (a light tuple: a year of history is tens of thousands of them)."""
    sha: str
    parents: list[str]
    stamp: int  # committer date, seconds since the epoch
    action: str
    stage: str
    reviewer: str
    informant: str
    branch: str
    items: str  # Portal-Item values ("<path> <blob>"), separated by GS
    files: str  # paths changed, one a line (none listed for merges)

    @property
    def time(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.stamp, clock.CST)


@dataclasses.dataclass(frozen=True)
class Decision:
    action: str  # approve / reject
    stage: str
    reviewer: str
    time: dt.datetime
    items: tuple[str, ...]
    current: bool  # made after the branch's last submission (a later submission makes it stale)


@dataclasses.dataclass
class Submission:
    """One review branch: its submissions, the reviewers' decisions and, once merged, the publication."""
    branch: str
    informant: str
    submitted: dt.datetime  # the first submission
    last_submitted: dt.datetime
    items: set[str]
    decisions: list[Decision]
    merged: dt.datetime | None = None

    def final_approvals(self) -> dict[str, dt.datetime]:
        """Stage -> time of the approval in force: the stage's last decision, if it approves
        the content as last submitted."""
        last: dict[str, Decision] = {}
        for d in self.decisions:
            last[d.stage] = d
        return {s: d.time for s, d in last.items() if d.action == "approve" and d.current}

    def rejections(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.decisions:
            if d.action == "reject":
                out[d.stage] = out.get(d.stage, 0) + 1
        return out


@dataclasses.dataclass
class History:
    submissions: list[Submission]
    is_repo: bool = True

    def by_item(self) -> dict[str, Submission]:
        """For each item path, the submission that first published it (else its first submission)."""
        out: dict[str, Submission] = {}
        never = dt.datetime.max.replace(tzinfo=clock.CST)
        for sub in sorted(self.submissions, key=lambda s: (s.merged is None, s.merged or never, s.submitted)):
            for path in sub.items:
                out.setdefault(path, sub)
        return out


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def _prefix(root: Path) -> str | None:
    """The portal's folder inside its git repository ('' at the top), None outside git."""
    out = _git(root, "rev-parse", "--show-prefix")
    return None if out is None else out.strip()


def in_git(root: Path) -> bool:
    return _prefix(root) is not None


def _parse_log(text: str) -> Iterator[Commit]:
    for chunk in text.split(RS)[1:]:
        f = chunk.split(US)
        first = [v.split(GS, 1)[0].strip() for v in f[3:8]]
        yield Commit(f[0], f[1].split(), int(f[2]), first[0].lower(), first[1], first[2], first[3], first[4], f[8],
                     f[9])


def _paths(text: str, sep: str, prefix: str) -> list[str]:
    """Repository paths in `text` that are items of the portal, relative to the portal."""
    out = []
    for entry in text.split(sep):
        path = entry.strip().rsplit(" ", 1)[0] if sep == GS else entry.strip()
        if path.startswith(prefix) and path.endswith(".md") and path[len(prefix):].startswith("content/"):
            out.append(path[len(prefix):])
    return out


def _main(root: Path) -> str:
    """The published line: main (local, else remote), else whatever is checked out."""
    for ref in ("refs/heads/main", "refs/remotes/origin/main"):
        if _git(root, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}") is not None:
            return ref
    return "HEAD"


def _review_refs(root: Path) -> list[tuple[str, str]]:
    """(head sha, branch name) of review branches not merged yet, local and remote."""
    out = _git(root, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/review", "refs/remotes")
    refs = []
    for line in (out or "").splitlines():
        sha, _, ref = line.partition(" ")
        name = ref.removeprefix("refs/heads/")
        if ref.startswith("refs/remotes/"):
            name = ref.split("/", 3)[3] if ref.count("/") >= 3 else ""
        if name.startswith("review/"):
            refs.append((sha, name))
    return refs


def _submission(commits: dict[str, Commit], head: str, branch: str, prefix: str,
                stop: set[str]) -> Submission | None:
    """Walk a review branch back by first parents until main (or a branch already read); `stop` grows."""
    chain: list[Commit] = []
    sha: str | None = head
    while sha and sha in commits and sha not in stop:
        stop.add(sha)
        chain.append(commits[sha])
        sha = commits[sha].parents[0] if commits[sha].parents else None
    chain.reverse()
    submits = [i for i, c in enumerate(chain) if c.action == "submit"]
    if not submits:
        return None
    items = {f for i in submits for f in _paths(chain[i].files, "\n", prefix)}
    decisions = []
    for i, c in enumerate(chain):
        if c.action in ("approve", "reject"):
            paths = tuple(_paths(c.items, GS, prefix))
            items.update(paths)
            decisions.append(Decision(c.action, c.stage, c.reviewer, c.time, paths, i > submits[-1]))
    first, last = chain[submits[0]], chain[submits[-1]]
    return Submission(branch, first.informant, first.time, last.time, items, decisions)


def read(root: Path) -> History:
    """Every review branch, merged into main or still open. Outside git: an empty history."""
    prefix = _prefix(root)
    if prefix is None:
        return History([], is_repo=False)
    refs, main_ref = _review_refs(root), _main(root)
    log = _git(root, "log", f"--format={LOG_FORMAT}", "--name-only", "--no-renames", main_ref, *[s for s, _ in refs])
    if log is None:  # a repository without commits yet
        return History([])
    commits = {c.sha: c for c in _parse_log(log)}
    main: list[Commit] = []  # main's first-parent line: every state main has been in
    head = _git(root, "rev-parse", main_ref)
    sha = head.strip() if head else None
    while sha and sha in commits:
        main.append(commits[sha])
        sha = commits[sha].parents[0] if commits[sha].parents else None
    stop = {c.sha for c in main}
    subs: list[Submission] = []
    for commit in reversed(main):
        if commit.action == "merge" and len(commit.parents) > 1:
            sub = _submission(commits, commit.parents[1], commit.branch, prefix, stop)
            if sub is not None:
                sub.merged = commit.time
                subs.append(sub)
    for head_sha, name in refs:
        sub = _submission(commits, head_sha, name, prefix, stop)
        if sub is not None:
            subs.append(sub)
    return History(subs)


def first_added(root: Path) -> dict[str, dt.datetime]:
    """Item path -> committer date of the commit that first added it to main's history."""
    prefix = _prefix(root)
    if prefix is None:
        return {}
    log = _git(root, "log", "--format=%x1e%ct", "--diff-filter=A", "--no-renames", "--name-only", _main(root),
               "--", ".")
    out: dict[str, dt.datetime] = {}
    for chunk in (log or "").split(RS)[1:]:  # newest first: the last one seen is the first addition
        stamp, _, rest = chunk.partition("\n")
        when = dt.datetime.fromtimestamp(int(stamp), clock.CST)
        for f in rest.split("\n"):
            if f.startswith(prefix) and f[len(prefix):].startswith("content/"):
                out[f[len(prefix):]] = when
    return out
