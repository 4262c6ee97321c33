"""Safe YAML loading that remembers the line of every key.

Each value's line is stored under its dotted path (``reviewers.初审``,
``columns.3.chain``), so that errors can point at the exact line.
"""
from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ten times faster


STR = "tag:yaml.org,2002:str"
# first characters of every plain scalar that YAML 1.1 may read as something other than text
# (numbers, booleans, null, dates, merge keys); anything else is text without asking the resolver
_MAYBE_TYPED = frozenset("0123456789+-.~nNtTfFyYoO<=")


class _Loader(_Base):  # type: ignore[valid-type, misc]
    """Safe loading that leaves dates as text: the model parses them itself, with a line-numbered
    error for an impossible date such as 2026-02-30 (PyYAML would raise a bare ValueError)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # the resolver runs for every scalar; most of ours are Chinese text or ids
        if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _MAYBE_TYPED:
            return STR
        return super().resolve(kind, value, implicit)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


class YamlError(Exception):
    def __init__(self, line: int, column: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.column = column
        self.problem = problem


class DuplicateKey(YamlError):
    pass


def load(text: str, first_line: int = 1) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document; return (data, lines). Lines are 1-based, offset by first_line - 1."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {}
        return _build(loader, node, "", lines, first_line - 1), lines
    except yaml.MarkedYAMLError as exc:
        # the context mark is where the broken construct starts (an unclosed "[" ...), the better place to look
        mark = exc.context_mark or exc.problem_mark
        line = (mark.line + first_line) if mark else first_line
        col = (mark.column + 1) if mark else 1
        raise YamlError(line, col, _describe(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlError(first_line, 1, str(exc)) from None
    finally:
        loader.dispose()


def _build(loader: Any, node: yaml.Node, prefix: str, lines: dict[str, int], offset: int) -> Any:
    """Construct the value of `node` and record the line of every key and item on the way
    (one walk instead of PyYAML's construction plus a second walk for the lines)."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == STR else loader.construct_object(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        out = []
        for i, item in enumerate(node.value):
            path = f"{prefix}{i}"
            lines[path] = item.start_mark.line + 1 + offset
            out.append(_build(loader, item, path + ".", lines, offset))
        return out
    if any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
        return loader.construct_object(node, deep=True)  # "<<" merge keys: rare, let PyYAML do it
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _build(loader, key_node, "", {}, offset)
        if key in mapping:
            raise DuplicateKey(key_node.start_mark.line + 1 + offset, key_node.start_mark.column + 1,
                               f"键“{key}”重复出现")
        try:
            hash(key)
        except TypeError:
            raise YamlError(key_node.start_mark.line + 1 + offset, key_node.start_mark.column + 1,
                            "键不能是列表或映射") from None
        path = f"{prefix}{key}"
        lines[path] = key_node.start_mark.line + 1 + offset
        mapping[key] = _build(loader, value_node, path + ".", lines, offset)
    return mapping


def _describe(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or ""
    if "mapping values are not allowed" in problem:
        return "此处不允许出现冒号“:”；值中含有冒号时请用引号把整个值括起来"
    if "found character '\\t'" in problem or "\\t" in problem:
        return "YAML 不允许用制表符缩进，请改用空格"
    if "could not find expected ':'" in problem:
        return "缺少冒号“:”，每一行应写成“键: 值”"
    if "found undefined alias" in problem or "found unhashable key" in problem:
        return f"YAML 结构有误（{problem}）"
    if "while scanning a quoted scalar" in (exc.context or ""):
        return "引号没有闭合"
    return f"YAML 语法错误：{exc.context or ''} {problem}".strip()
