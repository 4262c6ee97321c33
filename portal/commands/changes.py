"""portal changes --dir DIR [--since RELEASE]: the files to upload and delete since an uploaded release."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portal.errors import PortalError
from site_build import changes, publish


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, required=True, metavar="DIR", help="portal publish --to 所用的发布目录")
    parser.add_argument("--since", metavar="RELEASE",
                        help="上次已上传到对象存储的版本（不给出时列出全部文件，用于首次上传）")
    parser.add_argument("--release", metavar="RELEASE", help="要上传的版本（默认在用版本，回滚后即回滚到的版本）")
    parser.add_argument("--format", choices=("text", "tsv", "json", "urls"), default="text",
                        help="text：给人看的摘要；tsv：每行 put/delete、路径、store 中的对象（供脚本逐行上传）；"
                             "json：同样内容的 JSON；urls：CDN 需要刷新的网址（须给出 --base-url）")
    parser.add_argument("--base-url", metavar="URL", help="网站的网址（如 https://yjj.yunjiang.gov.cn/），--format urls 用")


def run(args: argparse.Namespace) -> int:
    layout = publish.Layout(args.dir.absolute())
    if not layout.releases.is_dir():
        raise PortalError(f"{layout.root} 不是发布目录（没有 releases/）。请给出 portal publish --to 所用的目录")
    if args.format == "urls" and not args.base_url:
        raise PortalError("--format urls 需要 --base-url，如 --base-url https://yjj.yunjiang.gov.cn/")
    found = changes.between(layout, args.since, args.release)
    if args.format == "json":
        print(changes.as_json(layout, found))
    elif args.format == "tsv":
        sys.stdout.write(changes.as_tsv(layout, found))
    elif args.format == "urls":
        sys.stdout.write(changes.as_urls(found, args.base_url))
    else:
        since = f"版本 {found.since}" if found.since else "空的对象存储（首次上传）"
        print(f"版本 {found.release} 相对{since}：上传 {len(found.put)} 个文件，删除 {len(found.delete)} 个文件。")
        for c in found.put:
            print(f"  上传 {c.path}")
        for path in found.delete:
            print(f"  删除 {path}")
    return 0
