"""Fixtures for the secrecy check: items with markings in a throwaway portal, and running the check."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from checks import secrecy
from portal import model
from portal.errors import Finding

ITEM = "news/2026-06-03-fang-xun.md"


def secrecy_findings(root: Path, paths: list[str] | None = None) -> list[Finding]:
    """What the secrecy check finds over the portal at `root` (or the given items)."""
    portal = model.load(root, paths)
    return sorted({f for a in portal.articles for f in secrecy.check(portal, a)})


@pytest.fixture
def item(valid_item: str, write_item: Callable[..., Path]) -> Callable[..., Path]:
    """Write the valid demo item with another body; keyword arguments replace or add front-matter
    lines (`title='【内部资料】…'`, `attachments='[files/a.docx]'`: the value as written in YAML)."""

    def write(body: str = "正文。\n", rel: str = ITEM, **fields: str) -> Path:
        head = valid_item.partition("\n---\n")[0]
        for key, value in fields.items():
            line = f"{key}: {value}"
            pattern = re.compile(rf"^{re.escape(key)}:.*$", re.M)
            head = pattern.sub(line.replace("\\", "\\\\"), head) if pattern.search(head) else f"{head}\n{line}"
        return write_item(rel, f"{head}\n---\n{body}")

    return write


@pytest.fixture
def findings(tmp_portal: Path) -> Callable[[], list[Finding]]:
    return lambda: secrecy_findings(tmp_portal)
