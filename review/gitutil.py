"""Git plumbing: one subprocess per question, whole ranges read at once.

Everything works in a bare repository too (the server's pre-receive hook), so nothing here
reads a working tree unless asked to.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from portal.errors import PortalError

ZERO = "0" * 40
_RS, _US = "\x1e", "\x1f"


class GitError(PortalError):
    pass


@dataclasses.dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    time: int  # committer date, seconds since the epoch
    message: str
    trailers: tuple[tuple[str, str], ...]
    # path -> blob after this commit (ZERO when deleted); for merges only what differs from every parent
    changes: dict[str, str]
    modes: dict[str, str] = dataclasses.field(default_factory=dict)  # path -> mode after this commit

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def trailer(self, key: str) -> str:
        values = self.trailers_of(key)
        return values[0] if values else ""

    def trailers_of(self, key: str) -> list[str]:
        return [v for k, v in self.trailers if k.lower() == key.lower()]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def body(self) -> str:
        """The message without its subject line and its trailer paragraph."""
        paragraphs = self.message.strip().split("\n\n")[1:]
        if paragraphs and self.trailers:
            paragraphs = paragraphs[:-1]
        return "\n\n".join(paragraphs).strip()


class Repo:
    def __init__(self, path: Path | str = ".") -> None:
        self.path = Path(path)

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            config: Sequence[str] = ()) -> str:
        return self.run_bytes(*args, input=input, check=check, config=config).decode("utf-8", "replace")

    def run_bytes(self, *args: str, input: bytes | None = None, check: bool = True,
                  config: Sequence[str] = ()) -> bytes:
        cmd = ["git", "-C", str(self.path)]
        for item in config:
            cmd += ["-c", item]
        proc = subprocess.run([*cmd, *args], input=input, capture_output=True)
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git {' '.join(args[:2])} 失败：{message}")
        return proc.stdout

    def status(self, *args: str) -> tuple[int, str]:
        """Run git for its exit status and output, without raising."""
        proc = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True)
        return proc.returncode, proc.stdout.decode("utf-8", "replace")

    def rev(self, ref: str) -> str | None:
        """The commit `ref` names, or None."""
        out = self.run_bytes("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return out.decode().strip() or None

    def must_rev(self, ref: str) -> str:
        sha = self.rev(ref)
        if sha is None:
            raise GitError(f"找不到提交或分支“{ref}”。请先 git fetch，或检查名称是否写错")
        return sha

    def merge_base(self, a: str, b: str) -> str | None:
        return self.run("merge-base", a, b, check=False).strip() or None

    def is_ancestor(self, a: str, b: str) -> bool:
        return subprocess.run(["git", "-C", str(self.path), "merge-base", "--is-ancestor", a, b]).returncode == 0

    def commits(self, base: str | None, head: str, exclude: Sequence[str] = ()) -> list[Commit]:
        """Commits reachable from head and not from base (nor from `exclude`), oldest first (parents before children)."""
        fmt = f"{_RS}%H{_US}%P{_US}%ct{_US}%(trailers:only,unfold){_US}%B{_US}"
        rng = [head] + ([] if base is None else [f"^{base}"]) + [f"^{x}" for x in exclude]
        out = self.run("log", "--topo-order", "--reverse", "--no-renames", "--raw", "-c", "--no-abbrev",
                       "-z", f"--format={fmt}", *rng, "--")
        return [_parse_commit(rec) for rec in out.split(_RS)[1:]]

    def diff(self, a: str, b: str) -> dict[str, str]:
        """Paths that differ between two commits -> blob in b (ZERO when deleted in b)."""
        return {path: blob for path, (_mode, blob) in self.diff_modes(a, b).items()}

    def diff_modes(self, a: str, b: str) -> dict[str, tuple[str, str]]:
        """Paths that differ between two commits -> (mode, blob) in b (ZERO blob when deleted in b)."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", a, b)
        return _parse_raw_modes(out)

    def symbolic_ref(self, ref: str) -> str | None:
        """What a symbolic ref points at, or None when `ref` is not one."""
        status, out = self.status("symbolic-ref", "-q", ref)
        return out.strip() if status == 0 and out.strip() else None

    def refs(self, *patterns: str) -> dict[str, str]:
        out = self.run("for-each-ref", "--format=%(refname) %(objectname)", *patterns)
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    def blobs(self, commit: str, paths: Iterable[str]) -> dict[str, str]:
        """path -> blob id in commit's tree, for those of `paths` that exist there."""
        paths = list(paths)
        if not paths:
            return {}
        out = self.run("ls-tree", "-z", "--full-tree", commit, "--", *paths)
        result = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                result[path] = meta.split()[2]
        return result

    def tree_files(self, commit: str, prefix: str = "") -> dict[str, str]:
        out = self.run("ls-tree", "-r", "-z", "--full-tree", commit, *([prefix] if prefix else []))
        result = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                if meta.split()[1] == "blob":
                    result[path] = meta.split()[2]
        return result

    def read_objects(self, shas: Iterable[str]) -> dict[str, bytes]:
        """The raw content of many objects in one `git cat-file --batch`."""
        shas = list(dict.fromkeys(shas))
        if not shas:
            return {}
        out = self.run_bytes("cat-file", "--batch", input="".join(s + "\n" for s in shas).encode())
        result, pos = {}, 0
        for sha in shas:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) < 3:  # "<sha> missing"
                pos = end + 1
                continue
            size = int(header[2])
            result[sha] = out[end + 1:end + 1 + size]
            pos = end + 1 + size + 1
        return result

    def tree_entries(self, commit: str, paths: Sequence[str]) -> dict[str, tuple[str, str]]:
        """path -> (mode, object id) of every file under the given paths of commit's tree (names only are read)."""
        if not paths:
            return {}
        out = self.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths)
        result = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                mode, _kind, sha = meta.split()
                result[path] = (mode, sha)
        return result

    def write_entries(self, entries: dict[str, tuple[str, str]], dest: Path) -> None:
        """Write the given tree entries (from tree_entries) under dest: regular files, then symbolic links that
        stay inside dest (never written through). Anything else raises ValueError, as archive_into's filter does."""
        data = self.read_objects(sha for _mode, sha in entries.values())
        links = []
        for path, (mode, sha) in sorted(entries.items()):
            parts = path.split("/")
            if path.startswith("/") or any(p in ("", ".", "..") for p in parts) or sha not in data:
                raise ValueError(f"{path}：路径或对象异常")
            if mode == "120000":
                links.append((path, data[sha].decode("utf-8", "replace")))
                continue
            if mode not in ("100644", "100755"):
                raise ValueError(f"{path} 不是普通文件（{mode}）")
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[sha])
        for path, to in links:
            where = dest.joinpath(*path.split("/"))
            if to.startswith("/") or not os.path.normpath(where.parent / to).startswith(str(dest) + os.sep):
                raise ValueError(f"{path} 是指向仓库之外的符号链接（{to}）")
            where.parent.mkdir(parents=True, exist_ok=True)
            where.symlink_to(to)

    def archive_into(self, commit: str, paths: Sequence[str], dest: Path) -> None:
        """Write the given paths of a commit's tree into dest (no working tree needed)."""
        if not paths:
            return
        import io
        import tarfile

        data = self.run_bytes("archive", "--format=tar", commit, "--", *paths)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest, filter="data")

    def fetch(self, remote: str) -> None:
        self.run("fetch", "--quiet", "--prune", remote)

    def config_get(self, key: str) -> str:
        return self.run("config", "--get", key, check=False).strip()


def _parse_raw(out: str) -> dict[str, str]:
    return {path: blob for path, (_mode, blob) in _parse_raw_modes(out).items()}


def _parse_raw_modes(out: str) -> dict[str, tuple[str, str]]:
    changes: dict[str, tuple[str, str]] = {}
    tokens = out.split("\0")
    i = 0
    while i < len(tokens):
        meta = tokens[i].strip()  # `git log -z` puts a newline between the message and the raw diff
        if not meta.startswith(":"):
            i += 1
            continue
        # ":<modes, one per parent and the result> <blobs, likewise> <status>"; the result's blob is last
        fields = meta.lstrip(":").split()
        n = (len(fields) - 1) // 2
        if i + 1 < len(tokens):
            changes[tokens[i + 1]] = (fields[n - 1], fields[2 * n - 1])
        i += 2
    return changes


def _parse_commit(record: str) -> Commit:
    sha, parents, ctime, trailers, message, raw = record.split(_US, 5)
    pairs = []
    for line in trailers.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            pairs.append((key.strip(), value.strip()))
    raw_changes = _parse_raw_modes(raw)
    return Commit(sha.strip(), tuple(parents.split()), int(ctime), message.rstrip("\n"), tuple(pairs),
                  {p: blob for p, (_m, blob) in raw_changes.items()}, {p: m for p, (m, _b) in raw_changes.items()})
