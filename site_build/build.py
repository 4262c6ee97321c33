"""Build the public site into a directory, all or nothing, fully or incrementally.

`build_site` runs every check first and builds nothing when one reports an error. It writes into a
temporary directory next to `out` and renames it into place, so `out` is always either the old
site or the complete new one.

A full build is a real MkDocs build with the `portal` plugin (site_build.plugin). An incremental
build (`incremental_from` = the last site, with its state file next to it) starts from a copy of
that site and rewrites only what changed: the pages of added, edited, withdrawn or newly due items,
the index pages, home page, feeds and sitemap whose bytes changed, and the search shards of the
words involved. It reuses the theme's shells recorded by the full build, so its output is byte for
byte the output of a full build (tests/site/test_incremental.py). Anything that shapes every page
(mkdocs.yml, the theme, columns.yml, roster.yml, this package) changing makes it a full build.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, cast

from checks import runner
from portal import clock, model, policy
from portal.errors import Finding, PortalError, has_error

from . import pages, parallel, related, render, search, shell, state
from .delta import DeltaOutput

PACKAGE_CONFIG = Path(__file__).parent / "mkdocs.yml"


@dataclasses.dataclass
class BuildResult:
    out: Path  # the site directory
    pages: list[str]  # every page of the site, as a URL path relative to the site root ("" is home, "news/x/")
    written: list[str]  # files (relative to out) this build wrote: every file for a full build
    findings: list[Finding]  # what the checks reported; with an error nothing was built
    incremental: bool = False
    removed: list[str] = dataclasses.field(default_factory=list)  # files an incremental build deleted
    items: int = 0  # public items on the site

    @property
    def ok(self) -> bool:
        return not has_error(self.findings)


def config_file(root: Path) -> Path:
    """The portal's own mkdocs.yml, or the packaged default for a portal without one."""
    own = root / "mkdocs.yml"
    return own if own.is_file() else PACKAGE_CONFIG


def load_mkdocs(root: Path, site_dir: Path) -> Any:
    from mkdocs.config import load_config

    cfg = load_config(config_file=str(config_file(root)), site_dir=str(site_dir))
    plugin = cfg.plugins["portal"]
    plugin.config.root = str(root)
    return cfg


def build_site(root: Path, out: Path, *, incremental_from: Path | None = None, delta: bool = False,
               changed: Sequence[str] | None = None) -> BuildResult:
    """Build the portal at `root` into `out`; on a check error return the findings and leave `out` alone.

    With `incremental_from` (a site this function built before), rebuild only what changed when
    its state allows, else fall back to a full build. With `delta` too, an incremental build
    writes into `out` only the files it wrote and lists in `removed` the files of `incremental_from`
    to delete (site_build.delta; publishing applies them); a full build is always whole. `changed`
    (repository paths changed since `incremental_from` was built, from git) spares the scan of every file.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    _check_out(root, out)
    previous = None if incremental_from is None else Path(incremental_from).resolve()
    found = None if previous is None else state.open_state(previous)
    if previous is not None and found is not None and found.head.get("key") == _key(root) and related.KEY in found.head:
        try:
            hashes = state.FileHashes(root, {})
            changes = None if changed is None else state.from_changes(root, found, changed, hashes)
            if changes is None:  # no list of changes: compare every item with the state
                hashes = state.FileHashes(root, found.stats(found.columns()))
                items, others = state.scan(root, hashes)
                changes = state.Changes(items, others, set(found.columns()) | {state.column_of(p) for p in items})
            if changes.others == found.head["others"]:
                return _incremental(root, out, previous, found, changes, hashes, delta)
        except state.Damaged:  # a piece of the state is missing or changed: build everything
            found = None
    try:
        known = found.stats(found.columns()) if found is not None else {}
    except state.Damaged:
        known = {}
    hashes = state.FileHashes(root, known)
    items, others = state.scan(root, hashes)
    return _full(root, out, items, others, hashes)


def _check_out(root: Path, out: Path) -> None:
    """The build replaces `out` as a whole: never the portal itself, its content, or a folder we did not build."""
    if out == root or out in root.parents or (root / model.CONTENT) in (out, *out.parents):
        raise PortalError(f"输出目录 {out} 不能是门户仓库本身、它的上级目录或 content/ 下的目录。请换一个目录（默认 site/）")
    if out.is_dir() and any(out.iterdir()) and not state.path_for(out).is_file() and not (out / "sitemap.xml").is_file():
        raise PortalError(f"输出目录 {out} 已存在且不是构建出的网站，构建会整个替换它。请指定新目录，或确认无用后先删除")


def _key(root: Path) -> str:
    cfg_file = config_file(root)
    folder = cfg_file.parent
    import yaml

    data = yaml.safe_load(cfg_file.read_text(encoding="utf-8")) or {}
    theme = data.get("theme") or {}
    dirs = [folder / data.get("docs_dir", "docs")]
    if isinstance(theme, dict) and theme.get("custom_dir"):
        dirs.append(folder / theme["custom_dir"])
    return state.key(root, cfg_file, dirs)


def _check(portal: model.Portal | None, findings: list[Finding]) -> list[Finding]:
    return runner.run(portal) if portal is not None else findings


def _full(root: Path, out: Path, items: dict[str, str], others: list[str], hashes: state.FileHashes,
          workers: int | None = None) -> BuildResult:
    """Check everything, then build everything: items in `workers` processes (site_build.parallel)."""
    from mkdocs.commands.build import build

    with parallel.checked(root, workers) as (loaded, pool):
        findings = loaded.findings
        if loaded.portal is None or pool is None or not loaded.ok:
            return BuildResult(out, [], [], findings)
        with _staging(out) as tmp:
            cfg = load_mkdocs(root, tmp)
            plugin = cfg.plugins["portal"]
            plugin.portal = loaded.portal
            plugin.items = parallel.Items(pool, loaded)
            with _quiet():
                build(cfg)
            result = plugin.result
            assert result is not None
            written = parallel.files_under(tmp)
    plan = result.plan
    for src in {src for e in plan.entries for src, _ in e.files}:
        hashes.get(src)
    entries = {e.path: e for e in plan.entries}
    data = {
        "key": _key(root), "others": others, "own": sorted(result.own), "shells": result.shells,
        "items": {path: {"sha": items[path], "due": due, "entry": entries[path].as_dict() if path in entries else None}
                  for path, due in sorted(loaded.due.items()) if path in items},
        "lists": sorted(p.url for p in plan.lists),
        "stats": hashes.now,
        related.KEY: related.record(plan.site.config, clock.now()),
    }
    data["newest"], data["pending"] = state.newest(data["items"]), state.pending(data["items"])
    data["order"] = state.order_rows(e.as_dict() for e in plan.entries)
    state.save(out, data)
    return BuildResult(out, plan.page_urls, written, findings, items=len(plan.entries))


def _items(portal: model.Portal, items: dict[str, str], entries: dict[str, pages.Entry]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in portal.articles:
        if a.path in items:
            due = None if a.draft or a.date is None else a.date.isoformat()
            entry = entries.get(a.path)
            out[a.path] = {"sha": items[a.path], "due": due, "entry": entry.as_dict() if entry else None}
    return out


def _to_load(items: dict[str, str], known: dict[str, Any], before: dict[str, str], hashes: state.FileHashes,
             now: dt.datetime) -> set[str]:
    """The items to read again: new or changed, scheduled and due, or with a changed attachment."""
    load = set()
    for path, digest in items.items():
        record = known.get(path)
        if record is None or record["sha"] != digest:
            load.add(path)
        elif record["entry"] is None:
            if record["due"] is not None and dt.datetime.fromisoformat(record["due"]) <= now:
                load.add(path)  # scheduled, and its time has come
        elif any(hashes.get(src) != before.get(src) for src, _ in record["entry"]["files"]):
            load.add(path)  # an attachment changed
    return load


def _alive(found: state.State, changes: state.Changes) -> dict[str, str]:
    """Every item the policy links may name: those in scope, and the state's policy items of other columns."""
    alive = dict(changes.items)
    for path in found.head[related.KEY]["facts"]:
        if state.column_of(path) not in changes.scope:
            alive.setdefault(path, "")
    return alive


def _shown(links: policy.Links, now: dt.datetime) -> dict[str, Any]:
    """What each public policy item's page shows of other items and of today (site_build.related)."""
    return {p: links.shown(f, now) for p, f in sorted(links.facts.items()) if f.public(now)}


def _stale(old: dict[str, Any], shown: dict[str, Any], alive: dict[str, str], load: set[str],
           links: policy.Links) -> set[str]:
    """Unchanged items whose page would now show something else (related.stale, from `shown` computed once)."""
    return {p for p, was in old["shown"].items()
            if p in alive and p not in load and p in links.facts and shown.get(p) != was}


def _policy_record(old: dict[str, Any], links: policy.Links, shown: dict[str, Any], load: set[str]) -> dict[str, Any]:
    """related.update without serialising again the facts of the items not read (the state's own records)."""
    facts = {p: old["facts"][p] if p in old["facts"] and p not in load else f.as_dict()
             for p, f in sorted(links.facts.items())}
    return {"facts": facts, "shown": shown}


def _is_page_of(url: str, column: str) -> bool:
    return url == f"{column}/" or url.startswith(f"{column}/index_")


class _Row(NamedTuple):
    url: str
    date: str
    column: str
    title: str
    shown_date: str


class Listed(_Row):
    """A public item in publication order, as the search index reads it (the fields of pages.Entry it uses;
    made from a row of the state's order without building an Entry for each of 100,000 items)."""

    path = ""
    summary = ""
    files = ()


def _row(entry: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return entry["url"], entry["date"], entry["column"], entry["title"], entry["shown_date"]


def _reordered(rows: list[list[str]], gone: set[tuple[str, str, str, str, str]],
               came: set[tuple[str, str, str, str, str]]) -> list[list[str]]:
    """The publication order `rows` without the rows `gone` and with the rows `came` (each put in its place)."""
    if not gone and not came:
        return rows
    urls = {r[0] for r in gone}
    out = [r for r in rows if r[0] not in urls] if urls else list(rows)
    for row in sorted(came):
        bisect.insort(out, list(row), key=_publication)
    return out


def _publication(row: list[str]) -> tuple[str, str]:
    return row[1], row[0]


def _incremental(root: Path, out: Path, previous: Path, found: state.State, changes: state.Changes,
                 hashes: state.FileHashes, delta: bool = False) -> BuildResult:
    """Rebuild what changed, reading only the state of the columns in `changes.scope` (extended to the
    columns of scheduled items that came due and of policy pages that show a changed item)."""
    now = clock.now()
    head = found.head
    due = {state.column_of(p) for p, when in head["pending"].items() if dt.datetime.fromisoformat(when) <= now}
    state.extend(found, changes, due, hashes)

    def known_now() -> tuple[dict[str, Any], dict[str, str]]:
        records = {p: r for c in sorted(changes.scope) for p, r in found.piece(c)["items"].items()}
        return records, {rel: str(stat[2]) for rel, stat in found.stats(changes.scope).items()}

    known, before = known_now()
    load = _to_load(changes.items, known, before, hashes, now)
    if load:
        portal, findings = runner.check_paths(root, [str(root / p) for p in sorted(load)])
    else:
        portal, findings = model.load_or_findings(root, [])
    if portal is None or has_error(findings):
        return BuildResult(out, [], [], findings, incremental=True)
    links = related.links_for(head[related.KEY], portal, _alive(found, changes), load)
    shown = _shown(links, now)
    more = _stale(head[related.KEY], shown, _alive(found, changes), load, links)
    if more:  # pages that show a changed 解读 or policy document, or a 废止/失效 date that has come
        state.extend(found, changes, {state.column_of(p) for p in more}, hashes)
        known, before = known_now()
        load |= more
        portal, findings = runner.check_paths(root, [str(root / p) for p in sorted(load)])
        if portal is None or has_error(findings):
            return BuildResult(out, [], [], findings, incremental=True)
        links = related.links_for(head[related.KEY], portal, _alive(found, changes), load)
        shown = _shown(links, now)
    config = portal.config
    site = pages.Site(config, links, now)
    items = changes.items
    entries = {p: pages.Entry.from_dict(r["entry"]) for p, r in known.items()
               if p in items and p not in load and r["entry"] is not None}
    item_pages = []
    for article in portal.articles:
        if pages.is_listed(article, now):
            page, entries[article.path] = site.item(article)
            item_pages.append(page)
    # the columns whose lists change: an item loaded or withdrawn whose list record is not what it was
    touched = set()
    for path in load | {p for p in known if p not in items}:
        was = known.get(path, {}).get("entry")
        if (was is None) != (path not in entries) or (was is not None and pages.Entry.from_dict(was) != entries[path]):
            touched.add(state.column_of(path) if was is None else str(was["column"]))
    by_column: dict[str, list[pages.Entry]] = {c: [] for c in touched}
    for e in entries.values():
        if e.column in touched:
            by_column[e.column].append(e)
    by_column = {c: pages.newest_first(es) for c, es in by_column.items()}
    newest = {c: es for c, es in head["newest"].items() if c not in touched}
    newest.update({c: [e.as_dict() for e in es[:state.NEWEST]] for c, es in by_column.items() if es})
    list_pages: list[pages.Page] = []
    files: dict[str, bytes] = {}
    if touched:
        latest = {c: [pages.Entry.from_dict(d) for d in es] for c, es in newest.items()}
        list_pages.append(site.home_page(latest))
        files[pages.FEED] = site.feed(pages.newest_first(e for es in latest.values() for e in es))
        for column in config.columns.values():
            if column.id in touched:
                list_pages += site.column_pages(column, by_column[column.id])
                files[f"{column.id}/{pages.FEED}"] = site.feed(by_column[column.id], column)
    lists = sorted({u for u in head["lists"] if not any(_is_page_of(u, c) for c in touched)}
                   | {p.url for p in list_pages})
    old_rows = found.order()
    rows = old_rows
    if touched:
        was = {_row(e) for p, r in known.items() if (e := r["entry"]) is not None and e["column"] in touched}
        now_rows = {(e.url, e.date, e.column, e.title, e.shown_date) for e in entries.values() if e.column in touched}
        rows = _reordered(old_rows, was - now_rows, now_rows - was)
        gone = {r[0] for r in was - now_rows} | (set(head["lists"]) - set(lists))
        came = [(r[0], r[1][:10]) for r in now_rows - was] + [(u, "") for u in sorted(set(lists) - set(head["lists"]))]
        old_map = (previous / "sitemap.xml").read_bytes() if (previous / "sitemap.xml").is_file() else b""
        # an item whose row changed is removed and added again
        files["sitemap.xml"] = site.sitemap_patch(old_map, gone, came) \
            or site.sitemap([(r[0], r[1][:10]) for r in rows] + [(u, "") for u in lists])
    shells: dict[str, shell.Shell] = head["shells"]
    own = set(head["own"])
    with _staging(out, copy_from=None if delta else previous) as tmp:
        o = DeltaOutput(tmp, previous) if delta else render.Output(tmp)
        old_entries = {p: r["entry"] for p, r in known.items() if r["entry"] is not None}
        new_urls = {e.url for e in entries.values()}
        for entry in old_entries.values():
            if entry["url"] not in new_urls:
                o.remove(pages.output_path(entry["url"]))
        needed = {dest for e in entries.values() for _, dest in e.files}
        for entry in old_entries.values():
            for _, dest in entry["files"]:
                if dest not in needed:
                    o.remove(dest)
        sources = {s for e in entries.values() for s, _ in e.files}
        changed_files = {src for src in sources if hashes.get(src) != before.get(src)}
        render.copy_files(o, root, [e for e in entries.values()
                                    if e.path in load or {s for s, _ in e.files} & changed_files])
        render.write_pages(o, item_pages, shells, own)
        render.write_pages(o, list_pages, shells, own, compare=True)
        for url in set(head["lists"]) - set(lists):
            o.remove(pages.output_path(url))
        render.write_files(o, files, compare=True)
        ordered = cast(list[pages.Entry], list(map(Listed._make, rows)))
        words = render.words(item_pages)
        titles = {c.id: c.title for c in config.columns.values()}
        index = search.patch(previous, [r[0] for r in old_rows], ordered, words, titles)
        render.write_files(o, index, compare=True)
        for stale in search.obsolete(previous, index):
            o.remove(stale)
    merged = {p: r for p, r in known.items() if p in items and p not in load}
    merged.update(_items(portal, items, entries))
    pending = {p: when for p, when in head["pending"].items() if state.column_of(p) not in changes.scope}
    pending.update(state.pending(merged))
    data = {**{k: v for k, v in head.items() if k not in ("pieces", "order", "version", "witnesses")},
            "others": changes.others, "items": merged, "stats": hashes.now, "lists": lists, "order": rows,
            "newest": dict(sorted(newest.items())), "pending": dict(sorted(pending.items())),
            "scope": sorted(changes.scope), related.KEY: _policy_record(head[related.KEY], links, shown, load)}
    state.save(out, data, found)
    page_urls = lists + [r[0] for r in rows]
    return BuildResult(out, page_urls, sorted(set(o.written)), findings, incremental=True,
                       removed=sorted(o.removed), items=len(rows))


@contextmanager
def _staging(out: Path, copy_from: Path | None = None) -> Iterator[Path]:
    """A directory next to `out` to build in; on success it replaces `out`, on failure it is removed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        if copy_from is not None:
            tmp.rmdir()
            shutil.copytree(copy_from, tmp, symlinks=True, copy_function=_link_or_copy)
        yield tmp
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link_or_copy(src: str, dst: str) -> None:
    """Unchanged files are hard links to the previous site's (every write replaces, never edits, a file)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap(tmp: Path, out: Path) -> None:
    """Put the finished tmp in place of out: two renames, the old copy removed last."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _quiet() -> Iterator[None]:
    """MkDocs reports each build step at INFO; the portal command prints its own summary."""
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
