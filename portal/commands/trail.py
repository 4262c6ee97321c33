"""portal trail [PATH] [--format json|html] [--out FILE]: each item's review record, from git."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from portal.errors import PortalError
from review import trail, workflow
from review.gitutil import Repo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="PATH", help="稿件或目录（默认：全部）")
    parser.add_argument("--format", choices=("json", "html"), default="json", help="json，或可打印的保密审查表 html")
    parser.add_argument("--out", type=Path, help="写入文件（默认：标准输出）")
    parser.add_argument("--ref", help="从哪个分支读取（默认：远程的 main，没有远程时为本地 main）")
    workflow.add_common_arguments(parser, who=False)


def run(args: argparse.Namespace) -> int:
    repo = Repo(args.root)
    ref = args.ref or workflow.base_ref(repo, args.remote)
    path = _relative(args.root, args.path) if args.path else None
    items = trail.collect(repo, ref, path)
    if args.format == "json":
        text = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    else:
        site = ""
        if (args.root / "columns.yml").is_file():
            from portal.config import load

            site = load(args.root).site.name
        text = trail.to_html(items, site)
    if args.out:
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.out)  # never a half-written file
        print(f"已写入 {args.out}（{len(items)} 条审核记录）")
    else:
        print(text, end="")
    return 0


def _relative(root: Path, path: str) -> str:
    full = (Path.cwd() / path).absolute()
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        raise PortalError(f"{path} 不在门户仓库 {root} 内") from None
