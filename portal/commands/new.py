"""portal new COLUMN --title T: a new item with the complete front-matter for its column's chain."""
from __future__ import annotations

import argparse
import re
import sys

from pypinyin import lazy_pinyin

from portal import clock, config, model
from portal.errors import PortalError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("column", nargs="?", help="栏目 id（见 `portal columns`）")
    parser.add_argument("--title", help="标题")
    parser.add_argument("--department", help="发布部门（默认：栏目的第一个负责科室）")
    parser.add_argument("--type", dest="kind", help="文种（默认：栏目允许的第一个文种）")
    parser.add_argument("--author", help="撰稿人 id（多人用逗号分隔）")
    parser.add_argument("--importance", choices=config.IMPORTANCE, default="一般")
    parser.add_argument("--slug", help="网址标识（默认：标题的拼音）")


def slugify(title: str, limit: int = 48) -> str:
    words = lazy_pinyin(title, errors="default")
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:limit].rstrip("-") or "item"


def ask(prompt: str, choices: list[str] | None = None, default: str = "") -> str:
    hint = f"（{'/'.join(choices)}）" if choices and len(choices) <= 12 else ""
    while True:
        answer = input(f"{prompt}{hint}{f' [{default}]' if default else ''}: ").strip() or default
        if answer and (not choices or answer in choices):
            return answer
        print("请从给出的选项中选择。" if choices else "此项必填。")


def run(args: argparse.Namespace) -> int:
    cfg = config.load(args.root)
    interactive = sys.stdin.isatty() and not args.title
    if interactive:
        args.column = args.column or ask("栏目", list(cfg.columns))
        args.title = ask("标题")
    if not args.column or not args.title:
        raise PortalError("请给出栏目和标题，例如：portal new news --title 市应急管理局召开防汛工作部署会")
    column = cfg.columns.get(args.column)
    if column is None:
        raise PortalError(f"没有栏目“{args.column}”。{config.suggest(args.column, cfg.columns)}可用栏目：{'、'.join(cfg.columns)}")
    department = args.department or column.departments[0]
    kind = args.kind or column.kinds[0]
    if interactive:
        department = ask("发布部门", list(column.departments), department)
        kind = ask("文种", list(column.kinds), kind)
        args.author = args.author or ask("撰稿人 id")
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
    path.write_text(template(cfg, column, args.title, department, kind, args.author or "", args.importance, now),
                    encoding="utf-8")
    rel = path.relative_to(args.root).as_posix()
    print(f"已创建 {rel}")
    print("请填写正文、撰稿人和各审核环节的审核人 id，然后运行 `portal check " + rel + "`。")
    return 0


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def template(cfg: config.Config, column: config.Column, title: str, department: str, kind: str,
             author: str, importance: str, now) -> str:
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
        lines.append(f'  {stage.id}: ""  # {stage.title}（角色：{cfg.roles[stage.role].title}）')
    lines += ["summary: \"\"", "---", "", f"（正文：{column.description}）", ""]
    return "\n".join(lines)
