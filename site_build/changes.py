"""What differs between two releases of a publish directory: the files to upload and to delete.

A site group (集约化平台) serves its portals from object storage behind a CDN: after a publish, a
rollback or a full build, the uploader needs the files that changed since the release it last
uploaded, and the CDN the addresses to refresh. Both come from the manifests: pieces with the same
sha256 are the same folder and are not even read, so the cost follows the change, not the site.
Contents come from the store (written once, read-only), never from the live site, which a defacer
may have changed.
"""
from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

from portal.errors import PortalError

from . import manifest as mf
from .publish import Layout


@dataclasses.dataclass(frozen=True)
class Change:
    path: str  # POSIX path relative to the site
    entry: mf.Entry | None  # the new content; None: delete the file


@dataclasses.dataclass
class Changes:
    since: str | None  # None: everything of `release` (a first upload)
    release: str
    files: list[Change]

    @property
    def put(self) -> list[Change]:
        return [c for c in self.files if c.entry is not None]

    @property
    def delete(self) -> list[str]:
        return [c.path for c in self.files if c.entry is None]


def between(layout: Layout, since: str | None, release: str | None = None) -> Changes:
    """The files of `release` (default the live one) that differ from `since` (None: every file)."""
    release = release or layout.live()
    if release is None:
        raise PortalError(f"{layout.root} 还没有发布过，没有可列出的改动。请先运行 portal publish --to {layout.root}")
    new = _head(layout, release)
    old = _head(layout, since) if since else None
    files: list[Change] = []
    for folder in sorted(set(new.pieces) | set(old.pieces if old else ())):
        if old is not None and old.pieces.get(folder) == new.pieces.get(folder):
            continue
        before = old.piece(folder) if old is not None else {}
        after = new.piece(folder)
        for path in sorted(set(before) | set(after)):
            if before.get(path) != after.get(path):
                files.append(Change(path, after.get(path)))
    return Changes(since, release, files)


def _head(layout: Layout, release: str) -> mf.Head:
    if not layout.manifest(release).is_file():
        kept = "、".join(layout.ordered()[-5:]) or "无"
        raise PortalError(f"{layout.root}: 没有保留版本 {release}（最近保留的：{kept}）。"
                          "版本已被清理时，请不带 --since 列出全部文件重新上传")
    return layout.head(release)


def as_json(layout: Layout, changes: Changes) -> str:
    data = {
        "since": changes.since, "release": changes.release,
        "put": [{"path": c.path, "size": c.entry.size, "sha256": c.entry.sha256,
                 "source": str(layout.object(c.entry.sha256))} for c in changes.put if c.entry],
        "delete": changes.delete,
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def as_tsv(layout: Layout, changes: Changes) -> str:
    """One line per file: `put<TAB>path<TAB>store object` or `delete<TAB>path` (for shell loops)."""
    lines = [f"put\t{c.path}\t{layout.object(c.entry.sha256)}" for c in changes.put if c.entry]
    lines += [f"delete\t{p}" for p in changes.delete]
    return "".join(line + "\n" for line in lines)


def as_urls(changes: Changes, base: str) -> str:
    """The addresses a CDN must refresh: every changed file, and a folder's address for its index.html."""
    base = base.rstrip("/") + "/"
    urls: list[str] = []
    for c in changes.files:
        urls.append(base + quote(c.path))
        if c.path == "index.html" or c.path.endswith("/index.html"):
            urls.append(base + quote(c.path[: -len("index.html")]))
    return "".join(u + "\n" for u in urls)
