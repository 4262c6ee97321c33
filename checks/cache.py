"""Findings remembered between runs of `portal check` on the same portal: only what changed is read again.

Two files per portal in the user's cache folder (XDG_CACHE_HOME, default ~/.cache/portal/checks/):

- the summary (`location()`): the whole run's findings, valid while nothing under content/ changed. It is
  checked by listing content/ (os.scandir: every name, size, mtime, ctime and inode, in one digest), the
  portal's root .yml files (their bytes), the checks' rules and this program's source (their bytes), and the
  run's time boundary. When all match, `portal check` prints the remembered findings: no item is read, and
  neither the content model, YAML nor any check module is imported.
- the items (`location().with_suffix(".items")`, marshal): each item's own findings, reused when nothing they
  depend on can have changed: the item file has the same size, mtime, ctime and inode (and was not written
  within RACY seconds of the run that remembered it, when a change could keep the same mtime); every file it
  links (attachments, pictures) is unchanged or still absent; the context (root .yml files but accepted.yml,
  rules and source) is the same; and the run is before the item's next time boundary (the next of its own
  dates still in the future, or the next midnight: date checks compare with today).

What is about several items at once (duplicate names, files no item links, accepted.yml) is worked out again
whenever anything changed; a check that reads other items (runner.CROSS_NAMES: policy) is run again when a
file of the columns it reads changed, a file was added or removed, or its time boundary came (the end of a
grace period). Items to check are split over every core (forked worker processes, `workers()`); the
findings are sorted, so they are the same whatever the split. A cache that cannot be read is ignored and
rewritten; anything uncertain (a symbolic link under content/, an unreadable folder) means no reuse. The build
and the server's gate never use it (they check everything they publish or accept).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal import model
    from portal.config import Config
    from portal.errors import Finding

VERSION = 2
RACY = 2.0  # seconds: a file written this close to a run may change again without its mtime changing
PACKAGES = ("checks", "portal")
SOURCE = Path(__file__).resolve().parents[1]  # where PACKAGES are (their .py and .yml files key the cache)
CONTENT, FILES_DIR = "content", "files"  # as portal.model (not imported on the warm path)
WORKERS_ENV = "PORTAL_CHECK_WORKERS"
PARALLEL_MIN = 200  # fewer items to check than this: one process (forking costs more than it saves)
ACCEPTED_FILE = "accepted.yml"
_Key = list[int]


class Summary:
    """What a run that reused every finding knows of the portal: how many items it has."""

    def __init__(self, items: int) -> None:
        self.items = items
        self.articles: list[Any] = []


def location(root: Path, names: list[str] | None = None) -> Path:
    """The summary file of a portal, for every check (`names` None) or for the checks named (a hook's)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = hashlib.sha256(str(root).encode()).hexdigest()[:24]
    if names is not None:
        name += "-" + hashlib.sha256(",".join(names).encode()).hexdigest()[:8]
    return base / "portal" / "checks" / (name + ".json")


def _items_location(root: Path, names: list[str] | None = None) -> Path:
    return location(root, names).with_suffix(".items")


def enabled() -> bool:
    return os.environ.get("PORTAL_CHECK_CACHE", "1") not in ("0", "no", "off", "")


def workers() -> int:
    """Processes that check items: PORTAL_CHECK_WORKERS, else one per usable core."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _stat(path: Path | str) -> _Key:
    try:
        st = os.stat(path, follow_symlinks=False)
    except (OSError, ValueError):
        return [-1]
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


# ------------------------------------------------------------------ listing content/ (the warm path)


class Listing:
    """content/ as portal.model lists it (items in its order, FILE-NOT-MARKDOWN names), with every file's
    stat key and one digest of all names and keys."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.not_markdown: list[str] = []
        self.stats: dict[str, _Key] = {}
        self.digest = ""
        self.newest = 0  # the latest mtime (ns) of any file


class _Uncertain(Exception):
    """Something the fast listing does not model (a symbolic link, an unreadable folder)."""


def listing(root: Path) -> Listing | None:
    """The listing, or None when the model must list content/ itself (a symbolic link anywhere under it)."""
    out = Listing()
    base = root / CONTENT
    lines: list[str] = []
    try:
        if base.is_symlink():
            raise _Uncertain
        if base.is_dir():
            _walk(str(base), CONTENT, False, out, lines)
    except (_Uncertain, OSError):
        return None
    out.digest = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
    return out


def _walk(path: str, rel_dir: str, in_files: bool, out: Listing, lines: list[str]) -> None:
    # os.walk's order (portal.model._content_files): a folder's files by name, then its sub-folders by name
    with os.scandir(path) as it:
        entries = sorted(it, key=lambda e: e.name)
    folders = []
    lines.append(rel_dir + "/")
    for entry in entries:
        if entry.is_symlink():
            raise _Uncertain
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry)
            continue
        rel = f"{rel_dir}/{entry.name}"
        st = entry.stat(follow_symlinks=False)
        key = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        out.stats[rel] = key
        out.newest = max(out.newest, st.st_mtime_ns)
        lines.append(f"{rel}\0{key[0]},{key[1]},{key[2]},{key[3]}")
        if in_files or entry.name.startswith("."):
            continue
        (out.items if rel.endswith(".md") else out.not_markdown).append(rel)
    for entry in folders:
        sub = f"{rel_dir}/{entry.name}"
        _walk(entry.path, sub, in_files or sub.count("/") == 2 and entry.name == FILES_DIR, out, lines)


def _code() -> str:
    """The checks' rules and this program's source, and the libraries installed beside them."""
    digest = hashlib.sha256(f"v{VERSION}\0{sys.version}".encode())
    here = SOURCE
    for package in PACKAGES:
        for dirpath, dirnames, filenames in os.walk(here / package):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".yml")):
                    path = os.path.join(dirpath, name)
                    with open(path, "rb") as handle:
                        digest.update(f"{os.path.relpath(path, here)}\0".encode() + handle.read() + b"\0")
    for entry in sys.path:  # a library installed, upgraded or removed changes its site-packages folder
        if entry.endswith("-packages"):
            digest.update(f"{entry}:{_stat(entry)}".encode())
    return digest.hexdigest()


def _root_files(root: Path) -> dict[str, str]:
    """The portal's root .yml files (columns, roster, calendar, accepted ...): name -> SHA-256 of the bytes."""
    out = {}
    try:
        names = sorted(e.name for e in os.scandir(root) if e.name.endswith((".yml", ".yaml")))
    except OSError:
        return {}
    for name in names:
        try:
            with open(root / name, "rb") as handle:
                out[name] = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            out[name] = "?"
    return out


def _contexts(root: Path, names: list[str], every: bool) -> tuple[str, str]:
    """What every item's findings depend on besides itself, and (with accepted.yml and the checks chosen)
    what the whole run's findings do."""
    files = _root_files(root)
    common = hashlib.sha256(_code().encode())
    for name, value in files.items():
        if name != ACCEPTED_FILE:
            common.update(f"{name}\0{value}\0".encode())
    common.update(f"{os.environ.get('PORTAL_NOW', '')}\0{','.join(names)}".encode())
    items = common.hexdigest()
    whole = hashlib.sha256(f"{items}\0{files.get(ACCEPTED_FILE, '')}\0{','.join(names)}\0{every}".encode())
    return items, whole.hexdigest()


def _now() -> float:
    fixed = os.environ.get("PORTAL_NOW")
    if not fixed:
        return time.time()
    from portal import clock

    return clock.now().timestamp()


MAGIC = b"portal-check-items\n"  # the items file: these bytes, then marshal (ten times faster than JSON)


def _load(path: Path) -> dict[str, Any]:
    """A cache file's data ({} when it is missing, unreadable, damaged or of another version)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        data = marshal.loads(raw[len(MAGIC):]) if raw.startswith(MAGIC) else json.loads(raw.decode("utf-8"))
    except Exception:  # noqa: BLE001 - whatever is wrong with it, it is not trusted
        return {}
    return data if isinstance(data, dict) and data.get("version") == VERSION else {}


def _save(path: Path, data: dict[str, Any], binary: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        with open(tmp, "wb") as handle:
            if binary:
                handle.write(MAGIC + marshal.dumps(data))
            else:
                handle.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs time next run


def _remembered(data: dict[str, Any], whole: str, digest: str, now: float) -> list[Finding] | None:
    """The summary's findings, if it is for this very content, context and time."""
    try:
        if data.get("context") != whole or data.get("listing") != digest or not now < float(data["until"]):
            return None
        from portal.errors import Finding

        found = [Finding(*row) for row in data["rows"]]
        int(data["items"])
        return found if all(isinstance(f.path, str) and isinstance(f.line, int) for f in found) else None
    except (KeyError, TypeError, ValueError):
        return None


# ------------------------------------------------------------------ the run


def run(root: Path | str, chosen: Any = None, reuse: bool = True,
        remember: bool = True) -> tuple[Any, list[Finding]]:
    """The same findings as `runner.check_paths(root)` on the whole portal, reading only what changed.
    `chosen`: the check modules (None: every check; they are imported only if some item is read).
    `reuse`: use what the runs before remembered; `remember`: write what this run found."""
    from . import runner

    root = Path(root).resolve()
    started = time.time()
    now = _now()
    names = [_name(m) for m in chosen] if chosen is not None else list(runner.CHECK_NAMES)
    listed = listing(root)
    ctx_items, ctx_whole = _contexts(root, names, chosen is None)
    where = location(root, None if chosen is None else names)
    if reuse and listed is not None:
        data = _load(where)
        found = _remembered(data, ctx_whole, listed.digest, now)
        if found is not None:
            return Summary(int(data["items"])), found
    return _run(root, chosen, names, listed, (ctx_items, ctx_whole), reuse, remember, started)


def _run(root: Path, chosen: Any, names: list[str], listed: Listing | None, ctx: tuple[str, str],
         reuse: bool, remember: bool, started: float) -> tuple[Any, list[Finding]]:
    from portal import clock, model
    from portal.config import ConfigError
    from portal.config import load as load_config

    from . import accepted, runner

    try:
        config = load_config(root)
    except ConfigError:
        return runner.check_paths(root, None, chosen)
    now_dt = clock.now()
    now = now_dt.timestamp()
    findings: list[Finding] = []
    stats: dict[str, _Key] = listed.stats if listed is not None else {}
    # the model's own listing, with its findings, when there is more to say than the names of the items
    files = model._content_files(root, findings) if listed is None or listed.not_markdown else listed.items
    findings += model.duplicate_slugs(files, files)

    def key(rel: str) -> _Key:
        if rel in stats:
            return stats[rel]
        # a linked file under content/ that the listing did not see did not exist when it was taken
        return [-1] if listed is not None and rel.startswith(CONTENT + "/") else _stat(root / rel)

    which = None if chosen is None else names  # a hook's own checks keep their own files
    old = _load(_items_location(root, which)) if reuse else {}
    if old.get("context") != ctx[0] or not isinstance(old.get("items"), dict):
        old = {"items": {}}
    reused = {rel: old["items"][rel] for rel in files if _valid(old["items"].get(rel), rel, key, now)}
    cross = [n for n in names if n in runner.CROSS_NAMES]
    module_of = {_name(m): m for m in chosen} if chosen is not None else None

    def module(name: str) -> Any:
        return module_of[name] if module_of is not None else runner.module(name)

    # a cross check's group: every name under content/ and the keys of the files of the columns it reads
    groups: dict[str, dict[str, Any]] = {}
    needed: set[str] = set()
    for name in cross:
        cols = set(module(name).columns(config))
        basis = hashlib.sha256("\n".join(f"{rel}\0{key(rel) if rel.split('/')[1] in cols else ''}"
                                         for rel in files if rel.count("/") >= 2).encode("utf-8", "surrogateescape"))
        group: dict[str, Any] = {"key": basis.hexdigest()}
        before = old.get("cross", {}).get(name) if isinstance(old.get("cross"), dict) else None
        if isinstance(before, dict) and before.get("key") == group["key"] and _until_ok(before, now):
            group.update(before, reused=True)
        else:
            needed |= cols
        groups[name] = group
    fresh = [rel for rel in files if rel not in reused]
    local_names = [n for n in names if n not in runner.CROSS_NAMES]
    mine = [rel for rel in files if rel.split("/")[1:2] and rel.split("/")[1] in needed]
    results, articles = _check_all(config, fresh, mine, local_names, module, now_dt)
    entries: dict[str, Any] = {}
    refs: dict[str, list[str]] = {}
    untils: list[float] = [_midnight(now_dt)]
    for rel, (own, article_refs, until) in results.items():
        findings += own
        refs[rel] = article_refs
        untils.append(until)
        entry: dict[str, Any] = {"stat": key(rel), "files": [[f, key(f)] for f in article_refs],
                 "findings": [_row(f) for f in own], "refs": article_refs, "until": until}
        if listed is not None and _settled(entry["stat"], started) and all(
                k == [-1] or _settled(k, started) for _, k in entry["files"]):
            entries[rel] = entry
    from portal.errors import Finding

    for rel, entry in reused.items():
        findings += [Finding(*row) for row in entry["findings"]]
        entries[rel] = entry
        refs[rel] = entry["refs"]
        untils.append(float(entry["until"]))
    by_column: dict[str, list[model.Article]] = {}
    for article in articles:
        by_column.setdefault(article.column, []).append(article)
    for name, group in groups.items():
        if group.pop("reused", False):
            findings += [Finding(*row) for row in group["findings"]]
        else:
            mod = module(name)
            cols = set(mod.columns(config))
            chosen_articles = [a for a in articles if a.column in cols]
            portal = model.Portal(config, chosen_articles, [])
            own = [f for a in chosen_articles for f in mod.check(portal, a)]
            findings += own
            group["findings"] = [_row(f) for f in own]
            group["until"] = min([_midnight(now_dt), *_grace_moments(config, chosen_articles, now_dt),
                                  *(results[a.path][2] if a.path in results else float(reused[a.path]["until"])
                                    for a in chosen_articles if a.path in results or a.path in reused)])
        untils.append(float(group["until"]))
    if "attachments" in names:
        findings += _unreferenced(root, files, refs)
    everything = _checked_class()(config, articles, findings, items=len(files))
    final = sorted(set(accepted.apply(everything, sorted(set(findings)), report_stale=chosen is None,
                                      checked=set(files))))
    if remember and enabled():
        _save(_items_location(root, which), {"version": VERSION, "context": ctx[0], "items": entries, "cross": groups}, binary=True)
        untils += _accepted_moments(root, now_dt)
        calm = listed is not None and listed.newest < (started - RACY) * 1e9 and len(entries) == len(files)
        if calm:
            assert listed is not None
            _save(location(root, which), {"version": VERSION, "context": ctx[1], "listing": listed.digest,
                                   "until": min(untils), "items": len(files), "rows": [_row(f) for f in final]})
        else:
            with contextlib.suppress(OSError):
                location(root, which).unlink()
        _prune(location(root).parent, time.time())
    return everything, final


KEEP_DAYS = 30  # a portal's cache files not written for this long are deleted (temporary copies, old clones)


def _prune(folder: Path, now: float) -> None:
    """Delete the cache files of portals not checked for KEEP_DAYS (looked at once a day)."""
    marker = folder / ".pruned"
    with contextlib.suppress(OSError):
        if now - marker.stat().st_mtime < 86400:
            return
    with contextlib.suppress(OSError):
        marker.touch()
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                if entry.name != marker.name and entry.stat(follow_symlinks=False).st_mtime < now - KEEP_DAYS * 86400:
                    os.unlink(entry.path)


def _settled(key: _Key, started: float) -> bool:
    """A file that exists and was last written long enough before the run (not racy)."""
    return len(key) == 4 and key[1] < (started - RACY) * 1e9


def _valid(entry: Any, rel: str, key: Any, now: float) -> bool:
    try:
        if not isinstance(entry, dict) or not _until_ok(entry, now) or entry.get("stat") != key(rel):
            return False
        if not isinstance(entry["findings"], list) or not isinstance(entry["refs"], list):
            return False
        return all(key(f) == k for f, k in entry.get("files", []))
    except (KeyError, TypeError, ValueError):
        return False


def _until_ok(entry: dict[str, Any], now: float) -> bool:
    try:
        return now < float(entry.get("until", 0))
    except (TypeError, ValueError):
        return False


_CHECKED: list[Any] = []


def _checked_class() -> Any:
    """model.Portal with `items` (defined on first use: the model is not imported on the warm path)."""
    if not _CHECKED:
        import dataclasses

        from portal import model

        @dataclasses.dataclass
        class Checked(model.Portal):
            """The portal of a cached run: `articles` holds only the items read again; `items` counts them all."""
            items: int = 0

        _CHECKED.append(Checked)
    return _CHECKED[0]


def _check_all(config: Config, fresh: list[str], mine: list[str], names: list[str], module: Any,
               now: Any) -> tuple[dict[str, tuple[list[Finding], list[str], float]], list[model.Article]]:
    """Check the `fresh` items (every local check), and read `mine` (the cross checks' items): the parent
    reads `mine` and a share of `fresh`, forked workers the rest. Returns each fresh item's findings, links
    and time boundary, and the articles of `mine`."""
    n = workers() if len(fresh) >= PARALLEL_MIN else 1
    own = set(mine)
    rest = [rel for rel in fresh if rel not in own]
    share = max(0, len(fresh) // n - len(own & set(fresh))) if n > 1 else len(rest)
    parts = [rest[share:][i::n - 1] for i in range(n - 1)] if n > 1 else []
    modules = [module(name) for name in names]  # imported before forking: the workers share them
    children = [_fork(config, part, modules, now) for part in parts if part]
    results, articles = _check_items(config, rest[:share] + mine, set(rest[:share]) | (own & set(fresh)),
                                     modules, now)
    for child, part in children:
        got = _collect(child)
        if got is None:  # the worker failed: its items are checked here
            got, _ = _check_items(config, part, set(part), modules, now)
        results.update(got)
    return results, [a for a in articles if a.path in own]


def _check_items(config: Config, rels: list[str], fresh: set[str], modules: list[Any],
                 now: Any) -> tuple[dict[str, tuple[list[Finding], list[str], float]], list[model.Article]]:
    import gc

    from portal import model

    from . import attachments

    root = config.root
    results: dict[str, tuple[list[Finding], list[str], float]] = {}
    articles = []
    collecting = gc.isenabled()
    gc.disable()  # as portal.model.load: many small objects and no cycles
    try:
        for rel in dict.fromkeys(rels):
            with open(os.path.join(root, rel), "rb") as handle:
                data = handle.read()
            article, problems = model.parse_article(config, rel, data)
            if article is not None:
                articles.append(article)
            if rel in fresh:
                results[rel] = (problems, [], _until(article, now))
    finally:
        if collecting:
            gc.enable()
    portal = model.Portal(config, articles, [])
    for article in articles:
        if article.path in fresh:
            own = results[article.path][0]
            for mod in modules:
                own.extend(mod.check(portal, article))
            links = sorted({r.rel for r in attachments.references(article)})
            results[article.path] = (own, links, results[article.path][2])
    return results, articles


def _fork(config: Config, part: list[str], modules: list[Any], now: Any) -> tuple[Any, list[str]]:
    """A worker process checking `part`; its results come back pickled through a pipe."""
    import pickle

    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None, part
    if pid == 0:  # the worker
        status = 0
        try:
            os.close(read)
            results, _ = _check_items(config, part, set(part), modules, now)
            data = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001 - the parent checks the part itself
            status = 1
        finally:
            os._exit(status)
    os.close(write)
    return (pid, read), part


def _collect(child: Any) -> dict[str, tuple[list[Finding], list[str], float]] | None:
    import pickle

    if child is None:
        return None
    pid, read = child
    chunks = []
    with os.fdopen(read, "rb") as handle:
        while True:
            block = handle.read(1 << 20)
            if not block:
                break
            chunks.append(block)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        got = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a worker that died half-way: its part is checked again
        return None
    return got if isinstance(got, dict) else None


def _midnight(now: Any) -> float:
    import datetime as dt

    from portal import clock

    day = now.astimezone(clock.CST).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CST).timestamp()


def _until(article: model.Article | None, now: Any) -> float:
    """The moment the item's findings may change by time alone: its next future date, or the next midnight."""
    from portal import model

    moments = [_midnight(now)]
    if article is not None:
        for value in _scalars(article.meta):
            parsed = model.parse_when(value)
            if parsed is not None and parsed[0] > now:
                moments.append(parsed[0].timestamp())
    return min(moments)


def _grace_moments(config: Config, articles: list[model.Article], now: Any) -> list[float]:
    """When a policy document's grace period for its 解读 ends (policy.awaits_interpretation), if still ahead."""
    from portal import policy

    out = []
    for article in articles:
        if article.date is not None:
            end = article.date + policy.grace(config, article.column)
            if end > now:
                out.append(end.timestamp())
    return out


def _accepted_moments(root: Path, now: Any) -> list[float]:
    """Dates in accepted.yml still ahead: an entry dated later than today is refused until its date."""
    from portal import model, textfile, yamlfile

    path = root / ACCEPTED_FILE
    try:
        text, _ = textfile.decode(path.read_bytes(), ACCEPTED_FILE)
        data = yamlfile.load(text)[0] if text is not None else None
    except (OSError, yamlfile.YamlError):
        return []
    out = []
    for value in _scalars(data):
        parsed = model.parse_when(value)
        if parsed is not None and parsed[0] > now:
            out.append(parsed[0].timestamp())
    return out


def _scalars(value: Any) -> Any:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def _row(f: Finding) -> list[Any]:
    return [f.path, f.line, f.column, f.rule, f.category, f.severity, f.message, f.match]


def _name(module: Any) -> str:
    return str(module.__name__).rpartition(".")[2]


def _unreferenced(root: Path, files: list[str], refs: dict[str, list[str]]) -> list[Finding]:
    from . import unlinked

    linked: dict[str, set[str]] = {}
    for rel in files:
        linked.setdefault(rel.split("/")[1], set()).update(refs.get(rel, []))
    return [f for column in unlinked.columns(root) for f in unlinked.unreferenced(root, column, linked.get(column, set()))]


# ------------------------------------------------------------------ the policy columns' facts (hooks)


def _facts_location(root: Path) -> Path:
    return location(root).with_suffix(".facts")


def load_facts(root: Path) -> int:
    """Give portal.policy the facts of the policy columns' items that a run before read (`policy.scan` reads
    every such item when a check of one item needs the links between them: 8,000 files at 100,000 items),
    for the files unchanged since (same size, mtime, ctime and inode, not written within RACY seconds of that
    run) and the same source. Returns how many."""
    from portal import policy

    data = _load(_facts_location(root))
    try:
        if data.get("code") != _code():
            return 0
        saved = float(data["saved"])
        known = policy._READ
        for rel, (size, mtime, ctime, ino, fact) in data["facts"].items():
            if rel in known or mtime >= (saved - RACY) * 1e9 or _stat(root / rel) != [size, mtime, ctime, ino]:
                continue
            known[rel] = (str(root), size, mtime, ino, None if fact is None else policy.Fact(**fact))
        return len(known)
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0


def save_facts(root: Path, loaded: int) -> None:
    """Remember what portal.policy read in this process, if it read anything."""
    from portal import policy

    try:
        known = dict(policy._READ)
        if len(known) <= loaded and loaded:
            return
        facts = {}
        for rel, (where, size, mtime, ino, fact) in known.items():
            key = _stat(root / rel)
            if where == str(root) and key[:2] == [size, mtime] and key[3:] == [ino]:  # unchanged since it was read
                facts[rel] = [size, mtime, key[2], ino, None if fact is None else fact.as_dict()]
    except (TypeError, ValueError, AttributeError):
        return
    if facts and enabled():
        _save(_facts_location(root), {"version": VERSION, "code": _code(), "saved": time.time(), "facts": facts},
              binary=True)
