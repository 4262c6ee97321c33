"""Reading a built site: each HTML page's <meta name=... content=...> and its href/src links, with lines."""
from __future__ import annotations

import dataclasses
import os
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {"a": ("href",), "link": ("href",), "area": ("href",), "script": ("src",), "img": ("src",),
              "iframe": ("src",), "source": ("src",), "video": ("src", "poster"), "audio": ("src",),
              "embed": ("src",), "track": ("src",)}


@dataclasses.dataclass
class Link:
    url: str
    line: int
    column: int


@dataclasses.dataclass
class Page:
    path: str  # relative to the site root, POSIX
    meta: dict[str, tuple[str, int]]  # name -> (content, line)
    links: list[Link]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, tuple[str, int]] = {}
        self.links: list[Link] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = dict(attrs)
            name = values.get("name")
            if name:
                self.meta.setdefault(name, ((values.get("content") or "").strip(), self.getpos()[0]))
            return
        wanted = LINK_ATTRS.get(tag)
        if wanted:
            line, col = self.getpos()
            for key, value in attrs:
                if key in wanted and value is not None and value.strip():
                    self.links.append(Link(value.strip(), line, col + 1))


def read_page(site: Path, rel: str) -> Page:
    parser = _Parser()
    parser.feed((site / rel).read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return Page(rel, parser.meta, parser.links)


def pages(site: Path) -> dict[str, Page]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(site):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".html", ".htm")):
                rel = (Path(dirpath) / name).relative_to(site).as_posix()
                out[rel] = read_page(site, rel)
    return out


def target(page: str, url: str, domain: str, base: str = "/") -> str | None:
    """The site-relative file a link on `page` points at, or None when it leaves the site
    (another host, mailto:, a bare #fragment...). A path outside the site is returned as '../...'."""
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.scheme or parts.netloc:
        if (parts.hostname or "").lower() != domain.lower():
            return None
        path = parts.path or "/"
    elif not parts.path:
        return None
    else:
        path = parts.path
    path = unquote(path)
    if path.startswith("/"):
        if base != "/" and (path + "/").startswith(base):
            path = "/" + path[len(base):]
        rel = path.lstrip("/")
    else:
        rel = posixpath.join(posixpath.dirname(page), path)
    folder = rel == "" or rel.endswith("/")
    rel = posixpath.normpath(rel) if rel else "."
    if folder or rel == ".":
        rel = "index.html" if rel == "." else f"{rel}/index.html"
    return rel


def exists(site: Path, rel: str) -> bool:
    if rel.startswith("../") or rel == "..":
        return False
    path = site / rel
    return path.is_file() or (path.is_dir() and (path / "index.html").is_file())
