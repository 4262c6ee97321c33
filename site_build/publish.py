"""Publishing: build into a new release directory, then switch the live site in one atomic step.

    DIR/
      current -> releases/<id>/site   the web root (nginx: `root DIR/current;`), a symbolic link
      releases/<id>/site/             the built site of one release
      releases/<id>/manifest.json     its manifest, outside the web root
      releases/.<id>.partial/         a release being built; left behind only by a publish that died
      manifests.log                   append-only, one JSON line per event (release, publish, rollback, remove)
      publish.lock                    held with flock while a publish or rollback runs

The live site only ever changes by os.replace() of the `current` link, which POSIX makes atomic:
a reader sees the old release or the new one, never a mix, and a publish that dies at any point
before that rename leaves the old release live and complete.

Releases share no file: the incremental build hard-links unchanged files from the live release, and
publishing then gives every such file an inode of its own (a reflink where the file system can,
else a copy), so a write into the live site in place can never change a kept release, and
`portal rollback` after a tamper finds the earlier releases clean.

What is published is a commit, never the working tree: in a git work tree the commit (default
`main`; HEAD when it is detached or there is no main) is exported with `git archive` into a
temporary directory and built from there; uncommitted and untracked files are named in a warning
and left out.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from portal import clock
from portal.config import suggest
from portal.errors import ERROR, PortalError

from . import manifest as mf

RELEASES = "releases"
CURRENT = "current"
LOG = "manifests.log"
LOCK = "publish.lock"
SITE = "site"
MANIFEST = "manifest.json"
PARTIAL = ".partial"
KEEP = 5
COMMIT = re.compile(r"[0-9a-fA-F]{7,40}")
MAIN = "main"
FICLONE = 0x40049409  # Linux ioctl: share the blocks copy-on-write (btrfs, xfs); a real copy elsewhere
LISTED = 20  # left-out files named in the warning

# Tests kill a publish at one of these points (PORTAL_PUBLISH_CRASH=<point>) to show the old site stays live.
CRASH_ENV = "PORTAL_PUBLISH_CRASH"
CRASH_POINTS = ("mid-build", "built", "manifest", "logged", "renamed", "linked")

BuildFn = Callable[[Path, Path, Path | None], Any]  # (root, out, live site to start from)


def _crash(point: str) -> None:
    if os.environ.get(CRASH_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)  # a real crash: no finally blocks, no cleanup


def _crash_when_files_appear(folder: Path) -> threading.Event:
    """For the 'mid-build' point: die as soon as the build has written its first file under `folder`."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.002):
            if any(p.is_file() for p in folder.rglob("*")):
                os.kill(os.getpid(), signal.SIGKILL)

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

    def site(self, release: str) -> Path:
        return self.releases / release / SITE

    def manifest(self, release: str) -> Path:
        return self.releases / release / MANIFEST

    def live(self) -> str | None:
        """The release `current` points to, None before the first publish."""
        if not self.current.is_symlink():
            if self.current.exists():
                raise PortalError(f"{self.current} 不是符号链接。发布目录中的 current 必须是由 portal publish 管理的链接，"
                                  "请把现有网站移到别处后重新发布")
            return None
        parts = Path(os.readlink(self.current)).parts
        if len(parts) != 3 or parts[0] != RELEASES or parts[2] != SITE:
            raise PortalError(f"{self.current} 指向 {os.readlink(self.current)}，不是 {RELEASES}/<版本>/{SITE}。"
                              "链接被改动过，请用 portal verify-site 核验后用 portal rollback --to 指定版本恢复")
        return parts[1]

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


@contextlib.contextmanager
def source(root: Path, commit: str | None, exclude: Path | None, warnings: list[str]) -> Iterator[Source]:
    """The tree to publish: a commit of the repository at `root`, exported into a temporary directory.

    `commit` is a commit or branch (default main; HEAD when detached or without main). Outside git,
    `root` is taken as it is: with `commit`, as the export of that commit (the server's hook);
    without, as unreviewed files.
    """
    if not _in_git(root):
        if commit is not None:
            if not COMMIT.fullmatch(commit):
                raise PortalError(f"--commit 应为 Git 提交号（7 到 40 位十六进制），实际是“{commit}”"
                                  f"（{root} 不是 Git 仓库，只能给出它所导出的提交号）")
            yield Source(root, commit.lower(), False)
            return
        warnings.append(f"{root} 不是 Git 仓库：发布的是目录中现有的文件，无法确认它们经过审核。"
                        "请在 Git 仓库中发布，或用 --commit 注明导出的提交")
        yield Source(root, None, True)
        return
    sha, ref = _resolve(root, commit)
    warnings.extend(_left_out(root, sha, ref, exclude))
    with tempfile.TemporaryDirectory(prefix="portal-publish-") as tmp:
        _export(root, sha, Path(tmp))
        yield Source(Path(tmp), sha, False)


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


def _left_out(root: Path, sha: str, ref: str, exclude: Path | None) -> list[str]:
    """Warnings naming what the working tree has and the published commit does not."""
    out = []
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD").strip()
    if head != sha:
        out.append(f"发布的是 {ref}（提交 {sha[:7]}），不是当前检出的提交 {head[:7]}；工作区中的内容不会发布")
    spec = ["."]
    if exclude is not None and exclude.resolve().is_relative_to(root.resolve()):
        spec.append(f":(exclude){exclude.resolve().relative_to(root.resolve()).as_posix()}")
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *spec)
    entries = [e for e in status.split("\0") if len(e) > 3]
    untracked = [e[3:] for e in entries if e.startswith("??")]
    changed = [e[3:] for e in entries if not e.startswith("??") and e[3:] not in untracked]
    if head == sha and (untracked or changed):
        names = [f"{p}（未提交的改动）" for p in changed] + [f"{p}（未纳入 Git 的文件）" for p in untracked]
        more = f"，另有 {len(names) - LISTED} 个" if len(names) > LISTED else ""
        out.append(f"工作区有 {len(names)} 个文件与提交 {sha[:7]} 不同，它们未经提交和审核，不会发布："
                   f"{'、'.join(names[:LISTED])}{more}。发布的是已提交的内容；要发布这些改动，请先提交并经审核合并")
    return out


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
    if layout.releases.is_dir():
        for partial in layout.releases.glob(".*"):
            shutil.rmtree(partial, ignore_errors=True)


def switch(layout: Layout, release: str) -> None:
    """Point `current` at `release` atomically: a new link renamed over the old one."""
    tmp = layout.root / f".{CURRENT}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(f"{RELEASES}/{release}/{SITE}", tmp)
    _crash("linked")
    os.replace(tmp, layout.current)
    _fsync_dir(layout.root)


def _default_build(root: Path, out: Path, previous: Path | None) -> Any:
    from .build import build_site  # the site build is heavy; load it only to publish

    return build_site(root, out, incremental_from=previous)


@dataclasses.dataclass
class Published:
    release: str
    previous: str | None
    site: Path
    manifest: Path
    manifest_sha256: str
    files: int
    items: int
    removed: list[str]
    warnings: list[str]


def publish(root: Path, to: Path, keep: int = KEEP, build: BuildFn = _default_build,
            commit: str | None = None, full: bool = False) -> Published:
    """Build a commit of the portal at `root` into a new release under `to` and make it live.

    The build starts from the live release (incremental) unless `full`. `commit` is the commit or
    branch to publish (default main); when `root` is not a git work tree (the server's hook
    publishes a `git archive` export), it names the commit `root` was exported from.
    """
    if keep < 1:
        raise PortalError(f"--keep 应至少为 1（保留的版本数，含在用版本），实际是 {keep}")
    layout = Layout(to.absolute())
    created = [p for p in (layout.root / LOCK, layout.root, *layout.root.parents) if not p.exists()]
    warnings: list[str] = []
    with source(root, commit, layout.root, warnings) as src, locked(layout):
        old = layout.live()
        try:
            _clean_leftovers(layout)
            release = new_release_id(layout, src.commit, src.dirty)
            base = None if full or old is None else _base(layout, old, warnings)
            staging = layout.releases / f".{release}{PARTIAL}"
            staging.mkdir(parents=True)
            try:
                manifest, sha = _build_release(src.tree, staging, release, (src.commit, src.dirty), build, base,
                                               warnings)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        except BaseException:
            if old is None:
                _undo_first(layout, created)
            raise
        # log first, then rename: a directory under releases/ without a dot always has its sha256 in the log
        layout.append("release", release=release, manifest_sha256=sha, commit=src.commit, dirty=src.dirty,
                      items=manifest.items, files=len(manifest.files))
        _crash("logged")
        os.rename(staging, layout.releases / release)
        _fsync_dir(layout.releases)
        _crash("renamed")
        switch(layout, release)
        layout.append("publish", release=release, previous=old)
        removed = prune(layout, keep)
    return Published(release, old, layout.site(release), layout.manifest(release), sha, len(manifest.files),
                     manifest.items, removed, warnings)


def _undo_first(layout: Layout, created: list[Path]) -> None:
    """A first publish that failed leaves nothing behind: no empty releases/, no lock, no new folders."""
    with contextlib.suppress(OSError):
        layout.releases.rmdir()
    for made in created:  # the lock file, then folders deepest first; only what this publish made, if empty
        with contextlib.suppress(OSError):
            made.unlink() if made.name == LOCK else made.rmdir()


def _base(layout: Layout, live: str, warnings: list[str]) -> tuple[Path, mf.Manifest] | None:
    """The live release to build on, if its manifest is the one the log recorded."""
    try:
        manifest, sha = mf.read(layout.manifest(live))
    except PortalError as exc:
        warnings.append(f"{exc}；已改为完整构建")
        return None
    if sha != layout.logged_sha(live):
        warnings.append(f"在用版本 {live} 的清单与 {layout.log} 的记录不一致，已改为完整构建。请用 portal verify-site 核查")
        return None
    return layout.site(live), manifest


def _build_release(root: Path, staging: Path, release: str, git: tuple[str | None, bool], build: BuildFn,
                   base: tuple[Path, mf.Manifest] | None, warnings: list[str]) -> tuple[mf.Manifest, str]:
    site = staging / SITE
    result, files = _build_and_scan(root, site, build, base[0] if base else None)
    leaked = _leaked(result, files, base[1]) if base else []
    if leaked:
        # an incremental build copies unchanged files from the live release: never copy a defacement along
        warnings.append(f"在用版本有 {len(leaked)} 个文件与其清单不一致（如 {leaked[0]}），不能在它的基础上增量构建，"
                        "已改为完整构建。网页可能被篡改过，请用 portal verify-site 核查")
        shutil.rmtree(site)
        result, files = _build_and_scan(root, site, build, None)
    unshare(site)
    manifest = mf.Manifest(release, git[0], git[1], _now(), int(getattr(result, "items", 0)), files)
    sha = mf.write(staging / MANIFEST, manifest)
    os.sync()  # the site's files reach the disk before any link can point at them
    _crash("manifest")
    return manifest, sha


def _build_and_scan(root: Path, site: Path, build: BuildFn, previous: Path | None) -> tuple[Any, dict[str, mf.Entry]]:
    done = _crash_when_files_appear(site.parent)
    try:
        result = build(root, site, previous)
    finally:
        done.set()
    errors = [f for f in getattr(result, "findings", []) if f.severity == ERROR]
    if errors:
        listing = "\n".join(f.format() for f in errors)
        raise PortalError(f"构建未通过检查，共 {len(errors)} 个错误，未发布；在用网站保持不变。\n{listing}")
    _crash("mid-build")  # the build outran the watcher: die here, where the site is still unpublished
    _crash("built")
    return result, mf.scan(site)


def unshare(site: Path) -> int:
    """Give every file of `site` that shares its inode (a hard link from the live release) one of its own.

    A reflink where the file system supports it (no data copied), else an in-kernel copy; the copy is
    renamed over the link, so the unpublished release never holds a partial file. Returns the count.
    """
    count = 0
    reflink = [True]  # until the file system says it cannot
    for folder, _, names in os.walk(site):
        for name in names:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                tmp = os.path.join(folder, f".{name}.unshare")
                _clone(path, tmp, stat.S_IMODE(info.st_mode), info.st_size, reflink)
                os.replace(tmp, path)
                count += 1
    return count


def _clone(src: str, dst: str, mode: int, size: int, reflink: list[bool]) -> None:
    fin = os.open(src, os.O_RDONLY)
    try:
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            if reflink[0]:
                try:
                    fcntl.ioctl(fout, FICLONE, fin)
                    return
                except OSError:
                    reflink[0] = False
            _copy_range(fin, fout, size)
        finally:
            os.close(fout)
    finally:
        os.close(fin)


def _copy_range(fin: int, fout: int, size: int) -> None:
    done = 0
    try:
        while done < size:
            n = os.copy_file_range(fin, fout, size - done)
            if n == 0:
                break
            done += n
    except OSError:  # not supported between these file systems: copy through user space
        os.lseek(fin, done, os.SEEK_SET)
        os.lseek(fout, done, os.SEEK_SET)
        while chunk := os.read(fin, 1 << 20):
            os.write(fout, chunk)


def _leaked(result: Any, files: dict[str, mf.Entry], before: mf.Manifest) -> list[str]:
    """Files an incremental build carried over from the live release that its manifest does not vouch for."""
    if not getattr(result, "incremental", False):
        return []
    written = set(getattr(result, "written", ()))
    return sorted(p for p, e in files.items() if p not in written and before.files.get(p) != e)


def prune(layout: Layout, keep: int) -> list[str]:
    """Remove all but the `keep` newest releases; never the live one."""
    live = layout.live()
    old = [r for r in layout.ordered()[:-keep] if r != live]
    for release in old:
        doomed = layout.releases / f".{release}.removing"
        os.rename(layout.releases / release, doomed)  # gone from the list at once, even if rmtree dies
        shutil.rmtree(doomed)
        layout.append("remove", release=release)
    return old


def check_release(layout: Layout, release: str) -> mf.Diff:
    """Compare a kept release with its manifest (whose sha256 must match the log)."""
    manifest, sha = mf.read(layout.manifest(release))
    logged = layout.logged_sha(release)
    if logged != sha:
        raise PortalError(f"{layout.manifest(release)} 的 sha256 与 {layout.log} 中的记录"
                          f"（{logged or '无记录'}）不一致：清单被改动过，不能据此回滚")
    return mf.compare(manifest.files, mf.scan(layout.site(release)))


def rollback(to: Path, release: str | None = None) -> tuple[str, str]:
    """Make `release` (default: the one before the live one) live again; return (old, new)."""
    layout = Layout(to.absolute())
    with locked(layout, create=False):
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
        diff = check_release(layout, release)
        if not diff.clean:
            raise PortalError(f"版本 {release} 的文件与其清单不一致（修改 {len(diff.changed)}、新增 {len(diff.added)}、"
                              f"缺失 {len(diff.missing)}），不能回滚到被改动的版本。"
                              f"详情：portal verify-site {layout.releases / release}")
        switch(layout, release)
        layout.append("rollback", release=release, previous=live)
    return live, release
