"""portal new COLUMN --title T: a new item with the complete front-matter for its column's chain.

Run in a terminal without --title, it asks for each field with numbered choices: the column (all of
them, by Chinese title), title, kind, department, author, importance and the reviewer of each stage
(only the people who may sign it). An answer is a number, a Chinese name or an id. Ctrl-D or Ctrl-C
ends it without creating anything.
"""
from __future__ import annotations

import argparse
import difflib
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from pypinyin import lazy_pinyin

from portal import clock, config, model
from portal.errors import PortalError

PROMPT_END = "："


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("column", nargs="?", help="栏目 id 或名称（见 `portal columns`）")
    parser.add_argument("--title", help="标题")
    parser.add_argument("--department", help="发布部门（默认：栏目的第一个负责科室）")
    parser.add_argument("--type", dest="kind", help="文种（默认：栏目允许的第一个文种）")
    parser.add_argument("--author", help="撰稿人 id（多人用逗号分隔）")
    parser.add_argument("--importance", choices=config.IMPORTANCE, default="一般", help="重要程度")
    parser.add_argument("--slug", help="网址标识（默认：标题的拼音）")


def slugify(title: str, limit: int = 48) -> str:
    words = lazy_pinyin(title, errors="default")
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:limit].rstrip("-") or "item"


# --- asking in a terminal ---------------------------------------------------------------------------

class Choice:
    """One numbered option: the value written to the item, its label, and the words that select it."""

    def __init__(self, value: str, label: str, *words: str) -> None:
        self.value, self.label, self.words = value, label, {value, label, *words}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def show(choices: Sequence[Choice]) -> None:
    """All the choices, numbered, in as many columns as the terminal is wide."""
    cells = [f"{n:>{len(str(len(choices)))}}. {c.label}" for n, c in enumerate(choices, 1)]
    cell = max(map(_width, cells)) + 2
    per_row = max(1, min(4, shutil.get_terminal_size((80, 24)).columns // cell))
    rows = [cells[start:start + per_row] for start in range(0, len(cells), per_row)]
    print("\n".join("  " + "".join(c + " " * (cell - _width(c)) for c in row[:-1]) + row[-1] for row in rows),
          flush=True)


def pick(answer: str, choices: Sequence[Choice]) -> Choice | None:
    answer = answer.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1]
    return next((c for c in choices if answer in c.words), None)


def ask(prompt: str, choices: Sequence[Choice] | None = None, default: str = "", optional: bool = False,
        many: bool = False) -> str:
    """Ask until the answer is valid; with choices, show them numbered and return the chosen value.

    With `many`, several answers separated by commas or 、 are allowed (joined with ", ").
    """
    shown = [c for c in choices or () if not isinstance(c, _HiddenChoice)]
    if shown:
        print(f"{prompt}，可输入编号、名称或 id{'（多人用逗号分隔）' if many else ''}")
        show(shown)
    label = next((c.label for c in choices or () if c.value == default), default)
    while True:
        answer = input(f"{prompt}{f' [{label}]' if default else ''}{PROMPT_END}").strip() or default
        if not answer:
            if optional:
                return ""
            print("此项必填。")
            continue
        if not choices:
            return answer
        parts = [a for a in re.split(r"[,，、\s]+", answer) if a] if many else [answer]
        chosen = [_pick(part, shown, choices) for part in parts]
        if all(isinstance(c, Choice) for c in chosen):
            return ", ".join(dict.fromkeys(c.value for c in chosen if isinstance(c, Choice)))
        wrong = next(c for c in chosen if isinstance(c, str))
        print(f"{wrong}请输入 1–{len(shown)} 的编号，或上面列出的名称、id。")


def _pick(answer: str, shown: Sequence[Choice], choices: Sequence[Choice]) -> Choice | str:
    """The choice `answer` names, or why there is none."""
    chosen = pick(answer, shown) or next((c for c in choices if answer in c.words), None)
    if chosen is not None:
        return chosen
    words = [w for c in choices for w in c.words]
    close = difflib.get_close_matches(answer, words, n=1, cutoff=0.5)
    hint = next((f"是否想输入“{c.label}”？" for c in choices if close and close[0] in c.words), "")
    return f"没有“{answer}”。{hint}"


def _people(people: Sequence[config.Person]) -> list[Choice]:
    return [Choice(p.id, f"{p.name}（{p.id}）", p.name) for p in people]


def interview(cfg: config.Config, args: argparse.Namespace) -> dict[str, str]:
    """Ask for what the command line did not give; returns the reviewer of each stage (may be empty)."""
    if not args.column:
        columns = [Choice(c.id, c.title) for c in cfg.columns.values()]
        args.column = ask(f"栏目（共 {len(columns)} 个）", columns)
    column = _column(cfg, args.column)
    args.column = column.id
    args.title = ask("标题")
    kinds = [Choice(k, k) for k in column.kinds]
    args.kind = args.kind or ask("文种", kinds, column.kinds[0])
    departments = [Choice(d, cfg.departments[d].name if d in cfg.departments else d) for d in column.departments]
    args.department = args.department or ask("发布部门", departments, column.departments[0])
    if not args.author:
        writers = [p for p in cfg.people.values() if p.department == args.department] or list(cfg.people.values())
        others = [Choice(p.id, p.name) for p in cfg.people.values() if p not in writers]
        args.author = ask("撰稿人", _people(writers) + _hidden(others), many=True)
    args.importance = ask("重要程度", [Choice(i, i) for i in config.IMPORTANCE], args.importance or "一般")
    reviewers: dict[str, str] = {}
    authors = {a.strip() for a in args.author.split(",")}
    for stage in column.chain.for_importance(args.importance):
        role = cfg.roles[stage.role]
        allowed = [p for p in cfg.people.values() if p.may_sign(role, args.department)
                   and p.id not in authors and p.id not in reviewers.values()]
        if not allowed:
            print(f"{stage.id}：名册中没有可以签署此环节（{role.title}）的人员，请稍后在稿件中填写。")
            reviewers[stage.id] = ""
            continue
        default = allowed[0].id if len(allowed) == 1 else ""
        reviewers[stage.id] = ask(f"{stage.id}人（{role.title}，直接回车留空稍后填写）", _people(allowed),
                                  default, optional=True)
    return reviewers


class _HiddenChoice(Choice):
    """A person outside the department: accepted by name or id, not listed."""


def _hidden(choices: list[Choice]) -> list[Choice]:
    return [_HiddenChoice(c.value, c.label, *c.words) for c in choices]


def _column(cfg: config.Config, wanted: str) -> config.Column:
    column = cfg.columns.get(wanted) or next((c for c in cfg.columns.values() if c.title == wanted), None)
    if column is None:
        titles = {c.title: c.id for c in cfg.columns.values()}
        hint = config.suggest(wanted, [*cfg.columns, *titles])
        raise PortalError(f"没有栏目“{wanted}”。{hint}可用栏目：{'、'.join(f'{c.title}（{c.id}）' for c in cfg.columns.values())}")
    return column


# --- the command ------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    cfg = config.load(args.root)
    reviewers: dict[str, str] = {}
    if sys.stdin.isatty() and not args.title:
        try:
            reviewers = interview(cfg, args)
        except EOFError:
            print("\n输入已结束（Ctrl-D），已取消，未创建稿件。", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\n已取消（Ctrl-C），未创建稿件。", file=sys.stderr)
            return 130
    if not args.column or not args.title:
        raise PortalError("请给出栏目和标题，例如：portal new news --title 市应急管理局召开防汛工作部署会")
    column = _column(cfg, args.column)
    department = args.department or column.departments[0]
    kind = args.kind or column.kinds[0]
    if department not in cfg.departments:
        raise PortalError(f"没有科室“{department}”。{config.suggest(department, cfg.departments)}")
    if kind not in column.kinds:
        raise PortalError(f"栏目“{column.title}”不允许文种“{kind}”，可用：{'、'.join(column.kinds)}")
    now = clock.now()
    slug = args.slug or slugify(args.title)
    if not model.SLUG.match(slug):
        raise PortalError("网址标识只能含小写字母、数字和连字符")
    path = args.root / model.CONTENT / column.id / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise PortalError(f"{path.relative_to(args.root)} 已存在，未做任何修改。请换一个标题或用 --slug 指定网址标识")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template(cfg, column, args.title, department, kind, args.author or "", args.importance, now,
                             reviewers), encoding="utf-8")
    rel = path.relative_to(args.root).as_posix()
    print(f"已创建 {rel}")
    missing = [s.id for s in column.chain.for_importance(args.importance) if not reviewers.get(s.id)]
    todo = "正文" + ("、撰稿人" if not args.author else "") + (f"和审核人（{'、'.join(missing)}）" if missing else "")
    print(f"请填写{todo}，然后运行 `portal check {rel}`。")
    return 0


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def template(cfg: config.Config, column: config.Column, title: str, department: str, kind: str,
             author: str, importance: str, now: datetime, reviewers: dict[str, str] | None = None) -> str:
    stages = column.chain.for_importance(importance)
    authors = [a.strip() for a in author.split(",") if a.strip()]
    lines = [
        "---",
        f"title: {_q(title)}",
        f"date: {now:%Y-%m-%d %H:%M}",
        f"source: {_q(cfg.site.organizer + cfg.departments[department].name)}  # 信息来源",
        f"department: {department}  # 发布部门",
        f"type: {kind}  # 文种，本栏目可用：{'、'.join(column.kinds)}",
        f"author: [{', '.join(authors)}]  # 撰稿人 id",
        f"importance: {importance}  # 一般 / 重要 / 重大",
        "event_date:  # 信息产生日期（可选）",
        "reviewers:  # 每个审核环节填写一名审核人 id",
    ]
    for stage in stages:
        person = (reviewers or {}).get(stage.id, "")
        value = person or '""'
        name = f"，{cfg.people[person].name}" if person in cfg.people else ""
        lines.append(f"  {stage.id}: {value}  # {stage.title}（角色：{cfg.roles[stage.role].title}{name}）")
    lines += ["summary: \"\"", "---", "", f"（正文：{column.description}）", ""]
    return "\n".join(lines)
