"""Fixtures for the checks: items built from the demo roster, written into a throwaway portal."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

import checks
from portal import config, model
from portal.errors import Finding

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"


@functools.cache
def demo_config() -> config.Config:
    return config.load(REPO)


def signers(department: str, column: str, importance: str = "一般") -> dict[str, str]:
    """For each stage of the column's chain: the first roster person who may sign it for the department."""
    cfg = demo_config()
    chain = cfg.columns[column].chain
    out = {}
    used: set[str] = set()
    for stage in chain.for_importance(importance):
        role = cfg.roles[stage.role]
        person = next(p.id for p in cfg.people.values() if p.may_sign(role, department) and p.id not in used)
        used.add(person)
        out[stage.id] = person
    return out


def informant(department: str) -> str:
    cfg = demo_config()
    return next(p.id for p in cfg.people.values() if p.department == department and "informant" in p.roles)


def item_text(column: str = "news", body: str = "6月3日，市应急管理局召开全市防汛工作部署会，部署防汛物资储备与值班值守工作。",
              **fields: Any) -> str:
    """A valid item of `column` (front-matter in the usual order); `fields` override or, as None, remove keys."""
    department = fields.get("department") or demo_config().columns[column].departments[0]
    kind = demo_config().columns[column].kinds[0]
    meta: dict[str, Any] = {
        "title": "市应急管理局召开全市防汛工作部署会",
        "date": "2026-06-03 16:30",
        "source": f"云江市应急管理局{department}",
        "department": department,
        "type": kind,
        "author": [informant(department)],
        "importance": fields.get("importance") or "一般",
        "reviewers": signers(department, column, fields.get("importance") or "一般"),
    }
    for key, value in fields.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    return f"---\n{front_matter(meta)}---\n{body}\n"


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000).removesuffix("\n...\n").strip()


def front_matter(meta: dict[str, Any]) -> str:
    """YAML as people write it: mappings as blocks, lists inline."""
    out = []
    for key, value in meta.items():
        if isinstance(value, dict):
            out.append(f"{key}:")
            out += [f"  {k}: {_scalar(v)}" for k, v in value.items()]
        else:
            out.append(f"{key}: {_scalar(value)}")
    return "\n".join(out) + "\n"


def rules_of(findings: Iterable[Finding], prefix: str | tuple[str, ...] = "") -> list[str]:
    return sorted(f.rule for f in findings if f.rule.startswith(prefix))


@pytest.fixture
def run_checks(tmp_portal: Path) -> Callable[..., list[Finding]]:
    """Write `files` (content-relative path -> text or bytes) and run the given checks (default: all)."""

    def run(files: dict[str, str | bytes], *modules: Any, paths: list[str] | None = None) -> list[Finding]:
        for rel, text in files.items():
            path = tmp_portal / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        portal = model.load(tmp_portal, paths)
        return checks.run(portal, list(modules) or None)

    return run


# seed -> (title, 发文字号, date), as the original documents give them (seed 002 writes its number
# with [] brackets, 州政办发[2008]47号; as our item it carries the GB/T 9704 form)
SEED_META = {
    "000": ("关于修订《陕西省地震系统政务信息工作管理办法》的通知", "陕震发〔2012〕56号", "2012-06-26"),
    "001": ("江苏省应急管理厅政府网站信息发布管理办法", None, "2020-05-22"),
    "002": ("甘南藏族自治州人民政府办公室关于印发《甘南州政务信息工作规范》的通知", "州政办发〔2008〕47号", "2008-04-15"),
    "003": ("陕西省工业和信息化厅门户网站管理办法", None, "2026-01-05"),
    "004": ("关于印发《市应急管理局规范报送政务信息工作制度(试行)》的通知", "盘应急发〔2025〕22号", "2025-05-12"),
}


def seed_items() -> dict[str, str]:
    """The five real regulations, wrapped as items (通知) of the documents column."""
    items = {}
    for path in sorted(SEEDS.glob("*.txt")):
        title, number, date = SEED_META[path.name[:3]]
        fields: dict[str, Any] = {"title": title, "type": "通知", "department": "法规科", "date": date}
        if number:
            fields["doc_number"] = number
        text = path.read_text(encoding="utf-8")
        items[f"content/documents/{date}-seed-{path.name[:3]}.md"] = item_text("documents", text, **fields)
    return items
