"""portal build [--out DIR] [--full]: check every item and build the public site into DIR."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from checks import runner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="DIR", help="输出目录（默认：门户仓库下的 site/）")
    parser.add_argument("--full", action="store_true", help="完整构建（默认在上次构建的基础上只重建改动的页面）")


def run(args: argparse.Namespace) -> int:
    from site_build.build import build_site  # MkDocs and the theme load only when building

    out = (args.out or args.root / "site").absolute()
    start = time.monotonic()
    result = build_site(args.root, out, incremental_from=None if args.full else out)
    if not result.ok:
        runner.report(result.findings)
        print(f"检查未通过，未构建网站；{out} 保持原样。请按上面的提示修改稿件后重新构建。", file=sys.stderr)
        return 1
    how = (f"增量构建：写入 {len(result.written)} 个文件，删除 {len(result.removed)} 个" if result.incremental
           else f"完整构建：{len(result.written)} 个文件")
    print(f"已构建 {len(result.pages)} 个页面（{result.items} 篇稿件）到 {out}（{how}，用时 {time.monotonic() - start:.1f} 秒）")
    return 0
