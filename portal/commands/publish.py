"""portal publish --to DIR: build a commit into a new release and switch the live site atomically."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from site_build import publish, verify


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", type=Path, required=True, metavar="DIR",
                        help="发布目录：网站服务器的网站根目录设为 DIR/current")
    parser.add_argument("--keep", type=int, default=publish.KEEP, metavar="N",
                        help=f"保留最近 N 个版本（含在用版本，默认 {publish.KEEP}）")
    parser.add_argument("--confirm-url", metavar="URL",
                        help="发布后通过该网址逐个访问新增或更新的文件，确认已上线（如 http://127.0.0.1/）")
    parser.add_argument("--full", action="store_true", help="完整构建（默认在在用版本的基础上只重建改动的页面）")
    parser.add_argument("--commit", metavar="提交",
                        help="要发布的提交或分支（默认 main；只发布已提交的内容，工作区中未提交的改动不发布）；"
                             "从导出的源码树（不是 Git 工作区）发布时，为它来自的提交号（服务器钩子使用）")


def run(args: argparse.Namespace) -> int:
    url = None if args.confirm_url is None else verify.check_url(args.confirm_url)
    done = publish.publish(args.root, args.to, args.keep, commit=args.commit, full=args.full)
    for warning in done.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    print(f"已发布版本 {done.release}：{done.items} 篇稿件，{done.files} 个文件。")
    print(f"在用：{args.to / publish.CURRENT} -> {publish.RELEASES}/{done.release}/{publish.SITE}"
          + (f"（上一版本 {done.previous}）" if done.previous else "（首次发布）"))
    print(f"清单：{done.manifest}（sha256 {done.manifest_sha256}，已记入 {args.to / publish.LOG}）")
    if done.removed:
        print(f"已清理旧版本：{'、'.join(done.removed)}")
    if url is None:
        print(f"请访问网站确认新页面已上线：portal verify-site --url <网址> --dir {args.to} --new")
        return 0
    report = verify.verify_url(verify.locate(args.to), url, only_new=True)
    print(report.text())
    return 0 if report.ok else 1
