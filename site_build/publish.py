"""Publishing: build a commit, store what changed, and apply it to the one live site file by file.

    DIR/
      current -> site                 the web root (nginx: `root DIR/current;`), a fixed symbolic link
      site/                           the live site: every file its own inode, replaced only by rename
      store/<aa>/<sha256>             the bytes of every file of every kept release, written once, read-only
      releases/<id>/manifest.json     the release's manifest head (site_build.manifest), outside the web root
      releases/<id>/manifest/         its pieces, one per folder, shared with other releases by hard links
      releases/<id>/journal.json      what it changed over the release before it: path, old and new sha256
      releases/<id>/build/            the incremental build state after it (site_build.state)
      releases/.<id>.partial/         a release being prepared; left behind only by a publish that died
      base/, .base.build/             a private copy of the live release (hard links into store/) and its
                                      build state, which the next incremental build reads; never served
      source/, source.json            the tree of the last published commit, kept up to date from git objects
      manifests.log                   append-only, one JSON line per event (release, apply, publish, rollback, remove)
      publish.lock                    held with flock while a publish or rollback runs

What is published is a commit, never the working tree: the source tree is brought from the last
published commit to the new one with `git diff` and only the changed blobs are read from git
(the first publish, or `--full`, exports the whole commit). Uncommitted and untracked files are
named in a warning and left out.

A publish costs what its change costs: the incremental build writes only changed files into an
empty folder (site_build.delta); each is hashed and moved into the store; the manifest's pieces
of the touched folders are written; then the journal is applied to the live site, one atomic
rename per file, in an order that never links to a missing file: new and changed item pages and
attachments first, then the lists, feeds, sitemap and search files, deletions last.

Atomicity: every file a reader fetches is whole (the old bytes or the new, never a mix), and a
publish that dies before its "apply" event leaves the live site exactly the old release. One that
dies while applying leaves a site whose every file is whole and belongs to the old or the new
release; `portal verify-site` says so, and the next `portal publish` or `portal rollback` first
finishes the application (the journal and the store hold everything it needs).

Releases share no byte a reader can write: the live site's files are copies of the store's
objects, so a write into the live site in place changes no kept release, and `portal rollback`
restores every file of the release it goes back to that differs from its manifest, tampered files
included, from the store (each object checked against its sha256 first).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from portal import clock
from portal.config import suggest
from portal.errors import ERROR, PortalError

from . import manifest as mf
from . import state

RELEASES = "releases"
CURRENT = "current"
SITE = "site"
STORE = "store"
BASE = "base"
SOURCE = "source"
SOURCE_RECORD = "source.json"
TMP = "tmp"
LOG = "manifests.log"
LOCK = "publish.lock"
MANIFEST = "manifest.json"
JOURNAL = "journal.json"
BUILD = "build"
PARTIAL = ".partial"
KEEP = 5
COMMIT = re.compile(r"[0-9a-fA-F]{7,40}")
MAIN = "main"
LISTED = 20  # left-out files named in the warning
SYNC_THREADS = 16  # fsync of new objects in parallel: the file system commits them together
GC_SHARE = 0.1  # sweep the store when objects written since the last sweep exceed this share of the site

# Tests kill a publish at one of these points (PORTAL_PUBLISH_CRASH=<point>) to show what readers see.
CRASH_ENV = "PORTAL_PUBLISH_CRASH"
BEFORE_APPLY = ("mid-build", "built", "stored", "manifest", "logged", "renamed")
WHILE_APPLYING = ("mid-apply", "applied")
CRASH_POINTS = BEFORE_APPLY + WHILE_APPLYING

BuildFn = Callable[[Path, Path, Path | None], Any]  # (root, out, private copy of the live release to start from)


def _crash(point: str) -> None:
    if os.environ.get(CRASH_ENV) == point:
        _die()


def _die() -> None:
    """A real crash: no finally blocks, no cleanup. The whole process group when this process leads one
    (the tests start publish in a session of its own), so the build's worker processes die with it."""
    if os.getpgid(0) == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def _crash_when_files_appear(folder: Path) -> threading.Event:
    """For the 'mid-build' point: die as soon as the build has written its first file under `folder`."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.002):
            if any(p.is_file() for p in folder.rglob("*")):
                _die()

    if os.environ.get(CRASH_ENV) == "mid-build":
        threading.Thread(target=watch, daemon=True).start()
    return done


@dataclasses.dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def releases(self) -> Path:
        return self.root / RELEASES

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    @property
    def log(self) -> Path:
        return self.root / LOG

    @property
    def live_site(self) -> Path:
        return self.root / SITE

    @property
    def store(self) -> Path:
        return self.root / STORE

    @property
    def base(self) -> Path:
        return self.root / BASE

    def site(self, release: str | None = None) -> Path:
        """The served tree. Releases have no tree of their own: only the live one is on disk as files
        (a publish directory from before the store, whose releases were whole trees, keeps them)."""
        if release is not None and (self.releases / release / SITE).is_dir():
            return self.releases / release / SITE
        return self.live_site

    def manifest(self, release: str) -> Path:
        return self.releases / release / MANIFEST

    def journal(self, release: str) -> Path:
        return self.releases / release / JOURNAL

    def object(self, sha: str) -> Path:
        return self.store / sha[:2] / sha

    def check_link(self) -> None:
        if self.current.is_symlink() or not self.current.exists():
            return
        raise PortalError(f"{self.current} 不是符号链接。发布目录中的 current 必须是由 portal publish 管理的链接，"
                          "请把现有网站移到别处后重新发布")

    def link_problem(self) -> str | None:
        """Why `current` is not the link publishing made (None when it is)."""
        if not self.current.is_symlink():
            return None if not self.current.exists() else f"{self.current} 不是符号链接"
        target = os.readlink(self.current)
        if target != SITE:
            return (f"{self.current} 指向 {target}，不是 {SITE}：链接被改动过，读者看到的不是发布的网站。"
                    f"请恢复为 ln -sfn {SITE} {self.current}")
        return None

    def live(self) -> str | None:
        """The release the live site holds (the last one applied in full), None before the first publish."""
        self.check_link()
        live = self._applied()[0]
        if live is None and self.current.is_symlink():  # a publish directory from before the store
            parts = Path(os.readlink(self.current)).parts
            if len(parts) == 3 and parts[0] == RELEASES and parts[2] == SITE:
                return parts[1]
        return live

    def pending(self) -> str | None:
        """A release whose application to the live site began and did not finish (a publish died)."""
        return self._applied()[1]

    def _applied(self) -> tuple[str | None, str | None]:
        live: str | None = None
        pending: str | None = None
        for e in self.events():
            kind = e.get("event")
            if kind == "apply":
                pending = str(e.get("release"))
            elif kind in ("publish", "rollback"):
                live, pending = str(e.get("release")), None
        return live, pending

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        out = []
        for n, line in enumerate(self.log.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise PortalError(f"{self.log}:{n}: 发布日志有一行无法解析。日志只能追加，不应手工编辑；"
                                  "请从备份恢复这一行") from None
            if isinstance(event, dict):
                out.append(event)
        return out

    def logged_sha(self, release: str) -> str | None:
        shas = [e.get("manifest_sha256") for e in self.events() if e.get("event") == "release"
                and e.get("release") == release]
        return shas[-1] if shas else None

    def ordered(self) -> list[str]:
        """Existing releases, oldest first (in the order the log recorded them)."""
        existing = {p.name for p in self.releases.iterdir() if p.is_dir() and not p.name.startswith(".")} \
            if self.releases.is_dir() else set()
        logged = [e["release"] for e in self.events() if e.get("event") == "release" and e.get("release") in existing]
        unlogged = sorted(existing - set(logged))
        return unlogged + list(dict.fromkeys(logged))

    def previous(self, release: str) -> str | None:
        """The release published before `release`, if it is still kept."""
        ordered = self.ordered()
        index = ordered.index(release) if release in ordered else 0
        return ordered[index - 1] if index > 0 else None

    def append(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "time": _now(), **fields}, ensure_ascii=False)
        with self.log.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def head(self, release: str) -> mf.Head:
        """A kept release's manifest head, whose sha256 must be the one the log recorded."""
        head = mf.read_head(self.manifest(release))
        logged = self.logged_sha(release)
        if logged != head.sha:
            raise PortalError(f"{self.manifest(release)} 的 sha256 与 {self.log} 中的记录"
                              f"（{logged or '无记录'}）不一致：清单被改动过，不能据此发布或回滚")
        return head


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(layout: Layout, create: bool = True) -> Iterator[None]:
    """Hold publish.lock; a second publish or rollback at the same time is refused.

    flock is released by the kernel when the process dies, so a crashed publish leaves no stale lock.
    Without `create` (rollback) a publish directory that does not exist is an error, not created.
    """
    if not create and not layout.root.is_dir():
        raise PortalError(f"发布目录 {layout.root} 不存在。请给出 portal publish --to 所用的目录")
    try:
        layout.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PortalError(f"无法创建发布目录 {layout.root}（{exc.strerror}）") from None
    with (layout.root / LOCK).open("a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "未知"
            raise PortalError(f"另一个发布或回滚正在进行（进程 {holder}，锁文件 {layout.root / LOCK}）。"
                              "请等它结束后再试") from None
        f.truncate(0)
        f.write(f"{os.getpid()}\n")
        f.flush()
        yield


@dataclasses.dataclass(frozen=True)
class Source:
    tree: Path  # the directory to build
    commit: str | None  # the commit it holds; None for a plain directory outside git
    dirty: bool  # True only for a plain directory outside git (nothing says what was reviewed)
    repo: Path | None = None  # the git work tree (or folder of one) the commit is read from


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def _in_git(root: Path) -> bool:
    """Whether `root` is a git work tree, or a folder git tracks in one (not an untracked folder inside it)."""
    try:
        prefix = _git(root, "rev-parse", "--show-prefix").strip()
        if prefix:
            _git(root, "cat-file", "-e", f"HEAD:{prefix}")
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def source(root: Path, commit: str | None, exclude: Path | None, warnings: list[str],
           later: list[Callable[[], list[str]]] | None = None) -> Source:
    """What to publish: a commit of the repository at `root` (its tree comes from `mirror`).

    `commit` is a commit or branch (default main; HEAD when detached or without main). Outside git,
    `root` is taken as it is: with `commit`, as the export of that commit (the server's hook);
    without, as unreviewed files.
    """
    if _bare(root):  # the server's repository (its post-receive hook): commits only, no work tree
        sha, _ = _resolve(root, commit or MAIN)
        return Source(root, sha, False, repo=root)
    if not _in_git(root):
        if commit is not None:
            if not COMMIT.fullmatch(commit):
                raise PortalError(f"--commit 应为 Git 提交号（7 到 40 位十六进制），实际是“{commit}”"
                                  f"（{root} 不是 Git 仓库，只能给出它所导出的提交号）")
            return Source(root, commit.lower(), False)
        warnings.append(f"{root} 不是 Git 仓库：发布的是目录中现有的文件，无法确认它们经过审核。"
                        "请在 Git 仓库中发布，或用 --commit 注明导出的提交")
        return Source(root, None, True)
    sha, ref = _resolve(root, commit)
    finish = _left_out(root, sha, ref, exclude)
    if later is None:
        warnings.extend(finish())
    else:  # the caller collects the warnings later: `git status` walks the whole work tree meanwhile
        later.append(finish)
    return Source(root, sha, False, repo=root)


def _bare(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-bare-repository").strip() == "true"
    except (OSError, subprocess.CalledProcessError):
        return False


def mirror(layout: Layout, src: Source, full: bool) -> Source:
    """The tree of `src.commit` in DIR/source: the last published tree brought forward by `git diff`.

    Only the blobs that differ are read from git. The first time, with `full`, or when the record of
    what the folder holds is missing (a publish died while changing it), the whole commit is exported.
    """
    if src.repo is None or src.commit is None:
        return src
    tree = layout.root / SOURCE
    record_path = layout.root / SOURCE_RECORD
    prefix = "" if _bare(src.repo) else _git(src.repo, "rev-parse", "--show-prefix").strip()
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        had = str(record["commit"]) if record.get("prefix") == prefix else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        had = None
    if had is not None and not full and tree.is_dir() and _known(src.repo, had):
        mf.write_durably(record_path, json.dumps({"commit": None, "prefix": prefix}).encode())
        if had != src.commit:
            _apply_diff(src.repo, had, src.commit, tree)
    else:
        fresh = layout.root / f".{SOURCE}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        _export(src.repo, src.commit, fresh)
        mf.write_durably(record_path, json.dumps({"commit": None, "prefix": prefix}).encode())
        old = layout.root / f".{SOURCE}.old"
        shutil.rmtree(old, ignore_errors=True)
        if tree.exists():
            os.rename(tree, old)
        os.rename(fresh, tree)
        shutil.rmtree(old, ignore_errors=True)
    mf.write_durably(record_path, json.dumps({"commit": src.commit, "prefix": prefix}).encode())
    return Source(tree, src.commit, False, repo=src.repo)


def _known(repo: Path, commit: str) -> bool:
    return subprocess.run(["git", "-C", str(repo), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True).returncode == 0


def _apply_diff(repo: Path, old: str, new: str, tree: Path) -> None:
    """Change `tree` from commit `old` to `new`: write the changed blobs, delete the deleted paths."""
    scope = [] if _bare(repo) else ["--relative", old, new, "--", "."]
    raw = subprocess.run(["git", "-C", str(repo), "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev",
                          *(scope or [old, new])], capture_output=True, check=True).stdout
    fields = raw.split(b"\0")
    writes: list[tuple[str, str, str]] = []  # (path, blob, mode)
    deletes: list[str] = []
    for meta, name in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(b":"):
            continue
        _, mode, _, blob, status = meta.decode().split(" ")
        path = name.decode("utf-8", "surrogateescape")
        if status == "D" or mode == "000000":
            deletes.append(path)
        elif mode != "160000":  # a submodule is not part of the portal
            writes.append((path, blob, mode))
    blobs = _cat_blobs(repo, [b for _, b, _ in writes])
    for path in deletes:
        target = tree / path
        if target.is_symlink() or target.is_file():
            target.unlink()
            _prune_dirs(target.parent, tree)
    for path, blob, mode in writes:
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.portal-tmp")
        tmp.unlink(missing_ok=True)
        if mode == "120000":
            link = blobs[blob].decode("utf-8", "surrogateescape")
            inside = os.path.normpath(os.path.join(os.path.dirname(tree / path), link))
            if os.path.isabs(link) or not inside.startswith(f"{tree}/"):
                raise PortalError(f"无法导出提交 {new[:7]}（{path} 是指向仓库之外的符号链接）。"
                                  "提交中若有指向仓库之外的符号链接，请删除后重新提交")
            os.symlink(link, tmp)
        else:
            tmp.write_bytes(blobs[blob])
            if mode == "100755":
                tmp.chmod(0o755)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(tmp, target)


def _cat_blobs(repo: Path, shas: list[str]) -> dict[str, bytes]:
    """The contents of these blobs, read from git in one process."""
    if not shas:
        return {}
    unique = list(dict.fromkeys(shas))
    proc = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input="\n".join(unique).encode() + b"\n",
                          capture_output=True, check=True)
    out, at = {}, 0
    data = proc.stdout
    for sha in unique:
        end = data.index(b"\n", at)
        header = data[at:end].split(b" ")
        size = int(header[2])
        out[sha] = data[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return out


def _prune_dirs(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _resolve(root: Path, commit: str | None) -> tuple[str, str]:
    """(full commit id, the name the user knows it by)."""
    if commit is None:
        # main; but a detached HEAD (a CI job checks out the pushed commit) is the commit to publish,
        # and a local main left over from an earlier job may be stale
        def ok(*args: str) -> bool:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True).returncode == 0

        attached = ok("symbolic-ref", "-q", "HEAD")
        commit = MAIN if attached and ok("rev-parse", "--verify", "-q", f"refs/heads/{MAIN}") else "HEAD"
    try:
        return _git(root, "rev-parse", "--verify", "-q", f"{commit}^{{commit}}").strip(), commit
    except subprocess.CalledProcessError:
        if commit == "HEAD":
            raise PortalError(f"仓库 {root} 还没有任何提交，无法发布。请先提交稿件（git add、git commit）") from None
        raise PortalError(f"--commit“{commit}”不是本仓库中的提交或分支。请给出提交号或分支名，如 main") from None


def _left_out(root: Path, sha: str, ref: str, exclude: Path | None) -> Callable[[], list[str]]:
    """Warnings naming what the working tree has and the published commit does not: `git status` (it reads
    every file of the work tree) starts now and the returned function waits for it."""
    out = []
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD").strip()
    if head != sha:
        out.append(f"发布的是 {ref}（提交 {sha[:7]}），不是当前检出的提交 {head[:7]}；工作区中的内容不会发布")
    spec = ["."]
    if exclude is not None and exclude.resolve().is_relative_to(root.resolve()):
        spec.append(f":(exclude){exclude.resolve().relative_to(root.resolve()).as_posix()}")
    running = subprocess.Popen(["git", "--no-optional-locks", "-C", str(root), "status", "--porcelain=v1", "-z",
                                "--untracked-files=all", "--", *spec], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish() -> list[str]:
        stdout, stderr = running.communicate()
        if running.returncode != 0:
            raise subprocess.CalledProcessError(running.returncode, running.args, stdout, stderr)
        entries = [e for e in stdout.decode("utf-8", "surrogateescape").split("\0") if len(e) > 3]
        untracked = [e[3:] for e in entries if e.startswith("??")]
        changed = [e[3:] for e in entries if not e.startswith("??") and e[3:] not in untracked]
        if head == sha and (untracked or changed):
            names = [f"{p}（未提交的改动）" for p in changed] + [f"{p}（未纳入 Git 的文件）" for p in untracked]
            more = f"，另有 {len(names) - LISTED} 个" if len(names) > LISTED else ""
            out.append(f"工作区有 {len(names)} 个文件与提交 {sha[:7]} 不同，它们未经提交和审核，不会发布："
                       f"{'、'.join(names[:LISTED])}{more}。发布的是已提交的内容；要发布这些改动，请先提交并经审核合并")
        return out

    return finish


def _export(root: Path, sha: str, into: Path) -> None:
    """`git archive` of the commit; run in a subfolder of the repository, git exports just that folder."""
    with subprocess.Popen(["git", "-C", str(root), "archive", "--format=tar", sha],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        refused = ""
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                archive.extractall(into, filter="data")  # no absolute paths, no links out of the tree
        except tarfile.TarError as exc:
            proc.kill()
            refused = str(exc)
        error = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0 or refused:
        raise PortalError(f"无法导出提交 {sha[:7]}（git archive：{(error.strip() or refused)}）。"
                          "提交中若有指向仓库之外的符号链接，请删除后重新提交")


def new_release_id(layout: Layout, commit: str | None, dirty: bool = False) -> str:
    base = f"{clock.now():%Y%m%d-%H%M%S}-{commit[:7] if commit and not dirty else 'worktree'}"
    taken = {e.get("release") for e in layout.events()} | (
        {p.name for p in layout.releases.iterdir()} if layout.releases.is_dir() else set())
    release, n = base, 1
    while release in taken or f".{release}{PARTIAL}" in taken:
        n += 1
        release = f"{base}-{n}"
    return release


def _clean_leftovers(layout: Layout) -> None:
    """Remove what publishes that died left behind (only ever unpublished, never live)."""
    for tmp in layout.root.glob(f".{CURRENT}.*.tmp"):
        tmp.unlink(missing_ok=True)
    shutil.rmtree(layout.root / TMP, ignore_errors=True)
    if layout.releases.is_dir():
        for partial in layout.releases.glob(".*"):
            shutil.rmtree(partial, ignore_errors=True)


def _ensure_link(layout: Layout) -> None:
    """`current` -> site, made once (atomically: a new link renamed into place)."""
    if layout.current.is_symlink() and os.readlink(layout.current) == SITE:
        return
    tmp = layout.root / f".{CURRENT}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(SITE, tmp)
    os.replace(tmp, layout.current)
    _fsync_dir(layout.root)


def _default_build(root: Path, out: Path, previous: Path | None, changed: list[str] | None = None) -> Any:
    from .build import build_site  # the site build is heavy; load it only to publish

    return build_site(root, out, incremental_from=previous, delta=True, changed=changed)


@dataclasses.dataclass
class Published:
    release: str
    previous: str | None
    site: Path
    manifest: Path
    manifest_sha256: str
    files: int
    items: int
    removed: list[str]  # releases pruned
    warnings: list[str]
    changed: list[str] = dataclasses.field(default_factory=list)  # site files written or deleted


@dataclasses.dataclass
class Op:
    """One step of a journal: the file at `path` goes from `old` to `new` (None: absent)."""

    path: str
    old: mf.Entry | None
    new: mf.Entry | None

    def as_list(self) -> list[Any]:
        return [self.path, *(_entry_list(self.old)), *(_entry_list(self.new))]

    @classmethod
    def from_list(cls, row: list[Any]) -> Op:
        return cls(str(row[0]), _entry(row[1], row[2]), _entry(row[3], row[4]))


def _entry_list(e: mf.Entry | None) -> list[Any]:
    return [None, None] if e is None else [e.size, e.sha256]


def _entry(size: Any, sha: Any) -> mf.Entry | None:
    return None if sha is None else mf.Entry(int(size), str(sha))


def publish(root: Path, to: Path, keep: int = KEEP, build: BuildFn = _default_build,
            commit: str | None = None, full: bool = False) -> Published:
    """Build a commit of the portal at `root` and make it the live site of `to`, one file at a time.

    The build starts from the live release (incremental) unless `full`. `commit` is the commit or
    branch to publish (default main); when `root` is not a git work tree (the server's hook
    publishes a `git archive` export), it names the commit `root` was exported from.
    """
    if keep < 1:
        raise PortalError(f"--keep 应至少为 1（保留的版本数，含在用版本），实际是 {keep}")
    layout = Layout(to.absolute())
    created = [p for p in (layout.root / LOCK, layout.root, *layout.root.parents) if not p.exists()]
    warnings: list[str] = []
    later: list[Callable[[], list[str]]] = []
    src = source(root, commit, layout.root, warnings, later)
    try:
        published = _publish(root, layout, created, warnings, src, keep, build, full)
    except BaseException:
        for finish in later:  # reap `git status`; the publish's own error is the one to report
            with contextlib.suppress(Exception):
                finish()
        raise
    for finish in later:
        warnings.extend(finish())
    return published


def _publish(root: Path, layout: Layout, created: list[Path], warnings: list[str], src: Source, keep: int,
             build: BuildFn, full: bool) -> Published:
    with locked(layout):
        layout.check_link()
        finish_pending(layout)
        old = layout.live()
        try:
            _clean_leftovers(layout)
            src = mirror(layout, src, full or old is None)
            release = new_release_id(layout, src.commit, src.dirty)
            base = None if full or old is None else _base(layout, old, warnings)
            staging = layout.releases / f".{release}{PARTIAL}"
            staging.mkdir(parents=True)
            try:
                prepared = _prepare(layout, src, staging, release, old, build, base)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        except BaseException:
            if old is None:
                _undo_first(layout, created)
            raise
        manifest, sha, ops, whole = prepared
        # log first, then rename: a directory under releases/ without a dot always has its sha256 in the log
        layout.append("release", release=release, manifest_sha256=sha, commit=src.commit, dirty=src.dirty,
                      items=manifest.items, files=manifest.files_count, previous=old)
        _crash("logged")
        os.rename(staging, layout.releases / release)
        _fsync_dir(layout.releases)
        _crash("renamed")
        _apply(layout, release, ops, whole)
        layout.append("publish", release=release, previous=old)
        removed = prune(layout, keep)
    return Published(release, old, layout.live_site, layout.manifest(release), sha, manifest.files_count,
                     manifest.items, removed, warnings, [op.path for op in ops])


def _undo_first(layout: Layout, created: list[Path]) -> None:
    """A first publish that failed leaves nothing behind: no empty folders, no lock, no new folders."""
    for name in (SOURCE, f".{SOURCE}.new", STORE, TMP, BASE, f".{BASE}.build", f".{BASE}.build.new"):
        shutil.rmtree(layout.root / name, ignore_errors=True)
    for name in (SOURCE_RECORD,):
        (layout.root / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        layout.releases.rmdir()
    for made in created:  # the lock file, then folders deepest first; only what this publish made, if empty
        with contextlib.suppress(OSError):
            made.unlink() if made.name == LOCK else made.rmdir()


def _base(layout: Layout, live: str, warnings: list[str]) -> mf.Head | None:
    """The live release to build on, if its manifest is the one the log recorded."""
    try:
        return layout.head(live)
    except PortalError as exc:
        warnings.append(f"{exc}；已改为完整构建")
        return None


@dataclasses.dataclass
class _Prepared:
    items: int
    files_count: int


def _prepare(layout: Layout, src: Source, staging: Path, release: str, old: str | None, build: BuildFn,
             base: mf.Head | None) -> tuple[_Prepared, str, list[Op], dict[str, mf.Entry] | None]:
    """Build, store the changed files, and write the release's manifest, journal and build state."""
    out = staging / "out"
    previous = layout.base if base is not None and layout.base.is_dir() else None
    done = _crash_when_files_appear(staging)
    changed = _changed(src, base) if previous is not None and build is _default_build else None
    try:
        result = _default_build(src.tree, out, previous, changed) if changed is not None else \
            build(src.tree, out, previous)
    finally:
        done.set()
    errors = [f for f in getattr(result, "findings", []) if f.severity == ERROR]
    if errors:
        listing = "\n".join(f.format() for f in errors)
        raise PortalError(f"构建未通过检查，共 {len(errors)} 个错误，未发布；在用网站保持不变。\n{listing}")
    _crash("mid-build")  # the build outran the watcher: die here, where nothing is published
    _crash("built")
    incremental = bool(getattr(result, "incremental", False)) and base is not None and previous is not None
    if incremental:
        assert base is not None
        written = sorted(set(getattr(result, "written", ())))
        removed = set(getattr(result, "removed", ()))
        lookup: Callable[[str], mf.Entry | None] = base.entry
    else:  # a full build: compared with the files really on the live site, so tampered files are rewritten
        written = _all_files(out)
        before = mf.scan(layout.live_site) if old is not None and layout.live_site.is_dir() else {}
        removed = set(before) - set(written)
        lookup = before.get
    new_objects: list[Path] = []
    ops: list[Op] = []
    entries: dict[str, mf.Entry] = {}
    for rel in written:
        path = out / rel
        entry = mf.hash_file(path)
        entries[rel] = entry
        was = lookup(rel)
        if was == entry:
            continue
        ops.append(Op(rel, was, entry))
        new_objects += _store(layout, path, entry.sha256)
    for rel in sorted(removed):
        was = lookup(rel)
        if was is not None:
            ops.append(Op(rel, was, None))
    _sync(new_objects)
    _crash("stored")
    items = int(getattr(result, "items", 0))
    manifest = mf.Manifest(release, src.commit, src.dirty, _now(), items, {}, old)
    if incremental:
        manifest.files = {op.path: op.new for op in ops if op.new is not None}
        sha = mf.write(staging / MANIFEST, manifest, base, {op.path for op in ops})
    else:
        manifest.files = entries
        sha = mf.write(staging / MANIFEST, manifest)
    count = int(mf.read_head(staging / MANIFEST).raw["files"])
    rows = [op.as_list() for op in _ordered(ops)]
    journal = {"release": release, "previous": old, "incremental": incremental, "ops": rows}
    mf.write_durably(staging / JOURNAL, json.dumps(journal, ensure_ascii=False).encode("utf-8"))
    folder = state.folder_for(out)
    if folder.is_dir():
        os.rename(folder, staging / BUILD)
    shutil.rmtree(out, ignore_errors=True)
    _fsync_dir(staging)
    _crash("manifest")
    return _Prepared(items, count), sha, _ordered(ops), None if incremental else entries


def _changed(src: Source, base: mf.Head | None) -> list[str] | None:
    """The portal's paths that differ between the live release's commit and the one published (from git)."""
    was = None if base is None else base.raw.get("commit")
    if src.repo is None or src.commit is None or not isinstance(was, str) or not _known(src.repo, was):
        return None
    scope = [was, src.commit] if _bare(src.repo) else ["--relative", was, src.commit, "--", "."]
    raw = subprocess.run(["git", "-C", str(src.repo), "diff-tree", "-r", "-z", "--no-renames", "--name-only",
                          *scope], capture_output=True, check=True).stdout
    return [p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p]


def _all_files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() or p.is_symlink())


def _store(layout: Layout, path: Path, sha: str) -> list[Path]:
    """Move a built file into the store under its sha256 (read-only); [the new object] or [] if it was there."""
    target = layout.object(sha)
    if target.exists():
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    path.chmod(0o444)
    os.rename(path, target)
    return [target]


def _sync(paths: list[Path]) -> None:
    """fsync these files, many at once (the file system commits concurrent fsyncs together), and their folders."""
    def one(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if not paths:
        return
    with concurrent.futures.ThreadPoolExecutor(SYNC_THREADS) as pool:
        list(pool.map(one, paths))
        list(pool.map(_fsync_dir, sorted({p.parent for p in paths})))


LATE = ("index.html", "rss.xml", "sitemap.xml", "sitemap.html", "404.html")


def _rank(op: Op) -> tuple[int, str]:
    """The order a journal is applied in: targets before the pages that link them, deletions last.

    0 item pages, attachments, styles; 1 search postings and document lists; 2 the search index's
    head; 3 column indexes, home page, feeds, sitemaps; 4 deletions.
    """
    if op.new is None:
        return 4, op.path
    name = op.path.rpartition("/")[2]
    if op.path.startswith("search/") and name != "index.html":
        return (2 if op.path == "search/index.json" else 1), op.path
    if name in LATE or (name.startswith("index_") and name.endswith(".html")):
        return 3, op.path
    return 0, op.path


def _ordered(ops: list[Op]) -> list[Op]:
    return sorted(ops, key=_rank)


def _apply(layout: Layout, release: str, ops: list[Op], whole: dict[str, mf.Entry] | None = None) -> None:
    """Make the live site (and the private base) hold `release`: one atomic rename per changed file.

    `whole` (a full build: every file of the release) makes the base match it file by file."""
    layout.append("apply", release=release, files=len(ops))
    tmp = layout.root / TMP
    tmp.mkdir(exist_ok=True)
    site, base = layout.live_site, layout.base
    site.mkdir(exist_ok=True)
    base.mkdir(exist_ok=True)
    _ensure_link(layout)
    staged = {}
    for n, op in enumerate(ops):  # copies first, made durable together; then one rename each
        if op.new is not None:
            staged[n] = tmp / f"s{n}"
            shutil.copyfile(layout.object(op.new.sha256), staged[n])
            staged[n].chmod(0o644)
    _sync(list(staged.values()))
    for n, op in enumerate(ops):
        if n == len(ops) // 2:
            _crash("mid-apply")
        if op.new is not None:
            obj = layout.object(op.new.sha256)
            _replace(staged[n], site / op.path)
            if whole is None:
                _link_in(obj, base / op.path, tmp / f"b{n}")
        else:
            _remove(site, op.path)
            if whole is None:
                _remove(base, op.path)
    if whole is not None:
        sync_base(layout, whole)
    _crash("applied")
    build = layout.releases / release / BUILD
    if build.is_dir():
        state.copy(build, state.folder_for(base))
        state.rewitness(base)
    else:
        shutil.rmtree(state.folder_for(base), ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)


def _copy_in(obj: Path, dest: Path, tmp: Path) -> None:
    """A copy of a store object (its own inode) renamed over `dest`."""
    shutil.copyfile(obj, tmp)
    tmp.chmod(0o644)
    _replace(tmp, dest)


def _link_in(obj: Path, dest: Path, tmp: Path) -> None:
    """The private base: a hard link to the store object (no rename needed: nobody reads the base meanwhile)."""
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    try:
        os.link(obj, dest)
    except FileNotFoundError:
        _make_dirs(dest.parent)
        os.link(obj, dest)
    except OSError:
        if dest.is_dir():
            shutil.rmtree(dest)
        _make_dirs(dest.parent)
        try:
            os.link(obj, dest)
        except OSError:
            shutil.copyfile(obj, tmp)
            _replace(tmp, dest)


def _replace(tmp: Path, dest: Path) -> None:
    try:
        os.replace(tmp, dest)
    except (FileNotFoundError, NotADirectoryError):
        _make_dirs(dest.parent)
        os.replace(tmp, dest)
    except IsADirectoryError:
        shutil.rmtree(dest)
        os.replace(tmp, dest)


def _make_dirs(folder: Path) -> None:
    for parent in [*reversed(folder.parents), folder]:
        if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
            parent.unlink()  # something planted where a folder belongs
    folder.mkdir(parents=True, exist_ok=True)


def _remove(tree: Path, rel: str) -> None:
    path = tree / rel
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    else:
        return
    _prune_dirs(path.parent, tree)


def finish_pending(layout: Layout) -> str | None:
    """Complete the application of a release a dead publish began (its journal says what is left)."""
    pending = layout.pending()
    if pending is None:
        return None
    ops, incremental = read_journal(layout, pending)
    live_before = layout._applied()[0]  # noqa: SLF001
    _apply(layout, pending, ops, None if incremental else layout.head(pending).manifest().files)
    layout.append("publish", release=pending, previous=live_before, finished=True)
    return pending


def read_journal(layout: Layout, release: str) -> tuple[list[Op], bool]:
    """(the steps of a release's journal, whether it was an incremental build)."""
    path = layout.journal(release)
    try:
        raw = json.loads(path.read_bytes())
        return [Op.from_list(row) for row in raw["ops"]], bool(raw["incremental"])
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PortalError(f"{path}: 无法读取发布日志（{exc}）。请用 portal publish --full 重新发布") from None


def prune(layout: Layout, keep: int) -> list[str]:
    """Remove all but the `keep` newest releases (never the live one), and now and then unused objects."""
    live = layout.live()
    old = [r for r in layout.ordered()[:-keep] if r != live]
    for release in old:
        doomed = layout.releases / f".{release}.removing"
        os.rename(layout.releases / release, doomed)  # gone from the list at once, even if rmtree dies
        shutil.rmtree(doomed)
        layout.append("remove", release=release)
    _collect(layout)
    return old


def _collect(layout: Layout) -> None:
    """Delete store objects no kept release names, once enough were written since the last sweep.

    The sweep reads every kept manifest (pieces shared between releases are read once), so it runs
    only when the objects written since the last one exceed GC_SHARE of the live site's files: its
    cost is spread over the publishes that made it necessary.
    """
    counter = layout.root / "store.json"
    try:
        seen = json.loads(counter.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {"events": 0}
    events = layout.events()
    since = sum(int(e.get("files", 0)) for e in events[int(seen.get("events", 0)):] if e.get("event") == "apply")
    live = layout.live()
    total = int(mf.read_head(layout.manifest(live)).raw.get("files", 0)) if live else 0
    if since <= max(100, GC_SHARE * total):
        return
    keep: set[str] = set()
    pieces: set[str] = set()
    for release in layout.ordered():
        head = mf.read_head(layout.manifest(release))
        for name, sha in head.pieces.items():
            if sha not in pieces:  # a piece shared by several releases is read once
                pieces.add(sha)
                keep.update(e.sha256 for e in head.piece(name).values())
    for shard in layout.store.iterdir() if layout.store.is_dir() else []:
        if not shard.is_dir():
            continue
        for obj in shard.iterdir():
            if obj.name not in keep:
                obj.unlink()
    mf.write_durably(counter, json.dumps({"events": len(events)}).encode())


def check_release(layout: Layout, release: str) -> mf.Diff:
    """Compare the store's objects of a kept release with its manifest (whose sha256 must match the log)."""
    manifest = layout.head(release).manifest()
    return mf.compare(manifest.files, stored(layout, manifest.files))


def stored(layout: Layout, files: dict[str, mf.Entry]) -> dict[str, mf.Entry]:
    """What the store holds for these files: each object hashed again (missing objects left out)."""
    out: dict[str, mf.Entry] = {}
    cache: dict[str, mf.Entry | None] = {}
    for rel, entry in files.items():
        if entry.sha256 not in cache:
            obj = layout.object(entry.sha256)
            cache[entry.sha256] = mf.hash_file(obj) if obj.is_file() else None
        got = cache[entry.sha256]
        if got is not None:
            out[rel] = got
    return out


def rollback(to: Path, release: str | None = None) -> tuple[str, str]:
    """Make `release` (default: the one before the live one) live again; return (old, new).

    Every file of the live site is compared with the release's manifest and each one that differs
    (changed by later releases, or tampered with) is restored from the store; files the release
    does not have are deleted.
    """
    layout = Layout(to.absolute())
    with locked(layout, create=False):
        layout.check_link()
        finish_pending(layout)
        live = layout.live()
        ordered = layout.ordered()
        if live is None:
            raise PortalError(f"{layout.root} 还没有发布过任何版本，无法回滚")
        if release is None:
            release = layout.previous(live)
            if release is None:
                raise PortalError(f"在用版本 {live} 之前没有保留的版本可回滚。现有版本：{'、'.join(ordered) or '无'}")
        elif release not in ordered:
            raise PortalError(f"版本“{release}”不存在。{suggest(release, ordered)}现有版本：{'、'.join(ordered) or '无'}")
        elif release == live:
            raise PortalError(f"版本 {release} 已经是在用版本")
        target = layout.head(release).manifest().files
        actual = mf.scan(layout.live_site) if layout.live_site.is_dir() else {}
        ops = [Op(p, actual.get(p), e) for p, e in target.items() if actual.get(p) != e]
        ops += [Op(p, e, None) for p, e in actual.items() if p not in target]
        needed = {op.path: op.new for op in ops if op.new is not None}
        have = stored(layout, needed)
        diff = mf.compare(needed, have)
        if not diff.clean:
            raise PortalError(f"版本 {release} 的文件与其清单不一致（修改 {len(diff.changed)}、新增 0、"
                              f"缺失 {len(diff.missing)}：发布目录的 {STORE}/ 中的文件被改动或删除），不能回滚到它。"
                              f"详情：portal verify-site {layout.releases / release}")
        ops = _ordered(ops)
        layout.append("apply", release=release, files=len(ops), rollback=True)
        _apply_ops(layout, ops, layout.live_site, copy=True)
        sync_base(layout, target)
        build = layout.releases / release / BUILD
        if build.is_dir():
            state.copy(build, state.folder_for(layout.base))
            state.rewitness(layout.base)
        else:
            shutil.rmtree(state.folder_for(layout.base), ignore_errors=True)
        layout.append("rollback", release=release, previous=live)
    return live, release


def sync_base(layout: Layout, target: dict[str, mf.Entry]) -> None:
    """Make the private base hold exactly `target`: each file a hard link to its store object."""
    tree = layout.base
    have: set[str] = set()
    if tree.is_dir():
        for folder, _, names in os.walk(tree):
            have.update((Path(folder) / n).relative_to(tree).as_posix() for n in names)
    ops = []
    for rel, entry in target.items():
        try:
            same = rel in have and os.lstat(tree / rel).st_ino == os.stat(layout.object(entry.sha256)).st_ino
        except OSError:
            same = False
        if not same:
            ops.append(Op(rel, None, entry))
    ops += [Op(rel, None, None) for rel in sorted(have - set(target))]
    _apply_ops(layout, _ordered(ops), tree, copy=False)


def _apply_ops(layout: Layout, ops: list[Op], tree: Path, copy: bool) -> None:
    tmp = layout.root / TMP
    tmp.mkdir(exist_ok=True)
    tree.mkdir(exist_ok=True)
    for n, op in enumerate(ops):
        if op.new is None:
            _remove(tree, op.path)
            continue
        obj = layout.object(op.new.sha256)
        if copy:
            _copy_in(obj, tree / op.path, tmp / f"r{n}")
        else:
            _link_in(obj, tree / op.path, tmp / f"r{n}")
    shutil.rmtree(tmp, ignore_errors=True)
