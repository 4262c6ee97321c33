"""An incremental build's output as a delta: only the files written, beside a previous site read, never changed.

Publishing (site_build.publish) builds into an empty folder with this output: `written` are the
files in that folder, `removed` the files of the previous site to delete. The comparisons that keep
an unchanged list page from being rewritten read the previous site.
"""
from __future__ import annotations

from pathlib import Path

from .render import Output


class DeltaOutput(Output):
    def __init__(self, dest: Path, base: Path) -> None:
        super().__init__(dest)
        self.base = base

    def write(self, rel: str, data: bytes, compare: bool = False) -> None:
        old = self.base / rel
        if compare and old.is_file() and not old.is_symlink() and old.read_bytes() == data:
            return
        super().write(rel, data)

    def remove(self, rel: str) -> None:
        if (self.base / rel).is_file() or (self.base / rel).is_symlink():
            self.removed.append(rel)
        mine = self.dest / rel
        if mine.is_file():
            mine.unlink()
            self.written = [w for w in self.written if w != rel]
