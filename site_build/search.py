"""The site's Chinese full-text search index: static files a reader fetches a few of per query.

Why not Pagefind or Material's search: see README "## 网站构建". Words ("terms") are, after folding
full-width forms and ASCII case (２０２６ finds 2026): every two and three neighbouring Chinese characters
(bigrams and trigrams, so any word is found without a dictionary) and whole runs of Latin letters and
digits. A query part of two or three Chinese characters is one term, so its results and their count are
exact phrase matches; a longer part needs all of its trigrams, and the browser confirms each candidate
against the item's own page (the characters must be adjacent there) before showing it.

An item is numbered by its publication day (days since 1970-01-01 of the date it carries) and its place
in that day (0, 1, ... in publication order: date, then URL). The numbers are a function of the set of
items, and adding, changing or withdrawing an item renumbers at most the later items of its own day, so
an incremental build rewrites only the postings, shards and chunks of the days that changed.

Files under search/ (a "posting" lists items, day by day, oldest day first):
  index.json      {"v", "shards", "chunk", "count", "columns": [[id, title]], "years": [newest first]}
  days.txt        "YYYY-MM-DD count" for every day with items, oldest first (for the incremental build)
  t/XXX.txt       the terms whose hash % shards == XXX, sorted, one a line: "term posting" or "term >" when
                  the posting is long and has a file of its own; "#term" lines list the items with the
                  term in their title (same shard as "term", so one download serves both)
  w/HEX.txt       a long posting; HEX is the term's UTF-8 in hexadecimal
  f/c-HEX.txt     the items of a column (HEX: the column id's UTF-8); a year is a range of days
  d/DAY-K.json    the items of day DAY (YYYY-MM-DD) at places K*chunk .. K*chunk+chunk-1: [[url, title, date, column], ...]
A posting is segments joined by ",", one per day with items, each the day's number (the first) or its
distance from the previous segment's day (left out when it is 1), then either ":" and the places as gaps ("5.1.3" = places 5, 6, 9)
or "=" and a bitmap of the places in URL-safe base64 characters of 6 bits (place p is bit p % 6 of
character p // 6), whichever is shorter. assets/portal-search.js reads these files.

The terms of all items are found with numpy over batches of items (one array of code points per
batch, sorted once), not per item in Python.
"""
from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from portal import markup

from .pages import Entry, output_path

SHARDS = 1024
CHUNK = 32
DIR = "search"
VERSION = 5
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


# ---------------------------------------------------------------- where an item is: its day and its place in the day

def day_number(date: str) -> int:
    """Days since 1970-01-01 of an item's publication date ("2026-10-01T08:00:00+08:00": its own calendar day)."""
    return dt.date.fromisoformat(date[:10]).toordinal() - _EPOCH


def day_name(day: int) -> str:
    return dt.date.fromordinal(day + _EPOCH).isoformat()


_EPOCH = dt.date(1970, 1, 1).toordinal()


def publication_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date, e.url))


def _days(ordered: Sequence[Entry]) -> list[tuple[str, int, int]]:
    """(day "YYYY-MM-DD", first position, count) of each day, for entries in publication order."""
    out: list[tuple[str, int, int]] = []
    at = 0
    for name, group in itertools.groupby(ordered, key=lambda e: e.date[:10]):
        n = sum(1 for _ in group)
        out.append((name, at, n))
        at += n
    return out


def chunk_path(day: str, k: int) -> str:
    return f"{DIR}/d/{day}-{k}.json"


# ---------------------------------------------------------------- postings as text

def _digits(values: np.ndarray) -> np.ndarray:
    out = np.ones(len(values), dtype=np.int64)
    for power in (10, 100, 1000, 10_000, 100_000, 1_000_000):
        out += values >= power
    return out


def _segment(local: Sequence[int]) -> str:
    """One day's part of a posting (sorted places in the day): ":" and gaps, or "=" and 6-bit characters."""
    top = local[-1]
    gaps = ".".join(map(str, [local[0], *(b - a for a, b in itertools.pairwise(local))]))
    if len(gaps) <= top // 6 + 1:
        return ":" + gaps
    values = bytearray(top // 6 + 1)
    for x in local:
        values[x // 6] |= 1 << (x % 6)
    return "=" + values.translate(_TO_CHAR).decode("ascii")


def encode(days: np.ndarray, local: np.ndarray) -> str:
    """A posting: the items (day, place in the day), sorted, as segments "<day delta>:<gaps>" or "<day delta>=<bits>"
    (a delta of 1 is left out)."""
    return encode_all(np.asarray(days), np.asarray(local), [len(days)])[0]


def encode_all(days: np.ndarray, local: np.ndarray, lengths: Sequence[int]) -> list[str]:
    """Many postings at once (numpy over all their items): `lengths[k]` items of `days`, `local` are posting k's."""
    days = np.asarray(days, dtype=np.int64)
    local = np.asarray(local, dtype=np.int64)
    n = len(days)
    if not n:
        return ["" for _ in lengths]
    new_term = np.zeros(n, dtype=bool)
    new_term[(np.cumsum(lengths) - lengths)[np.asarray(lengths) > 0]] = True
    cut = new_term.copy()
    cut[1:] |= days[1:] != days[:-1]
    starts = np.flatnonzero(cut)
    ends = np.append(starts[1:], n)
    first = new_term[starts]
    seg_of = np.repeat(np.arange(len(starts)), ends - starts)
    gaps = np.diff(local, prepend=0)
    gaps[starts] = local[starts]
    digits = _digits(gaps)
    step = np.cumsum(digits + 1)
    before = step - digits - 1
    gap_len = step[ends - 1] - before[starts] - 1
    width = local[ends - 1] // 6 + 1
    bits = width < gap_len
    delta = days[starts] - np.where(first, 0, days[starts - 1])
    head = _digits(delta)
    head[~first & (delta == 1)] = 0
    size = head + 1 + np.where(bits, width, gap_len) + ~first
    at = np.cumsum(size) - size + ~first
    buf = np.zeros(int(at[-1] + size[-1] - (not first[-1])), dtype=np.uint8)
    buf[at[~first] - 1] = ord(",")
    _put_digits(buf, at, head, delta)
    body = at + head + 1
    buf[body - 1] = np.where(bits, ord("="), ord(":"))
    doc_bits = bits[seg_of]
    if bits.any():
        pos = (body[seg_of] + local // 6)[doc_bits]
        values = np.bincount(pos, weights=np.left_shift(1, local % 6)[doc_bits], minlength=len(buf)).astype(np.int64)
        chars = np.flatnonzero(bits)
        every = np.repeat(body[chars] - (np.cumsum(width[chars]) - width[chars]), width[chars]) + np.arange(int(width[chars].sum()))
        buf[every] = _ALPHABET[values[every]]
    if not doc_bits.all():
        doc_gaps = ~doc_bits
        where = body[seg_of] + before - before[starts][seg_of]
        _put_digits(buf, where[doc_gaps], digits[doc_gaps], gaps[doc_gaps])
        dots = doc_gaps.copy()
        dots[ends - 1] = False
        buf[(where + digits)[dots]] = ord(".")
    text = buf.tobytes().decode("ascii")
    seg_end = (at + size - ~first).tolist()
    term_first = np.flatnonzero(first)
    term_last = np.append(term_first[1:], len(starts)) - 1
    found = iter(zip(at[term_first].tolist(), [seg_end[k] for k in term_last.tolist()], strict=True))
    return [text[a:b] for a, b in (next(found) if k else (0, 0) for k in lengths)]


def _put_digits(buf: np.ndarray, at: np.ndarray, digits: np.ndarray, values: np.ndarray) -> None:
    """Write each value in decimal, `digits` long, at its place in `buf` (no digits: nothing written)."""
    for p in range(int(digits.max(initial=0))):
        sel = digits > p
        buf[at[sel] + p] = 48 + values[sel] // 10 ** (digits[sel] - 1 - p) % 10


_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)
_TO_CHAR = bytes(_ALPHABET.tolist()) + bytes(256 - 64)
_VALUE = np.zeros(256, dtype=np.uint8)
_VALUE[_ALPHABET] = np.arange(64, dtype=np.uint8)
_SIX = np.arange(6, dtype=np.uint8)


def segments(text: str) -> list[tuple[int, str]]:
    """A posting's segments: (day number, body with its mark ":" or "=")."""
    out, day = [], 0
    for delta, body in _SEGMENT.findall(text):
        day += int(delta) if delta else 1
        out.append((day, body))
    return out


_SEGMENT = re.compile(r"(\d*)([:=][^,]*)")


def join(parts: Sequence[tuple[int, str]]) -> str:
    prev, out = 0, list[str]()
    for day, body in parts:
        out.append(_delta(day - prev, not out) + body)
        prev = day
    return ",".join(out)


def places(body: str) -> np.ndarray:
    """The places in the day of one segment."""
    if body[0] == ":":
        return np.cumsum(np.array(body[1:].split("."), dtype=np.int64))
    values = _VALUE[np.frombuffer(body[1:].encode("ascii"), dtype=np.uint8)]
    return np.flatnonzero((values[:, None] >> _SIX) & 1).astype(np.int64)


def decode(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(day numbers, places) of the items of a posting."""
    days, local = [], []
    for day, body in segments(text):
        p = places(body)
        days.append(np.full(len(p), day, dtype=np.int64))
        local.append(p)
    if not days:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(days), np.concatenate(local)


def _dump(data: object) -> bytes:
    """Compact JSON; <, > and & escaped, so that no file of the site holds markup a browser could run."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


# ---------------------------------------------------------------- the files

def _index_json(ordered: Sequence[Entry], column_titles: dict[str, str]) -> bytes:
    present = {e.column for e in ordered}
    columns = [[c, t] for c, t in column_titles.items() if c in present]
    columns += [[c, c] for c in sorted(present - set(column_titles))]
    years = sorted({e.date[:4] for e in ordered}, reverse=True)
    return _dump({"v": VERSION, "shards": SHARDS, "chunk": CHUNK, "count": len(ordered), "columns": columns,
                  "years": years})


def _days_txt(days: Sequence[tuple[str, int, int]]) -> bytes:
    return "".join(f"{name} {n}\n" for name, _, n in days).encode("ascii")


def _chunks(day: str, entries: Sequence[Entry]) -> dict[str, bytes]:
    return {chunk_path(day, start // CHUNK): _dump([[e.url, e.title, e.shown_date[:10], e.column]
                                                    for e in entries[start:start + CHUNK]])
            for start in range(0, len(entries), CHUNK)}


def _shard_lines(lines: dict[str, str]) -> bytes:
    return "".join(f"{t} {lines[t]}\n" for t in sorted(lines)).encode("utf-8")


def _place(term: str, text: str, files: dict[str, bytes]) -> str:
    """The text of a term's line in its shard: the posting, or ">" with the posting in a file of its own."""
    if len(text) > LONG:
        files[own_path(term)] = (text + "\n").encode("ascii")
        return ">"
    return text


def build(ordered: Sequence[Entry], text: Callable[[Entry], Text], column_titles: dict[str, str]) -> dict[str, bytes]:
    """Every search file, for entries in publication order; `text` gives each entry's (title, body text)."""
    days = _days(ordered)
    counts = np.array([n for _, _, n in days], dtype=np.int64)
    day_of = np.repeat(np.array([day_number(name) for name, _, _ in days], dtype=np.int64), counts)
    place_of = np.arange(len(ordered), dtype=np.int64) - np.repeat(np.array([s for _, s, _ in days], dtype=np.int64), counts)
    files = {f"{DIR}/index.json": _index_json(ordered, column_titles), f"{DIR}/days.txt": _days_txt(days)}
    for name, start, n in days:
        files.update(_chunks(name, ordered[start:start + n]))
    by_column: dict[str, list[int]] = {}
    for i, e in enumerate(ordered):
        by_column.setdefault(e.column, []).append(i)
    for column, members in by_column.items():
        at = np.array(members, dtype=np.int64)
        files[column_path(column)] = (encode(day_of[at], place_of[at]) + "\n").encode("ascii")
    lines: dict[int, dict[str, str]] = {i: {} for i in range(SHARDS)}
    found = postings([text(e) for e in ordered])
    terms_all = list(found)
    for batch in _batches(terms_all, [len(found[t]) for t in terms_all]):
        every = np.concatenate([found[t] for t in batch])
        for t, posting in zip(batch, encode_all(day_of[every], place_of[every], [len(found[t]) for t in batch]), strict=True):
            lines[shard_of(t)][t] = _place(t, posting, files)
    for i, shard in lines.items():
        files[shard_path(i)] = _shard_lines(shard)
    return files


def _batches(terms: list[str], sizes: list[int], most: int = 1 << 21) -> Iterator[list[str]]:
    """The terms in groups of about `most` items, to encode a group at once."""
    start, total = 0, 0
    for k, n in enumerate(sizes):
        total += n
        if total >= most:
            yield terms[start:k + 1]
            start, total = k + 1, 0
    if start < len(terms):
        yield terms[start:]


# ---------------------------------------------------------------- incremental

def _read_shard(site: Path, i: int) -> dict[str, str]:
    out = {}
    path = site / shard_path(i)
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            term, _, posting = line.partition(" ")
            out[term] = posting
    return out


def _read_days(site: Path) -> list[tuple[str, int]]:
    path = site / DIR / "days.txt"
    if not path.is_file():
        return []
    return [(name, int(n)) for name, _, n in (line.partition(" ") for line in path.read_text(encoding="ascii").splitlines())]


def _old_terms(site: Path, urls: Iterable[str]) -> set[str] | None:
    """Every term (and title term) an item's previous page could have given the index: a superset of what it gave.

    None when a page is missing: then every posting of the changed days is looked at."""
    found = []
    for url in urls:
        path = site / output_path(url)
        if not path.is_file():
            return None
        page = markup.plain_text(path.read_text(encoding="utf-8", errors="replace"))
        found.append((page, page))
    return set(postings(found)) if found else set()


class _Day:
    """One day whose items changed: old place -> new place of its items, and the new items' terms."""

    def __init__(self, name: str, old: Sequence[str], new: Sequence[Entry], texts: dict[str, Text]) -> None:
        self.name, self.number = name, day_number(name)
        place = {e.url: j for j, e in enumerate(new)}
        self.remap = np.array([-1 if u in texts else place.get(u, -1) for u in old], dtype=np.int64)
        self.moved = [u for i, u in enumerate(old) if self.remap[i] != i]  # their bits move or go
        self.added = [(j, e.url) for j, e in enumerate(new) if e.url in texts]
        self.new = new

    def segment(self, body: str | None, added: Sequence[int]) -> str | None:
        """The new segment of this day from its old one and the new places of the added items with the term."""
        local = self.remap[places(body)] if body else np.zeros(0, dtype=np.int64)
        local = local[local >= 0]  # in order: the items kept keep their order in the day
        if added:
            local = np.union1d(local, np.array(added, dtype=np.int64))
        return _segment(local.tolist()) if len(local) else None


def _splice(text: str, days: Sequence[_Day], added: dict[int, list[int]]) -> str:
    """A posting with the segments of the changed days redone (the others kept as they are, as text)."""
    if len(text) > LONG:  # thousands of days: change the text in place while no segment comes or goes
        at, day_of, lead_of = _heads(text)
        done = []
        for d in sorted(days, key=lambda d: -d.number):
            k = int(np.searchsorted(day_of, d.number))
            if k < len(day_of) and day_of[k] == d.number:
                end = int(at[k + 1]) - 1 if k + 1 < len(at) else len(text)
                body = d.segment(text[int(at[k] + lead_of[k]):end], added.get(d.number, ()))
                if body is None:
                    break
                text = text[:int(at[k] + lead_of[k])] + body + text[end:]
            elif d.number in added:
                break
            done.append(d)
        else:
            return text
        days = [d for d in days if d not in done]
    parts = text.split(",") if text else []
    numbers = _numbers(text, parts)
    for d in sorted(days, key=lambda d: -d.number):
        k = bisect.bisect_left(numbers, d.number)
        here = k < len(numbers) and numbers[k] == d.number
        lead = _lead(parts[k]) if here else ""
        body = d.segment(parts[k][len(lead):] if here else None, added.get(d.number, ()))
        if body is not None and here:
            parts[k] = lead + body
            continue
        if body is not None:
            numbers.insert(k, d.number)
            parts.insert(k, body)
        elif here:
            del numbers[k], parts[k]
        else:
            continue
        for j in (k, k + 1) if body is not None else (k,):  # the distances to the previous day change
            if j < len(numbers):
                parts[j] = _delta(numbers[j] - (numbers[j - 1] if j else 0), j == 0) + parts[j][len(_lead(parts[j])):]
    return ",".join(parts)


def _numbers(text: str, parts: list[str]) -> list[int]:
    """The day number of each segment of a posting (numpy for long postings: thousands of days)."""
    if len(parts) < 64:
        return list(itertools.accumulate([1 if part[0] > "9" else int(_lead(part)) for part in parts]))
    return _heads(text)[1].tolist()


def _heads(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each segment of a posting starts, its day number and the length of its day distance."""
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(raw == 44) + 1))
    value = np.zeros(len(starts), dtype=np.int64)
    alive = np.ones(len(starts), dtype=bool)
    length = np.zeros(len(starts), dtype=np.int64)
    padded = np.concatenate((raw, np.zeros(8, dtype=np.uint8)))
    for k in range(8):
        c = padded[starts + k].astype(np.int64) - 48
        alive &= (c >= 0) & (c <= 9)
        if not alive.any():
            break
        value = np.where(alive, value * 10 + c, value)
        length += alive
    return starts, np.cumsum(np.where(length > 0, value, 1)), length


def _lead(part: str) -> str:
    """The day distance a segment starts with ("" for 1)."""
    return part[:len(part) - len(part.lstrip(_DIGITS))]


def _delta(days: int, first: bool) -> str:
    return str(days) if first or days != 1 else ""


_DIGITS = "0123456789"


def patch(previous: Path, old_order: Sequence[str], ordered: Sequence[Entry], texts: dict[str, Text],
          column_titles: dict[str, str]) -> dict[str, bytes]:
    """The files `build` would write that differ from the previous site's, reading only what the change touches.

    `old_order`: the URLs of the previous build in publication order; `texts`: the (title, body) of every item
    added or changed since then (by URL). Items are numbered within their day, so only the days whose items
    changed are redone: the postings of the terms of their changed, withdrawn, added and renumbered items
    (found from the new texts and the previous pages of the items), their shards, their document chunks, the
    column lists and index.json. Files of the previous index that no longer belong to it: `obsolete`.
    """
    index = previous / DIR / "index.json"
    if index.is_file() and json.loads(index.read_bytes()).get("v") != VERSION:
        raise ValueError(f"上一版网站的搜索索引 {DIR}/index.json 不是第 {VERSION} 版，不能增量更新：请完整构建一次（portal build --full）")
    days = _days(ordered)
    new_lists = {name: ordered[start:start + n] for name, start, n in days}
    old_lists: dict[str, Sequence[str]] = {}
    at = 0
    for name, n in _read_days(previous):
        old_lists[name] = old_order[at:at + n]
        at += n
    if at != len(old_order):
        raise ValueError(f"搜索索引 {DIR}/days.txt 与上次构建的稿件顺序不一致（{at} / {len(old_order)} 篇）：请完整构建（portal build --full）")
    edited = {e.date[:10] for e in ordered if e.url in texts} if texts else set()
    changed = [_Day(name, old_lists.get(name, ()), new_lists.get(name, ()), texts)
               for name in sorted(old_lists.keys() | new_lists.keys())
               if name in edited or list(old_lists.get(name, ())) != [e.url for e in new_lists.get(name, ())]]
    files = {f"{DIR}/index.json": _index_json(ordered, column_titles), f"{DIR}/days.txt": _days_txt(days)}
    if not changed:
        return files
    moved = [u for d in changed for u in d.moved]
    candidates = _old_terms(previous, moved)
    added = [(d.number, j, u) for d in changed for j, u in d.added]
    new_terms: dict[str, dict[int, list[int]]] = {}
    for term, ids in postings([texts[u] for _, _, u in added]).items():
        for k in ids.tolist():
            new_terms.setdefault(term, {}).setdefault(added[k][0], []).append(added[k][1])
    by_shard: dict[int, set[str]] = {i: set() for i in range(SHARDS)} if candidates is None else {}
    for term in new_terms.keys() | (candidates or set()):
        by_shard.setdefault(shard_of(term), set()).add(term)
    for i in sorted(by_shard):
        lines = _read_shard(previous, i)
        if candidates is None:  # a previous page is missing: look at every term of the shard
            by_shard[i] |= lines.keys()
        before = dict(lines)
        for term in sorted(by_shard[i]):
            old = lines.get(term, "")
            if old == ">":
                old = (previous / own_path(term)).read_text(encoding="ascii").strip()
            text = _splice(old, changed, new_terms.get(term, {}))
            if text == old and term in lines:
                continue
            if text:
                lines[term] = _place(term, text, files)
            else:
                lines.pop(term, None)
        if lines != before:
            files[shard_path(i)] = _shard_lines(lines)
    _patch_lists(previous, changed, files)
    return files


def _patch_lists(previous: Path, changed: Sequence[_Day], files: dict[str, bytes]) -> None:
    """The document chunks of the changed days and the column lists with items in them."""
    columns = set()
    for d in changed:
        for rel, data in _chunks(d.name, d.new).items():
            path = previous / rel
            if not path.is_file() or path.read_bytes() != data:
                files[rel] = data
        columns |= {e.column for e in d.new}
        k = 0
        while (previous / chunk_path(d.name, k)).is_file():  # the columns of the items the day had
            columns |= {row[3] for row in json.loads((previous / chunk_path(d.name, k)).read_bytes())}
            k += 1
    for column in sorted(columns):
        path = previous / column_path(column)
        old = path.read_text(encoding="ascii").strip() if path.is_file() else ""
        parts = dict(segments(old))
        for d in changed:
            local = [j for j, e in enumerate(d.new) if e.column == column]
            if local:
                parts[d.number] = _segment(local)
            else:
                parts.pop(d.number, None)
        text = join(sorted(parts.items()))
        if text != old and text:
            files[column_path(column)] = (text + "\n").encode("ascii")


def obsolete(previous: Path, files: dict[str, bytes]) -> list[str]:
    """Files of the previous site's index that the index in `files` (from `patch`) no longer has."""
    gone: set[str] = set()
    for rel in files:
        if rel.startswith(f"{DIR}/t/"):
            i = int(rel[len(DIR) + 3:-4], 16)
            now = {line.partition(" ")[0] for line in files[rel].decode("utf-8").splitlines() if line.endswith(" >")}
            gone.update(own_path(t) for t, text in _read_shard(previous, i).items() if text == ">" and t not in now)
    days = f"{DIR}/days.txt"
    if days in files:
        now_days = dict((name, int(n)) for name, _, n in (line.partition(" ") for line in files[days].decode().splitlines()))
        for name, n in _read_days(previous):
            for k in range((now_days.get(name, 0) + CHUNK - 1) // CHUNK, (n + CHUNK - 1) // CHUNK):
                gone.add(chunk_path(name, k))
    index = previous / DIR / "index.json"
    if f"{DIR}/index.json" in files and index.is_file():
        now_columns = {c for c, _ in json.loads(files[f"{DIR}/index.json"])["columns"]}
        gone.update(column_path(c) for c, _ in json.loads(index.read_bytes()).get("columns", []) if c not in now_columns)
    return sorted(r for r in gone if r not in files and (previous / r).is_file())
