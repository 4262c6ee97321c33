"""portal duty: the duty checks of the live site (verify-site and audit), recorded for the workbench's 值班读网 page.

Run it from a systemd timer or cron on the workbench's machine (see README「值班读网」)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="服务器仓库（裸仓库路径；默认 PORTAL_WEB_SERVER）")
    parser.add_argument("--data", type=Path, help="工作台数据目录（默认 PORTAL_WEB_DATA）")


def run(args: argparse.Namespace) -> int:
    from portal.errors import PortalError

    server = args.server or os.environ.get("PORTAL_WEB_SERVER", "")
    data = args.data or (Path(os.environ["PORTAL_WEB_DATA"]) if os.environ.get("PORTAL_WEB_DATA") else None)
    if not server or data is None:
        raise PortalError("请用 --server 和 --data（或环境变量 PORTAL_WEB_SERVER、PORTAL_WEB_DATA）给出工作台的服务器仓库"
                          "与数据目录，与 portal web 所用的相同")
    from workbench import setup

    setup.configure(data.resolve(), server)  # Django first: the duty module uses the workbench's models
    from workbench import duty
    from workbench.services import server as the_server

    site, audit = duty.run_checks(the_server())
    print(f"防篡改核验：{site.summary}")
    print(f"网站自查：{audit.summary}")
    return 0 if site.ok else 1
