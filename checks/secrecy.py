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
_QUOTED = re.compile(f"[{re.escape(OPEN_QUOTES)}][\x01{re.escape(OPEN_BRACKETS)}]*\x02"
                     f"[\x01{re.escape(CLOSE_BRACKETS)}]*[{re.escape(CLOSE_QUOTES)}]")
_BRACKETED = re.compile(f"[{re.escape(OPEN_BRACKETS)}]\x01*\x02\x01*[{re.escape(CLOSE_BRACKETS)}]")
_LABEL = re.compile(f"[\x01{re.escape(OPEN_BRACKETS)}]*\x02")
# a list item, in the source or in the published view, possibly inside a block quote ("> - 内部资料")
_LIST_ITEM = re.compile(r"(?:[ \t]*>)*[ \t]*(?:[-*+][ \t]|\d+[.)、．]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)")
FOOTNOTE_BACK = "↩"  # ends a footnote in the published view ("1. 内部资料↩"): a footnote is not a list item
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]{1,40}\]:?")  # a footnote's reference or label in the source
_TABLE_SEPARATOR = re.compile(r"[\s>]*\|?(?:\s*:?-+:?\s*\|?)+\s*")
_LEVEL = re.compile(r"(?:绝密|机密|秘密)级?")  # a cell that is only a level (normalised)
_COUNT = re.compile(r"(?:\d{1,4}(?:件|个|条|次|项|人|家|份)?)?")  # a cell of a table of counts (normalised)
_SEQUENCE = re.compile(r"[\d〇一二三四五六七八九十]*")  # a cell that is only a number (序号)
MAX_ROW = 4000  # longer lines are not read as table rows
TABLE_ROWS = 64  # rows read upwards to find a table's header
LONG_TOKEN = 64  # a token spread wider than this (separators between its characters) is kept per character
_OF = set("的之")  # right after a label's value: the label is a noun in a sentence
QUOTED_LIST = 8
_LIST_JOINERS = set(" \t\u3000、，,；;或和及与以")
MAX_SHOWN = 80  # a hit's text longer than this is shown by its ends
_LATIN_RUN = re.compile(r"[0-9]*[A-Za-z][A-Za-z0-9]*")
WINDOW = 200  # characters of context each side of a hit that decide marking or mention
NEAR = 24  # read first: usually enough to meet a word on both sides
_STANDALONE = set("\x01\x02" + OPEN_BRACKETS + CLOSE_BRACKETS)


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
        spans: list[tuple[int, int]] = []
        for _, s, e, _, _ in candidates:
            _token_spans(spans, index, s, e)
        if self.companions is not None:
            for c in self.companions.finditer(compact):
                if c.end() > c.start():
                    _token_spans(spans, index, c.start(), c.end())
        tokens = _Tokens(sorted(spans))
        hits = []
        for rule, s, e, m, word in candidates:
            start, end = index[s], index[e - 1] + 1
            if m is not None and rule.star:
                if (starred := _starred(text, index, m)) is None:
                    continue
                end = starred
            if self._is_marking(rule, text, start, end, tokens, compact, index, s, e):
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

    def _is_marking(self, rule: Rule, text: str, start: int, end: int, tokens: _Tokens,
                    compact: str, index: list[int], compact_start: int, compact_end: int) -> bool:
        # the line around the hit, at most WINDOW characters each side (a cut side counts as more text)
        low, high = max(0, start - WINDOW), min(len(text), end + WINDOW)
        n = text.rfind("\n", low, start)
        line_start, cut_left = (n + 1, False) if n >= 0 or low == 0 else (low, True)
        n = text.find("\n", end, high)
        line_end, cut_right = (n, False) if n >= 0 else (high, high < len(text))
        in_table = not cut_left and "|" in text[line_start:line_end]
        if rule.context == "anywhere":
            return not self._described(text, start, end, compact, index, compact_start, compact_end) and \
                not (in_table and self._table_entry(text, line_start, line_end, start))
        left, right = line_start, line_end
        if in_table:  # a Markdown table: the cell is the unit
            left = text.rfind("|", line_start, start) + 1 or line_start
            right = n if (n := text.find("|", end, line_end)) >= 0 else line_end
        elif not cut_left and (m := _LIST_ITEM.match(text, line_start, min(line_end, line_start + 64))) \
                and FOOTNOTE_BACK in text[line_start:min(line_end, line_start + MAX_ROW)]:
            left = max(left, min(m.end(), start))  # a footnote of the published view: its number is no word
        skeleton = _skeleton(text, left, right, start, end, tokens, cut_left and left == line_start,
                             cut_right and right == line_end)
        if _QUOTED.search(skeleton):
            return False
        if rule.context == "statement":
            before = compact[compact.rfind("\n", max(0, compact_start - 20), compact_start) + 1:compact_start]
            return not (self.mention_before and self.mention_before.search(before))
        if rule.context == "label":  # 密级：秘密, not 公开方式：不予公开的，应当…… nor a list of labels
            return _LABEL.match(skeleton) is not None and compact[compact_end:compact_end + 1] not in _OF and not (
                left == line_start and not cut_left and _is_list_item(text, line_start, line_end))
        if _BRACKETED.search(skeleton):
            return True
        if left == line_start and not cut_left and _is_list_item(text, line_start, line_end):
            return False
        if not set(skeleton) <= _STANDALONE:
            return False
        return not (in_table and self._table_entry(text, line_start, line_end, start))

    def _table_entry(self, text: str, line_start: int, line_end: int, start: int) -> bool:
        """Whether the cell at `start` is an entry of a table that explains markings or counts cases
        rather than a marking: a row naming two or more levels (| 绝密 | 机密 | 秘密 |); the row's
        subject under a header that names what the column lists (| 密级 | 保密期限 | over | 秘密 | 10年 |),
        only a sequence number left of it; or the label of a row of counts under a header (| 不予公开 | 1 |
        in an annual report). A key and its value (| 密级 | 秘密 |) or a document's level
        (| 防汛预案 | 秘密 |) stay markings."""
        if line_end - line_start > MAX_ROW:
            return False
        cells, column = _cells(text, line_start, line_end, start)
        norm = normalize.normalizer()
        if _LEVEL.fullmatch(norm.compact(cells[column])) and \
                sum(1 for c in cells if _LEVEL.fullmatch(norm.compact(c))) >= 2:
            return True
        above = _rows_above(text, line_start)
        if not above:
            return False
        if column == 0 and len(cells) > 1 and all(_COUNT.fullmatch(norm.compact(c)) for c in cells[1:]) and \
                any(norm.compact(c) for c in cells[1:]):
            return True
        if self.table_headers is None:
            return False
        for row_start, row_end in above:  # the nearest header naming what a column lists
            names, _ = _cells(text, row_start, row_end, row_start)
            subject = next((k for k, name in enumerate(names) if self.table_headers.fullmatch(norm.compact(name))), -1)
            if subject >= 0:
                return subject <= column and all(_SEQUENCE.fullmatch(norm.compact(c)) for c in cells[:subject])
        return False


    def _described(self, text: str, start: int, end: int, compact: str, index: list[int],
                   compact_start: int, compact_end: int) -> bool:
        """A marking that a text describes, as regulations and explainers do: right after 标注/标明为/
        例如/形式为…… (文件首页标注“秘密★1年”的……, 标注为秘密★1年的文件), or quoted and followed by
        what it means (“机密★10年”表示……, “机密★”字样): a mention. Quotes alone are not enough:
        “秘密★1年” on a line of its own, or 本件“机密★5年”，请妥善保管, is still a marking."""
        at = compact_start
        if _enclosed_by(text, start, end, OPEN_QUOTES, CLOSE_QUOTES):  # “秘密★5年”“机密★10年”: the first decides
            at = bisect.bisect_left(index, _first_of_quoted_list(text, start))
        before = compact[compact.rfind("\n", max(0, at - 20), at) + 1:at]
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


def _first_of_quoted_list(text: str, start: int) -> int:
    """Where a run of quoted items ending with the one around `start` begins (“秘密★5年”、“机密★10年”或“绝密★启用前”):
    at most QUOTED_LIST items of at most 40 characters each are read back."""
    first = start
    for _ in range(QUOTED_LIST):
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
        previous = max((text.rfind(q, max(0, i - 40), i) for q in OPEN_QUOTES if q not in CLOSE_QUOTES), default=-1)
        if previous < 0:
            break
        first = previous + 1
    return first


def _is_list_item(text: str, line_start: int, line_end: int) -> bool:
    """Whether the line is a list item (a footnote of the published view is not: it ends with ↩)."""
    return _LIST_ITEM.match(text, line_start, min(line_end, line_start + 64)) is not None and \
        FOOTNOTE_BACK not in text[line_start:min(line_end, line_start + MAX_ROW)]


def _cells(text: str, line_start: int, line_end: int, at: int) -> tuple[list[str], int]:
    """The cells of the table row text[line_start:line_end] and which of them holds offset `at`."""
    row = text[line_start:line_end]
    body = row.lstrip(" \t>")
    offset = len(row) - len(body)
    if body.startswith("|"):
        body, offset = body[1:], offset + 1
    cells = body.rstrip(" \t").removesuffix("|").split("|")
    column = min(row.count("|", offset, max(offset, at - line_start)), len(cells) - 1)
    return cells, column


def _rows_above(text: str, line_start: int) -> list[tuple[int, int]]:
    """(start, end) of the table rows above the row that starts at `line_start`, nearest first, separator
    rows left out (at most TABLE_ROWS; the published view writes adjacent tables without a line between)."""
    rows: list[tuple[int, int]] = []
    at = line_start
    for _ in range(TABLE_ROWS):
        if at == 0:
            break
        low = max(0, at - 1 - MAX_ROW)
        start = text.rfind("\n", low, at - 1) + 1
        if start == 0 and low > 0:
            break
        row = text[start:at - 1]
        if "|" not in row:
            break
        if not _TABLE_SEPARATOR.fullmatch(row):
            rows.append((start, at - 1))
        at = start
    return rows


def _token_spans(spans: list[tuple[int, int]], index: list[int], s: int, e: int) -> None:
    """Add the original span of compact[s:e]; a token spread wide (separators between its characters)
    is added character by character, so that looking tokens up near a hit stays cheap."""
    start, end = index[s], index[e - 1] + 1
    if end - start <= LONG_TOKEN:
        spans.append((start, end))
    else:
        spans.extend((index[k], index[k] + 1) for k in range(s, e))


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


def _skeleton(text: str, left: int, right: int, start: int, end: int, tokens: _Tokens,
              cut_left: bool = False, cut_right: bool = False) -> str:
    """The cell text[left:right] around the hit, reduced to what decides marking or mention:
    \x02 the hit, \x01 other markings and companions, brackets and quotes, x for a word.

    Read outwards from the hit and only up to the first word on each side: nothing further
    changes the decision. A side cut short (a very long line) ends with a word. The close
    neighbourhood is read first; the whole cell only when that is not enough."""
    near_left, near_right = max(left, start - NEAR), min(right, end + NEAR)
    before, after, open_left, open_right = _sides(text, near_left, near_right, start, end, tokens)
    if (open_left and near_left > left) or (open_right and near_right < right):
        before, after, open_left, open_right = _sides(text, left, right, start, end, tokens)
    return "".join(reversed(before + (["x"] if open_left and cut_left else []))) + "\x02" + \
        "".join(after + (["x"] if open_right and cut_right else []))


def _sides(text: str, left: int, right: int, start: int, end: int,
           tokens: _Tokens) -> tuple[list[str], list[str], bool, bool]:
    """The symbols before the hit (nearest first) and after it, each up to the first word,
    and whether each side reached the edge of text[left:right] without meeting a word."""
    marks = bytearray(right - left)
    for ts, te in tokens.between(left, right):
        a, b = max(ts, left) - left, min(te, right) - left
        marks[a:b] = b"\x01" * (b - a)
    marks[start - left:end - left] = b"\x02" * (end - start)
    segment = text[left:right]
    ignored = bytearray(right - left)  # HTML tags and the (target) of [text](target)
    if "<" in segment:
        for m in normalize.TAG.finditer(segment):
            ignored[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    if "](" in segment:
        for m in _LINK_TARGET.finditer(segment):
            ignored[m.start() + 1:m.end()] = b"\x01" * (m.end() - m.start() - 1)
    if "[^" in segment:
        for m in _FOOTNOTE.finditer(segment):
            ignored[m.start():m.end()] = b"\x01" * (m.end() - m.start())

    def side(positions: range) -> tuple[list[str], bool]:
        out: list[str] = []
        previous = 0
        for i in positions:
            mark = marks[i]
            if mark:
                if mark != previous:
                    out.append(chr(mark))
                previous = mark
                continue
            previous = 0
            ch = segment[i]
            if ignored[i]:
                continue
            if ch in _ENCLOSING:
                out.append(ch)
            elif unicodedata.category(ch)[0] in "LN":
                return out + ["x"], False
        return out, True

    before, open_left = side(range(start - left - 1, -1, -1))
    after, open_right = side(range(end - left, right - left))
    return before, after, open_left, open_right


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


class _Tokens:
    """The spans of every marking word and companion in a text, sorted, to look up by line."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = [s for s, _ in spans]
        self.longest = max((e - s for s, e in spans), default=0)

    def between(self, left: int, right: int) -> list[tuple[int, int]]:
        """The spans that overlap text[left:right]."""
        i = bisect.bisect_left(self.starts, left - self.longest)
        j = bisect.bisect_left(self.starts, right)
        return [(s, e) for s, e in self.spans[i:j] if e > left]


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


def scan_texts(rules: Ruleset, texts: Sequence[str]) -> Iterator[tuple[Hit, int, int, int]]:
    """Scan the texts as one (a line each at least); yield (hit, which text, line in it from 0, column from 1)."""
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    for hit in rules.scan("\n".join(texts)):
        i = bisect.bisect_right(starts, hit.start) - 1
        text, local = texts[i], hit.start - starts[i]
        yield hit, i, text.count("\n", 0, local), local - text.rfind("\n", 0, local)


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


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    """Scan the item as it is published (portal/view.py), then every file it publishes."""
    rules = ruleset(portal)
    published = view.of(article)
    texts = published.texts
    seen: set[tuple[str, str]] = set()
    lines: dict[int, list[str]] = {}
    for hit, i, line_in, column in scan_texts(rules, [t.text for t in texts]):
        key = texts[i].key
        if key.startswith("body"):
            # "body" and "body:lines" are the same paragraphs, joined and as written: one finding
            if (hit.rule.id, normalize.compact(hit.text)) in seen:
                continue
            seen.add((hit.rule.id, normalize.compact(hit.text)))
            context = lines.setdefault(i, texts[i].text.split("\n"))[line_in]
            line, column = view.locate(article, hit.text, context=context)
            where, fingerprint_key = _WHERE.get(key, ""), BODY
        elif key == "name":
            line, column, where, fingerprint_key = 1, 1, _WHERE[key], "\0name"
        else:  # a block scalar's text starts on the line below its key
            line = article.line_of(key) + line_in + (1 if "\n" in texts[i].text.strip() else 0)
            column = _column_in_file(article, line, hit.text)
            where, fingerprint_key = f"front-matter 字段 {key}", key
        # the fingerprint names the field (or body) and the text, not the line: an accepted finding
        # stays accepted when other lines move
        yield Finding(article.path, line, column, hit.rule.id, CATEGORY, hit.rule.severity,
                      _message(rules, hit, where), match=f"{fingerprint_key}\0{hit.text}")
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
