"""Shared fixtures: the demo portal and throwaway portals in temp dirs."""
from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"

# A valid item of the demo roster, for tests that need one to start from.
VALID_ITEM = """\
---
title: 市应急管理局召开全市防汛工作部署会
date: 2026-06-03 16:30
source: 云江市应急管理局防汛抗旱科
department: 防汛抗旱科
type: 动态
author: [{informant}]
reviewers:
  初审: {unit_head}
  保密审查: {secrecy}
  复审: {leader}
  终审: {office}
---
6月3日，市应急管理局召开全市防汛工作部署会，通报今年汛期气象趋势，部署防汛物资储备与值班值守工作。
"""


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as if today were 2026-11-22, the day the demo portal was written."""
    monkeypatch.setenv("PORTAL_NOW", "2026-11-22T12:00:00+08:00")


@pytest.fixture
def demo_root() -> Path:
    return REPO


@pytest.fixture
def tmp_portal(tmp_path: Path) -> Path:
    """An empty portal with the demo columns.yml and roster.yml."""
    for name in ("columns.yml", "roster.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "content").mkdir()
    return tmp_path


def people_for(department: str) -> dict[str, str]:
    """Ids of the demo roster's informant, unit head, secrecy reviewer, leader and office for a department."""
    import yaml

    roster = yaml.safe_load((REPO / "roster.yml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for p in roster["people"]:
        for role in p["roles"]:
            if role in ("informant", "unit_head", "secrecy") and p["department"] == department:
                out.setdefault(role, p["id"])
            elif role == "leader" and department in p.get("oversees", []):
                out.setdefault("leader", p["id"])
            elif role == "office":
                out.setdefault("office", p["id"])
    return out


@pytest.fixture
def valid_item() -> str:
    return VALID_ITEM.format(**people_for("防汛抗旱科"))


@pytest.fixture
def write_item(tmp_portal: Path) -> Callable[..., Path]:
    def write(rel: str, text: str | bytes) -> Path:
        path = tmp_portal / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return path

    return write
