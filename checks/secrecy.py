"""Secrecy markings (涉密不上网): classification markings, internal markings, the never-publish words.

Rules are data (checks/rules/secrecy.yml, each with samples); the organisation's own words are
`secrecy.forbidden_words` in columns.yml. Everything that gets published is scanned: every
front-matter value, the body (HTML comments, link and image text included), the file name and
every attachment the item references (see checks/extract.py for what is read in each format).

How a text is scanned, once whatever the number of rules:
1. normalise it (checks/normalize.py: Traditional -> Simplified, NFKC, separators dropped);
2. one Aho-Corasick pass finds the rules' keywords and the forbidden words (gitleaks-style
   pre-filter); a text without any is done;
3. otherwise the text is normalised again with an offset map, the rules whose keywords occur are
   matched, and each hit is judged in the original: a marking stands alone (its own line, table
   cell, field or brackets), a mention sits in a sentence or in quotes (see `context` in the
   rules file).
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from portal import view
from portal.errors import ERROR, Finding, PortalError
from portal.model import Article, Portal

from . import extract, normalize, rulefile
from .runner import hook_main

CATEGORY = "secrecy"
RULES_FILE = Path(__file__).resolve().parent / "rules" / "secrecy.yml"
CONTEXTS = ("anywhere", "standalone", "label", "statement")
WORD_RULE = "SEC-WORDLIST"
UNREADABLE_RULE = "SEC-ATTACHMENT-UNREADABLE"
UNSCANNED_RULE = "SEC-ATTACHMENT-UNSCANNED"

OPEN_QUOTES, CLOSE_QUOTES = "“‘「『\"'《〈﹁﹃＂＇", "”’」』\"'》〉﹂﹄＂＇"
# ASCII [] are Markdown's link brackets: "详见[内部资料](…)" is a sentence, not a bracketed marking
OPEN_BRACKETS, CLOSE_BRACKETS = "【（(〔［〖{｛＜", "】）)〕］〗}｝＞"
_ENCLOSING = set(OPEN_QUOTES + CLOSE_QUOTES + OPEN_BRACKETS + CLOSE_BRACKETS)
# a quote around the hit, possibly with other markings and brackets inside: “【内部资料】”
# a list item, in the source or in the published view, possibly inside a block quote ("> - 内部资料")
_LIST_ITEM = re.compile(r"(?:[ \t]*>)*[ \t]*(?:[-*+][ \t]|\d+[.)、．]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)")
FOOTNOTE_BACK = "↩"  # ends a footnote in the published view ("1. 内部资料↩"): a footnote is not a list item
# (a target stops at the next bracket: each character is read by one attempt at most, linear on any line)
_LINK_TARGET = re.compile(r"\]\([^()\[\]\n]*\)")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]{1,40}\]:?")  # a footnote's reference or label in the source
_TABLE_SEPARATOR = re.compile(r"[ \t>]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")  # one way to match
_LEVEL = re.compile(r"(?:绝密|机密|秘密)级?")  # a cell that is only a level (normalised)
_COUNT = re.compile(r"(?:\d{1,4}(?:件|个|条|次|项|人|家|份)?)?")  # a cell of a table of counts (normalised)
_SEQUENCE = re.compile(r"[\d〇一二三四五六七八九十]*")  # a cell that is only a number (序号)
MAX_ROW = 4000  # longer lines are not read as table rows
TABLE_ROWS = 64  # rows read upwards to find a table's header
_OF = set("的之")  # right after a label's value: the label is a noun in a sentence
_LIST_JOINERS = set(" \t\u3000、，,；;或和及与以")
MAX_SHOWN = 80  # a hit's text longer than this is shown by its ends
_LATIN_RUN = re.compile(r"[0-9]*[A-Za-z][A-Za-z0-9]*")
WINDOW = 200  # characters of context each side of a hit that decide marking or mention
_STANDALONE = set("\x01\x02" + OPEN_BRACKETS + CLOSE_BRACKETS)
_OPEN_BRACKETS, _CLOSE_BRACKETS = set(OPEN_BRACKETS), set(CLOSE_BRACKETS)  # ("" is in no set)
_LABEL_BEFORE = "\x01" + OPEN_BRACKETS  # what may stand before a label: other markings, brackets
WORD, OTHER, TOKEN = "x", ".", "\x01"  # symbols of _Symbols (quotes and brackets stand for themselves)


@dataclasses.dataclass(frozen=True)
class Rule(rulefile.BaseRule):
    """A secrecy rule: the fields of every rules file, plus when a hit is a marking (`context`)
    and whether the marking needs a star between level and period (`star`)."""

    context: str = "anywhere"
    star: bool = False


@dataclasses.dataclass(frozen=True)
class Hit:
    rule: Rule
    start: int  # offsets in the original text
    end: int
    text: str
    word: str = ""  # the configured word, for SEC-WORDLIST


# ---------------------------------------------------------------- rules file


def _rule(item: dict[str, Any], common: dict[str, Any]) -> Rule:
    """A rule from its item, the common fields already validated by rulefile.parse_rules."""
    rid = common["id"]
    unknown = set(item) - rulefile.COMMON - {"context", "star"}
    if unknown:
        raise PortalError(f"{rid}: 未知字段 {'、'.join(sorted(unknown))}")
    if item.get("context") not in CONTEXTS:
        raise PortalError(f"{rid}: context 应为 {' / '.join(CONTEXTS)} 之一")
    if item.get("star") and "level" not in common["pattern"].groupindex:
        raise PortalError(f"{rid}: star: true 的规则须用 (?P<level>…) 标出密级，可用 (?P<period>…) 标出保密期限")
    if not common["keywords"]:
        raise PortalError(f"{rid}: keywords 应为非空文本列表（预筛关键词，规范化形式）")
    for k in common["keywords"]:
        if normalize.compact(k) != k:
            raise PortalError(f"{rid}: 关键词“{k}”不是规范化形式，应写成“{normalize.compact(k)}”")
    return Rule(**common, context=item["context"], star=bool(item.get("star")))


class Ruleset:
    """The rules, the companions and mention words, and the organisation's words, ready to scan."""

    def __init__(self, text: str, words: Sequence[str] = ()) -> None:
        import ahocorasick_rs

        name = RULES_FILE.name
        data, lines = rulefile.read(name, text)
        self.rules = rulefile.parse_rules(name, data, lines, _rule)
        if not self.rules:
            raise PortalError(f"规则文件 {name} 中没有规则：rules 应为非空的规则列表")
        self.advice = str(data.get("advice") or "")
        with rulefile.at(name, lines.get("companions", 1)):
            companions = rulefile.strings("companions", "companions", data.get("companions"), required=False)
            self.companions = rulefile.regex("companions", "companions", "|".join(companions)) if companions else None
        with rulefile.at(name, lines.get("mention_before", 1)):
            before = data.get("mention_before")
            self.mention_before = rulefile.regex("mention_before", "mention_before", before) if before else None
        with rulefile.at(name, lines.get("mention_after", 1)):
            after = data.get("mention_after")
            self.mention_after = rulefile.regex("mention_after", "mention_after", after) if after else None
        with rulefile.at(name, lines.get("table_headers", 1)):
            headers = data.get("table_headers")
            self.table_headers = rulefile.regex("table_headers", "table_headers", headers) if headers else None
        with rulefile.at(name, lines.get("table_results", 1)):
            results = data.get("table_results")
            self.table_results = rulefile.regex("table_results", "table_results", results) if results else None
        self.word_rule = Rule(WORD_RULE, "出现本单位规定不得发布的词语（columns.yml 的 secrecy.forbidden_words）",
                              ERROR, re.compile("(?!)"), context="anywhere")
        targets: dict[str, list[Rule | str]] = {}
        for rule in self.rules:
            for k in rule.keywords:
                targets.setdefault(k, []).append(rule)
        self._latin: dict[str, list[str]] = {}  # Latin words, matched in any case in runs of letters
        for word in words:
            form = normalize.compact(word)
            if form.isascii() and _LATIN_RUN.fullmatch(form):
                self._latin.setdefault(form.lower(), []).append(word)
            elif form:
                targets.setdefault(form, []).append(word)
        self._order = {r.id: i for i, r in enumerate(self.rules)}
        self._patterns = list(targets)
        self._targets = [targets[p] for p in self._patterns]
        # The pre-filter reads the normalised text as UTF-16 bytes, as the normaliser makes it (no decoding);
        # a match at an odd offset would be a false alarm, which only costs the full scan. The DFA takes
        # more memory to build and scans twice as fast as the default automaton.
        dfa = ahocorasick_rs.Implementation.DFA
        self._prefilter = ahocorasick_rs.BytesAhoCorasick([p.encode("utf-16-le") for p in self._patterns],
                                                          implementation=dfa) if self._patterns else None
        self._automaton = ahocorasick_rs.AhoCorasick(self._patterns, implementation=dfa) if self._patterns else None

    def scan(self, text: str, overlapping: bool = False) -> list[Hit]:
        """The markings in `text` (offsets into `text`); a hit inside another is dropped unless `overlapping`."""
        norm = normalize.normalizer()
        data = norm.compact_utf16(text)
        keyword = self._prefilter is not None and bool(self._prefilter.find_matches_as_indexes(data))
        latin = list(self._latin_hits(data.decode("utf-16-le", "surrogatepass"))) if self._latin else []
        if not keyword and not latin:
            return []
        compact, index = norm.mapped(text)
        found = self._automaton.find_matches_as_indexes(compact, overlapping=True) if self._automaton else []
        rules: set[str] = set()
        candidates: list[tuple[Rule, int, int, re.Match[str] | None, str]] = [
            (self.word_rule, start, end, None, word) for word, start, end in latin]
        for pattern, start, end in found:
            for target in self._targets[pattern]:
                if isinstance(target, Rule):
                    rules.add(target.id)
                else:
                    candidates.append((self.word_rule, start, end, None, target))
        for rule in self.rules:
            if rule.id in rules:
                candidates += [(rule, m.start(), m.end(), m, "") for m in rule.pattern.finditer(compact) if m.end() > m.start()]
        if not candidates:
            return []
        spans = [(index[s], index[e - 1] + 1) for _, s, e, _, _ in candidates]
        if self.companions is not None:
            spans += [(index[c.start()], index[c.end() - 1] + 1) for c in self.companions.finditer(compact) if c.end() > c.start()]
        symbols, tables = _Symbols(text, spans), _Tables(text, self.table_headers, self.table_results)
        hits = []
        for rule, s, e, m, word in candidates:
            start, end = index[s], index[e - 1] + 1
            if m is not None and rule.star:
                if (starred := _starred(text, index, m)) is None:
                    continue
                end = starred
            if self._is_marking(rule, text, start, end, symbols, tables, compact, index, s, e):
                hits.append(Hit(rule, start, end, _shown(text, start, end), word))
        return hits if overlapping else _outermost(hits, self._order)

    def _latin_hits(self, compact: str) -> Iterator[tuple[str, int, int]]:
        for m in _LATIN_RUN.finditer(compact):
            run = m.group().lower()
            for form, words in self._latin.items():
                at = run.find(form)
                while at >= 0:
                    yield from ((word, m.start() + at, m.start() + at + len(form)) for word in words)
                    at = run.find(form, at + 1)

    def _is_marking(self, rule: Rule, text: str, start: int, end: int, symbols: _Symbols, tables: _Tables,
                    compact: str, index: list[int], compact_start: int, compact_end: int) -> bool:
        # the line around the hit, at most WINDOW characters each side (a cut side counts as more text)
        low, high = max(0, start - WINDOW), min(len(text), end + WINDOW)
        n = text.rfind("\n", low, start)
        line_start, cut_left = (n + 1, False) if n >= 0 or low == 0 else (low, True)
        n = text.find("\n", end, high)
        line_end, cut_right = (n, False) if n >= 0 else (high, high < len(text))
        in_table = not cut_left and "|" in text[line_start:line_end]
        if rule.context == "anywhere":
            return not self._described(text, start, end, compact, index, compact_start, compact_end, symbols.runs) and \
                not (in_table and tables.entry(line_start, start))
        left, right = line_start, line_end
        if in_table:  # a Markdown table: the cell is the unit
            left = text.rfind("|", line_start, start) + 1 or line_start
            right = n if (n := text.find("|", end, line_end)) >= 0 else line_end
        elif not cut_left and (m := _LIST_ITEM.match(text, line_start, min(line_end, line_start + 64))) \
                and FOOTNOTE_BACK in text[line_start:line_end]:
            left = max(left, min(m.end(), start))  # a footnote of the published view: its number is no word
        before, after = symbols.sides(left, right, start, end)
        if _quoted(before, after):
            return False
        if rule.context == "statement":
            before_text = _just_before(compact, compact_start)
            return not (self.mention_before and self.mention_before.search(before_text))
        if rule.context == "label":  # 密级：秘密, not 公开方式：不予公开的，应当…… nor a list of labels
            return not before.strip(_LABEL_BEFORE) and compact[compact_end:compact_end + 1] not in _OF and not (
                left == line_start and not cut_left and _is_list_item(text, line_start, line_end))
        if before.rstrip(TOKEN)[-1:] in _OPEN_BRACKETS and after.lstrip(TOKEN)[:1] in _CLOSE_BRACKETS:
            return True  # 【内部资料】
        if left == line_start and not cut_left and _is_list_item(text, line_start, line_end):
            return False
        if not set(before + after) <= _STANDALONE:
            return False
        return not (in_table and tables.entry(line_start, start))

    def _described(self, text: str, start: int, end: int, compact: str, index: list[int],
                   compact_start: int, compact_end: int, runs: dict[int, int]) -> bool:
        """A marking that a text describes, as regulations and explainers do: right after 标注/标明为/
        例如/形式为…… (文件首页标注“秘密★1年”的……, 标注为秘密★1年的文件), or quoted and followed by
        what it means (“机密★10年”表示……, “机密★”字样): a mention. Quotes alone are not enough:
        “秘密★1年” on a line of its own, or 本件“机密★5年”，请妥善保管, is still a marking."""
        at = compact_start
        if _enclosed_by(text, start, end, OPEN_QUOTES, CLOSE_QUOTES):  # “秘密★5年”“机密★10年”: the first decides
            at = bisect.bisect_left(index, _first_of_quoted_list(text, start, runs))
        before = _just_before(compact, at)
        if self.mention_before and self.mention_before.search(before):
            return True
        if self.mention_after is None or not _enclosed_by(text, start, end, OPEN_QUOTES, CLOSE_QUOTES):
            return False
        stop = compact.find("\n", compact_end, compact_end + 12)
        return self.mention_after.match(compact, compact_end, stop if stop >= 0 else compact_end + 12) is not None


def _enclosed_by(text: str, start: int, end: int, opening: str, closing: str) -> bool:
    """Whether text[start:end] stands right inside an opening and a closing sign (spaces aside)."""
    i = start - 1
    while i >= 0 and text[i] in " \t\u3000":
        i -= 1
    j = end
    while j < len(text) and text[j] in " \t\u3000":
        j += 1
    return i >= 0 and text[i] in opening and j < len(text) and text[j] in closing


def _first_of_quoted_list(text: str, start: int, runs: dict[int, int]) -> int:
    """Where a run of quoted items ending with the one around `start` begins (“秘密★5年”、“机密★10年”或“绝密★启用前”),
    items of at most 40 characters each; `runs` keeps what is known (each item is read once)."""
    first = start
    visited = []
    while True:
        if first in runs:
            first = runs[first]
            break
        visited.append(first)
        i = first - 1
        while i >= 0 and text[i] in " \t\u3000":
            i -= 1
        if i < 0 or text[i] not in OPEN_QUOTES:
            break
        opening = i
        i -= 1
        while i >= 0 and opening - i < 8 and text[i] in _LIST_JOINERS:
            i -= 1
        if i < 0 or text[i] not in CLOSE_QUOTES:
            break
        low = max(0, i - 40)
        low = text.rfind("\n", low, i) + 1 or low
        previous = _LAST_OPEN_QUOTE.match(text, low, i)
        if previous is None:
            break
        first = previous.end()
    for v in visited:
        runs[v] = first
    return first


_LAST_OPEN_QUOTE = re.compile(f"[^\n]*[{re.escape(''.join(q for q in OPEN_QUOTES if q not in CLOSE_QUOTES))}]")


def _just_before(compact: str, at: int) -> str:
    """The (at most 20) normalised characters before `at` on its line: what a mention_before word must end."""
    low = max(0, at - 20)
    return compact[compact.rfind("\n", low, at) + 1 or low:at]


def _is_list_item(text: str, line_start: int, line_end: int) -> bool:
    """Whether the line is a list item (a footnote of the published view is not: it ends with ↩)."""
    return _LIST_ITEM.match(text, line_start, min(line_end, line_start + 64)) is not None and \
        FOOTNOTE_BACK not in text[line_start:min(line_end, line_start + MAX_ROW)]


def _quoted(before: str, after: str) -> bool:
    """Whether the hit stands in quotes, other markings and brackets aside (“【内部资料】”)."""
    return before.rstrip(_INSIDE_OPEN)[-1:] in _OPEN_QUOTES and after.lstrip(_INSIDE_CLOSE)[:1] in _CLOSE_QUOTES


_INSIDE_OPEN, _INSIDE_CLOSE = TOKEN + OPEN_BRACKETS, TOKEN + CLOSE_BRACKETS
_OPEN_QUOTES, _CLOSE_QUOTES = set(OPEN_QUOTES), set(CLOSE_QUOTES)


@functools.cache
def _symbol_table() -> Any:
    """For each BMP character, its symbol's code: a quote or bracket itself, x a letter or digit, . the rest."""
    import numpy as np

    table = np.full(0x10000, ord(OTHER), dtype=np.uint32)
    for code in range(0x10000):
        ch = chr(code)
        if ch in _ENCLOSING:
            table[code] = code
        elif unicodedata.category(ch)[0] in "LN":
            table[code] = ord(WORD)
    return table


class _Symbols:
    """A text reduced, once, to what decides marking or mention, one symbol a character: x a word
    character, \x01 part of a marking or companion, a quote or bracket as itself, . anything else
    (punctuation, spaces, HTML tags, link targets, footnote labels). Each hit then reads outwards to the
    first word on each side with str.find: linear in the text however many hits a line holds."""

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        bmp = codes < 0x10000
        symbols = _symbol_table()[np.where(bmp, codes, 0)]
        for i in np.flatnonzero(~bmp).tolist():  # outside the BMP: rare
            symbols[i] = ord(WORD) if unicodedata.category(text[i])[0] in "LN" else ord(OTHER)
        for pattern, marker in ((normalize.TAG, "<"), (_LINK_TARGET, "]("), (_FOOTNOTE, "[^")):
            if marker in text:
                for m in pattern.finditer(text):
                    symbols[m.start() + (pattern is _LINK_TARGET):m.end()] = ord(OTHER)
        if spans:
            cover = np.zeros(len(text) + 1, dtype=np.int32)
            edges = np.array(spans, dtype=np.int64)
            np.add.at(cover, edges[:, 0], 1)
            np.add.at(cover, edges[:, 1], -1)
            symbols[np.cumsum(cover[:-1]) > 0] = ord(TOKEN)
        self.symbols = symbols.tobytes().decode("utf-32-le")
        self.runs: dict[int, int] = {}  # where each run of quoted items begins (_first_of_quoted_list)

    def sides(self, left: int, right: int, start: int, end: int) -> tuple[str, str]:
        """The symbols of text[left:start] and text[end:right] that decide, each side read from the hit
        up to its first word (which ends it as x). (A side of a very long line is cut at WINDOW characters:
        with no word that near, padding of spaces or symbols does not make a marking part of a sentence.)"""
        symbols = self.symbols
        word = symbols.rfind(WORD, left, start)
        before = _squeeze(symbols[word + 1 if word >= 0 else left:start])
        if word >= 0:
            before = WORD + before
        word = symbols.find(WORD, end, right)
        after = _squeeze(symbols[end:word if word >= 0 else right])
        if word >= 0:
            after += WORD
        return before, after


def _squeeze(symbols: str) -> str:
    return symbols.replace(OTHER, "")  # (a run of \x01 decides as one \x01 does)


@dataclasses.dataclass(frozen=True)
class _Row:
    cells: list[str]  # normalised; empty for a separator row (| --- | --- |)
    levels: int  # how many cells are only a level (绝密、机密、秘密)
    subject: int  # the first cell naming what its column lists (a header: 密级, 标志 ...), -1 if none


class _Tables:
    """The Markdown table rows of one text, each read once however many hits it holds."""

    def __init__(self, text: str, headers: re.Pattern[str] | None, results: re.Pattern[str] | None = None) -> None:
        self.text = text
        self.headers = headers
        self.results = results
        self._rows: dict[int, _Row | None] = {}
        self._heads: dict[int, _Row | None] = {}
        self._tops: dict[int, int] = {}

    def row(self, start: int) -> _Row | None:
        """The table row on the line starting at `start`; None if it is no row or longer than MAX_ROW."""
        if start in self._rows:
            return self._rows[start]
        text = self.text
        end = text.find("\n", start, start + MAX_ROW + 1)
        if end < 0:
            end = len(text) if len(text) - start <= MAX_ROW else -1
        row = None
        if end >= 0 and "|" in text[start:end]:
            if _TABLE_SEPARATOR.fullmatch(text, start, end):
                row = _Row([], 0, -1)
            else:
                norm = normalize.normalizer()
                cells = [norm.compact(c) for c in _split_cells(text[start:end])]
                headers = self.headers
                subject = next((k for k, c in enumerate(cells) if headers and headers.fullmatch(c)), -1)
                row = _Row(cells, sum(1 for c in cells if _LEVEL.fullmatch(c)), subject)
        self._rows[start] = row
        return row

    def above(self, start: int) -> int:
        """Where the line above the line starting at `start` starts (-1 at the top or above a very long line)."""
        if start == 0:
            return -1
        low = max(0, start - 2 - MAX_ROW)
        previous = self.text.rfind("\n", low, start - 1) + 1
        return -1 if previous == 0 and low > 0 else previous

    def header(self, start: int) -> _Row | None:
        """The nearest row above the row at `start`, in the same run of table lines, naming what a column lists."""
        visited: list[int] = []
        found: _Row | None = None
        at = start
        while True:
            if at in self._heads:
                found = self._heads[at]
                break
            visited.append(at)
            up = self.above(at)
            row = self.row(up) if up >= 0 else None
            if row is None:
                break
            if row.subject >= 0:
                found = row
                break
            at = up
        for v in visited:
            self._heads[v] = found
        return found

    def top(self, start: int) -> int:
        """Where the first row of the run of table lines holding the row at `start` starts."""
        visited: list[int] = []
        at = start
        while True:
            if at in self._tops:
                found = self._tops[at]
                break
            visited.append(at)
            up = self.above(at)
            if up < 0 or self.row(up) is None:
                found = at
                break
            at = up
        for v in visited:
            self._tops[v] = found
        return found

    def entry(self, line_start: int, at: int) -> bool:
        """Whether the cell at offset `at` is an entry of a table that explains markings or counts cases
        rather than a marking: a row naming two or more levels (| 绝密 | 机密 | 秘密 |); a cell at or
        right of the row's subject, under a header naming what that column lists, only a sequence number
        left of it (| 密级 | 保密期限 | over | 秘密 | 10年 |); or the label of a row of counts under another
        row (| 不予公开 | 1 | in an annual report), or a result under its column's name (处理结果). A key and its value (| 密级 | 秘密 |) and a document's
        level (| 防汛预案 | 秘密 |) stay markings."""
        row = self.row(line_start)
        if row is None or not row.cells:
            return False
        column = min(_column(self.text, line_start, at), len(row.cells) - 1)
        cells = row.cells
        if row.levels >= 2 and _LEVEL.fullmatch(cells[column]):
            return True
        up = self.above(line_start)
        if up < 0 or self.row(up) is None:
            return False
        if column == 0 and any(c and _COUNT.fullmatch(c) for c in cells[1:]):
            return True  # the label of a row of counts: | 不予公开 | 属于国家秘密 | 1 |
        first = self.row(self.top(line_start))
        if self.results and first is not None and column < len(first.cells) and \
                self.results.fullmatch(first.cells[column]):
            return True  # a result under its column's name: | 申请人 | 处理结果 | over | 张某 | 不予公开 |
        header = self.header(line_start)
        if header is None:
            return False
        return header.subject <= column and all(_SEQUENCE.fullmatch(c) for c in cells[:header.subject])


def _split_cells(row: str) -> list[str]:
    body = row.lstrip(" \t>")
    if body.startswith("|"):
        body = body[1:]
    return body.rstrip(" \t").removesuffix("|").split("|")


def _column(text: str, line_start: int, at: int) -> int:
    """Which cell of the table row starting at `line_start` holds offset `at`."""
    i = line_start
    while i < at and text[i] in " \t>":
        i += 1
    if i < at and text[i] == "|":
        i += 1
    return text.count("|", i, at)


def _shown(text: str, start: int, end: int) -> str:
    """The hit's text, or its two ends if it is spread over more than MAX_SHOWN characters."""
    if end - start <= MAX_SHOWN:
        return text[start:end]
    half = MAX_SHOWN // 2
    return f"{text[start:start + half]}…{text[end - half:end]}"


def _starred(text: str, index: list[int], m: re.Match[str]) -> int | None:
    """Where the marking ends in the original if it has a star between the level and the period
    (GB/T 9704: 秘密★1年), else None.

    Without a period only a star-shaped sign counts (a Markdown `*` after 秘密 is emphasis), and the
    marking ends after it."""
    after_level = index[m.end("level") - 1] + 1
    period = m.start("period") if "period" in m.groupdict() and m.group("period") else -1
    if period >= 0:
        starred = any(c in normalize.STARS for c in text[after_level:index[period]])
        return index[m.end() - 1] + 1 if starred else None
    upto = index[m.end()] if m.end() < len(index) else len(text)
    star = next((i for i in range(after_level, upto) if text[i] in normalize.STARS and text[i] != "*"), -1)
    return star + 1 if star >= 0 else None


def _outermost(hits: list[Hit], order: dict[str, int]) -> list[Hit]:
    """Drop a hit that lies inside another (秘密 inside 秘密★1年, inside 本文件属秘密级);
    of hits on the same text, keep the first rule of the file."""
    hits.sort(key=lambda h: (h.start, h.start - h.end, order.get(h.rule.id, len(order))))
    out: list[Hit] = []
    reach = -1  # the furthest end of a kept hit; every kept hit starts at or before the current one
    for h in hits:
        if h.end > reach:
            out.append(h)
            reach = h.end
    return out


@functools.cache
def _ruleset(words: tuple[str, ...]) -> Ruleset:
    return Ruleset(RULES_FILE.read_text(encoding="utf-8"), words)


def ruleset(portal: Portal | None = None) -> Ruleset:
    """The rules of checks/rules/secrecy.yml with the portal's forbidden words (built once per process)."""
    return _ruleset(portal.config.secrecy_words if portal is not None else ())


# ---------------------------------------------------------------- what gets published


BODY = ""  # the body's key in fingerprints (as before the published view: accepted entries stay valid)
# where a hit in one of the view's texts is, for the message
_WHERE = {"name": "文件名", "body:alt": "图片的替代文字", "body:title": "链接或图片的标题", "body:rt": "注音（ruby）",
          "body:aria-label": "无障碍标签", "body:summary": "表格摘要", "body:abbr": "缩写说明"}


SEGMENT = 64 * 1024  # characters scanned at once: memory stays bounded by a segment's hits
OVERLAP = 4 * WINDOW  # read on each side of a segment, so that a hit near its edge is judged in its context


def scan_texts(rules: Ruleset, texts: Sequence[str]) -> Iterator[tuple[Hit, int, int, int]]:
    """Scan the texts as one (a line each at least); yield (hit, which text, line in it from 0, column from 1).

    A long text is scanned a segment at a time (cut at a line end when there is one), each with OVERLAP
    characters of context on both sides; a hit belongs to the segment it starts in."""
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    joined = "\n".join(texts)
    newlines: dict[int, list[int]] = {}  # per text with a hit: where its lines break (found once: linear)
    for hit in _segmented(rules, joined):
        i = bisect.bisect_right(starts, hit.start) - 1
        local = hit.start - starts[i]
        if i not in newlines:
            newlines[i] = [m.start() for m in re.finditer("\n", texts[i])]
        line = bisect.bisect_left(newlines[i], local)
        yield hit, i, line, local - (newlines[i][line - 1] if line else -1)


def _segmented(rules: Ruleset, text: str) -> Iterator[Hit]:
    if len(text) <= SEGMENT:
        yield from rules.scan(text)
        return
    begin = 0
    while begin < len(text):
        end = min(len(text), begin + SEGMENT)
        if end < len(text):
            cut = text.rfind("\n", begin + SEGMENT // 2, end)
            end = cut + 1 if cut >= 0 else end
        low = max(0, begin - OVERLAP)
        for hit in rules.scan(text[low:min(len(text), end + OVERLAP)]):
            if begin <= hit.start + low < end:
                yield dataclasses.replace(hit, start=hit.start + low, end=hit.end + low)
        begin = end


def _message(rules: Ruleset, hit: Hit, where: str) -> str:
    shown = hit.text if len(hit.text) <= 40 else hit.text[:40] + "…"
    what = f"{hit.rule.description}：“{shown}”" if not hit.word else f"{hit.rule.description}：“{hit.word}”（原文“{shown}”）"
    return f"{what}{f'（{where}）' if where else ''}。{rules.advice}"


def _column_in_file(article: Article, line: int, needle: str) -> int:
    lines = article.text.split("\n", line)
    raw = lines[line - 1] if 0 < line <= len(lines) else ""
    col = raw.find(needle)
    if col >= 0:
        return col + 1
    colon = raw.find(":")
    return colon + 3 if colon >= 0 else 1


MOST = 100  # findings listed for one item or attachment: a text full of markings is not listed mark by mark


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    """Scan the item as it is published (portal/view.py), then every file it publishes."""
    rules = ruleset(portal)
    texts = view.of(article).texts
    found: dict[tuple[str, int, int], Finding] = {}
    lines: dict[int, list[str]] = {}
    located: dict[tuple[str, int, int], tuple[int, int]] = {}  # the same text on one line of the view: one place
    for hit, i, line_in, column in scan_texts(rules, [t.text for t in texts]):
        key = texts[i].key
        if key.startswith("body"):
            if (hit.text, i, line_in) not in located:
                context = lines.setdefault(i, texts[i].text.split("\n"))[line_in]
                near = context[max(0, column - 1 - 60):column - 1 + len(hit.text) + 60]
                located[(hit.text, i, line_in)] = view.locate(article, hit.text, context=near)
            line, column = located[(hit.text, i, line_in)]
            where, fingerprint_key = _WHERE.get(key, ""), BODY
        elif key == "name":
            line, column, where, fingerprint_key = 1, 1, _WHERE[key], "\0name"
        else:  # a block scalar's text starts on the line below its key
            line = article.line_of(key) + line_in + (1 if "\n" in texts[i].text.strip() else 0)
            column = _column_in_file(article, line, hit.text)
            where, fingerprint_key = f"front-matter 字段 {key}", key
        if (hit.rule.id, line, column) in found:
            continue  # "body" and "body:lines" are the same paragraphs, joined and as written: one finding a place
        if len(found) >= MOST:
            yield from found.values()
            yield Finding(article.path, line, column, hit.rule.id, CATEGORY, ERROR,
                          f"稿件中的涉密标志超过 {MOST} 处，从这里起不再逐一列出。请撤下稿件，处理后重新报送",
                          match=f"{article.path}\0more")
            return
        # the fingerprint names the field (or body) and the text, not the line: an accepted finding
        # stays accepted when other lines move
        found[(hit.rule.id, line, column)] = Finding(
            article.path, line, column, hit.rule.id, CATEGORY, hit.rule.severity, _message(rules, hit, where),
            match=f"{fingerprint_key}\0{hit.text}")
    yield from found.values()
    for rel in published_files(portal, article):
        yield from attachment_findings(rules, portal.root, rel)
        view.mark_checked(portal.root / rel)


def published_files(portal: Portal, article: Article) -> list[str]:
    """The files the item publishes that can be read: regular files (no symlink) inside its column's files/.
    (Every other reference is an error of checks/attachments.py, and the build refuses to publish it.)"""
    out: list[str] = []
    for ref in view.of(article).files:
        if ref.rel not in out and ref.in_files_of(article.column) and view.is_publishable(portal.root, ref.rel):
            out.append(ref.rel)
    return out


def attachment_findings(rules: Ruleset, root: Path, rel: str) -> list[Finding]:
    path = root / rel
    try:
        stat = path.stat()
    except (OSError, ValueError) as exc:  # gone since the view listed it, or a name the system refuses
        return [Finding(rel, 1, 1, UNREADABLE_RULE, CATEGORY, ERROR,
                        f"无法读取附件（{getattr(exc, 'strerror', None) or exc}），不能确认其中没有涉密标志，不得发布。"
                        "请确认文件存在、可读，文件名中没有控制字符", match=rel)]
    return list(_attachment_findings(rules, path, rel, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=1024)  # an attachment shared by many items is read once per process
def _attachment_findings(rules: Ruleset, path: Path, rel: str, mtime: int, size: int) -> tuple[Finding, ...]:
    """The markings in the attachment's name and text, read piece by piece (bounded memory); a file the
    checks cannot read completely is an error, which only an accepted.yml entry for this very content
    (its SHA-256 is in the fingerprint) can accept."""
    import hashlib
    import itertools

    most = 100  # findings listed for one attachment: a file full of markings is not listed mark by mark
    name = extract.Chunk("文件名", PurePosixPath(rel).stem)
    out: dict[tuple[int, int, str, str], Finding] = {}
    try:
        for batch in extract.batches(itertools.chain([name], extract.iter_chunks(path))):
            for hit, i, line_in, column in scan_texts(rules, [c.text for c in batch]):
                chunk = batch[i]
                line, column = (1, 1) if chunk is name else \
                    (chunk.line + line_in, (chunk.column - 1 if line_in == 0 else 0) + column)
                if len(out) >= most:
                    found = Finding(rel, line, column, hit.rule.id, CATEGORY, ERROR,
                                    f"附件中的涉密标志超过 {most} 处，从这里（附件{chunk.where}）起不再逐一列出。"
                                    "请撤下该附件，处理后重新上传", match=f"{rel}\0more")
                    out[(line, column, found.rule, found.match)] = found
                    return tuple(out.values())
                found = Finding(rel, line, column, hit.rule.id, CATEGORY, hit.rule.severity,
                                _message(rules, hit, f"附件{chunk.where}"), match=f"{chunk.where}\0{hit.text}")
                out.setdefault((line, column, found.rule, found.match), found)
    except (extract.Unreadable, extract.NotScanned) as exc:
        digest = hashlib.sha256()
        try:
            with path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    digest.update(block)
        except OSError:
            pass
        if isinstance(exc, extract.NotScanned):
            rule, what = UNSCANNED_RULE, "无法自动检查附件内容"
            fix = "请用原程序（Word、Excel、WPS 等）打开后另存为 .docx / .xlsx / .pdf 再上传。"
        elif isinstance(exc, extract.TooBig):
            rule, what = UNREADABLE_RULE, "附件超出检查的资源上限"
            fix = "请确认文件来源可靠；确为正常文件的，请拆分为几个文件、压缩其中的图片，或另存为 PDF 后再上传。"
        else:
            rule, what = UNREADABLE_RULE, "无法读取附件内容"
            fix = "请确认文件未损坏、未设置打开密码，用原程序打开后另存为 .docx / .xlsx / .pdf 再上传。"
        message = (f"{what}：{exc}。不能确认其中没有涉密标志，不得发布。{fix}确需原样发布的，由保密审查员逐页核对后"
                   "在 accepted.yml 中登记（file、rule、fingerprint 照抄 `portal check --format json` 的输出，"
                   "by 写核对人、reason 写核对结论、date 写日期）；登记只对这一份文件内容有效，文件改动后须重新核对登记")
        found = Finding(rel, 1, 1, rule, CATEGORY, ERROR, message, match=f"{rel}\0{digest.hexdigest()}")
        out.setdefault((1, 1, rule, found.match), found)
    return tuple(out.values())


# ---------------------------------------------------------------- samples and the hook


def sample_errors(rules: Ruleset) -> list[str]:
    """What is wrong with the rules' samples: a `match` sample the rule misses, a `no_match` one it hits
    (each sample scanned by the whole ruleset, as an item is)."""
    return [e for rule in rules.rules for e in rulefile.wrong_samples(rule, functools.partial(_hits, rules, rule.id))]


def _hits(rules: Ruleset, rule_id: str, sample: str) -> bool:
    return any(h.rule.id == rule_id for h in rules.scan(sample, overlapping=True))


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
