"""What the last build of a site knew, kept next to the site (never inside it, so it is never served).

The state is a folder `<dir>/../.<name>.build/` of pieces, so that a build reads and writes only what
its change touches:

    head.json        the key over everything that shapes every page, the theme's shells, the list
                     pages, the policy links, each column's newest list records (the home page and the
                     site's feed are made from them), the scheduled items, and the names of:
    <sha256>.json    one piece per column: its items (content hash, due time, list record) and the
                     size, mtime and hash of its repository files; and the publication order in pieces
                     (url, date, column, title, shown date of every public item: the sitemap and the
                     search index's document lists), each named by the sha256 of its bytes

An incremental build trusts the state only when the key matches and the site still holds the
files the state describes (the witnesses). It reads the pieces of the columns its change touches
(`State.piece`) and the order; a piece is read only after its bytes match its name.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import zlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from checks import runner
from portal import model

from .manifest import sha256_bytes, write_durably

VERSION = 4
HEAD = "head.json"
HEAD_FIELDS = ("key", "others", "own", "shells", "lists", "newest", "pending", "order", "pieces")
NEWEST = 50  # list records kept per column in the head: the feeds' length (pages.FEED_ITEMS)
ORDER_CHUNK = 512  # publication-order rows per piece, on average
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


@dataclasses.dataclass
class Changes:
    """What an incremental build starts from: the items of the columns in `scope` (every other column is
    as the state says), and the other files under content/."""

    items: dict[str, str]  # content hash of every item of the columns in scope
    others: list[str]
    scope: set[str] = dataclasses.field(default_factory=set)


def extend(found: State, changes: Changes, columns: Iterable[str], hashes: FileHashes) -> None:
    """Bring `columns` into the scope: their items and file stats, as the state has them."""
    for column in sorted(set(columns) - changes.scope):
        piece = found.piece(column)
        changes.items.update({p: str(r["sha"]) for p, r in piece["items"].items()})
        hashes.known.update(piece["stats"])
        hashes.now.update(piece["stats"])
        changes.scope.add(column)


def from_changes(root: Path, found: State, changed: Iterable[str], hashes: FileHashes) -> Changes | None:
    """The items of the columns the repository paths `changed` (publishing knows them from git) touch, from
    the state and those paths; None when a change needs a real scan (a file beside the items, a link)."""
    columns: set[str] = set()
    present: list[str] = []
    gone: list[str] = []
    for rel in changed:
        parts = rel.split("/")
        if parts[0] != model.CONTENT:
            continue  # outside content/: the key covers what matters there
        if len(parts) < 3:
            return None
        columns.add(parts[1])
        if model.FILES_DIR in parts[2:3]:
            continue  # an attachment: its column's items are compared with it (hashed when used)
        path = root / rel
        if not is_item(rel) or path.is_symlink():
            return None
        (present if path.is_file() else gone).append(rel)
    changes = Changes({}, list(found.head["others"]))
    extend(found, changes, columns, hashes)
    for rel in gone:
        changes.items.pop(rel, None)
        hashes.now.pop(rel, None)
    for rel in present:
        changes.items[rel] = hashes.get(rel)
    changes.items = dict(sorted(changes.items.items()))
    return changes


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


# ---------------------------------------------------------------- what the head summarises of the columns

def newest(items: dict[str, Any]) -> dict[str, list[Any]]:
    """Each column's newest NEWEST list records (newest first), from item records."""
    by_column: dict[str, list[dict[str, Any]]] = {}
    for record in items.values():
        if record["entry"] is not None:
            by_column.setdefault(record["entry"]["column"], []).append(record["entry"])
    return {c: sorted(es, key=_newest_key, reverse=True)[:NEWEST] for c, es in sorted(by_column.items())}


def pending(items: dict[str, Any]) -> dict[str, str]:
    """The scheduled items not yet public: path -> due time."""
    return {p: r["due"] for p, r in sorted(items.items()) if r["entry"] is None and r["due"] is not None}


def _newest_key(entry: dict[str, Any]) -> tuple[str, str]:
    return entry["date"], entry["url"]


def order_rows(entries: Iterable[dict[str, Any]]) -> list[list[str]]:
    """The publication order (oldest first) of list records, as rows: url, date, column, title, shown date."""
    rows = [[e["url"], e["date"], e["column"], e["title"], e["shown_date"]] for e in entries]
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


def _chunks(rows: list[list[str]]) -> list[list[list[str]]]:
    """Rows cut where a url's hash says so (about ORDER_CHUNK rows a piece): an insertion or a removal
    changes one piece, not every piece after it."""
    out: list[list[list[str]]] = [[]]
    for row in rows:
        out[-1].append(row)
        if zlib.crc32(row[0].encode("utf-8")) % ORDER_CHUNK == 0:
            out.append([])
    return [c for c in out if c] or [[]]


# ---------------------------------------------------------------- reading

class State:
    """The head of a site's state; column pieces and the order are read only when asked for."""

    def __init__(self, folder: Path, head: dict[str, Any]) -> None:
        self.folder = folder
        self.head = head
        self.pieces: dict[str, dict[str, Any]] = {}  # column -> {"items": ..., "stats": ...}, as read
        self._order: list[list[list[str]]] | None = None
        self._rows: list[list[str]] = []

    def piece(self, column: str) -> dict[str, Any]:
        if column not in self.pieces:
            sha = self.head["pieces"].get(column)
            self.pieces[column] = _checked(self.folder, sha) if sha else {"items": {}, "stats": {}}
        return self.pieces[column]

    def columns(self) -> list[str]:
        return sorted(self.head["pieces"])

    def order(self) -> list[list[str]]:
        """Every public item in publication order: [url, date, column, title, shown date]."""
        if self._order is None:
            self._order = [_checked(self.folder, sha) for sha in self.head["order"]]
            self._rows = [row for chunk in self._order for row in chunk]
        return self._rows

    def stats(self, columns: Iterable[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for column in columns:
            out.update(self.piece(column)["stats"])
        return out


def open_state(site: Path, folder: Path | None = None) -> State | None:
    """The state of `site` (its head read and checked), None if absent, stale or damaged."""
    folder = folder_for(site) if folder is None else folder
    try:
        head: dict[str, Any] = json.loads((folder / HEAD).read_bytes())
        if head.get("version") != VERSION or head.get("witnesses") != witnesses(site):
            return None  # written by another version, or the site changed since: build in full
        if not all(f in head for f in HEAD_FIELDS):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return State(folder, head)


def load(site: Path, folder: Path | None = None) -> dict[str, Any] | None:
    """The state of `site` as one dictionary (every piece read), None if absent, stale or damaged."""
    found = open_state(site, folder)
    if found is None:
        return None
    try:
        items: dict[str, Any] = {}
        stats: dict[str, Any] = {}
        for column in found.columns():
            piece = found.piece(column)
            items.update(piece["items"])
            stats.update(piece["stats"])
        order = found.order()
    except (Damaged, KeyError, TypeError, AttributeError):
        return None
    head = {k: v for k, v in found.head.items() if k not in ("pieces", "order")}
    return {**head, "items": items, "stats": stats, "order": order}


class Damaged(Exception):
    """A piece of the state is missing or not what its name says: the build must be a full one."""


def _checked(folder: Path, sha: str) -> Any:
    try:
        return _read(folder, sha)
    except (OSError, ValueError) as exc:
        raise Damaged(str(exc)) from exc


def _read(folder: Path, sha: str) -> Any:
    data = (folder / f"{sha}.json").read_bytes()
    if sha256_bytes(data) != sha:
        raise ValueError(f"piece {sha} damaged")
    return json.loads(data)


# ---------------------------------------------------------------- writing

def save(site: Path, data: dict[str, Any], old: State | None = None, folder: Path | None = None) -> None:
    """Write the state of `site`: a piece per column (items and file stats), the order in pieces, then the head.

    `data` holds every field of the head plus `items` and `stats`, and `order` (rows). With `old`, `items`
    and `stats` cover only the columns in `data["scope"]`: the pieces of the other columns are the old ones.
    Pieces are named by the sha256 of their bytes; a piece equal to one read is not serialised again, and
    the head is written last, durably, and names exactly its pieces.
    """
    folder = folder_for(site) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    scope = set(data.get("scope") or ()) if old is not None else None
    pieces: dict[str, dict[str, Any]] = {c: {"items": {}, "stats": {}} for c in (scope or ())}
    for path, record in data["items"].items():
        pieces.setdefault(column_of(path), {"items": {}, "stats": {}})["items"][path] = record
    for path, stat in data["stats"].items():
        pieces.setdefault(column_of(path), {"items": {}, "stats": {}})["stats"][path] = stat
    if scope is not None:
        pieces = {c: piece for c, piece in pieces.items() if c in scope}
    names: dict[str, str] = {}
    if old is not None:
        for column, sha in old.head["pieces"].items():
            if column not in pieces:
                names[column] = _link(old.folder, folder, sha)
    for column, piece in sorted(pieces.items()):
        if not piece["items"] and not piece["stats"]:
            continue
        known = old.pieces.get(column) if old is not None else None
        sha = old.head["pieces"].get(column) if old is not None and known == piece else None
        names[column] = _link(old.folder, folder, sha) if old is not None and sha else _put(folder, _dump(piece))
    read = {}  # the order's pieces as read, by their first url: an unchanged piece is not serialised again
    if old is not None and old._order is not None:
        read = {c[0][0]: (c, sha) for c, sha in zip(old._order, old.head["order"], strict=True) if c}
    order: list[str] = []
    if old is not None and old._order is not None and data["order"] is old._rows:  # the order did not change
        order = [_link(old.folder, folder, sha) for sha in old.head["order"]]
    for chunk in [] if order else _chunks(data["order"]):
        same = read.get(chunk[0][0]) if chunk else None
        if old is not None and same is not None and same[0] == chunk:
            order.append(_link(old.folder, folder, same[1]))
        else:
            order.append(_put(folder, _dump(chunk)))
    head = {k: v for k, v in data.items() if k not in ("items", "stats", "order", "scope")}
    head.update({"pieces": dict(sorted(names.items())), "order": order, "version": VERSION,
                 "witnesses": witnesses(site)})
    write_durably(folder / HEAD, _dump(head))
    keep = {f"{sha}.json" for sha in [*names.values(), *order]} | {HEAD}
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


def _link(source: Path, folder: Path, sha: str) -> str:
    """Piece `sha` of the state in `source`, in `folder` too (a hard link: pieces are never written again)."""
    target = folder / f"{sha}.json"
    if not target.exists():
        try:
            os.link(source / f"{sha}.json", target)
        except OSError:
            shutil.copy2(source / f"{sha}.json", target)
    return sha


def _put(folder: Path, data: bytes) -> str:
    sha = sha256_bytes(data)
    target = folder / f"{sha}.json"
    if not target.exists():
        write_durably(target, data)
    return sha
