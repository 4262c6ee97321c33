"""Outdated names of organs and common miswritings (错敏词), as warnings (`severity` in the rules file).

Rules are data (checks/rules/wording.yml): each has the date from which the wording is wrong
(`since`; an item published before it was right to use the old name) and, when a later rule takes
over, `until`, plus the suggested replacement. Title, summary, tags and body are searched.
"""
from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Iterable, Sequence

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


def _line(text: str, start: int, end: int) -> str:
    return text[text.rfind("\n", 0, start) + 1:(text.find("\n", end) + 1 or len(text) + 1) - 1]


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    day = (article.date or clock.now()).astimezone(clock.CST).date()
    rules = {r.id for r in in_force(day)}
    if not rules:
        return
    search = rulefile.ruleset(RULES)
    fields = [("title", article.title), ("summary", article.summary)]
    fields += [(f"tags.{i}" if isinstance(article.meta.get("tags"), list) else "tags", t)
               for i, t in enumerate(article.tags)]
    for key, text in fields:
        for rule, m in search.finditer(text):
            if rule.id in rules:
                line, col = locate.in_field(article, key, m.group())
                yield _finding(article, rule, m.group(), line, col, text)
    for rule, m in search.finditer(article.body):
        if rule.id in rules:
            line, col = locate.in_body(article, m.start())
            yield _finding(article, rule, m.group(), line, col, _line(article.body, m.start(), m.end()))


def _finding(article: Article, rule: Rule, word: str, line: int, col: int, context: str) -> Finding:
    since = _day(rule, "since")
    advice = f"自 {since:%Y-%m-%d} 起应改为" if since else "建议改为"
    return Finding(article.path, line, col, rule.id, CATEGORY, rule.severity,
                   f"“{word}”：{rule.description}。{advice}“{rule.data.get('replace', '')}”", match=context)


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
