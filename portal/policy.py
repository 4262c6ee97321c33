"""Policy documents (政策文件) and their interpretations (解读): 索引号, 有效性, and the links between them.

A column is a policy-document column (`policy: document` in columns.yml) or an interpretation column
(`policy: interpretation`). A 解读 names its document in `interprets:` (the document's path, its
address or its 索引号). Which 解读 a document has is computed from the whole content set: `Links`.
What an item's page shows of other items and of the time (its 解读, its document, its 有效性 today)
is `Links.shown`: the site build writes it into the page and records it, so an incremental build
rebuilds a page exactly when that changes (site_build/build.py).

索引号 are written into the item (`portal index-number`, `assign`), never recomputed by a build:
a number is then unique, stable, and never shifts when other items are added or withdrawn.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import clock, model, textfile, yamlfile
from .config import INDEX_FIELD, Config

DOCUMENT, INTERPRETATION = "document", "interpretation"
CACHE_KEY = "policy.links"


# ---------------------------------------------------------------- 索引号


@functools.cache
def index_regex(pattern: str, site_code: str = "", column: str = "") -> re.Pattern[str]:
    """A regex for the numbers a pattern produces, with groups `year` and `seq`."""
    out, pos = [], 0
    for m in INDEX_FIELD.finditer(pattern):
        out.append(re.escape(pattern[pos:m.start()]))
        name, spec = m.group(1), m.group(2) or ""
        if name == "site_code":
            out.append(re.escape(site_code) if site_code else r".+?")
        elif name == "column":
            out.append(re.escape(column) if column else r"[a-z0-9-]+")
        elif name == "year":
            out.append(r"(?P<year>\d{4})")
        else:
            width = int(spec.rstrip("d") or 0) if spec.startswith("0") else 0
            out.append(rf"(?P<seq>\d{{{width},}})" if width else r"(?P<seq>[1-9]\d*)")
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out))


def format_index(pattern: str, site_code: str, year: int, column: str, seq: int) -> str:
    def field(m: re.Match[str]) -> str:
        name, spec = m.group(1), m.group(2) or ""
        value: Any = {"site_code": site_code, "year": year, "column": column, "seq": seq}[name]
        return format(value, spec) if spec else str(value)

    return INDEX_FIELD.sub(field, pattern)


def pattern_for(config: Config, column: str) -> str:
    col = config.columns.get(column)
    return (col.index_number if col else "") or config.policy.index_number


def next_index(config: Config, column: str, year: int, taken: Iterable[str]) -> str:
    """The next free 索引号 of `column` in `year`: one more than the highest sequence number of the
    numbers that share everything but the sequence (the series), so numbers never repeat."""
    pattern = pattern_for(config, column)
    code = config.policy.site_code
    regex = index_regex(pattern, code, column)
    probe = format_index(pattern, code, year, column, 1)
    series = regex.fullmatch(probe)
    assert series is not None
    highest = 0
    for number in taken:
        m = regex.fullmatch(number)
        if m and _series(m) == _series(series):
            highest = max(highest, int(m.group("seq")))
    return format_index(pattern, code, year, column, highest + 1)


def _series(m: re.Match[str]) -> str:
    return m.string[:m.start("seq")] + "\0" + m.string[m.end("seq"):]


def assign(root: Path | str, paths: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Write a 索引号 into each policy document without one (the given items, else every one), oldest first.

    Only the policy columns are read. Returns (path, number) of what was written. Nothing else of a file
    changes: one line is added at the end of its front-matter, and the file is replaced whole (never
    half-written). `portal index-number` and `portal submit` (review/workflow.py) call this."""
    from .config import load as load_config

    config = load_config(Path(root).resolve())
    facts = scan(config)
    taken = [f.index_number for f in facts.values() if f.index_number]
    wanted = None if paths is None else {_repo_path(config.root, p) for p in paths}
    todo = [f for f in facts.values()
            if not f.index_number and f.date and pattern_for(config, f.column)
            and config.columns[f.column].policy == DOCUMENT and (wanted is None or f.path in wanted)]
    done = []
    for f in sorted(todo, key=lambda f: (f.date, f.path)):
        year = dt.datetime.fromisoformat(f.date).astimezone(clock.CST).year
        number = next_index(config, f.column, year, taken)
        _add_line(config.root / f.path, f'index_number: "{number}"')
        taken.append(number)
        done.append((f.path, number))
    return done


def _repo_path(root: Path, path: str) -> str:
    full = Path(path) if Path(path).is_absolute() else Path.cwd() / path
    try:
        return full.resolve().relative_to(root).as_posix()
    except ValueError:
        return path


def _add_line(path: Path, line: str) -> None:
    text = path.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    closing = re.compile(r"^(---|\.\.\.)[ \t]*\r?$", re.M)
    opening = text.index("\n") + 1
    end = closing.search(text, opening)
    assert end is not None
    updated = text[:end.start()] + line + newline + text[end.start():]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(updated.encode("utf-8"))
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- 有效性


def validity_at(validity: str, when: dt.datetime | None, now: dt.datetime) -> tuple[str, str]:
    """(status today, text shown): a 废止 or 失效 date still to come leaves the document 有效 until then."""
    if validity not in ("废止", "失效") or when is None:
        return "有效", "有效"
    day = model.format_when(when, when.astimezone(clock.CST).time() != dt.time(0, 0))
    if when > now:
        return "有效", f"有效（{day}起{validity}）"
    return validity, f"{validity}（{day}起）"


# ---------------------------------------------------------------- facts and links


@dataclasses.dataclass(frozen=True)
class Fact:
    """What the links between policy items need to know of one item (kept in the build state)."""

    path: str
    column: str
    title: str
    date: str  # ISO 8601, "" when undated
    draft: bool
    interprets: str
    index_number: str
    validity: str
    validity_date: str  # ISO 8601 or ""

    def public(self, now: dt.datetime) -> bool:
        return not self.draft and bool(self.date) and dt.datetime.fromisoformat(self.date) <= now

    @property
    def slug(self) -> str:
        return model.slug_of(self.path)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        return cls(**data)


def fact_of(article: model.Article) -> Fact:
    return Fact(article.path, article.column, article.title, article.date.isoformat() if article.date else "",
                article.draft, article.interprets, article.index_number, article.validity,
                article.validity_date.isoformat() if article.validity_date else "")


def is_policy_column(config: Config, column: str) -> bool:
    col = config.columns.get(column)
    return col is not None and col.policy in (DOCUMENT, INTERPRETATION)


def policy_files(config: Config) -> list[str]:
    """Every item file of the policy columns (repository paths), as portal.model lists them."""
    out = []
    for column in config.columns.values():
        if column.policy not in (DOCUMENT, INTERPRETATION):
            continue
        folder = config.root / model.CONTENT / column.id
        for path in sorted(folder.rglob("*.md")) if folder.is_dir() else []:
            rel = path.relative_to(config.root).as_posix()
            if not (path.is_symlink() or path.name.startswith(".") or Path(rel).parts[2:3] == (model.FILES_DIR,)):
                out.append(rel)
    return out


# facts read from disk in this process: path -> (root, size, mtime, inode, fact); a file read again only when it changed
_READ: dict[str, tuple[str, int, int, int, Fact | None]] = {}


def scan(config: Config) -> dict[str, Fact]:
    """Facts of every item of the policy columns, read from disk: only the front-matter, and each file
    once per process while it is unchanged (a build's checks and pages both ask)."""
    out = {}
    for rel in policy_files(config):
        path = config.root / rel
        try:
            st = path.stat()
        except OSError:
            continue
        key = (str(config.root), st.st_size, st.st_mtime_ns, st.st_ino)
        known = _READ.get(rel)
        if known is None or known[:4] != key:
            known = (*key, read_fact(rel, path.read_bytes()))
            _READ[rel] = known
        if known[4] is not None:
            out[rel] = known[4]
    return out


def read_fact(rel: str, data: bytes) -> Fact | None:
    """The Fact of an item file, read as portal.model reads the same fields (None: the model cannot read it)."""
    text, _ = textfile.decode(data, rel)
    if text is None:
        return None
    fm, _body, _line = model.split_front_matter(text)
    if fm is None:
        return None
    try:
        meta, _lines = yamlfile.load(fm, first_line=2, max_bytes=model.FM_MAX_BYTES, list_keys=model.LIST_KEYS)
    except yamlfile.YamlError:
        return None
    if not isinstance(meta, dict):
        return None

    def text_of(key: str) -> str:
        value = meta.get(key)
        return "" if value is None else value.strip() if isinstance(value, str) else str(value)

    def when(key: str) -> str:
        value = meta.get(key)
        parsed = None if value is None or value == "" else model.parse_when(value)
        return parsed[0].isoformat() if parsed else ""

    draft = meta.get("draft")
    return Fact(rel, Path(rel).parts[1], text_of("title"), when("date"), draft if isinstance(draft, bool) else False,
                text_of("interprets"), text_of("index_number"), text_of("validity") or "有效", when("validity_date"))


@dataclasses.dataclass(frozen=True)
class Target:
    path: str  # the document's repository path, "" when there is none
    problem: str  # "" | "missing" | "not-policy"


class Links:
    """Who interprets whom, over the whole content set."""

    def __init__(self, config: Config, facts: dict[str, Fact]) -> None:
        self.config = config
        self.facts = facts
        self.by_slug = {(f.column, f.slug): p for p, f in facts.items()}
        self.by_number = {f.index_number: p for p, f in sorted(facts.items(), reverse=True) if f.index_number}
        self.numbered: dict[str, list[str]] = {}  # 索引号 -> every item that has it
        for p, f in sorted(facts.items()):
            if f.index_number:
                self.numbered.setdefault(f.index_number, []).append(p)
        self.readers: dict[str, list[str]] = {}
        for path, fact in sorted(facts.items()):
            target = self.target(fact)
            if target is not None and target.path:
                self.readers.setdefault(target.path, []).append(path)

    def role(self, column: str) -> str:
        col = self.config.columns.get(column)
        return col.policy if col else ""

    def target(self, fact: Fact) -> Target | None:
        """The document a 解读 names (None: it names none, or is no 解读)."""
        if not fact.interprets or self.role(fact.column) != INTERPRETATION:
            return None
        written = fact.interprets.strip()
        if written in self.by_number and self.role(self.facts[self.by_number[written]].column) == DOCUMENT:
            return Target(self.by_number[written], "")
        site = self.config.site.url.rstrip("/") + "/"
        rel = written.replace("\\", "/").removeprefix(site).removeprefix("./").lstrip("/").removeprefix(model.CONTENT + "/")
        parts = rel.split("/")
        if len(parts) != 2 or not parts[1]:
            return Target("", "missing")
        column, name = parts
        slug = model.slug_of(name.removesuffix(".html").removesuffix(".md") + ".md")
        found = self.by_slug.get((column, slug))
        folder = self.config.root / model.CONTENT / column
        if found is None and column in self.config.columns and not is_policy_column(self.config, column) and folder.is_dir():
            exists = any(model.slug_of(p.name) == slug for p in folder.glob("*.md"))
            return Target("", "not-policy" if exists else "missing")
        if found is None:
            return Target("", "missing")
        return Target(found, "" if self.role(column) == DOCUMENT else "not-policy")

    def interpretations(self, document: str, now: dt.datetime) -> list[Fact]:
        """The public 解读 of a document, oldest first."""
        found = [self.facts[p] for p in self.readers.get(document, []) if self.facts[p].public(now)]
        return sorted(found, key=lambda f: (f.date, f.path))

    def shown(self, fact: Fact, now: dt.datetime) -> dict[str, Any] | None:
        """What the page of an item shows of other items and of today (None: an item outside the policy columns).

        The site build renders exactly this and keeps it in its state: when it changes, the page is rebuilt."""
        role = self.role(fact.column)
        if role == DOCUMENT:
            when = dt.datetime.fromisoformat(fact.validity_date) if fact.validity_date else None
            return {"validity": validity_at(fact.validity, when, now)[1],
                    "interpretations": [[f.title, f.path] for f in self.interpretations(fact.path, now)]}
        if role == INTERPRETATION:
            target = self.target(fact)
            doc = self.facts.get(target.path) if target is not None and target.path else None
            return {"document": [doc.title, doc.path] if doc is not None and doc.public(now) else None}
        return None


def links(portal: model.Portal) -> Links:
    """The links of the whole content set; for a portal loaded in part, the other items are read from disk."""
    found = portal.cache.get(CACHE_KEY)
    if isinstance(found, Links):
        return found
    loaded = {a.path: fact_of(a) for a in portal.articles if is_policy_column(portal.config, a.column)}
    whole = set(policy_files(portal.config)) <= set(loaded)  # the whole portal, or a chunk holding the policy columns
    facts = loaded if whole else {**scan(portal.config), **loaded}
    portal.cache[CACHE_KEY] = result = Links(portal.config, facts)
    return result


def grace(config: Config, column: str) -> dt.timedelta:
    col = config.columns.get(column)
    days = col.grace_days if col is not None and col.grace_days is not None else config.policy.grace_days
    return dt.timedelta(days=days)


def awaits_interpretation(config: Config, lnk: Links, fact: Fact, now: dt.datetime) -> bool:
    """A public document of a column that requires a 解读, past its grace period, with no public 解读."""
    col = config.columns.get(fact.column)
    if col is None or not col.requires_interpretation or not fact.public(now):
        return False
    if dt.datetime.fromisoformat(fact.date) + grace(config, fact.column) > now:
        return False
    return not lnk.interpretations(fact.path, now)
