"""Outdated names of organs and common miswritings (错敏词), as warnings (`severity` in the rules file).

Rules are data (checks/rules/wording.yml): each has the date from which the wording is wrong
(`since`; an item published before it was right to use the old name) and, when a later rule takes
over, `until`, plus the suggested replacement. Title, summary, tags and body are searched.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from portal import clock
from portal.errors import Finding, PortalError
from portal.model import Article, Portal, parse_when

from . import locate, rulefile
from .rulefile import Rule
from .runner import hook_main

CATEGORY = "wording"
RULES = "wording"


def _day(rule: Rule, key: str) -> dt.date | None:
    value = rule.data.get(key)
    if value is None:
        return None
    parsed = parse_when(value)
    if parsed is None:
        raise PortalError(f"{rule.id}: {key} 应为日期，如 2021-02-25，实际是 {value!r}")
    return parsed[0].date()


@functools.cache
def _windows() -> tuple[tuple[Rule, dt.date | None, dt.date | None], ...]:
    return tuple((r, _day(r, "since"), _day(r, "until")) for r in rulefile.load(RULES))


def in_force(day: dt.date) -> list[Rule]:
    """The rules in force on `day` (the item's publication date)."""
    return [r for r, since, until in _windows()
            if (since is None or day >= since) and (until is None or day < until)]


MAX_FINDINGS = 100  # per file: a text with more is listed this far, then counted (WORD-MORE)
CONTEXT = 30  # characters kept either side of a hit as the finding's text (its fingerprint)


_index: list[Any] = [None, None]  # (the rules tuple it was built from, (pattern, owners))


def _keywords() -> tuple[re.Pattern[str] | None, dict[str, tuple[Rule, ...]]]:
    """One alternation of every rule's keywords (longest first) and, per word, the rules it stands for
    (a word containing another counts for that word's rules too), as rulefile.RuleSet does; rebuilt
    whenever rulefile reads the rules file again."""
    rules = rulefile.load(RULES)
    if _index[0] is not rules:
        words = sorted({k for r in rules for k in r.keywords}, key=lambda w: (-len(w), w))
        owners = {w: tuple(r for r in rules if any(k in w for k in r.keywords)) for w in words}
        _index[:] = [rules, ((re.compile("|".join(map(re.escape, words))) if words else None), owners)]
    return _index[1]  # type: ignore[no-any-return]


def hits(text: str, rules: Collection[str]) -> Iterator[tuple[Rule, re.Match[str]]]:
    """Every hit of the rules `rules` (ids) in `text`, in one pass and linear in the text's length:
    each line holding a keyword is searched once per rule (allow patterns once per line), however many
    keywords it holds; nothing is kept but the current line."""
    pattern, owners = _keywords()
    done: set[str] = set()  # rules searched on the current line
    line_start, line_end = -1, -1
    for rule in rulefile.load(RULES):  # rules without keywords (or crossing lines) see the whole text
        if rule.id in rules and (not rule.keywords):
            yield from ((rule, m) for m in _search(rule, text, 0, len(text)))
    if pattern is None:
        return
    whole: set[str] = set()
    for k in pattern.finditer(text):
        if k.start() > line_end:
            line_start = text.rfind("\n", 0, k.start()) + 1
            found = text.find("\n", k.start())
            line_end = len(text) if found < 0 else found
            done.clear()
        for rule in owners[k.group()]:
            if rule.id not in rules or rule.id in done or rule.id in whole:
                continue
            if rule.spans_lines:
                whole.add(rule.id)
                yield from ((rule, m) for m in _search(rule, text, 0, len(text)))
            else:
                done.add(rule.id)
                yield from ((rule, m) for m in _search(rule, text, line_start, line_end))


def _search(rule: Rule, text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """The rule's hits in text[start:end], minus those on an allowed line (each line judged once)."""
    line_end = -1  # end of the line of the last hit, and whether that line is allowed
    allowed = False
    for m in rule.pattern.finditer(text, start, end):
        if rule.allow:
            if m.start() > line_end:
                line_start = text.rfind("\n", 0, m.start()) + 1
                found = text.find("\n", m.start())
                line_end = len(text) if found < 0 else found
                allowed = any(a.search(text, line_start, line_end) for a in rule.allow)
            if allowed:
                continue
        yield m


def _context(text: str, start: int, end: int) -> str:
    """The hit with at most CONTEXT characters of its line either side (never a whole long line)."""
    left = max(0, start - CONTEXT)
    right = min(len(text), end + CONTEXT)
    newline = text.rfind("\n", left, start)
    left = newline + 1 if newline >= 0 else left
    newline = text.find("\n", end, right)
    right = newline if newline >= 0 else right
    return text[left:right]


class _Lines:
    """Line numbers of increasing offsets of one text, counted incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.lines = 0

    def before(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.lines = 0, 0
        self.lines += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.lines


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    day = (article.date or clock.now()).astimezone(clock.CST).date()
    rules = {r.id for r in in_force(day)}
    if not rules:
        return
    fields = [("title", article.title), ("summary", article.summary)]
    fields += [(f"tags.{i}" if isinstance(article.meta.get("tags"), list) else "tags", t)
               for i, t in enumerate(article.tags)]
    listed = more = 0
    first: tuple[Rule, str, int] | None = None  # the first hit not listed: its rule, word and line
    for key, text in fields:
        for rule, m in hits(text, rules):
            if listed < MAX_FINDINGS:
                listed += 1
                line, col = locate.in_field(article, key, m.group())
                yield _finding(article, rule, m.group(), line, col, _context(text, m.start(), m.end()))
            else:
                more += 1
                first = first or (rule, m.group(), article.line_of(key))
    body = article.body
    lines = _Lines(body)
    for rule, m in hits(body, rules):
        if listed < MAX_FINDINGS:
            listed += 1
            line = article.body_line + lines.before(m.start())
            col = m.start() - body.rfind("\n", 0, m.start())
            yield _finding(article, rule, m.group(), line, col, _context(body, m.start(), m.end()))
        else:
            more += 1
            first = first or (rule, m.group(), article.body_line + lines.before(m.start()))
    if first is not None:
        rule, word, line = first
        yield Finding(article.path, line, 1, "WORD-MORE", CATEGORY, rule.severity,
                      f"本稿件另有 {more} 处过时名称或错别字未逐一列出（每个文件最多列出 {MAX_FINDINGS} 处），"
                      f"从本行的“{word}”起。请用编辑器的“查找”逐一改正后再检查", match=str(more))


def _finding(article: Article, rule: Rule, word: str, line: int, col: int, context: str) -> Finding:
    since = _day(rule, "since")
    advice = f"自 {since:%Y-%m-%d} 起应改为" if since else "建议改为"
    return Finding(article.path, line, col, rule.id, CATEGORY, rule.severity,
                   f"“{word}”：{rule.description}。{advice}“{rule.data.get('replace', '')}”", match=context)


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
