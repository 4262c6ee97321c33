"""A full build on every core: worker processes load, check and render the items in chunks.

The main process lists the portal's files (as `portal.model.load` does) and forks one worker per
chunk (`workers()`, every core by default; PORTAL_BUILD_WORKERS sets the number). Each worker, in
two steps over the same chunk:

1. loads its items, runs every check on them (`checks.runner.run` on a portal of that chunk),
   renders each public item's page (`pages.Site.item`) and its search words, and sends back the
   findings, the list records (`pages.Entry`), each item's publication time, the SHA-256 of every
   file its checks read (`portal.view.mark_checked`) and the words. The pages stay in the worker.
2. when the main process has the theme's shells (site_build.plugin) and a directory to write in,
   fills and writes its item pages and sends back the files it wrote.

Meanwhile the main process writes the lists, feeds, sitemap, attachments and search index. It
publishes a file only if a check read exactly its bytes: the workers' hashes are added to the
main process's record before it copies anything (`view.checked_bytes`).

A worker ends with the process that started it, even one killed by SIGKILL (`die_with_parent`).

Everything merged is ordered by value (findings sorted, entries by date and URL), never by which
worker finished first, so any number of workers writes the bytes of one. The checks see what they
see in one process: a column with files in its files/ folder is never split (the files no item
references are found among all its items), the model's findings go with their item, accepted.yml
is applied per chunk (an entry is used or stale where its file is), and a chunk's portal says it is
incomplete (`Portal.complete`), so cross-item checks read the other items from disk.
"""
from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from checks import runner
from portal import clock, model, policy, view
from portal.config import Config, ConfigError
from portal.config import load as load_config
from portal.errors import Finding, PortalError, has_error

from . import pages, render, search, shell

ENV = "PORTAL_BUILD_WORKERS"
PARTS = 4  # a chunk is loaded and checked in up to this many parts (memory: the items of one part at a time) ...
PART_MIN = 2000  # ... of at least this many items (each part lists the content folder again for its checks)
PR_SET_PDEATHSIG = 1  # linux/prctl.h: the signal this process gets when its parent ends
ORPHAN_POLL = 0.5  # seconds between two looks at the parent where prctl is not available


def workers() -> int:
    """How many worker processes a full build uses: PORTAL_BUILD_WORKERS, else one per usable core."""
    value = os.environ.get(ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclasses.dataclass
class Loaded:
    """What step 1 of one chunk sends back."""

    findings: list[Finding]
    entries: list[pages.Entry]
    due: dict[str, str | None]  # every loaded item: its publication time (None: a draft or undated)
    checked: dict[str, str]  # file -> SHA-256 of what the checks read
    texts: dict[str, search.Text]  # item URL -> what the search index reads of its page


class Chunk:
    """Some of the portal's items: loaded, checked and rendered in one process."""

    def __init__(self, config: Config, files: list[str], findings: list[Finding], complete: bool,
                 now: dt.datetime) -> None:
        self.config = config
        self.now = now  # the build's "now", one for every chunk
        self.files = files
        self.model_findings = findings  # the model's findings about these files (names, duplicates ...)
        self.complete = complete
        self.pages: list[pages.Page] = []

    def load(self) -> Loaded:
        """Load, check and render the chunk a part at a time: memory holds the items of one part (their
        text, published view and the checks' records) and the finished pages of all."""
        n = max(1, min(PARTS, len(self.files) // PART_MIN))
        parts = [self] if n == 1 else split(self.config, self.files, self.model_findings, n, self.now)
        complete = self.complete and len(parts) == 1
        cache: dict[str, Any] = {}  # Portal.cache, shared by the parts: cross-item checks read the other items once
        found: set[Finding] = set()
        due: dict[str, str | None] = {}
        entries, texts = [], {}
        for part in parts:
            part_found, part_due, articles = self._check(part.files, part.model_findings, complete, cache)
            found.update(part_found)
            due.update(part_due)
            if not has_error(found):  # else nothing is built: no page is worth rendering
                portal = model.Portal(self.config, articles, [], complete=complete, cache=cache)
                site = pages.Site(self.config, policy.links(portal), self.now)
                for article in articles:
                    if pages.is_listed(article, self.now):
                        page, entry = site.item(article)
                        self.pages.append(page)
                        entries.append(entry)
                        texts[page.url] = render.page_words(page)
        return Loaded(sorted(found), entries, due, dict(view._CHECKED), texts)

    def _check(self, files: list[str], findings: list[Finding], complete: bool, cache: dict[str, Any]
               ) -> tuple[list[Finding], dict[str, str | None], list[model.Article]]:
        root, config = self.config.root, self.config
        findings = list(findings)
        articles = []
        for rel in files:
            article, problems = model.parse_article(config, rel, (root / rel).read_bytes())
            findings += problems
            if article is not None:
                articles.append(article)
        portal = model.Portal(config, articles, findings, complete=complete, cache=cache)
        due = {a.path: None if a.draft or a.date is None else a.date.isoformat() for a in articles}
        return runner.run(portal), due, articles

    def write(self, dest: Path, shells: dict[str, shell.Shell], own: set[str]) -> list[str]:
        out = render.Output(dest)
        render.write_pages(out, self.pages, shells, own)
        self.pages = []
        return out.written


@dataclasses.dataclass
class Result:
    """The checks and item records of the whole portal, merged."""

    portal: model.Portal | None  # its config and findings, `articles` empty (they stay in the workers); None: no config
    findings: list[Finding]
    entries: list[pages.Entry]
    due: dict[str, str | None]
    texts: dict[str, search.Text]
    now: dt.datetime

    @property
    def ok(self) -> bool:
        return not has_error(self.findings)


def split(config: Config, files: list[str], findings: list[Finding], n: int,
          now: dt.datetime | None = None) -> list[Chunk]:
    """At most n chunks of about the same number of items, in file order; a column with files in its
    files/ folder is never split."""
    whole = {c for c in _whole_columns(config) if any(f.split("/")[1] == c for f in files)}
    groups: list[list[str]] = []
    free: list[str] = []
    by_column: dict[str, list[str]] = {}
    for rel in files:
        column = rel.split("/")[1]
        (by_column.setdefault(column, []) if column in whole else free).append(rel)
    n = max(1, min(n, len(files)))
    size = -(-len(files) // n) if files else 0
    groups = [[] for _ in range(n)]
    for column in sorted(by_column, key=lambda c: (-len(by_column[c]), c)):  # whole columns first, largest first
        smallest = min(range(n), key=lambda i: (len(groups[i]), i))
        groups[smallest] += by_column[column]
    for rel in free:
        i = next((i for i in range(n) if len(groups[i]) < size), min(range(n), key=lambda i: (len(groups[i]), i)))
        groups[i].append(rel)
    groups = [sorted(g) for g in groups if g] or [[]]
    owner = {rel: i for i, g in enumerate(groups) for rel in g}
    column_owner = {rel.split("/")[1]: i for rel, i in owner.items() if rel.split("/")[1] in whole}
    given: list[list[Finding]] = [[] for _ in groups]
    for f in findings:
        parts = f.path.split("/")
        i = owner.get(f.path, column_owner.get(parts[1], 0) if len(parts) > 2 and parts[0] == model.CONTENT else 0)
        given[i].append(f)
    complete, now = len(groups) == 1, now or clock.now()
    return [Chunk(config, g, fs, complete, now) for g, fs in zip(groups, given, strict=True)]


def _whole_columns(config: Config) -> set[str]:
    """Columns with files in their files/ folder: checks.attachments finds the files no item references
    only where every item of the column is loaded. (Checks that read other items' front-matter, such as
    checks.policy, read them from disk when the portal is incomplete: their columns may be split.)"""
    out = set()
    for column in config.columns:
        folder = config.root / model.CONTENT / column / model.FILES_DIR
        if folder.is_dir() and any(p.is_file() for p in folder.rglob("*")):
            out.add(column)
    return out


def warm(config: Config) -> None:
    """Import the checks and read and compile their rules here, once, before forking: every worker
    inherits them (pages shared copy-on-write) instead of doing it again. A broken rules file is left
    for the workers to report, as without this."""
    from checks import kinds, normalize, rulefile, secrecy

    with suppress(PortalError):
        for module in runner.modules():
            name = getattr(module, "RULES", None)
            if isinstance(name, str):
                rulefile.load(name)
        kinds.compiled()
        normalize.normalizer()
        secrecy.ruleset(model.Portal(config, [], []))


class Pool:
    """The chunks of one full build, each in a worker process (or in this process, for one chunk)."""

    def __init__(self, chunks: Sequence[Chunk], fork: bool) -> None:
        self.chunks = list(chunks)
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        if fork:
            ctx = multiprocessing.get_context("fork")
            for chunk in self.chunks:
                here, there = ctx.Pipe()
                proc = ctx.Process(target=_worker, args=(chunk, there, os.getpid()), daemon=True)
                proc.start()
                there.close()
                self.conns.append(here)
                self.procs.append(proc)

    def load(self) -> list[Loaded]:
        if not self.conns:
            return [chunk.load() for chunk in self.chunks]
        return [_receive(conn) for conn in self.conns]

    def start_writing(self, dest: Path, shells: dict[str, shell.Shell], own: set[str]) -> None:
        self._writing = [(dest, shells, own)]
        for conn in self.conns:
            conn.send((dest, shells, own))

    def finish_writing(self) -> list[str]:
        if not self.conns:
            dest, shells, own = self._writing[0]
            return [rel for chunk in self.chunks for rel in chunk.write(dest, shells, own)]
        return [rel for conn in self.conns for rel in _receive(conn)]

    def close(self) -> None:
        for conn in self.conns:
            with suppress(OSError):
                conn.send(None)
            conn.close()
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()


def die_with_parent(parent: int) -> None:
    """End this (worker) process when `parent` ends, however it ends (even by SIGKILL, which runs no
    cleanup in the parent): the kernel sends SIGKILL to it (Linux prctl PR_SET_PDEATHSIG); elsewhere a
    thread looks every ORPHAN_POLL seconds whether the parent is gone (the process was re-parented)."""
    armed = False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(ORPHAN_POLL)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


def _worker(chunk: Chunk, conn: Connection, parent: int) -> None:
    die_with_parent(parent)
    try:
        conn.send(("ok", chunk.load()))
        task = conn.recv()
        if task is not None:
            conn.send(("ok", chunk.write(*task)))
            conn.recv()
    except EOFError:
        pass
    except PortalError as exc:
        conn.send(("portal-error", str(exc)))
    except BaseException:  # a bug: the main process reports it with the worker's traceback
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _receive(conn: Connection) -> Any:
    try:
        kind, value = conn.recv()
    except EOFError:
        raise RuntimeError("构建子进程意外退出（可能内存不足）。请减少 PORTAL_BUILD_WORKERS 后重试") from None
    if kind == "portal-error":
        raise PortalError(value)
    if kind == "error":
        raise RuntimeError(f"构建子进程出错：\n{value}")
    return value


@contextmanager
def checked(root: Path, n: int | None = None) -> Iterator[tuple[Result, Pool | None]]:
    """Load and check the whole portal in n chunks (default `workers()`); yield the merged result and
    the pool that holds the rendered item pages (None when the configuration itself is broken)."""
    root = Path(root).resolve()
    try:
        config = load_config(root)
    except ConfigError as exc:
        yield Result(None, exc.findings, [], {}, {}, clock.now()), None
        return
    findings: list[Finding] = []
    files = model._content_files(root, findings)
    findings += model.duplicate_slugs(files, files)
    now = clock.now()
    if threading.active_count() > 1:  # a server's thread: fork copies only this thread, maybe amid another's lock
        n = 1
    chunks = split(config, files, findings, workers() if n is None else n, now)
    if len(chunks) > 1:
        warm(config)
    pool = Pool(chunks, fork=len(chunks) > 1)
    try:
        loaded = pool.load()
        merged = sorted({f for part in loaded for f in part.findings})
        entries = sorted((e for part in loaded for e in part.entries), key=lambda e: e.path)
        due = {path: when for part in loaded for path, when in part.due.items()}
        texts = {url: t for part in loaded for url, t in part.texts.items()}
        for part in loaded:
            view._CHECKED.update(part.checked)
        portal = model.Portal(config, [], merged)
        yield Result(portal, merged, entries, due, texts, now), pool
    finally:
        pool.close()


class Items:
    """The item pages of a full build, for site_build.plugin: their places, their words, their writing."""

    def __init__(self, pool: Pool, result: Result) -> None:
        assert result.portal is not None
        self.pool = pool
        self.result = result
        self.plan = pages.plan(pages.Site(result.portal.config, now=result.now), result.entries, [])

    def places(self) -> list[pages.Page]:
        return item_places(self.result.entries)

    def start(self, dest: Path, shells: dict[str, shell.Shell], own: set[str]) -> None:
        self.pool.start_writing(dest, shells, own)

    def text(self, entry: pages.Entry) -> search.Text:
        return self.result.texts.pop(entry.url)  # read once: the index keeps what it needs of it

    def finish(self) -> list[str]:
        return self.pool.finish_writing()


def files_under(top: Path) -> list[str]:
    """Every file under `top` (symbolic links to files too), as sorted POSIX paths relative to it."""
    out = []
    for dirpath, _dirs, names in os.walk(top):
        rel = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        out += [prefix + name for name in names if os.path.isfile(os.path.join(dirpath, name))]
    return sorted(out)


def item_places(entries: Sequence[pages.Entry]) -> list[pages.Page]:
    """One stand-in item page per place (column, depth) the items are at: what their shells are rendered for."""
    places: dict[tuple[str, int], pages.Page] = {}
    for e in entries:
        depth = pages.depth_of(e.url)
        if (e.column, depth) not in places:
            places[(e.column, depth)] = pages.Page(e.url, pages.ITEM, e.column, depth, "", "", (), (), "")
    return [places[k] for k in sorted(places)]
