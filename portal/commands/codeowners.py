"""portal codeowners [--check]: write .github/CODEOWNERS from columns.yml and roster.yml."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portal.config import load
from review import codeowners

DEFAULT = Path(".github") / "CODEOWNERS"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help=f"输出文件（默认：仓库的 {DEFAULT}）")
    parser.add_argument("--check", action="store_true", help="只检查文件是否为最新，过期则退出 1（CI 用）")


def run(args: argparse.Namespace) -> int:
    text = codeowners.generate(load(args.root))
    out = args.out or args.root / DEFAULT
    current = out.read_text(encoding="utf-8") if out.is_file() else None
    if args.check:
        if current != text:
            print(f"{out} 不是最新的。请运行 portal codeowners 重新生成并提交", file=sys.stderr)
            return 1
        print(f"{out} 是最新的。")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"已写入 {out}")
    return 0
