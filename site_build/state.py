"""What the last build of a site knew, kept next to the site (never inside it, so it is never served).

`<dir>/../.<name>.build.json` records: a key over everything that shapes every page (configuration,
theme, this package's code), the theme's shells, every item's content hash with its list record,
and the search index's document order. An incremental build trusts it only when the key matches
and the site still holds the files the state describes.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from checks import runner
from portal import model

from .manifest import sha256_bytes, write_durably

VERSION = 2
FIELDS = ("key", "others", "own", "shells", "items", "lists", "stats", "search")
PACKAGES = ("mkdocs", "mkdocs-material", "mistune", "nh3")
WITNESSES = ("sitemap.xml", "search/index.json")  # files every build rewrites when its pages change


def path_for(site: Path) -> Path:
    return site.parent / f".{site.name}.build.json"


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
            if name.endswith(".md") and not (Path(dirpath) / name).is_symlink():
                items[rel] = hashes.get(rel)
            else:
                others.append(rel)
    return items, others


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


def load(site: Path) -> dict[str, Any] | None:
    path = path_for(site)
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("version") != VERSION or any(f not in data for f in FIELDS) or data.get("witnesses") != witnesses(site):
        return None  # written by another version, or the site changed since: build in full
    return data


def save(site: Path, data: dict[str, Any]) -> None:
    data = {**data, "version": VERSION, "witnesses": witnesses(site)}
    path = path_for(site)
    write_durably(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
