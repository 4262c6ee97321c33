"""Rules as data: checks/rules/<name>.yml, each rule with samples that must and must not match.

One format for every rules file. A rules file is a mapping with a `rules` list (and any tables
its check reads, see `settings`); every rule has

    id: KIND-TITLE-QINGSHI            # stable rule id, as printed in findings
    description: 标题为“关于……的请示”   # what it finds, in Chinese
    severity: error                   # error (blocks publication) or warning
    pattern: '关于.+的请示$'            # Python regex (re.M: ^ and $ are line ends)
    samples:
      match: [ ... ]                  # samples that must be found
      no_match: [ ... ]               # samples that must not be found

and optionally `keywords` (pre-filter: only the lines holding one of them are searched; without
keywords the whole text is). The generic files read here (kinds, dates, wording) may also have
`allow` (regexes: a hit whose line matches one of them is not a hit), `span_lines: true` (the
pattern crosses lines: the whole text is searched when a keyword occurs) and whatever fields the
check itself reads (kept in `Rule.data`). checks/secrecy.py reads its own file with the same
helpers (`read`, `parse_rules`, `strings`, `regex`, `wrong_samples`) and its own extra fields.

Loading validates everything and names the rule id, the file and the line in every error, so
that an organisation extending a file sees what it got wrong.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from portal import yamlfile
from portal.errors import ERROR, WARNING, PortalError

RULES_DIR = Path(__file__).resolve().parent / "rules"
SEVERITIES = (ERROR, WARNING)
COMMON = frozenset({"id", "description", "severity", "pattern", "keywords", "samples"})  # in every rules file
_KNOWN = COMMON | {"allow"}  # the rest of a generic rule's fields: Rule.data


@dataclasses.dataclass(frozen=True)
class BaseRule:
    """What every rule of every rules file has."""

    id: str
    description: str
    severity: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()
    line: int = 0  # where the rule starts in its file


@dataclasses.dataclass(frozen=True)
class Rule(BaseRule):
    """A rule of a generic rules file (kinds, dates, wording)."""

    allow: tuple[re.Pattern[str], ...] = ()
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

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


# ---------------------------------------------------------------- reading and validating (every rules file)


def read(name: str, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    """A rules file's mapping and the line of every key and item in it (as portal.yamlfile gives them)."""
    try:
        data, lines = yamlfile.load(text)
    except yamlfile.YamlError as exc:
        raise PortalError(f"规则文件 {name} 第 {exc.line} 行：{exc.problem}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
        raise PortalError(f"规则文件 {name} 应为映射，其中 rules 为规则列表")
    return data, lines


@contextlib.contextmanager
def at(name: str, line: int) -> Iterator[None]:
    """Add the file and the line to the message of a PortalError raised inside."""
    try:
        yield
    except PortalError as exc:
        raise PortalError(f"{exc}（{name} 第 {line} 行）") from None


def strings(where: str, key: str, value: Any, required: bool = True) -> tuple[str, ...]:
    """A list of non-empty texts; at least one if `required`, else absent means none."""
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        raise PortalError(f"{where}: {key} 应为{'非空' if required else ''}文本列表")
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v:
            raise PortalError(f"{where}: {key} 第 {i + 1} 项应为非空文本，实际是 {v!r}（含“: ”的文本请加引号）")
    return tuple(value)


def regex(where: str, key: str, value: Any) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise PortalError(f"{where}: {key} 应为非空的正则表达式")
    try:
        return re.compile(value, re.M)
    except re.error as exc:
        raise PortalError(f"{where}: {key} 不是有效的正则表达式（{exc}）：{value}") from None


def _common(item: Any, index: int) -> dict[str, Any]:
    """The fields of BaseRule, validated (but `line`)."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise PortalError(f"第 {index + 1} 条规则: 缺少 id")
    rid = item["id"]
    if not isinstance(item.get("description"), str) or not item["description"]:
        raise PortalError(f"{rid}: 缺少 description（规则说明）")
    if item.get("severity") not in SEVERITIES:
        raise PortalError(f"{rid}: severity 应为 {' 或 '.join(SEVERITIES)}（error 阻止发布，warning 只提示）")
    pattern = regex(rid, "pattern", item.get("pattern"))
    keywords = strings(rid, "keywords", item.get("keywords"), required=False)
    samples = item.get("samples")
    if not isinstance(samples, dict) or set(samples) != {"match", "no_match"}:
        raise PortalError(f"{rid}: samples 应含 match（必须命中的文本）与 no_match（不得命中的文本）两个列表，"
                          "写成 samples: {match: [...], no_match: [...]}")
    return {"id": rid, "description": item["description"], "severity": item["severity"], "pattern": pattern,
            "keywords": keywords, "match": strings(rid, "samples.match", samples["match"]),
            "no_match": strings(rid, "samples.no_match", samples["no_match"])}


R = TypeVar("R", bound=BaseRule)


def parse_rules(name: str, data: dict[str, Any], lines: dict[str, int],
                make: Callable[[dict[str, Any], dict[str, Any]], R]) -> list[R]:
    """The rules of a file as `read` returned it. The fields of BaseRule are validated here, ids must
    be unique; `make(item, common)` validates the check's own fields and returns the rule (`common`:
    BaseRule's fields as keyword arguments). Every error names the rule, the file and the line."""
    rules: list[R] = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("rules", [])):
        line = lines.get(f"rules.{i}", 1)
        with at(name, line):
            common = _common(item, i)
            if common["id"] in seen:
                raise PortalError(f"{common['id']}: 规则 id 重复")
            seen.add(common["id"])
            rules.append(make(item, {**common, "line": line}))
    return rules


def wrong_samples(rule: BaseRule, *finds: Callable[[str], bool]) -> list[str]:
    """What is wrong with a rule's samples: a `match` sample that one of the ways of searching misses,
    a `no_match` sample that one of them finds (`finds`: sample -> whether the rule hits it)."""
    out = [f"{rule.id}: 应命中却未命中：{s!r}" for s in rule.match if not all(find(s) for find in finds)]
    return out + [f"{rule.id}: 不应命中却命中了：{s!r}" for s in rule.no_match if any(find(s) for find in finds)]


# ---------------------------------------------------------------- the generic rules files


def _rule(item: dict[str, Any], common: dict[str, Any]) -> Rule:
    rid = common["id"]
    allow = tuple(regex(rid, "allow", a) for a in strings(rid, "allow", item.get("allow"), required=False))
    return Rule(**common, allow=allow, data={k: v for k, v in item.items() if k not in _KNOWN})


def parse(name: str, text: str) -> tuple[list[Rule], dict[str, Any]]:
    """Parse and validate a rules file's text: (rules, the file's other top-level keys).

    Raise PortalError naming the rule at fault."""
    data, lines = read(name, text)
    return parse_rules(name, data, lines, _rule), {k: v for k, v in data.items() if k != "rules"}


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
    """What is wrong with a rule's samples, each searched both ways (the Rule alone, and a RuleSet)."""
    alone = RuleSet([rule])
    return wrong_samples(rule, lambda s: rule.search(s) is not None,
                         lambda s: next(alone.finditer(s), None) is not None)
