"""The manifest of a release: path, size and sha256 of every file of the built site, stored in pieces.

    releases/<id>/manifest.json          the head: release, commit, time, item and file counts, and
                                         the sha256 of each piece, one piece per folder of the site
    releases/<id>/manifest/<sha256>.json a piece: {path: [size, sha256]} of the files of one folder

A piece is named by the sha256 of its bytes and checked against it when read, so the head's sha256
(recorded in the publish directory's append-only manifests.log) vouches for every file. A publish
writes only the pieces of the folders it changed; the others are hard links to the previous
release's (never written again: a piece is created once and only read). The manifest lies outside
the web root, so whoever can write the served files cannot also rewrite the record they are
checked against.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from portal.errors import PortalError

FORMAT = 2
CHUNK = 1 << 20
PIECES = "manifest"  # the folder of pieces next to manifest.json
# what a symbolic link inside a site is recorded as: a build writes none, so a link is always reported
LINK_PREFIX = "symlink:"


@dataclasses.dataclass(frozen=True)
class Entry:
    size: int
    sha256: str


@dataclasses.dataclass
class Manifest:
    release: str
    commit: str | None  # the git commit built, None outside git
    dirty: bool  # built from uncommitted changes
    time: str  # ISO 8601, China Standard Time
    items: int  # items published in the release
    files: dict[str, Entry]  # POSIX path relative to the site -> size and sha256
    previous: str | None = None  # the release this one was published over (its journal's other side)

    def header(self, pieces: dict[str, str], count: int) -> bytes:
        data = {"format": FORMAT, "release": self.release, "commit": self.commit, "dirty": self.dirty,
                "time": self.time, "items": self.items, "files": count, "previous": self.previous,
                "pieces": dict(sorted(pieces.items()))}
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def folder_of(path: str) -> str:
    """The piece a site file is recorded in: its folder ("" for the site root)."""
    return path.rpartition("/")[0]


def piece_bytes(files: dict[str, Entry]) -> bytes:
    data = {p: [e.size, e.sha256] for p, e in sorted(files.items())}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_file(path: Path) -> Entry:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Entry(size, digest.hexdigest())


def scan(site: Path) -> dict[str, Entry]:
    """Every file under `site` (links not followed) -> its size and sha256."""
    if not site.is_dir():
        raise PortalError(f"{site}: 不是目录，无法核验")
    files: dict[str, Entry] = {}
    for folder, dirs, names in os.walk(site):
        base = Path(folder)
        for name in names + [d for d in dirs if (base / d).is_symlink()]:
            path = base / name
            rel = path.relative_to(site).as_posix()
            if path.is_symlink():
                files[rel] = Entry(-1, LINK_PREFIX + os.readlink(path))
            elif path.is_file():
                files[rel] = hash_file(path)
    return files


class Head:
    """A manifest's head with its pieces read on demand (each checked against its sha256)."""

    def __init__(self, path: Path, raw: dict[str, Any], sha: str) -> None:
        self.path = path
        self.raw = raw
        self.sha = sha
        self.pieces: dict[str, str] = {str(k): str(v) for k, v in raw["pieces"].items()}
        self._loaded: dict[str, dict[str, Entry]] = {}

    @property
    def release(self) -> str:
        return str(self.raw["release"])

    def piece(self, folder: str) -> dict[str, Entry]:
        if folder not in self._loaded:
            sha = self.pieces.get(folder)
            self._loaded[folder] = {} if sha is None else _read_piece(self.path, sha)
        return self._loaded[folder]

    def entry(self, path: str) -> Entry | None:
        return self.piece(folder_of(path)).get(path)

    def manifest(self) -> Manifest:
        files: dict[str, Entry] = {}
        for folder in sorted(self.pieces):
            files.update(self.piece(folder))
        r = self.raw
        return Manifest(str(r["release"]), r.get("commit"), bool(r.get("dirty")), str(r["time"]),
                        int(r.get("items", 0)), files, r.get("previous"))


def _damaged(where: Path | str, why: object) -> PortalError:
    return PortalError(f"{where}: 发布清单无法读取（{why}）。清单可能已损坏或被改动，"
                       "请用 manifests.log 中记录的 sha256 核对，或重新发布")


def _read_piece(head_path: Path, sha: str) -> dict[str, Entry]:
    path = head_path.parent / PIECES / f"{sha}.json"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _damaged(path, exc.strerror) from None
    if sha256_bytes(data) != sha:
        raise _damaged(path, "内容与其 sha256 不符")
    try:
        return {str(p): Entry(int(v[0]), str(v[1])) for p, v in json.loads(data.decode("utf-8")).items()}
    except (UnicodeDecodeError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise _damaged(path, exc) from None


def read_head(path: Path) -> Head:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PortalError(f"{path}: 无法读取发布清单（{exc.strerror}）") from None
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"格式应为 {FORMAT}")
        str(raw["release"]), str(raw["time"])
        if not isinstance(raw["pieces"], dict):
            raise ValueError("pieces")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise _damaged(path, exc) from None
    return Head(path, raw, sha256_bytes(data))


def read(path: Path) -> tuple[Manifest, str]:
    """The whole manifest at `path` (its head and every piece) and the sha256 of the head's bytes."""
    head = read_head(path)
    return head.manifest(), head.sha


def write(path: Path, manifest: Manifest, base: Head | None = None, changed: set[str] | None = None) -> str:
    """Write the manifest durably; return the sha256 of its head.

    With `base` (the previous release's head) and `changed` (the site paths that differ from it),
    only the pieces of the folders holding those paths are written; the others are linked from `base`.
    """
    folder = path.parent / PIECES
    folder.mkdir(parents=True, exist_ok=True)
    count = len(manifest.files)
    groups: dict[str, dict[str, Entry]] = {}
    if base is None or changed is None:
        for rel, entry in manifest.files.items():
            groups.setdefault(folder_of(rel), {})[rel] = entry
        names = {f: _put(folder, piece_bytes(files)) for f, files in groups.items()}
    else:
        names = dict(base.pieces)
        for f in {folder_of(p) for p in changed}:
            files = {p: e for p, e in base.piece(f).items() if p not in changed}
            files.update({p: manifest.files[p] for p in changed if folder_of(p) == f and p in manifest.files})
            if files:
                names[f] = _put(folder, piece_bytes(files))
            else:
                names.pop(f, None)
        for sha in set(names.values()):
            target = folder / f"{sha}.json"
            if not target.exists():
                _link(base.path.parent / PIECES / f"{sha}.json", target)
        count = int(base.raw.get("files", 0))
        for p in changed:
            was, now = base.entry(p) is not None, p in manifest.files
            count += int(now) - int(was)
    data = manifest.header(names, count)
    write_durably(path, data)
    return sha256_bytes(data)


def _put(folder: Path, data: bytes) -> str:
    sha = sha256_bytes(data)
    target = folder / f"{sha}.json"
    if not target.exists():
        write_durably(target, data)
    return sha


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        write_durably(dst, src.read_bytes())


def write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclasses.dataclass
class Diff:
    changed: list[str]
    added: list[str]
    missing: list[str]

    @property
    def clean(self) -> bool:
        return not (self.changed or self.added or self.missing)

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "added": self.added, "missing": self.missing}


def compare(expected: dict[str, Entry], actual: dict[str, Entry]) -> Diff:
    return Diff(
        changed=sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p]),
        added=sorted(actual.keys() - expected.keys()),
        missing=sorted(expected.keys() - actual.keys()),
    )
