"""The workbench as a client of the server repository: a read-only mirror, and one clone per person.

The mirror (a `git clone --mirror`) answers every read: queues, evaluations, items as they stand on a
branch or on main. It is fetched under a lock; the review functions are then called with a remote name
that does not exist (NO_REMOTE), so they read its local refs and fetch nothing themselves.
Writes (submissions, decisions, merges) happen in the person's own clone and are pushed to the server,
whose pre-receive hook runs the gate, exactly as with the CLI.
"""
from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from portal.config import Config
from portal.config import load as load_config
from review import hooks
from review.gitutil import Repo

T = TypeVar("T")
NO_REMOTE = "workbench-mirror-has-no-remote"
MAIN = "refs/heads/main"
REFRESH_SECONDS = 2.0
_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


@contextlib.contextmanager
def locked(data: Path, name: str) -> Iterator[None]:
    """One holder at a time, across the threads of this process and across processes."""
    with _guard:
        lock = _thread_locks.setdefault(name, threading.Lock())
    folder = data / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with lock, (folder / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def git(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        from review.gitutil import GitError

        raise GitError(f"git {' '.join(args[:2])} 失败：{proc.stderr.strip()}")
    return proc.stdout


class Server:
    def __init__(self, url: str, data: Path) -> None:
        self.url = url
        self.data = data
        self.mirror_path = data / "mirror.git"
        self._fetched = 0.0
        self._configs: dict[str, Config] = {}
        self._state = ""  # every branch and its commit, as of the last fetch
        self._memo: dict[tuple[object, ...], object] = {}

    # ------------------------------------------------------------ reading

    @property
    def mirror(self) -> Repo:
        return Repo(self.mirror_path)

    def refresh(self, force: bool = False) -> None:
        with locked(self.data, "mirror"):
            if not (self.mirror_path / "HEAD").exists():
                self.data.mkdir(parents=True, exist_ok=True)
                subprocess.run(["git", "clone", "-q", "--mirror", self.url, str(self.mirror_path)], check=True,
                               capture_output=True)
            elif force or time.monotonic() - self._fetched > REFRESH_SECONDS:
                git(self.mirror_path, "fetch", "-q", "--prune", "origin")
            else:
                return
            self._fetched = time.monotonic()
            self._state = git(self.mirror_path, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/")

    def memo(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """compute() once per state of the server's branches: what git says cannot change until a branch moves."""
        full = (self._state, *key)
        if full not in self._memo:
            if len(self._memo) > 2000:
                self._memo.clear()
            self._memo[full] = compute()
        return self._memo[full]  # type: ignore[return-value]

    def main_sha(self) -> str:
        return self.mirror.must_rev(MAIN)

    def config(self) -> Config:
        """roster.yml and columns.yml as they stand on main: the only source of people, roles and chains."""
        sha = self.main_sha()
        if sha not in self._configs:
            root = self.policy_root(sha)
            self._configs = {sha: load_config(root)}
        return self._configs[sha]

    def policy_root(self, sha: str) -> Path:
        """main's top-level .yml files written out once per commit (what drafts are checked against)."""
        root = (self.data / "policy" / sha).resolve()
        if not root.exists():
            tmp = root.with_name(f".{sha}.partial")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            files = [p for p in self.mirror.tree_files(sha) if "/" not in p and p.endswith((".yml", ".yaml"))]
            self.mirror.archive_into(sha, files, tmp)
            try:
                tmp.rename(root)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)
        return root

    def blob(self, ref: str, path: str) -> str:
        """The blob id of path at ref ('' when absent)."""
        rev = self.mirror.rev(ref)
        if rev is None:
            return ""
        return self.mirror.blobs(rev, [path]).get(path, "")

    def read(self, ref: str, path: str) -> bytes | None:
        blob = self.blob(ref, path)
        return self.mirror.read_objects([blob]).get(blob) if blob else None

    def branches(self, prefix: str = "review/") -> list[str]:
        out = git(self.mirror_path, "for-each-ref", "--format=%(refname)", f"refs/heads/{prefix}")
        return [r.removeprefix("refs/heads/") for r in out.split()]

    def publish_log(self, sha: str) -> str:
        """What the server's post-receive hook wrote about publishing `sha` ('' when unknown)."""
        log = Path(self.url) / hooks.LOG
        if not log.is_file():
            return ""
        lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if sha[:10] in line]
        return lines[-1] if lines else ""

    # ------------------------------------------------------------ writing

    def clone(self, person: str, name: str) -> Path:
        """The person's own clone (made on first use). Call under locked(data, person)."""
        path = (self.data / "clones" / person).resolve()
        if not (path / ".git").exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "clone", "-q", self.url, str(path)], check=True, capture_output=True)
            for key, value in (("user.name", name), ("user.email", f"{person}@workbench.invalid"),
                               ("portal.person", person), ("gpg.format", "ssh")):
                git(path, "config", key, value)
        return path

    @contextlib.contextmanager
    def signing(self, clone: Path, key: Path) -> Iterator[None]:
        git(clone, "config", "user.signingkey", str(key))
        try:
            yield
        finally:
            git(clone, "config", "--unset", "user.signingkey", check=False)

    def checkout(self, clone: Path, branch: str) -> None:
        """Put the clone on the server's `branch`, discarding whatever an earlier operation left behind."""
        git(clone, "fetch", "-q", "--prune", "origin")
        git(clone, "checkout", "-q", "-f", "-B", branch, f"origin/{branch}")
        git(clone, "clean", "-q", "-f", "-d", "--", "content")
