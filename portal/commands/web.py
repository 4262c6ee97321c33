"""portal web [--demo]: the 编辑审核工作台 (a Django application served by waitress); see workbench/."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from portal.errors import PortalError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="在临时目录中建立演示门户（含本地服务器仓库、钩子、新密钥和演示账号）并启动")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外请放在 HTTPS 反向代理之后）")
    parser.add_argument("--port", type=int, default=8080, help="端口（默认 8080）")
    parser.add_argument("--threads", type=int, default=8, help="处理请求的线程数（默认 8）")
    parser.add_argument("--server", help="服务器仓库（裸仓库路径或 URL；默认：当前仓库的 origin，或 PORTAL_WEB_SERVER）")
    parser.add_argument("--data", type=Path, help="工作台数据目录（数据库、镜像、各人的克隆；默认 PORTAL_WEB_DATA 或 <门户>/.workbench）")
    parser.add_argument("--site-url", default=os.environ.get("PORTAL_WEB_SITE_URL", ""), help="已发布网站的地址（用于“已发布”链接）")
    parser.add_argument("--enrol", metavar="ID", action="append",
                        help="为名册中的人员生成邀请链接（本人设置密码、生成签名密钥，公钥经“配置变更”审核进入名册），然后退出")


def run(args: argparse.Namespace) -> int:
    from workbench import setup

    if args.demo:
        return _demo(args, setup)
    server = args.server or os.environ.get("PORTAL_WEB_SERVER") or _origin(args.root)
    if not server:
        raise PortalError("不知道服务器仓库在哪里。请用 --server 给出裸仓库路径，或在门户仓库中设置 git remote origin")
    data = args.data or Path(os.environ.get("PORTAL_WEB_DATA", args.root / ".workbench"))
    setup.configure(data.resolve(), server, site_url=args.site_url)
    if args.enrol:
        return _enrol(args.enrol, os.environ.get("PORTAL_WEB_URL") or f"http://{args.host}:{args.port}")
    print(f"编辑审核工作台：http://{args.host}:{args.port}/（服务器仓库 {server}，数据目录 {data}）")
    setup.serve(args.host, args.port, args.threads)
    return 0


def _origin(root: Path) -> str:
    import subprocess

    proc = subprocess.run(["git", "-C", str(root), "config", "--get", "remote.origin.url"], capture_output=True, text=True)
    return proc.stdout.strip()


def _enrol(people: list[str], base_url: str) -> int:
    """An invitation link per person: they set their password, and their new key enters roster.yml through
    the 配置变更 chain (workbench/people.py)."""
    from workbench.people import VALID_HOURS, cli_invite

    for person in people:
        print(cli_invite(person, base_url))
    print(f"请把链接交给本人（{VALID_HOURS} 小时内有效，只能使用一次）。本人设置密码后，工作台生成其签名密钥并以该密钥签名报送名册的“配置变更”；"
          "网站管理员初审、办公室终审并合并后，此人才能签名报送与审核。")
    return 0


def _refresh() -> bool:
    from workbench.services import server

    server().refresh(force=True)
    return True


def _demo(args: argparse.Namespace, setup: ModuleType) -> int:
    source = args.root if (args.root / "content").is_dir() else Path(__file__).resolve().parents[2]
    print("正在建立演示门户（临时目录、服务器仓库、钩子、签名密钥、首次发布）……", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="portal-demo-"))
    url = f"http://{args.host}:{args.port}/"
    os.environ["PORTAL_WEB_SITE_URL"] = f"{url}site/"
    os.environ["PORTAL_WEB_SITE_DIR"] = str(folder / "published")
    demo = setup.make_demo(source, folder)
    from workbench.services import server

    names = {p.id: (p.name, p.title) for p in server().config().people.values()} if _refresh() else {}
    print(f"演示门户：{demo.work}\n服务器仓库：{demo.server}（已安装审核门禁钩子）\n发布目录：{demo.published}")
    if demo.publish_problem:
        print(demo.publish_problem, file=sys.stderr)
    print("演示账号（人员 id / 密码）：")
    for person, password in demo.passwords.items():
        name, title = names.get(person, (person, ""))
        print(f"  {person:<14} {password}   {name}（{title}）")
    print(f"编辑审核工作台：{url}   已发布网站：{url}site/   按 Ctrl-C 停止（临时目录 {demo.folder} 保留）", flush=True)
    sys.stdout.flush()
    setup.serve(args.host, args.port, args.threads)
    return 0
