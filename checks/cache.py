"""Findings remembered between runs of `portal check` on the same portal: only what changed is read again.

An item's findings are reused when nothing they depend on can have changed:
- the item file has the same size, mtime, ctime and inode (and was not written within RACY seconds of the
  run that remembered it, when a change could keep the same mtime);
- every file it links (attachments, pictures) has the same size, mtime, ctime and inode, or is still absent;
- the context is the same: the portal's root .yml files (columns, roster, calendar ...), the checks' rules
  and this program's source, and the run is before the item's next time boundary (the next of its own
  dates still in the future, or the next midnight: date checks compare with today).
What is about several items at once (duplicate names, files no item links, accepted.yml, checks that
declare CROSS) is worked out again on every run. A cache that cannot be read is ignored and rewritten;
the build and the server's gate never use it (they check everything they publish or accept).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from portal import clock, model
from portal.config import ConfigError
from portal.config import load as load_config
from portal.errors import Finding

from . import accepted, unlinked

VERSION = 1
RACY = 2.0  # seconds: a file written this close to a run may change again without its mtime changing
PACKAGES = ("checks", "portal")
_Key = list[int]


@dataclasses.dataclass
class Checked(model.Portal):
    """The portal of a cached run: `articles` holds only the items read again; `items` counts them all."""
    items: int = 0


def location(root: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "portal" / "checks" / (hashlib.sha256(str(root).encode()).hexdigest()[:24] + ".json")


def enabled() -> bool:
    return os.environ.get("PORTAL_CHECK_CACHE", "1") not in ("0", "no", "off", "")


def _stat(path: Path) -> _Key:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return [-1]
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def context(root: Path) -> str:
    """What every item's findings depend on besides itself."""
    digest = hashlib.sha256(f"v{VERSION}".encode())
    for path in sorted(root.glob("*.y*ml")):
        if path.name != accepted.FILE:  # applied afresh on every run
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    here = Path(__file__).resolve().parents[1]
    for package in PACKAGES:
        for path in sorted((here / package).rglob("*")):
            if path.suffix in (".py", ".yml") and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(here)}:{_stat(path)}".encode())
    digest.update(os.environ.get("PORTAL_NOW", "").encode())
    return digest.hexdigest()


def _until(article: model.Article | None, now: dt.datetime) -> float:
    """The moment the item's findings may change by time alone: its next future date, or the next midnight."""
    midnight = dt.datetime.combine(now.astimezone(clock.CST).date() + dt.timedelta(days=1), dt.time(),
                                   tzinfo=clock.CST)
    moments = [midnight]
    if article is not None:
        for value in _scalars(article.meta):
            parsed = model.parse_when(value)
            if parsed is not None and parsed[0] > now:
                moments.append(parsed[0])
    return min(moments).timestamp()


def _scalars(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def _read(path: Path, ctx: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("context") != ctx or not isinstance(data.get("items"), dict):
        return {}
    return data["items"]


def _write(path: Path, ctx: str, items: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"context": ctx, "items": items}, ensure_ascii=False, separators=(",", ":")),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time next run


def _valid(entry: Any, root: Path, rel: str, now: float) -> bool:
    if not isinstance(entry, dict) or entry.get("until", 0) <= now or entry.get("stat") != _stat(root / rel):
        return False
    return all(_stat(root / f) == key for f, key in entry.get("files", []))


def _finding(row: list[Any]) -> Finding:
    return Finding(*row)


def _row(f: Finding) -> list[Any]:
    return [f.path, f.line, f.column, f.rule, f.category, f.severity, f.message, f.match]


def run(root: Path | str, chosen: Sequence[Any] | None = None) -> tuple[model.Portal | None, list[Finding]]:
    """The same findings as `runner.check_paths(root)` on the whole portal, reading only what changed.
    `chosen`: the check modules (None: every check; the modules are then imported only if needed)."""
    from . import runner

    root = Path(root).resolve()
    started = time.time()
    try:
        config = load_config(root)
    except ConfigError:
        return runner.check_paths(root, None, chosen)
    names = [_name(m) for m in chosen] if chosen is not None else list(runner.CHECK_NAMES)

    def modules() -> list[Any]:
        return list(chosen) if chosen is not None else runner.modules()

    across = [m for m in modules() if _name(m) in runner.CROSS_NAMES] if set(names) & set(runner.CROSS_NAMES) else []
    findings: list[Finding] = []
    files = model._content_files(root, findings)
    findings += model._duplicate_slugs(files, files)
    ctx = context(root)
    where = location(root)
    old = _read(where, ctx)
    now = clock.now()
    reused = {rel: old[rel] for rel in files if _valid(old.get(rel), root, rel, now.timestamp())}
    needed = {c for m in across for c in m.columns(config)}
    articles: list[model.Article] = []
    fresh: dict[str, list[Finding]] = {}
    for rel in files:
        if rel in reused and rel.split("/")[1] not in needed:
            continue
        article, problems = model.parse_article(config, rel, (root / rel).read_bytes())
        if article is not None:
            articles.append(article)
        if rel not in reused:
            fresh[rel] = problems
    portal = model.Portal(config, articles, [])
    refs: dict[str, list[str]] = {}
    entries: dict[str, Any] = {}
    if any(a.path in fresh for a in articles):
        from . import attachments

        local = [m for m in modules() if m not in across]
        for article in articles:
            if article.path in fresh:
                for module in local:
                    fresh[article.path].extend(module.check(portal, article))
                refs[article.path] = sorted({r.rel for r in attachments.references(article)})
    for rel, own in fresh.items():
        article_refs = refs.get(rel, [])
        entry: dict[str, Any] = {"stat": _stat(root / rel), "files": [[f, _stat(root / f)] for f in article_refs],
                 "findings": [_row(f) for f in own], "refs": article_refs,
                 "until": _until(next((a for a in articles if a.path == rel), None), now)}
        if entry["stat"][0] >= 0 and (root / rel).stat().st_mtime < started - RACY:
            entries[rel] = entry
        findings += own
    for rel, entry in reused.items():
        findings += [_finding(row) for row in entry["findings"]]
        entries[rel] = entry
        refs[rel] = entry["refs"]
    for article in articles:
        for module in across:
            findings.extend(module.check(portal, article))
    if "attachments" in names:
        findings += _unreferenced(root, files, refs)
    _write(where, ctx, entries)
    everything = Checked(config, articles, findings, items=len(files))
    return everything, sorted(set(accepted.apply(everything, sorted(set(findings)), report_stale=chosen is None,
                                                 checked=set(files))))


def _name(module: Any) -> str:
    return str(module.__name__).rpartition(".")[2]


def _unreferenced(root: Path, files: list[str], refs: dict[str, list[str]]) -> list[Finding]:
    linked: dict[str, set[str]] = {}
    for rel in files:
        linked.setdefault(rel.split("/")[1], set()).update(refs.get(rel, []))
    return [f for column in unlinked.columns(root) for f in unlinked.unreferenced(root, column, linked.get(column, set()))]
