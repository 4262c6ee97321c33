"""Files in a column's files/ that no item of the column links: never published, so worth a warning.

Part of the attachments check (`attachments.check_portal`), kept apart because the findings cache
(checks/cache.py) works it out on every run from what each item links, without loading the checks.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from portal.errors import WARNING, Finding
from portal.model import CONTENT, FILES_DIR

CATEGORY = "attachment"


def columns(root: Path) -> list[str]:
    """The column folders under content/ (whether or not columns.yml knows them)."""
    base = root / CONTENT
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.is_symlink()) if base.is_dir() else []


def unreferenced(root: Path, column: str, refs: set[str]) -> Iterable[Finding]:
    """Files of the column's files/ that are not in `refs` (what its items reference)."""
    folder = root / CONTENT / column / FILES_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.name.startswith(".") and rel not in refs:
            yield Finding(rel, 1, 1, "ATT-UNREFERENCED", CATEGORY, WARNING,
                          "该文件没有被任何稿件引用（attachments 或正文链接），不会发布到网站。"
                          "如需发布，请在稿件中引用它（随稿件一起审核）；否则请从仓库中删除", match=rel)
