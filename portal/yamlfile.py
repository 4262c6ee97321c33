"""Safe, bounded YAML loading that remembers the line of every key.

Each value's line is stored under its dotted path (``reviewers.初审``,
``columns.3.chain``), so that errors can point at the exact line.

Every input ends in a value or a `YamlError` with a line, a column and a Chinese message, never in a
traceback or an unbounded amount of memory: the text has a size limit, flow collections a nesting
limit (checked before libyaml sees the text: its scanner is quadratic in the flow depth), aliases
expand to a bounded number of nodes, recursive aliases and keys that are lists or mappings are
refused. The mistakes people make with a Chinese input method (全角冒号、全角空格、全角逗号、【】…)
are named as such, on the line where they are.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ten times faster


STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"
# first characters of every plain scalar that YAML 1.1 may read as something other than text
# (numbers, booleans, null, dates, merge keys); anything else is text without asking the resolver
_MAYBE_TYPED = frozenset("0123456789+-.~nNtTfFyYoO<=")

MAX_BYTES = 1024 * 1024  # a config or rules file; front-matter passes its own, smaller limit
MAX_DEPTH = 64  # nesting of lists and mappings
ALIAS_LIMIT = 10_000  # nodes that aliases may add (each visit of an already built node counts)

# rule ids of the errors that are not plain syntax errors (those have rule "")
ALIAS_LIMIT_RULE = "YAML-ALIAS-LIMIT"
ALIAS_RECURSIVE_RULE = "YAML-ALIAS-RECURSIVE"
COMPLEX_KEY_RULE = "YAML-COMPLEX-KEY"
TOO_DEEP_RULE = "YAML-TOO-DEEP"
TOO_LARGE_RULE = "YAML-TOO-LARGE"


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
    """What is wrong, where (1-based line and column of the file) and, for the structural limits,
    a rule id of its own (`rule`; "" for a syntax error, which the caller names)."""

    def __init__(self, line: int, column: int, problem: str, rule: str = "") -> None:
        super().__init__(problem)
        self.line = line
        self.column = column
        self.problem = problem
        self.rule = rule


class DuplicateKey(YamlError):
    pass


def load(text: str, first_line: int = 1, max_bytes: int = MAX_BYTES,
         list_keys: Collection[str] | None = None) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document; return (data, lines). Lines are 1-based, offset by first_line - 1.

    With `list_keys` (top-level keys whose value is a list; front-matter passes them), values that load but
    were typed wrongly with a Chinese input method are errors too: `[a，b]` (full-width comma in a list),
    `［a, b］`, and `key: 【a】` for one of `list_keys`. Rules files hold such text on purpose."""
    _check_size(text, first_line, max_bytes)
    _check_characters(text, first_line)
    _check_flow_depth(text, first_line)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {}
        builder = _Builder(loader, first_line - 1, None if list_keys is None else frozenset(list_keys))
        return builder.build(node, "", lines, 0), lines
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, first_line) from None
    except yaml.YAMLError as exc:
        raise YamlError(first_line, 1, f"YAML 无法解析（{str(exc).splitlines()[0]}）") from None
    finally:
        loader.dispose()


# ---------------------------------------------------------------- limits checked on the text


def _check_size(text: str, first_line: int, max_bytes: int) -> None:
    if len(text) * 4 <= max_bytes:
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise YamlError(first_line, 1, f"内容共 {_kb(size)}，超过上限 {_kb(max_bytes)}", TOO_LARGE_RULE)


def _kb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{(size + 1023) // 1024} KB"


# what YAML refuses to read: C0 controls but tab and line ends, DEL, C1 but NEL, surrogates, U+FFFE/U+FFFF
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {"\x00": "NUL（空字符）", "\x1b": "ESC（转义符）", "\x7f": "DEL（删除符）", "\x0b": "垂直制表符",
                  "\x0c": "换页符", "\x08": "退格符"}


def _position(text: str, offset: int, first_line: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return first_line + text.count("\n", 0, offset), offset - line_start + 1


def _check_characters(text: str, first_line: int) -> None:
    m = _CONTROL.search(text)
    if m is None:
        return
    line, col = _position(text, m.start(), first_line)
    char = m.group()
    name = _CONTROL_NAMES.get(char, "控制字符")
    raise YamlError(line, col, f"有不可见的{name} U+{ord(char):04X}（常见于从网页、Word 或 PDF 复制的文字），"
                               "YAML 不允许出现。请删除该字符后重新输入这一处")


# A flow collection starts at `[` or `{`; in a block context only where a value starts (the line's start,
# or after "- ", "? ", ": "). Quoted scalars and comments are skipped. Only the depth matters here.
_FLOW_TOKEN = re.compile(r"""(?<![^\s\[{,])(?:'(?:[^'\n]|'')*'|"(?:[^"\\\n]|\\.)*")|(?:(?<=\s)|^)#[^\n]*|[\[\]{}]""", re.M)


def _check_flow_depth(text: str, first_line: int) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # too few to nest too deep (the usual case: no scan)
    depth = 0
    for m in _FLOW_TOKEN.finditer(text):
        char = m.group()
        if char in "[{":
            if depth == 0 and not _value_starts(text, m.start()):
                continue  # a bracket inside plain text: `title: 关于[2026]…`
            depth += 1
            if depth > MAX_DEPTH:
                line, col = _position(text, m.start(), first_line)
                raise YamlError(line, col, _too_deep(), TOO_DEEP_RULE)
        elif char in "]}":
            depth = max(0, depth - 1)


def _value_starts(text: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] == "\n" or (text[j] in ":-?" and j < pos - 1)


def _too_deep() -> str:
    return f"列表与映射嵌套超过 {MAX_DEPTH} 层。请检查是否多写了“[”“{{”或缩进有误，把结构改平"


# ---------------------------------------------------------------- building the value


class _Builder:
    """Construct the value of a node graph and record the line of every key and item on the way
    (one walk instead of PyYAML's construction plus a second walk for the lines), within the limits."""

    def __init__(self, loader: Any, offset: int, list_keys: frozenset[str] | None) -> None:
        self.loader = loader
        self.offset = offset
        self.list_keys = list_keys or frozenset()
        self.typing = list_keys is not None  # look for input-method mistakes in values that loaded
        self.seen: set[int] = set()  # nodes built once: building one again is an alias expansion
        self.active: set[int] = set()  # collections being built (an alias to one of them is recursive)
        self.budget = ALIAS_LIMIT
        self.expanding: yaml.Node | None = None

    def error(self, node: yaml.Node, message: str, rule: str = "") -> YamlError:
        return YamlError(node.start_mark.line + 1 + self.offset, node.start_mark.column + 1, message, rule)

    def build(self, node: yaml.Node, prefix: str, lines: dict[str, int], depth: int) -> Any:
        key = id(node)
        if key in self.seen:
            if self.expanding is None:  # the outermost alias being expanded: errors point at its anchor
                self.expanding = node
                try:
                    return self.build(node, prefix, lines, depth)
                finally:
                    self.expanding = None
            self.budget -= 1
            if self.budget < 0:
                raise self.error(self.expanding, f"别名（*）展开后的内容超过 {ALIAS_LIMIT} 个节点：这里的锚点（&）"
                                 "被层层引用，会成倍膨胀。请直接写出需要的值，不要用锚点和别名层层引用", ALIAS_LIMIT_RULE)
        else:
            self.seen.add(key)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            raise self.error(node, _too_deep(), TOO_DEEP_RULE)
        if key in self.active:
            raise self.error(node, "别名（*）引用了包含它自身的锚点（&），会无限展开。请去掉这处自引用，直接写出值",
                             ALIAS_RECURSIVE_RULE)
        self.active.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node, prefix, lines, depth)
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node, prefix, lines, depth)
        finally:
            self.active.discard(key)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == STR:
            value: str = node.value
            if self.typing and value and not node.style and value[0] in "［｛【" and value[-1] in "］｝】":
                self.check_brackets(node, value)
            return value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception:  # noqa: BLE001 - PyYAML's constructors raise anything on a value that does not fit its tag
            raise self.error(node, f"值“{_short(node.value)}”与其类型标记（{node.tag.rsplit(':', 1)[-1]}）不符。"
                                   "请删除“!!”开头的类型标记，或改正该值") from None

    def check_brackets(self, node: yaml.ScalarNode, value: str, is_list: bool = False) -> None:
        """`【a，b】` or `［a, b］` meant as a list: full-width brackets are text to YAML."""
        if value[0] in "［｛" or is_list or any(c in value for c in ",，、"):
            wide = value[0] + (value[-1] if value[-1] in "］｝】" else "")
            half = "{}" if value[0] == "｛" else "[]"
            raise self.error(node, f"用了全角括号“{wide}”，YAML 不认作列表。请改为半角“{half}”，"
                                   "各项之间用半角逗号“, ”分隔；如确为一段文字，请用引号括起整个值")

    def sequence(self, node: yaml.SequenceNode, prefix: str, lines: dict[str, int], depth: int) -> list[Any]:
        out = []
        for i, item in enumerate(node.value):
            path = f"{prefix}{i}"
            lines[path] = item.start_mark.line + 1 + self.offset
            if self.typing and node.flow_style and isinstance(item, yaml.ScalarNode) and not item.style:
                self.check_comma(item)
            out.append(self.build(item, path + ".", lines, depth + 1))
        return out

    def check_comma(self, item: yaml.ScalarNode) -> None:
        value = item.value
        if len(value) > 1 and value[0] in "“‘「" and value[-1] in "”’」":
            raise self.error(item, f"列表项“{_short(value)}”用了中文引号括起，引号会成为内容的一部分。"
                                   "请去掉引号，或改用半角引号 \" 或 '")
        for comma in "，、；":
            if comma in item.value:
                error = self.error(item, f"列表“[…]”中用了全角的“{comma}”分隔（“{_short(item.value)}”会被当作一项）。"
                                       "请改为半角逗号加空格“, ”；如确为一项的内容，请用引号括起该项")
                if item.start_mark.line == item.end_mark.line:
                    error.column += item.value.index(comma)
                raise error

    def mapping(self, node: yaml.MappingNode, prefix: str, lines: dict[str, int], depth: int) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        pairs = node.value
        if any(k.tag == MERGE for k, _ in pairs):
            mapping = self.merged(node, depth)
            pairs = [(k, v) for k, v in pairs if k.tag != MERGE]
        own: set[Any] = set()  # the mapping's own keys (they override merged ones, never each other)
        for key_node, value_node in pairs:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "键不能是列表或映射（如“? [a, b]”或“[a, b]: 值”）。请把键写成一段普通文本",
                                 COMPLEX_KEY_RULE)
            key = self.build(key_node, "", {}, depth + 1)
            try:
                hash(key)
            except TypeError:
                raise self.error(key_node, "键不能是列表或映射。请把键写成一段普通文本", COMPLEX_KEY_RULE) from None
            if isinstance(key, str) and key[:1] in ("\u3000", "\t"):
                raise self.error(key_node, "行首用了全角空格“　”缩进，YAML 只认半角空格。请把行首的全角空格改为半角空格"
                                 if key[0] == "\u3000" else "行首用了制表符（Tab）缩进，YAML 只认空格。请改用空格缩进")
            if key in own:
                raise DuplicateKey(key_node.start_mark.line + 1 + self.offset, key_node.start_mark.column + 1,
                                   f"键“{key}”重复出现")
            own.add(key)
            path = f"{prefix}{key}"
            lines[path] = key_node.start_mark.line + 1 + self.offset
            if not prefix and key in self.list_keys and isinstance(value_node, yaml.ScalarNode) \
                    and not value_node.style and value_node.value[:1] in ("【", "［", "｛"):
                self.check_brackets(value_node, value_node.value, is_list=True)
            if not prefix and key in self.list_keys and isinstance(value_node, yaml.ScalarNode) \
                    and not value_node.style and _WIDE_DASH.match(value_node.value):
                raise self.error(value_node, f"列表项应以半角减号加空格“- ”开头，这里用了“{value_node.value[0]}”。"
                                             "请改为“- ”（半角减号后加空格）")
            mapping[key] = self.build(value_node, path + ".", lines, depth + 1)
        return mapping

    def merged(self, node: yaml.MappingNode, depth: int) -> dict[Any, Any]:
        """The mappings a `<<` key merges in (YAML 1.1: the first of a list wins, the mapping's own keys win)."""
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag != MERGE:
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            built = [self.build(s, "", {}, depth + 1) for s in sources]
            for source, value in zip(reversed(sources), reversed(built), strict=True):
                if not isinstance(value, dict):
                    raise self.error(source, "“<<”合并的只能是映射（键: 值）的锚点。请改正“<<”后的别名")
                out.update(value)
        return out


_WIDE_DASH = re.compile(r"[－—–―][ \t\u3000]*\S")


def _short(value: str, width: int = 30) -> str:
    return value if len(value) <= width else value[:width] + "…"


# ---------------------------------------------------------------- syntax errors, in Chinese


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> YamlError:
    context = exc.context or ""
    # an unclosed quote or bracket is best shown where it starts; anything else where libyaml stopped
    use_context = exc.context_mark is not None and (
        "quoted scalar" in context or "flow" in context or "simple key" in context)
    mark = exc.context_mark if use_context else (exc.problem_mark or exc.context_mark)
    line = (mark.line + first_line) if mark else first_line
    col = (mark.column + 1) if mark else 1
    hint = _typing_mistake(text, first_line, line, since=line - 3)  # the parser notices within a few lines
    if hint is not None:
        return YamlError(*hint)
    if isinstance(exc, yaml.constructor.ConstructorError):
        return YamlError(line, col, "类型标记（“!”或“!!”开头，如 !!set、!!binary、!!python/…）不受支持或与值不符。"
                                    "请删除该标记，只写普通的文本、列表或映射")
    if "exceeded maximum nesting depth" in (exc.problem or ""):
        return YamlError(line, col, _too_deep(), TOO_DEEP_RULE)
    return YamlError(line, col, _describe(exc))


def not_a_mapping(text: str, first_line: int = 1) -> tuple[int, int, str] | None:
    """Why a text meant as `key: value` lines parsed as something else (a full-width colon …), if known."""
    return _typing_mistake(text, first_line, first_line + text.count("\n"))


_KEY = r"[^\s:：#'\"{}\[\]【\-][^:：\n\"'{}\[\]]{0,30}?"
_MISTAKES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^ *(\t)"), "行首用了制表符（Tab）缩进，YAML 只认空格。请把制表符改为空格（同一层级缩进相同，常用两个空格）"),
    (re.compile("^[ \t]*(\u3000)"), "行首用了全角空格“　”缩进，YAML 只认半角空格。请把行首的全角空格改为半角空格"),
    (re.compile(rf"^[ \t]*(?:- +)?{_KEY}[ \t\u3000]*(：)"),
     "用了全角冒号“：”。请改为半角冒号加空格“: ”，如“title: 标题”（值中的全角冒号不受影响）"),
    (re.compile(r"^[ \t]*(?:- +)?[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff.-]{0,30}(:)(?=[^\s/:])"),
     "冒号后缺少空格。请在键后的半角冒号后加一个空格，写成“键: 值”，如“title: 标题”"),
    (re.compile(r"""^[ \t]*(?:- +)?[^\s:#][^:\n]{0,30}: +"(?:[^"\\\n]|\\.)*(")[ \t]*[^\s#]"""),
     "双引号括起的值中又出现了双引号，值在第二个引号处就结束了。请把值中的引号改为中文引号“”，"
     "或改用单引号括起整个值，或写成 \\\""),
    (re.compile(r"""^[ \t]*(?:- +)?[^\s:#][^:\n]{0,30}: +'(?:[^'\n]|'')*(')[ \t]*[^\s#']"""),
     "单引号括起的值中又出现了单引号，值在第二个引号处就结束了。请把值中的引号改为中文引号‘’，"
     "或改用双引号括起整个值，或把值中的单引号写两次（''）"),
    (re.compile(r"^[ \t]*([－—–])[ \t]*\S"), "列表项应以半角减号加空格“- ”开头，这里用了全角的“{char}”。请改为“- ”"),
    (re.compile(r"^[ \t]*(?:- +)?[^\s:#][^:\n]{0,30}: +([【［｛])"),
     "用了全角括号“{char}”，YAML 不认作列表或映射。请改为半角“[ ]”或“{{ }}”，各项之间用半角逗号“, ”分隔"),
    (re.compile(r"^[ \t]*(?:- +)?[^\s:#][^:\n]{0,30}: +\[[^\]\n]*?([，、])"),
     "列表“[…]”中用了全角的“{char}”分隔。请改为半角逗号加空格“, ”"),
)


def _typing_mistake(text: str, first_line: int, last_line: int, since: int = 0) -> tuple[int, int, str] | None:
    """The last typing mistake on the lines `since`..`last_line` (where the parser noticed something was wrong)."""
    found = None
    lines = text.split("\n", max(0, last_line - first_line + 1))
    for number, line in enumerate(lines[:last_line - first_line + 1], first_line):
        if number < since or line.lstrip(" ").startswith("#"):
            continue
        for pattern, message in _MISTAKES:
            m = pattern.search(line)
            if m is not None:
                group = m.lastindex or 0
                col = (m.start(group) if group else len(line) - len(line.lstrip(" \t\u3000"))) + 1
                char = m.group(group) if group else ""
                found = (number, col, message.format(char=char))
                break
    return found


# libyaml's problems and contexts, and what they mean to someone who typed a front-matter
_PROBLEMS = (
    ("mapping values are not allowed", "此处不允许出现冒号“:”。值中含有“: ”时请用引号把整个值括起来；"
                                        "如是新的一项，请检查上一行是否缩进有误"),
    ("found a tab character", "YAML 不允许用制表符（Tab）缩进，请改用空格"),
    ("found character '\\t'", "YAML 不允许用制表符（Tab）缩进，请改用空格"),
    ("could not find expected ':'", "缺少冒号“:”，每一行应写成“键: 值”（半角冒号后加空格）"),
    ("did not find expected key", "这一行与上下文的缩进或格式不符（同一层的键应对齐；以引号开头的值须以同样的引号结束）"),
    ("did not find expected '-' indicator", "列表项应对齐并以“- ”开头，这一行的缩进有误"),
    ("did not find expected ',' or ']'", "列表“[”没有正确结束：各项之间用半角逗号“, ”分隔，最后以“]”结束"),
    ("did not find expected ',' or '}'", "映射“{”没有正确结束：各项之间用半角逗号“, ”分隔，最后以“}”结束"),
    ("did not find expected node content", "此处缺少值（或多了一个“,”“-”“:”）"),
    ("block sequence entries are not allowed", "此处不能出现列表项“- ”。列表请另起一行并缩进，或写成“[甲, 乙]”"),
    ("found undefined alias", "别名（*）引用了未定义的锚点（&）。请先用“&名称”定义锚点，或直接写出值"),
    ("found duplicate anchor", "锚点（&）名称重复。请改用不同的名称"),
    ("found unexpected end of stream", "内容在结束前缺少配对的引号或括号"),
    ("found unknown escape character", "双引号中的反斜杠“\\”后是无效的转义。请写成“\\\\”，或改用单引号括起整个值"),
    ("did not find expected hexdecimal number", "双引号中的“\\x”“\\u”后应为十六进制数。请写成“\\\\”，或改用单引号括起整个值"),
    ("could not determine a constructor for the tag", "不支持的类型标记（“!”开头）。请删除该标记，只写普通的值"),
    ("expected a mapping for merging", "“<<”合并的只能是映射（键: 值）的锚点"),
    ("expected a single document", "front-matter 中出现了第二个文档（“---”或“...”）。front-matter 只能有一段"),
    ("found character that cannot start any token", "这里的字符不能作为值的开头（“@”“`”“%”等），请用引号把整个值括起来"),
    ("mapping keys are not allowed", "此处不能出现“? ”开头的键。请写成“键: 值”"),
    ("found unexpected ':'", "此处不允许出现冒号“:”。值中含有冒号时请用引号把整个值括起来"),
    ("did not find expected comment or line break", "引号或块标记（| >）之后还有多余的内容"),
    ("while parsing a tag", "“!”开头的值会被当作类型标记。值以“!”开头时请用引号括起来"),
    ("undefined tag handle", "“!”开头的值会被当作类型标记。值以“!”开头时请用引号括起来"),
    ("while scanning a tag", "“!”开头的值会被当作类型标记。值以“!”开头时请用引号括起来"),
    ("while scanning a directive", "“%”开头的行会被当作 YAML 指令。值以“%”开头时请用引号括起来"),
    ("while scanning a block scalar", "“|”或“>”之后应另起一行，并把多行文字缩进书写"),
    ("while scanning a plain scalar", "这一行的文字中有 YAML 的特殊符号（如“: ”“ #”）。请用引号把整个值括起来"),
    ("while scanning an alias", "“*”开头的值会被当作别名。值以“*”开头时请用引号括起来"),
    ("while scanning an anchor", "“&”开头的值会被当作锚点。值以“&”开头时请用引号括起来"),
    ("expected <block end>", "这一行的缩进与上文不一致。同一层的键应对齐"),
    ("expected <document start>", "这一行的缩进与上文不一致。同一层的键应对齐"),
)


def _describe(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or ""
    context = exc.context or ""
    if "while scanning a quoted scalar" in context:
        return "引号没有闭合：从这里开始的引号找不到配对的结束引号。请补上结束引号，或把值中的引号改为中文引号“”"
    for needle, message in _PROBLEMS:
        if needle in problem or needle in context:
            return message
    original = f"{context} {problem}".strip()
    return f"YAML 语法错误（{original}）。请对照上下文检查这一行的冒号、缩进、引号和括号"
