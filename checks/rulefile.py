"""Rules as data: checks/rules/<name>.yml, each rule with samples that must and must not match.

A rules file is a mapping with a `rules` list (and any tables its check reads, see `settings`);
every rule has at least

    id: KIND-TITLE-QINGSHI            # stable rule id, as printed in findings
    description: 标题为“关于……的请示”   # what it finds, in Chinese
    pattern: '关于.+的请示$'            # Python regex (re.M: ^ and $ are line ends)
    match: [ ... ]                    # samples that must be found
    no_match: [ ... ]                 # samples that must not be found

and optionally `allow` (regexes: a hit whose line matches one of them is not a hit),
`keywords` (pre-filter: only the lines holding one of them are searched; without keywords the
whole text is), `span_lines: true` (the pattern crosses lines: the whole text is searched when
a keyword occurs) and whatever fields the check itself reads (kept in `Rule.data`). Loading validates everything and names the rule id
in every error, so that an organisation extending a file sees what it got wrong.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from portal import yamlfile
from portal.errors import PortalError

RULES_DIR = Path(__file__).resolve().parent / "rules"
_KNOWN = {"id", "description", "pattern", "allow", "keywords", "match", "no_match"}  # the rest: Rule.data


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    description: str
    pattern: re.Pattern[str]
    allow: tuple[re.Pattern[str], ...]
    keywords: tuple[str, ...]
    match: tuple[str, ...]
    no_match: tuple[str, ...]
    data: dict[str, Any]
    line: int

    @property
    def spans_lines(self) -> bool:
        """Whether the pattern may match across lines (`span_lines: true`): then it sees the whole text."""
        return bool(self.data.get("span_lines"))

    def spans(self, text: str, positions: Sequence[int] | None = None) -> list[tuple[int, int]]:
        """The parts of `text` to search: the lines where a keyword occurs (at `positions`, if known)."""
        if not self.keywords:
            return [(0, len(text))]
        if positions is None:
            positions = sorted(i for k in self.keywords for i in _occurrences(text, k))
        if not positions:
            return []
        if self.spans_lines:
            return [(0, len(text))]
        out: list[tuple[int, int]] = []
        for pos in positions:
            if out and pos <= out[-1][1]:
                continue  # on a line already taken
            end = text.find("\n", pos)
            out.append((text.rfind("\n", 0, pos) + 1, len(text) if end < 0 else end))
        return out

    def finditer(self, text: str, spans: list[tuple[int, int]] | None = None) -> Iterator[re.Match[str]]:
        """Every hit in `text` (in `spans`, default: the lines with a keyword), minus those whose line is allowed."""
        for start, end in self.spans(text) if spans is None else spans:
            for m in self.pattern.finditer(text, start, end):
                if self.allow:
                    line_start = text.rfind("\n", 0, m.start()) + 1
                    line_end = text.find("\n", m.end())
                    line = text[line_start:] if line_end < 0 else text[line_start:line_end]
                    if any(a.search(line) for a in self.allow):
                        continue
                yield m

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


def _occurrences(text: str, word: str) -> Iterator[int]:
    i = text.find(word)
    while i >= 0:
        yield i
        i = text.find(word, i + 1)


class RuleSet:
    """Rules searched together: one pass over the text finds which keywords occur, then each rule
    with a keyword present runs its regex on the lines holding its keywords (gitleaks' pre-filter).

    The pass is one regex alternation, longest words first; a word that contains another word
    counts for that word's rules too (a hit on 请批示 is also one on 批示)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        words = sorted({k for r in self.rules for k in r.keywords}, key=lambda w: (-len(w), w))
        self._owners = {w: {r.id for r in self.rules if any(k in w for k in r.keywords)} for w in words}
        self._words = re.compile("|".join(map(re.escape, words))) if words else None

    def finditer(self, text: str) -> Iterator[tuple[Rule, re.Match[str]]]:
        """(rule, hit) for every hit, rule by rule in file order."""
        positions: dict[str, list[int]] = {}
        if self._words is not None and text:
            for m in self._words.finditer(text):
                for rule_id in self._owners[m.group()]:
                    positions.setdefault(rule_id, []).append(m.start())
        for rule in self.rules:
            if not rule.keywords:
                yield from ((rule, m) for m in rule.finditer(text))
            elif rule.id in positions:
                yield from ((rule, m) for m in rule.finditer(text, rule.spans(text, positions[rule.id])))


def _compile(rule_id: str, what: str, pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise PortalError(f"{rule_id}: {what} 应为非空的正则表达式文本")
    try:
        return re.compile(pattern, re.M)
    except re.error as exc:
        raise PortalError(f"{rule_id}: {what} 不是有效的正则表达式（{exc}）：{pattern}") from None


def _strings(rule_id: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PortalError(f"{rule_id}: {key} 应为文本列表")
    return tuple(value)


def parse(name: str, text: str) -> tuple[list[Rule], dict[str, Any]]:
    """Parse and validate a rules file's text: (rules, the file's other top-level keys).

    Raise PortalError naming the rule at fault."""
    try:
        data, lines = yamlfile.load(text)
    except yamlfile.YamlError as exc:
        raise PortalError(f"规则文件 {name} 第 {exc.line} 行：{exc.problem}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
        raise PortalError(f"规则文件 {name} 应为映射，rules 应为列表")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("rules", [])):
        where = f"{name} 第 {i + 1} 条规则"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise PortalError(f"{where}: 缺少 id")
        rid = item["id"]
        if rid in seen:
            raise PortalError(f"{rid}: 规则 id 重复（{name}）")
        seen.add(rid)
        if not isinstance(item.get("description"), str):
            raise PortalError(f"{rid}: 缺少 description（规则说明）")
        match = _strings(rid, "match", item.get("match"))
        no_match = _strings(rid, "no_match", item.get("no_match"))
        if not match or not no_match:
            raise PortalError(f"{rid}: 每条规则都须带 match 与 no_match 样例（应命中与不应命中的文本）")
        rules.append(Rule(
            id=rid, description=item["description"], pattern=_compile(rid, "pattern", item.get("pattern")),
            allow=tuple(_compile(rid, "allow", a) for a in _strings(rid, "allow", item.get("allow"))),
            keywords=_strings(rid, "keywords", item.get("keywords")), match=match, no_match=no_match,
            data={k: v for k, v in item.items() if k not in _KNOWN}, line=lines.get(f"rules.{i}", 1)))
    return rules, {k: v for k, v in data.items() if k != "rules"}


@functools.cache
def _document(name: str) -> tuple[tuple[Rule, ...], dict[str, Any]]:
    path = RULES_DIR / f"{name}.yml"
    rules, settings = parse(path.name, path.read_text(encoding="utf-8"))
    return tuple(rules), settings


def load(name: str) -> tuple[Rule, ...]:
    """The rules of checks/rules/<name>.yml (read once per process)."""
    return _document(name)[0]


@functools.cache
def ruleset(name: str) -> RuleSet:
    """The rules of checks/rules/<name>.yml, ready to search together."""
    return RuleSet(load(name))


def settings(name: str) -> dict[str, Any]:
    """The other top-level keys of checks/rules/<name>.yml (lists and tables the check reads)."""
    return _document(name)[1]


def sample_errors(rule: Rule) -> list[str]:
    """What is wrong with a rule's samples: a `match` sample not found, a `no_match` sample found.

    Each sample goes through both ways of searching (Rule alone, and a RuleSet)."""
    alone = RuleSet([rule])
    out = []
    for sample in rule.match:
        if rule.search(sample) is None or next(alone.finditer(sample), None) is None:
            out.append(f"{rule.id}: 应命中却未命中：{sample}")
    for sample in rule.no_match:
        if rule.search(sample) is not None or next(alone.finditer(sample), None) is not None:
            out.append(f"{rule.id}: 不应命中却命中了：{sample}")
    return out
