"""The manifest of a release: path, size and sha256 of every file of the built site.

It sits next to the site (releases/<id>/manifest.json), outside the web root, so whoever can
write the served files cannot also rewrite the record they are checked against; the sha256 of
the manifest itself goes into the publish directory's append-only manifests.log.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from portal.errors import PortalError

FORMAT = 1
CHUNK = 1 << 20
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

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT, "release": self.release, "commit": self.commit, "dirty": self.dirty,
            "time": self.time, "items": self.items,
            "files": [{"path": p, "size": e.size, "sha256": e.sha256} for p, e in sorted(self.files.items())],
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Manifest:
        try:
            raw = json.loads(data.decode("utf-8"))
            files = {str(f["path"]): Entry(int(f["size"]), str(f["sha256"])) for f in raw["files"]}
            return cls(str(raw["release"]), raw.get("commit"), bool(raw.get("dirty")), str(raw["time"]),
                       int(raw.get("items", 0)), files)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise PortalError(f"{where}: 发布清单无法读取（{exc}）。清单可能已损坏或被改动，"
                              "请用 manifests.log 中记录的 sha256 核对，或重新发布") from None


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


def read(path: Path) -> tuple[Manifest, str]:
    """The manifest at `path` and the sha256 of its bytes."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PortalError(f"{path}: 无法读取发布清单（{exc.strerror}）") from None
    return Manifest.from_bytes(data, str(path)), sha256_bytes(data)


def write(path: Path, manifest: Manifest) -> str:
    """Write the manifest durably; return the sha256 of what was written."""
    data = manifest.to_bytes()
    write_durably(path, data)
    return sha256_bytes(data)


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
