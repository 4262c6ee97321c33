"""The site's Chinese full-text search index: static files a reader fetches a few of per query.

Why not Pagefind or Material's search: see README "## 网站构建". Words here are character
bigrams for Chinese (so any two-character word is found without a dictionary) and whole words for
Latin letters and digits, after folding full-width forms and case (２０２６ finds 2026).

Files under search/:
  index.json     {"v", "shards", "chunk", "count"}
  t/XX.txt       the words whose crc32 % shards == XX, one line each, sorted: "word first-id,gap,gap,..."
                 (and "#word ..." for the items with the word in their title)
  d/N.json       documents N*chunk .. N*chunk+chunk-1: [[url, title, date, column], ...]
Document ids follow publication order (oldest first), so a new item is appended: only the lines of
its own words change, and they change by text appended at their end. A reader downloads index.json,
one shard per word and one document chunk per ten results shown. assets/portal-search.js tokenises
the query the same way.
"""
from __future__ import annotations

import json
import operator
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .pages import Entry

SHARDS = 256
CHUNK = 200
DIR = "search"
VERSION = 3
TITLE = "#"  # "#防汛": the word is in the item's title (kept in the shard of "防汛"); title matches are listed first

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PAIR = re.compile(f"[{_CJK}]{{2}}")
_WORD = re.compile("[0-9a-z]+")
# full-width ASCII and the ideographic space, as NFKC folds them (the browser uses the same table)
_FOLD = str.maketrans({chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "})
MAX_WORD = 32  # longer Latin runs (hashes, URLs) are not words anyone searches for


def terms(text: str) -> set[str]:
    text = text.translate(_FOLD).lower()
    # every pair of neighbouring characters, made in C; the pattern keeps the Chinese ones
    found = set(_PAIR.findall(" ".join(set(map(operator.add, text, text[1:])))))
    found.update(w for w in _WORD.findall(text) if len(w) <= MAX_WORD)
    return found


def title_terms(title: str) -> set[str]:
    """The words of a title, marked: a query whose every word is in a title ranks that item first."""
    return {TITLE + t for t in terms(title)}


def shard_of(term: str) -> int:
    """A word's shard; a title word ("#防汛") lives in the shard of the plain word, so one download serves both."""
    return zlib.crc32(term.removeprefix(TITLE).encode("utf-8")) % SHARDS


def shard_path(i: int) -> str:
    return f"{DIR}/t/{i:02x}.txt"


def _dump(data: object) -> bytes:
    """Compact JSON; <, > and & escaped, so that no file of the site holds markup a browser could run."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


def _gaps(ids: Sequence[int]) -> str:
    return ",".join(map(str, [ids[0], *map(operator.sub, ids[1:], ids)]))


def _ids(gaps: str) -> list[int]:
    out, total = [], 0
    for g in map(int, gaps.split(",")):
        total += g
        out.append(total)
    return out


def _shard(lines: dict[str, str]) -> bytes:
    return "".join(f"{t} {lines[t]}\n" for t in sorted(lines)).encode("utf-8")


def _read_shard(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        term, _, gaps = line.partition(" ")
        out[term] = gaps
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


def _shard_files(postings: dict[str, list[int]]) -> dict[str, bytes]:
    shards: list[dict[str, str]] = [{} for _ in range(SHARDS)]
    for term, ids in postings.items():
        shards[shard_of(term)][term] = _gaps(ids)
    return {shard_path(i): _shard(lines) for i, lines in enumerate(shards)}


def build(ordered: Sequence[Entry], words: Callable[[Entry], set[str]], column_titles: dict[str, str]) -> dict[str, bytes]:
    """Every search file, for entries in publication order; `words` is asked for each entry in turn."""
    postings: dict[str, list[int]] = {}
    for doc, e in enumerate(ordered):
        for term in words(e):
            ids = postings.get(term)
            if ids is None:
                postings[term] = [doc]
            else:
                ids.append(doc)
    return {**_doc_files(ordered, column_titles), **_shard_files(postings)}


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
    files = _doc_files(ordered, column_titles)
    if appended:
        shards: dict[int, dict[str, str]] = {}
        for url in sorted(words, key=position.__getitem__):
            doc = position[url]
            for term in words[url]:
                i = shard_of(term)
                if i not in shards:
                    shards[i] = _read_shard(previous / shard_path(i))
                gaps = shards[i].get(term)
                shards[i][term] = f"{gaps},{doc - sum(map(int, gaps.split(',')))}" if gaps else str(doc)
        files.update({shard_path(i): _shard(lines) for i, lines in shards.items()})
        return files
    remap = {old: position[url] for old, url in enumerate(old_order) if url in position and url not in words}
    postings: dict[str, list[int]] = {}
    for i in range(SHARDS):
        for term, gaps in _read_shard(previous / shard_path(i)).items():
            ids = [remap[d] for d in _ids(gaps) if d in remap]
            if ids:
                postings[term] = ids
    for url, found in words.items():
        for term in found:
            postings.setdefault(term, []).append(position[url])
    for ids in postings.values():
        ids.sort()
    files.update(_shard_files(postings))
    return files
