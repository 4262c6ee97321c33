"""What the last build of a site knew, kept next to the site (never inside it, so it is never served).

The state is a folder `<dir>/../.<name>.build/` of pieces, so that a build writes only what changed:

    head.json        the key over everything that shapes every page, the theme's shells, the list
                     pages, the search order and the other fields of the build, and the names of:
    <sha256>.json    one piece per column: its items (content hash, due time, list record) and the
                     size, mtime and hash of its repository files, named by the sha256 of its bytes

An incremental build trusts the state only when the key matches and the site still holds the
files the state describes (the witnesses). A piece is read only after its bytes match its name.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from checks import runner
from portal import model

from .manifest import sha256_bytes, write_durably

VERSION = 3
HEAD = "head.json"
# column -> (folder, sha256, piece) of the pieces `load` parsed last: `save` writes an unchanged piece by name
_LOADED: dict[str, tuple[Path, str, dict[str, Any]]] = {}
FIELDS = ("key", "others", "own", "shells", "items", "lists", "stats", "search")
PACKAGES = ("mkdocs", "mkdocs-material", "mistune", "nh3")
WITNESSES = ("sitemap.xml", "search/index.json")  # files every build rewrites when its pages change


def folder_for(site: Path) -> Path:
    return site.parent / f".{site.name}.build"


def path_for(site: Path) -> Path:
    """The head of a site's state (removing it makes the next build a full one)."""
    return folder_for(site) / HEAD


def key(root: Path, config_file: Path, theme_dirs: Iterable[Path]) -> str:
    """A hash over everything that shapes every page: when it changes, the next build is a full one."""
    h = hashlib.sha256()
    for name in PACKAGES:
        h.update(f"{name}={metadata.version(name)}\n".encode())
    files = [config_file, *(root / name for name in runner.WHOLE_PORTAL), *sorted(Path(__file__).parent.glob("*.py"))]
    for folder in theme_dirs:
        files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        h.update(f"{path.name}\n".encode())
        h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()


def scan(root: Path, hashes: FileHashes) -> tuple[dict[str, str], list[str]]:
    """(content hash of every item, other files under content/ outside the files/ folders)."""
    items: dict[str, str] = {}
    others: list[str] = []
    base = root / model.CONTENT
    for dirpath, dirnames, filenames in os.walk(base):
        rel_dir = Path(dirpath).relative_to(root)
        if model.FILES_DIR in rel_dir.parts[2:3]:
            continue
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            rel = (rel_dir / name).as_posix()
            if name.startswith("."):
                continue
            if is_item(rel) and not (Path(dirpath) / name).is_symlink():
                items[rel] = hashes.get(rel)
            else:
                others.append(rel)
    return items, others


def from_changes(root: Path, old: dict[str, Any], changed: Iterable[str],
                 hashes: FileHashes) -> tuple[dict[str, str], list[str]] | None:
    """What `scan` would return, from the last state and the repository paths changed since (publishing
    knows them from git); None when a change needs a real scan (a file beside the items, a link)."""
    items = {p: str(r["sha"]) for p, r in old["items"].items()}
    now = dict(old["stats"])
    touched = []
    for rel in changed:
        parts = rel.split("/")
        if parts[0] != model.CONTENT or model.FILES_DIR in parts[2:3]:
            continue  # outside content/ (the key covers what matters there), or an attachment (hashed when used)
        path = root / rel
        if not is_item(rel) or path.is_symlink():
            return None
        if path.is_file():
            touched.append(rel)
        else:
            items.pop(rel, None)
            now.pop(rel, None)
    hashes.now = now
    for rel in touched:
        items[rel] = hashes.get(rel)
    return dict(sorted(items.items())), list(old["others"])


def is_item(rel: str) -> bool:
    """content/<column>/<name>.md: an item (anything deeper or elsewhere is not)."""
    parts = rel.split("/")
    return len(parts) == 3 and parts[0] == model.CONTENT and parts[2].endswith(".md")


def column_of(rel: str) -> str:
    """The piece a repository file belongs to: its column under content/, else ""."""
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == model.CONTENT else ""


class FileHashes:
    """Hashes of the portal's files, recomputed only when a file's size or modification time changed."""

    def __init__(self, root: Path, known: dict[str, list[Any]]) -> None:
        self.root = root
        self.known = known
        self.now: dict[str, list[Any]] = {}

    def get(self, rel: str) -> str:
        path = self.root / rel
        try:
            st = path.stat()
        except OSError:
            return "missing"
        old = self.known.get(rel)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
            self.now[rel] = old
        else:
            self.now[rel] = [st.st_size, st.st_mtime_ns, sha256_bytes(path.read_bytes())]
        return str(self.now[rel][2])


def witnesses(site: Path) -> dict[str, str]:
    return {name: sha256_bytes((site / name).read_bytes()) if (site / name).is_file() else "" for name in WITNESSES}


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def load(site: Path, folder: Path | None = None) -> dict[str, Any] | None:
    """The state of `site` as one dictionary, None if absent, stale or damaged.

    `items` and `stats` are gathered from the column pieces; every other field comes from the head.
    """
    folder = folder_for(site) if folder is None else folder
    try:
        head: dict[str, Any] = json.loads((folder / HEAD).read_bytes())
        if head.get("version") != VERSION or head.get("witnesses") != witnesses(site):
            return None  # written by another version, or the site changed since: build in full
        items: dict[str, Any] = {}
        stats: dict[str, Any] = {}
        for column, sha in head.pop("pieces").items():
            piece = _read(folder, sha)
            items.update(piece["items"])
            stats.update(piece["stats"])
            _LOADED[column] = (folder, sha, piece)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    data = {**head, "items": items, "stats": stats}
    return data if all(f in data for f in FIELDS) else None


def _read(folder: Path, sha: str) -> Any:
    data = (folder / f"{sha}.json").read_bytes()
    if sha256_bytes(data) != sha:
        raise ValueError(f"piece {sha} damaged")
    return json.loads(data)


def save(site: Path, data: dict[str, Any], folder: Path | None = None) -> None:
    """Write the state of `site`: one piece per column (items and file stats), then the head.

    Pieces are named by the sha256 of their bytes: a piece whose column did not change is already
    there and is not written again; the head is written last, durably, and names exactly its pieces.
    """
    folder = folder_for(site) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    pieces: dict[str, dict[str, Any]] = {}
    for path, record in data["items"].items():
        pieces.setdefault(column_of(path), {"items": {}, "stats": {}})["items"][path] = record
    for path, stat in data["stats"].items():
        pieces.setdefault(column_of(path), {"items": {}, "stats": {}})["stats"][path] = stat
    names = {column: _same(folder, column, piece) or _put(folder, _dump(piece)) for column, piece in sorted(pieces.items())}
    head = {k: v for k, v in data.items() if k not in ("items", "stats")}
    head.update({"pieces": names, "version": VERSION, "witnesses": witnesses(site)})
    write_durably(folder / HEAD, _dump(head))
    keep = {f"{sha}.json" for sha in names.values()} | {HEAD}
    for stale in folder.glob("*.json"):
        if stale.name not in keep:
            stale.unlink(missing_ok=True)


def rewitness(site: Path, folder: Path | None = None) -> None:
    """Record `site`'s witnesses in the head of its state (the site was brought to the state by other means:
    publishing applies a delta build's files to it)."""
    folder = folder_for(site) if folder is None else folder
    try:
        head = json.loads((folder / HEAD).read_bytes())
    except (OSError, ValueError):
        return
    head["witnesses"] = witnesses(site)
    write_durably(folder / HEAD, _dump(head))


def copy(src: Path, dst: Path) -> None:
    """Put the state folder `src` in place of `dst` (pieces hard-linked: they are never written again)."""
    tmp = dst.with_name(f"{dst.name}.new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for piece in src.glob("*.json"):
        try:
            os.link(piece, tmp / piece.name)
        except OSError:
            shutil.copy2(piece, tmp / piece.name)
    old = dst.with_name(f"{dst.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dst.exists():
        os.rename(dst, old)
    os.rename(tmp, dst)
    shutil.rmtree(old, ignore_errors=True)


def _same(folder: Path, column: str, piece: dict[str, Any]) -> str | None:
    """The name of the piece loaded last for `column` if it equals `piece` (then it need not be serialised)."""
    last = _LOADED.get(column)
    if last is None or last[2] != piece:
        return None
    source, sha, _ = last
    target = folder / f"{sha}.json"
    if not target.exists():
        try:
            os.link(source / f"{sha}.json", target)
        except OSError:
            return None
    return sha


def _put(folder: Path, data: bytes) -> str:
    sha = sha256_bytes(data)
    target = folder / f"{sha}.json"
    if not target.exists():
        write_durably(target, data)
    return sha
