"""The site's Chinese full-text search index: static JSON files a reader fetches a few of per query.

Why not Pagefind or Material's search: see README "## 网站构建". Words here are character
bigrams for Chinese (so any two-character word is found without a dictionary) and whole words for
Latin letters and digits, after NFKC folding (full-width digits match half-width ones).

Files under search/:
  index.json     {"v", "shards", "chunk", "count"}
  t/XX.json      terms whose crc32 % shards == XX: {"term": [first id, gap, gap, ...]}
  d/N.json       documents N*chunk .. N*chunk+chunk-1: [[url, title, date, column], ...]
Document ids follow publication order (oldest first), so a new item is appended and only the shards
of its own words change. A reader downloads index.json, one shard per word and one document chunk
per ten results shown. assets/portal-search.js does the same tokenising in the browser.
"""
from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .pages import Entry

SHARDS = 256
CHUNK = 200
DIR = "search"
VERSION = 1

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9a-z]+")
_PAIR = re.compile("..", re.S)
MAX_WORD = 32  # longer Latin runs (hashes, URLs) are not words anyone searches for


def terms(text: str) -> set[str]:
    found: set[str] = set()
    for run in _RUN.findall(unicodedata.normalize("NFKC", text).lower()):
        if run.isascii():
            if len(run) <= MAX_WORD:
                found.add(run)
        elif len(run) > 1:
            found.update(_PAIR.findall(run))
            found.update(_PAIR.findall(run, 1))
    return found


def shard_of(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) % SHARDS


def _dump(data: object) -> bytes:
    """Compact JSON; <, > and & escaped, so that no file of the site holds markup a browser could run."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


def _gaps(ids: Sequence[int]) -> list[int]:
    return [ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False))] if ids else []


def _ids(gaps: Iterable[int]) -> list[int]:
    out, total = [], 0
    for g in gaps:
        total += g
        out.append(total)
    return out


def publication_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date, e.url))


def _doc_files(ordered: Sequence[Entry], column_titles: dict[str, str]) -> dict[str, bytes]:
    files = {f"{DIR}/index.json": _dump({"v": VERSION, "shards": SHARDS, "chunk": CHUNK, "count": len(ordered)})}
    for start in range(0, max(len(ordered), 1), CHUNK):
        rows = [[e.url, e.title, e.shown_date[:10], column_titles.get(e.column, e.column)]
                for e in ordered[start:start + CHUNK]]
        files[f"{DIR}/d/{start // CHUNK}.json"] = _dump(rows)
    return files


def _shard_file(shard: dict[str, list[int]]) -> bytes:
    """A shard given as term -> gaps."""
    return _dump(shard)


def build(ordered: Sequence[Entry], words: dict[str, set[str]], column_titles: dict[str, str]) -> dict[str, bytes]:
    """Every search file, for entries in publication order with the words of each (by URL)."""
    shards: list[dict[str, list[int]]] = [{} for _ in range(SHARDS)]
    for doc, e in enumerate(ordered):
        for term in words[e.url]:
            shard = shards[shard_of(term)]
            if term in shard:
                shard[term].append(doc)
            else:
                shard[term] = [doc]
    files = _doc_files(ordered, column_titles)
    for i, shard in enumerate(shards):
        files[_shard_path(i)] = _shard_file({t: _gaps(ids) for t, ids in shard.items()})
    return files


def _shard_path(i: int) -> str:
    return f"{DIR}/t/{i:02x}.json"


def patch(previous: Path, old_order: Sequence[str], ordered: Sequence[Entry], words: dict[str, set[str]],
          column_titles: dict[str, str]) -> dict[str, bytes]:
    """The files `build` would write, from the previous site's index plus the words of changed items.

    `words` holds the words of every item added or changed since the previous build (by URL). When
    the only change is new items at the end of publication order (the usual case: a new item), only
    the shards holding their words are read and rewritten; otherwise every list is renumbered.
    Shards not returned are unchanged.
    """
    new_order = [e.url for e in ordered]
    position = {url: i for i, url in enumerate(new_order)}
    appended = (new_order[:len(old_order)] == list(old_order) and all(position[u] >= len(old_order) for u in words))

    def load(i: int) -> dict[str, list[int]]:
        data: dict[str, list[int]] = json.loads((previous / _shard_path(i)).read_bytes())
        return data

    files = _doc_files(ordered, column_titles)
    if appended:
        shards: dict[int, dict[str, list[int]]] = {}
        for url in sorted(words, key=position.__getitem__):
            doc = position[url]
            for term in words[url]:
                i = shard_of(term)
                shard = shards[i] if i in shards else shards.setdefault(i, load(i))
                gaps = shard.setdefault(term, [])
                gaps.append(doc - sum(gaps))
        for i, shard in shards.items():
            files[_shard_path(i)] = _shard_file(shard)
        return files
    remap = {old: position[url] for old, url in enumerate(old_order) if url in position and url not in words}
    by_term: list[dict[str, list[int]]] = []
    for i in range(SHARDS):
        shard = {}
        for term, gaps in load(i).items():
            ids = [remap[d] for d in _ids(gaps) if d in remap]
            if ids:
                shard[term] = ids
        by_term.append(shard)
    for url, found in words.items():
        for term in found:
            by_term[shard_of(term)].setdefault(term, []).append(position[url])
    for i, shard in enumerate(by_term):
        files[_shard_path(i)] = _shard_file({t: _gaps(sorted(ids)) for t, ids in shard.items()})
    return files
