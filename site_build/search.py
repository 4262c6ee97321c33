"""The site's Chinese full-text search index: static files a reader fetches a few of per query.

Why not Pagefind or Material's search: see README "## 网站构建". Words ("terms") are, after folding
full-width forms and ASCII case (２０２６ finds 2026): every two and three neighbouring Chinese characters
(bigrams and trigrams, so any word is found without a dictionary) and whole runs of Latin letters and
digits. A query part of two or three Chinese characters is one term, so its results and their count are
exact phrase matches; a longer part needs all of its trigrams, and the browser confirms each candidate
against the item's own page (the characters must be adjacent there) before showing it.

Files under search/ (every list of items is a "posting": item numbers in publication order, oldest 0):
  index.json      {"v", "shards", "chunk", "count", "columns": [[id, title]], "years": [newest first]}
  t/XXX.txt       the terms whose hash % shards == XXX, sorted, one a line: "term posting" or "term >" when
                  the posting is long and has a file of its own; "#term" lines list the items with the
                  term in their title (same shard as "term", so one download serves both)
  w/HEX.txt       a long posting; HEX is the term's UTF-8 in hexadecimal
  f/c-HEX.txt     the items of a column (HEX: the column id's UTF-8), f/y-YYYY.txt the items of a year
  d/N.json        items N*chunk .. N*chunk+chunk-1: [[url, title, date, column id], ...]
A posting is either gaps ("5,1,3" = items 5, 6, 9) or "=" and the base64 of a bitmap (item i is bit
i % 8 of byte i // 8), whichever is shorter; a bitmap never exceeds count/6 bytes, so the most common
term of a 100,000-item site costs a reader at most 17 KB. A new item is appended to publication order:
only the postings of its own terms change. assets/portal-search.js reads these files.

The terms of all items are found with numpy over batches of items (one array of code points per
batch, sorted once), not per item in Python.
"""
from __future__ import annotations

import base64
import json
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from .pages import Entry

SHARDS = 1024
CHUNK = 32
DIR = "search"
VERSION = 4
TITLE = "#"  # "#防汛": the items with the term in their title
LONG = 800  # a posting longer than this many characters gets a file of its own (w/)
MAX_WORD = 32  # longer Latin runs (hashes, URLs) are not words anyone searches for
BATCH = 4096  # items per numpy pass (item numbers within a batch take 12 bits)
Text = tuple[str, str]  # (title, plain text of the body) of an item

_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_CJK = "".join(f"{chr(a)}-{chr(b - 1)}" for a, b in _CJK_RANGES)
_RUN = re.compile(f"[{_CJK}]+|[0-9a-z]+")
# full-width ASCII and the ideographic space, as NFKC folds them (the browser uses the same table)
_FOLD = str.maketrans({chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "})
_CODES = np.concatenate([np.arange(a, b, dtype=np.uint32) for a, b in _CJK_RANGES])  # dense number - 1 -> code point
_DENSE = np.zeros(0x10000, dtype=np.uint32)  # code point -> dense number (1..), 0 for other characters
_DENSE[_CODES] = np.arange(1, len(_CODES) + 1, dtype=np.uint32)
_BITS = 15  # a dense number fits in 15 bits: a bigram key in 30, a trigram key in 45
_DOC_BITS = 12


# ---------------------------------------------------------------- terms (reference and fast)

def fold(text: str) -> str:
    """Full-width forms to ASCII, ASCII letters to lower case (nothing else changes, as in the browser)."""
    return text.translate(_FOLD).translate(_LOWER)


_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(65, 91)})


def terms(text: str) -> set[str]:
    """The terms of a text, one at a time (the reference for `postings`, and what the browser does to a query)."""
    found: set[str] = set()
    for run in _RUN.findall(fold(text)):
        if run[0] < "\u3000":
            if len(run) <= MAX_WORD:
                found.add(run)
            continue
        found.update(map(operator.add, run, run[1:]))
        found.update(a + b + c for a, b, c in zip(run, run[1:], run[2:], strict=False))
    return found


def title_terms(title: str) -> set[str]:
    return {TITLE + t for t in terms(title)}


def term_hash(term: str) -> int:
    """FNV-1a over the code points of a term without its title mark (portal-search.js computes the same)."""
    h = 0x811C9DC5
    for ch in term.removeprefix(TITLE):
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def shard_of(term: str) -> int:
    return term_hash(term) % SHARDS


def shard_path(i: int) -> str:
    return f"{DIR}/t/{i:03x}.txt"


def own_path(term: str) -> str:
    return f"{DIR}/w/{term.encode('utf-8').hex()}.txt"


def column_path(column: str) -> str:
    return f"{DIR}/f/c-{column.encode('utf-8').hex()}.txt"


def year_path(year: str) -> str:
    return f"{DIR}/f/y-{year}.txt"


def _pairs(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (key, doc) pairs sorted by key then doc; docs (uint64) < 2**_DOC_BITS."""
    keys <<= np.uint64(_DOC_BITS)
    comp = keys
    comp |= docs
    comp.sort()
    if len(comp):
        keep = np.empty(len(comp), dtype=bool)
        keep[0] = True
        np.not_equal(comp[1:], comp[:-1], out=keep[1:])
        comp = comp[keep]
    return comp >> np.uint64(_DOC_BITS), (comp & np.uint64((1 << _DOC_BITS) - 1)).astype(np.uint32)


class _Collector:
    """Postings of many batches of texts, merged by term."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}
        self.words: list[str] = []
        self.word_ids: dict[bytes, int] = {}

    def add(self, texts: Sequence[str], base: int, mark: str) -> None:
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        doc = np.cumsum(cp == 0, dtype=np.uint64)
        dense = _DENSE[np.minimum(cp, 0xFFFF)]
        dense[cp > 0xFFFF] = 0
        cjk = dense != 0
        d64 = dense.astype(np.uint64)
        two = cjk[:-1] & cjk[1:]
        key2 = (d64[:-1] << np.uint64(_BITS)) | d64[1:]
        three = two[:-1] & two[1:]
        key3 = (key2[:-1][three] << np.uint64(_BITS)) | d64[2:][three]
        self._collect(mark, 3, *_pairs(key3, doc[:-2][three]), base)
        self._collect(mark, 2, *_pairs(key2[two], doc[:-1][two]), base)
        self._words(cp, doc, base, mark)

    def _words(self, cp: np.ndarray, doc: np.ndarray, base: int, mark: str) -> None:
        f = cp.copy()
        wide = (f >= 0xFF01) & (f <= 0xFF5E)
        f[wide] -= 0xFEE0
        upper = (f >= 65) & (f <= 90)
        f[upper] += 32
        alnum = ((f - 48) <= 9) | ((f - 97) <= 25)  # unsigned: below 48 wraps to large
        edges = np.diff(alnum.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        lengths = np.flatnonzero(edges == -1) - starts
        keys, docs = [], []
        for n in np.unique(lengths[lengths <= MAX_WORD]).tolist():
            at = starts[lengths == n]
            chars = f[at[:, None] + np.arange(n)].astype(np.uint8)
            found, inverse = np.unique(chars.view(f"S{n}").ravel(), return_inverse=True)
            ids = np.array([self._word_id(w) for w in found.tolist()], dtype=np.uint64)
            keys.append(ids[inverse.ravel()])
            docs.append(doc[at])
        if keys:
            self._collect(mark, 0, *_pairs(np.concatenate(keys), np.concatenate(docs)), base)

    def _word_id(self, word: bytes) -> int:
        i = self.word_ids.get(word)
        if i is None:
            i = self.word_ids[word] = len(self.words)
            self.words.append(word.decode("ascii"))
        return i

    def _collect(self, mark: str, kind: int, keys: np.ndarray, docs: np.ndarray, base: int) -> None:
        if not len(keys):
            return
        cut = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        starts = np.concatenate([[0], cut]).tolist()
        ends = np.concatenate([cut, [len(keys)]]).tolist()
        docs = docs + np.uint32(base)
        for key, s, e in zip(keys[starts].tolist(), starts, ends, strict=True):
            term = mark + self._term(kind, key)
            self.parts.setdefault(term, []).append(docs[s:e])

    def _term(self, kind: int, key: int) -> str:
        if kind == 0:
            return self.words[key]
        mask = (1 << _BITS) - 1
        chars = [(key >> (_BITS * i)) & mask for i in reversed(range(kind))]
        return "".join(chr(_CODES[c - 1]) for c in chars)

    def postings(self) -> dict[str, np.ndarray]:
        return {t: p[0] if len(p) == 1 else np.concatenate(p) for t, p in self.parts.items()}


def postings(texts: Sequence[Text], base: int = 0) -> dict[str, np.ndarray]:
    """term -> item numbers (base, base+1, ... in the order of `texts`), title terms marked with "#"."""
    c = _Collector()
    for start in range(0, len(texts), BATCH):
        batch = texts[start:start + BATCH]
        c.add([f"{title}\n{body}" for title, body in batch], base + start, "")
        c.add([title for title, _ in batch], base + start, TITLE)
    return c.postings()


# ---------------------------------------------------------------- postings as text

def encode(ids: np.ndarray) -> str:
    """Gaps or a base64 bitmap, whichever is shorter (gaps on a tie)."""
    ids = np.asarray(ids, dtype=np.int64)
    as_bits = 1 + 4 * ((int(ids[-1]) // 8 + 1 + 2) // 3)
    if 2 * len(ids) - 1 <= as_bits:  # else even one-digit gaps would be longer
        first = ids[:1].tolist()
        text = ",".join(map(str, first + (ids[1:] - ids[:-1]).tolist()))
        if len(text) <= as_bits:
            return text
    bits = np.zeros(int(ids[-1]) + 1, dtype=bool)
    bits[ids] = True
    return "=" + base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray:
    if text.startswith("="):
        raw = np.frombuffer(base64.b64decode(text[1:]), dtype=np.uint8)
        return np.flatnonzero(np.unpackbits(raw, bitorder="little")).astype(np.int64)
    return np.cumsum(np.array(text.split(","), dtype=np.int64))


def _dump(data: object) -> bytes:
    """Compact JSON; <, > and & escaped, so that no file of the site holds markup a browser could run."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


def publication_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date, e.url))


def _meta_files(ordered: Sequence[Entry], column_titles: dict[str, str], chunks_from: int = 0) -> dict[str, bytes]:
    """index.json, the filters, and the document chunks from number `chunks_from` on."""
    present = {e.column for e in ordered}
    columns = [[c, t] for c, t in column_titles.items() if c in present]
    columns += [[c, c] for c in sorted(present - set(column_titles))]
    by_year: dict[str, list[int]] = {}
    by_column: dict[str, list[int]] = {}
    for i, e in enumerate(ordered):
        by_year.setdefault(e.date[:4], []).append(i)
        by_column.setdefault(e.column, []).append(i)
    files = {f"{DIR}/index.json": _dump({"v": VERSION, "shards": SHARDS, "chunk": CHUNK, "count": len(ordered),
                                         "columns": columns, "years": sorted(by_year, reverse=True)})}
    for year, ids in by_year.items():
        files[year_path(year)] = (encode(np.array(ids)) + "\n").encode("ascii")
    for column, ids in by_column.items():
        files[column_path(column)] = (encode(np.array(ids)) + "\n").encode("ascii")
    for start in range(chunks_from * CHUNK, max(len(ordered), 1), CHUNK):
        rows = [[e.url, e.title, e.shown_date[:10], e.column] for e in ordered[start:start + CHUNK]]
        files[f"{DIR}/d/{start // CHUNK}.json"] = _dump(rows)
    return files


def _shard_lines(lines: dict[str, str]) -> bytes:
    return "".join(f"{t} {lines[t]}\n" for t in sorted(lines)).encode("utf-8")


def _term_files(all_postings: dict[str, np.ndarray] | dict[str, np.ndarray | str], shards: Iterable[int] | None = None) -> dict[str, bytes]:
    """The shard files (all, or those numbered in `shards`) and the own files of their long postings.

    A posting is item numbers, or its text when it is known not to have changed."""
    wanted = None if shards is None else set(shards)
    lines: dict[int, dict[str, str]] = {i: {} for i in (range(SHARDS) if wanted is None else wanted)}
    files: dict[str, bytes] = {}
    for term, ids in all_postings.items():
        i = shard_of(term)
        if i not in lines or not len(ids):
            continue
        text = ids if isinstance(ids, str) else encode(ids)
        if len(text) > LONG:
            files[own_path(term)] = (text + "\n").encode("ascii")
            text = ">"
        lines[i][term] = text
    for i, shard in lines.items():
        files[shard_path(i)] = _shard_lines(shard)
    return files


def build(ordered: Sequence[Entry], text: Callable[[Entry], Text], column_titles: dict[str, str]) -> dict[str, bytes]:
    """Every search file, for entries in publication order; `text` gives each entry's (title, body text)."""
    found = postings([text(e) for e in ordered])
    return {**_meta_files(ordered, column_titles), **_term_files(found)}


# ---------------------------------------------------------------- incremental

def _read_shard(site: Path, i: int) -> dict[str, str]:
    out = {}
    path = site / shard_path(i)
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            term, _, posting = line.partition(" ")
            out[term] = posting
    return out


def _posting(site: Path, term: str, text: str) -> np.ndarray:
    if text == ">":
        text = (site / own_path(term)).read_text(encoding="ascii").strip()
    return decode(text)


def patch(previous: Path, old_order: Sequence[str], ordered: Sequence[Entry], texts: dict[str, Text],
          column_titles: dict[str, str]) -> dict[str, bytes]:
    """The files `build` would write that differ from the previous site's, from its index plus the changed items.

    `texts` holds the (title, body) of every item added or changed since the previous build (by URL).
    When the only change is new items at the end of publication order (the usual case: a new item), only
    the shards holding their terms, the own files of those terms, the filters, index.json and the last
    document chunks are returned; otherwise every posting is renumbered and every file returned. Files of
    the previous index that no longer belong to it: `obsolete`.
    """
    new_order = [e.url for e in ordered]
    position = {url: i for i, url in enumerate(new_order)}
    old_count = len(old_order)
    appended = new_order[:old_count] == list(old_order) and all(position[u] >= old_count for u in texts)
    urls = sorted(texts, key=position.__getitem__)
    if appended:
        added = postings([texts[u] for u in urls], base=old_count) if urls else {}
        assert all(position[u] == old_count + k for k, u in enumerate(urls))
        files = _meta_files(ordered, column_titles, chunks_from=old_count // CHUNK)
        touched = sorted({shard_of(t) for t in added})
        merged: dict[str, np.ndarray] = {}
        for i in touched:
            for term, text in _read_shard(previous, i).items():
                merged[term] = _posting(previous, term, text)
        for term, ids in added.items():
            merged[term] = np.concatenate([merged[term], ids]) if term in merged else ids
        files.update(_term_files(merged, touched))
        return files
    # every item before the first change keeps its number: postings that end before it are kept as they are
    first = next((i for i, (a, b) in enumerate(zip(old_order, new_order, strict=False)) if a != b), min(old_count, len(new_order)))
    old_position = {url: i for i, url in enumerate(old_order)}
    first = min([first, *(position[u] for u in urls), *(old_position[u] for u in urls if u in old_position)])
    remap = np.full(old_count + 1, -1, dtype=np.int64)
    for old, url in enumerate(old_order):
        if url in position and url not in texts:
            remap[old] = position[url]
    every: dict[str, np.ndarray | str] = {}
    before: dict[str, bytes] = {}
    for i in range(SHARDS):
        path = previous / shard_path(i)
        if path.is_file():
            before[shard_path(i)] = path.read_bytes()
        for term, text in _read_shard(previous, i).items():
            if text == ">":
                text = (previous / own_path(term)).read_text(encoding="ascii").strip()
                before[own_path(term)] = (text + "\n").encode("ascii")
            if _ends_before(text, first):
                every[term] = text
                continue
            ids = remap[decode(text)]
            ids = ids[ids >= 0]
            if len(ids):
                every[term] = ids
    for url in urls:
        for term, ids in postings([texts[url]], base=position[url]).items():
            known = every.get(term)
            every[term] = ids if known is None else np.sort(np.concatenate([decode(known) if isinstance(known, str) else known, ids]))
    files = _meta_files(ordered, column_titles, chunks_from=first // CHUNK)
    files.update({rel: data for rel, data in _term_files(every).items() if before.get(rel) != data})
    return files


def _ends_before(text: str, first: int) -> bool:
    """Whether every item of a posting is numbered below `first` (cheaply, without decoding a bitmap)."""
    if text.startswith("="):
        return (len(text) - 1) // 4 * 3 * 8 <= first
    return sum(map(int, text.split(","))) < first


def obsolete(previous: Path, files: dict[str, bytes]) -> list[str]:
    """Files of the previous site's index that the index in `files` (from `patch`) no longer has."""
    gone: set[str] = set()
    for rel in files:
        if rel.startswith(f"{DIR}/t/"):
            i = int(rel[len(DIR) + 3:-4], 16)
            now = {line.partition(" ")[0] for line in files[rel].decode("utf-8").splitlines() if line.endswith(" >")}
            gone.update(own_path(t) for t, text in _read_shard(previous, i).items() if text == ">" and t not in now)
    count = json.loads(files[f"{DIR}/index.json"])["count"]
    chunks = max((count + CHUNK - 1) // CHUNK, 1)
    for folder in ("d", "f"):
        for path in sorted((previous / DIR / folder).glob("*")):
            rel = f"{DIR}/{folder}/{path.name}"
            if folder == "d" and int(path.stem) >= chunks or folder == "f" and rel not in files:
                gone.add(rel)
    return sorted(r for r in gone if r not in files and (previous / r).is_file())
