"""Review records read from git history, in the format of review/FORMAT.md.

One `git log` over main and the open review branches gives every commit with its trailers;
each merge commit on main's first-parent line (Portal-Action: merge, or a forge's merge) closes one review branch,
whose own commits (submit / approve / reject) are walked back from the merge's second parent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from portal import clock
from review.records import ACTION, APPROVE, BRANCH, INFORMANT, ITEM, REJECT, REVIEWER, STAGE, SUBMIT

RS, US, GS = "\x1e", "\x1f", "\x1d"
BRANCH_IN_SUBJECT = re.compile(r"review/[^\s'\"]+")
TRAILERS = (ACTION, STAGE, REVIEWER, INFORMANT, BRANCH, ITEM)  # the order Commit's fields follow
# git parses the trailers (the last paragraph of the message, as `git interpret-trailers` does)
LOG_FORMAT = "%x1e%H%x1f%P%x1f%ct%x1f%s" + "".join(f"%x1f%(trailers:key={k},valueonly,separator=%x1d)" for k in TRAILERS) + "%x1f"


class Commit(NamedTuple):
    """A commit and its review trailers (a light tuple: a year of history is tens of thousands of them)."""
    sha: str
    parents: list[str]
    stamp: int  # committer date, seconds since the epoch
    subject: str
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
class Step:
    """A submission or a decision on a review branch, in branch order."""
    index: int
    action: str  # submit / approve / reject
    time: dt.datetime
    items: frozenset[str]  # submit: the items it changed; decision: the items it names (empty: all)
    stage: str = ""
    reviewer: str = ""

    def covers(self, path: str) -> bool:
        return not self.items or path in self.items


@dataclasses.dataclass
class Submission:
    """One review branch: its submissions, the reviewers' decisions and, once merged, the publication."""
    branch: str
    informant: str
    steps: list[Step]
    items: set[str]
    merged: dt.datetime | None = None

    @property
    def submitted(self) -> dt.datetime:
        return next(s.time for s in self.steps if s.action == SUBMIT)

    @property
    def decisions(self) -> list[Step]:
        return [s for s in self.steps if s.action != SUBMIT]

    def submitted_at(self, path: str) -> dt.datetime:
        """When the item was first submitted on this branch."""
        return next((s.time for s in self.steps if s.action == SUBMIT and path in s.items), self.submitted)

    def final_approvals(self, path: str) -> dict[str, dt.datetime]:
        """Stage -> time of the approval in force for the item: the stage's last decision naming it,
        if that approves and comes after the last submission that changed the item (older ones are stale)."""
        changed = max((s.index for s in self.steps if s.action == SUBMIT and path in s.items), default=-1)
        last: dict[str, Step] = {}
        for d in self.decisions:
            if d.covers(path):
                last[d.stage] = d
        return {stage: d.time for stage, d in last.items() if d.action == APPROVE and d.index > changed}

    def rejections(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.decisions:
            if d.action == REJECT:
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
        for sub in sorted(self.submissions, key=lambda s: (s.merged is None, s.merged or never, s.steps[0].time)):
            for path in sub.items:
                out.setdefault(path, sub)
        return out


def _git(root: Path, *args: str) -> str | None:
    """git's output, or None if it fails (not a repository, no commits yet, no git)."""
    try:
        with subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as proc:
            out = proc.stdout.read() if proc.stdout else b""  # one read: a year of history is megabytes
    except OSError:
        return None
    return out.decode("utf-8", "replace") if proc.returncode == 0 else None


def _prefix(root: Path) -> str | None:
    """The portal's folder inside its git repository ('' at the top), None outside git."""
    out = _git(root, "rev-parse", "--show-prefix")
    return None if out is None else out.strip()


def in_git(root: Path) -> bool:
    return _prefix(root) is not None


def _parse_log(text: str) -> Iterator[Commit]:
    for chunk in text.split(RS)[1:]:
        f = chunk.split(US)
        first = [v.partition(GS)[0] for v in f[4:9]]  # git gives the values trimmed
        yield Commit(f[0], f[1].split(), int(f[2]), f[3], first[0].lower(), first[1], first[2], first[3], first[4],
                     f[9], f[10])


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
    steps = []
    for i, c in enumerate(chain):
        if c.action == SUBMIT:
            steps.append(Step(i, c.action, c.time, frozenset(_paths(c.files, "\n", prefix))))
        elif c.action in (APPROVE, REJECT):
            steps.append(Step(i, c.action, c.time, frozenset(_paths(c.items, GS, prefix)), c.stage, c.reviewer))
    submits = [s for s in steps if s.action == SUBMIT]
    if not submits:
        return None
    items = set().union(*(s.items for s in steps))
    return Submission(branch, next(c.informant for c in chain if c.action == SUBMIT), steps, items)


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
        if len(commit.parents) > 1:  # `portal merge`, or a forge's merge button (no trailers)
            named = BRANCH_IN_SUBJECT.search(commit.subject)
            branch = commit.branch or (named.group(0) if named else "")
            sub = _submission(commits, commit.parents[1], branch, prefix, stop)
            if sub is not None:
                sub.merged = commit.time
                subs.append(sub)
    for head_sha, name in refs:
        sub = _submission(commits, head_sha, name, prefix, stop)
        if sub is not None:
            subs.append(sub)
    return History(subs)


def first_added(root: Path) -> dict[str, dt.datetime]:
    """Item path -> committer date of the commit that first added it anywhere in main's history
    (for an item that came through review: its submission on the review branch)."""
    return _additions(root, first_parent=False)


def first_published(root: Path) -> dict[str, dt.datetime]:
    """Item path -> when it first reached main: the committer date of the commit on main's first-parent
    line that added it (the merge of its review branch, or a direct commit). This is when it became public."""
    return _additions(root, first_parent=True)


def _additions(root: Path, first_parent: bool) -> dict[str, dt.datetime]:
    prefix = _prefix(root)
    if prefix is None:
        return {}
    # --first-parent also diffs each merge against its first parent: the files the merge brought to main
    walk = ["--first-parent", "-m"] if first_parent else []
    log = _git(root, "log", *walk, "--format=%x1e%ct", "--diff-filter=A", "--no-renames", "--name-only", _main(root),
               "--", ".")
    out: dict[str, dt.datetime] = {}
    for chunk in (log or "").split(RS)[1:]:  # newest first: the last one seen is the first addition
        stamp, _, rest = chunk.partition("\n")
        when = dt.datetime.fromtimestamp(int(stamp), clock.CST)
        for f in rest.split("\n"):
            if f.startswith(prefix) and f[len(prefix):].startswith("content/"):
                out[f[len(prefix):]] = when
    return out
