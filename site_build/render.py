"""Writing the site's files from a Plan and the theme's shells.

The full build (inside MkDocs, site_build.plugin) and the incremental build (site_build.build)
both write through these functions, so the two cannot disagree about a byte.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from portal import markup, view

from . import search, shell
from .pages import ITEM, Entry, Page, Plan


class Output:
    """A site directory being written; remembers what it wrote."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.written: list[str] = []
        self.removed: list[str] = []

    def write(self, rel: str, data: bytes, compare: bool = False) -> None:
        path = self.dest / rel
        if compare and path.is_file() and path.read_bytes() == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()  # a fresh file: never write through a hard link shared with an older release
        path.write_bytes(data)
        self.written.append(rel)

    def copy(self, src: Path, rel: str) -> None:
        """Publish a file of the repository: exactly the bytes the checks of this run read (portal/view.py),
        or nothing (PortalError)."""
        data = view.checked_bytes(src)
        path = self.dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        path.write_bytes(data)
        self.written.append(rel)

    def remove(self, rel: str) -> None:
        path = self.dest / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
            self.removed.append(rel)
            for parent in path.parents:
                if parent == self.dest or any(parent.iterdir()):
                    break
                parent.rmdir()


def write_pages(out: Output, pages: Iterable[Page], shells: dict[str, shell.Shell], own: set[str],
                compare: bool = False) -> None:
    for page in pages:
        out.write(page.output, shell.fill(shells[shell.key(page, own)], page), compare)


def write_files(out: Output, files: dict[str, bytes], compare: bool = False) -> None:
    for rel, data in files.items():
        out.write(rel, data, compare)


def copy_files(out: Output, root: Path, entries: Iterable[Entry]) -> None:
    """Copy the attachments and linked files of these entries into the site."""
    for src, dest in sorted({pair for e in entries for pair in e.files}):
        out.copy(root / src, dest)


def page_words(page: Page) -> search.Text:
    """What the search index reads of an item page: its title, and its body with the attachment titles."""
    return page.title, markup.plain_text(page.content.partition("data-portal-body>")[2])


def words(pages: Iterable[Page]) -> dict[str, search.Text]:
    """What the search index reads of item pages, by URL."""
    return {p.url: page_words(p) for p in pages if p.kind == ITEM}


def column_titles(plan: Plan) -> dict[str, str]:
    return {c.id: c.title for c in plan.site.config.columns.values()}
