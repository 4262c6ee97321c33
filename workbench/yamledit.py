"""Minimal, comment-keeping edits of columns.yml and roster.yml: change one entry's lines, leave the rest alone.

The file is composed with PyYAML (nodes know where they start and end in the text); a changed field has only
its own `key: value` text replaced, in the style the file already uses (flow lists `[a, b]` and mappings
`{hours: 24}` on one line, or a block list where the file wrote one); a new field goes after the field before
it in the file's key order, at the entry's indentation; a cleared optional field loses its line; a new entry
is written after the last one in the style of its neighbours. Comments, blank lines, order and every other
entry stay byte for byte as they were.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

import yaml

WIDTH = 1_000_000  # never fold a line
Edit = TypeVar("Edit", bound=Callable[..., str])


class EditError(Exception):
    """The file does not have the shape the editor knows (said in Chinese)."""


@dataclasses.dataclass
class Span:
    start: int  # character index of the key
    end: int  # character index just after the value
    value: yaml.Node


@dataclasses.dataclass
class Entry:
    node: yaml.MappingNode
    fields: dict[str, Span]

    @property
    def flow(self) -> bool:
        return bool(self.node.flow_style)


def _compose(text: str) -> yaml.MappingNode:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # the pure-Python loader: marks are character indexes
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise EditError(f"文件不是有效的 YAML（{where}），无法在表单中修改。请先修正该文件") from None
    if not isinstance(root, yaml.MappingNode):
        raise EditError("文件顶层应为映射（键: 值），无法在表单中修改")
    return root


def _top(root: yaml.MappingNode, section: str) -> yaml.Node | None:
    return next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == section), None)


def _end(node: yaml.Node, text: str) -> int:
    """Where the node's text ends (block collections: after their last item; never past the line's comment)."""
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _end(last[1] if isinstance(last, tuple) else last, text)
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _entry(node: yaml.Node, text: str) -> Entry:
    if not isinstance(node, yaml.MappingNode):
        raise EditError(f"第 {node.start_mark.line + 1} 行的条目不是映射（键: 值），无法在表单中修改")
    fields = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode):
            fields[k.value] = Span(k.start_mark.index, _end(v, text), v)
    return Entry(node, fields)


def entries(text: str, section: str) -> list[Entry]:
    """The entries of a top-level list (`columns`, `people`, `departments`)."""
    seq = _top(_compose(text), section)
    if seq is None:
        return []
    if not isinstance(seq, yaml.SequenceNode):
        raise EditError(f"“{section}”应为列表，无法在表单中修改")
    return [_entry(n, text) for n in seq.value]


def find(text: str, section: str, key: str, value: str) -> tuple[int, Entry] | None:
    for i, e in enumerate(entries(text, section)):
        span = e.fields.get(key)
        if span is not None and isinstance(span.value, yaml.ScalarNode) and span.value.value == value:
            return i, e
    return None


# ---------------------------------------------------------------- writing values in the file's style


def dump_field(key: str, value: Any) -> str:
    """`key: value` on one line, as the file writes it (flow lists and mappings, plain text where YAML allows)."""
    flow = None if isinstance(value, list | dict) else False  # collections of scalars in flow style, text plain
    out = yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=flow, sort_keys=False, width=WIDTH)
    return str(out).rstrip("\n")


def dump_value(value: Any) -> str:
    return dump_field("k", value)[3:]


def dump_flow(value: dict[str, Any]) -> str:
    """A whole entry on one line: `{id: 宣教科, name: 宣传教育科}`."""
    return str(yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=WIDTH)).strip()


def _block_list(key: str, items: list[Any], column: int) -> str:
    lines = [f"{key}:"] + [" " * column + "- " + dump_value(item) for item in items]
    return "\n".join(lines)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Index just after the newline ending the line that holds `index` (len(text) on the last line)."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def _loaded(node: yaml.Node) -> Any:
    return yaml.SafeLoader("").construct_object(node, deep=True) if node is not None else None


def _same(old: yaml.Node, new: Any) -> bool:
    try:
        value = _loaded(old)
    except yaml.YAMLError:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool) and isinstance(new, str):
        return str(value) == new
    return bool(value == new) and type(value) is type(new)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def _crlf(edit: Edit) -> Edit:
    """A file written with CRLF line ends is edited as LF and given back with CRLF (no mixed line ends)."""
    def wrapper(text: str, *args: Any, **kwargs: Any) -> str:
        if "\r\n" not in text:
            return str(edit(text, *args, **kwargs))
        return str(edit(text.replace("\r\n", "\n"), *args, **kwargs)).replace("\n", "\r\n")
    return cast(Edit, wrapper)


@_crlf
def set_fields(text: str, section: str, match: tuple[str, str], values: dict[str, Any], order: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> str:
    """The text with the entry of `section` whose `match[0]` is `match[1]` given `values` (other keys untouched).

    An empty value of a key in `optional` removes its line; keys are placed in the file's `order`."""
    found = find(text, section, *match)
    if found is None:
        raise EditError(f"{section} 中没有 {match[0]} 为“{match[1]}”的条目（可能已被他人修改），请重新打开")
    entry = found[1]
    if entry.flow:
        return _rewrite_flow(text, entry, values, order, optional)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    indent = _indent(entry)
    present = [k for k in entry.fields]
    rank = {k: i for i, k in enumerate(order)}
    for key in sorted(values, key=lambda k: rank.get(k, len(order))):
        value = values[key]
        span = entry.fields.get(key)
        if span is not None:
            if _same(span.value, value):
                continue
            if _empty(value) and key in optional:
                start, end = _line_start(text, span.start), _line_end(text, span.end)
                if text[_line_start(text, span.start):span.start].strip(" -"):
                    raise EditError(f"“{key}”与其他内容写在同一行，无法单独删除，请手工修改")
                if text[_line_start(text, span.start):span.start].strip():  # `- key:`: the entry's first line
                    raise EditError(f"“{key}”是条目的第一项，不能删除")
                edits.append((start, end, ""))
                continue
            node = span.value
            if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value and value:
                replacement = _block_list(key, list(value), node.value[0].start_mark.column - 2)
            else:
                replacement = dump_field(key, value)
            edits.append((span.start, span.end, replacement))
        elif not (_empty(value) and key in optional):
            after = _previous(key, present, order)
            at = _line_end(text, entry.fields[after].end) if after else _line_end(text, entry.node.start_mark.index)
            edits.append((at, at, " " * indent + dump_field(key, value) + "\n"))
    return _apply(text, edits)


def _indent(entry: Entry) -> int:
    """The column of the entry's keys (`  - id: x` / `    title: y`: 4)."""
    cols = [s.value.start_mark.column for s in entry.fields.values()]
    keys = [k for k, _ in entry.node.value]
    return keys[1].start_mark.column if len(keys) > 1 else (keys[0].start_mark.column if keys else min(cols or [0]))


def _previous(key: str, present: list[str], order: tuple[str, ...]) -> str:
    """The present key after which `key` goes: the last present key that comes before it in `order`."""
    rank = {k: i for i, k in enumerate(order)}
    mine = rank.get(key, len(order))
    before = [k for k in present if rank.get(k, -1) < mine]
    return before[-1] if before else (present[0] if present else "")


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply from the end; of two insertions at one place the later one is applied first (so it ends up after)."""
    numbered = [(start, end, i, replacement) for i, (start, end, replacement) in enumerate(edits)]
    for start, end, _, replacement in sorted(numbered, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _ordered(existing: list[str], values: dict[str, Any], order: tuple[str, ...], optional: tuple[str, ...],
             old: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in values.items():
        if _empty(value) and key in optional:
            merged.pop(key, None)
        else:
            merged[key] = value
    keys = [k for k in existing if k in merged]
    for key in merged:
        if key not in keys:
            after = _previous(key, keys, order)
            keys.insert(keys.index(after) + 1 if after else len(keys), key)
    return {k: merged[k] for k in keys}


def _rewrite_flow(text: str, entry: Entry, values: dict[str, Any], order: tuple[str, ...],
                  optional: tuple[str, ...]) -> str:
    old = _loaded(entry.node)
    new = _ordered(list(entry.fields), values, order, optional, old)
    if new == old and list(new) == list(old):
        return text
    start, end = entry.node.start_mark.index, _end(entry.node, text)
    return text[:start] + dump_flow(new) + text[end:]


@_crlf
def append_entry(text: str, section: str, values: dict[str, Any], order: tuple[str, ...],
                 optional: tuple[str, ...] = ()) -> str:
    """The text with a new entry at the end of `section`, written like the entry before it."""
    found = entries(text, section)
    clean = {k: values[k] for k in sorted(values, key=lambda k: order.index(k) if k in order else len(order))
             if not (_empty(values[k]) and k in optional)}
    if not found:
        raise EditError(f"“{section}”中还没有任何条目，无法按现有格式添加，请手工添加第一个条目")
    last = found[-1]
    dash = _line_start(text, last.node.start_mark.index)
    prefix = text[dash:last.node.start_mark.index]  # "  - "
    at = _line_end(text, _end(last.node, text))
    if last.flow:
        block = prefix + dump_flow(clean) + "\n"
    else:
        indent = _indent(last)
        lines = []
        for i, (key, value) in enumerate(clean.items()):
            lines.append((prefix if i == 0 else " " * indent) + dump_field(key, value))
        block = "\n".join(lines) + "\n"
    if at == len(text) and not text.endswith("\n"):
        block = "\n" + block
    return text[:at] + block + text[at:]


def field_lines(text: str, section: str, index: int) -> dict[str, tuple[int, int]]:
    """Each field of entry `index` of `section`: its first and last line (1-based) in `text`."""
    try:
        found = entries(text, section)
    except EditError:
        return {}
    if index >= len(found):
        return {}
    out = {}
    for key, span in found[index].fields.items():
        out[key] = (text.count("\n", 0, span.start) + 1, text.count("\n", 0, span.end) + 1)
    return out
