"""portal serve: a live preview of the site on 127.0.0.1 for informants (MkDocs' server with the portal plugin)."""
from __future__ import annotations

import argparse
import os

from portal.errors import PortalError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000；只在本机 127.0.0.1 上提供）")


def run(args: argparse.Namespace) -> int:
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort

    from site_build.build import config_file

    os.environ["PORTAL_ROOT"] = str(args.root)  # for the packaged mkdocs.yml of a portal without its own
    print(f"预览地址：http://127.0.0.1:{args.port}/ （只显示通过检查、已到发布时间的稿件；修改稿件后自动刷新；Ctrl-C 结束）")
    try:
        serve(config_file=str(config_file(args.root)), dev_addr=f"127.0.0.1:{args.port}", livereload=True)
    except Abort as exc:
        raise PortalError(str(exc)) from None
    return 0
