"""The `portal` command: parses arguments and dispatches to portal/commands/<name>.py."""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from .config import ConfigError
from .errors import PortalError

# subcommand -> one-line help; each lives in portal/commands/<name with - as _>.py
# and defines add_arguments(parser) and run(args) -> int.
COMMANDS = {
    "new": "新建稿件（按栏目的审核链生成 front-matter 模板）",
    "check": "检查稿件（front-matter、涉密标识、审核人、文种……）",
    "columns": "列出栏目、负责科室、更新周期与最新稿件日期",
    "report": "报表：栏目更新、报送数量、发布时效、审核用时与计分通报（HTML/CSV/JSON，仅供内部）",
    "audit": "网站自查：按国家政府网站检查指标检查已构建网站的栏目更新、死链、元数据与发稿日期",
    "build": "检查全部稿件并构建公开网站（默认输出到 site/，增量构建）",
    "serve": "本机预览网站（127.0.0.1，修改稿件后自动刷新）",
    "publish": "构建并发布到新版本目录，原子切换在用网站（保留最近 N 个版本）",
    "rollback": "把在用网站原子切换回上一个（或指定的）版本",
    "verify-site": "按发布清单核验网站目录或网址，列出被修改、新增、缺失的文件（网页防篡改）",
    "submit": "报送稿件：提交到审核分支并推送，提示下一环节审核人",
    "queue": "待我审核：下一环节由我签署的稿件",
    "show": "查看审核分支：稿件、与 main 的差异、检查结果与审核记录",
    "approve": "审核通过：以本人 SSH 密钥签名记录本环节的审核意见",
    "reject": "审核退回：以本人 SSH 密钥签名记录退回理由",
    "gate": "审核门禁：审核链完整有效且检查全部通过才退出 0",
    "merge": "合并发布：通过门禁后以合并提交并入 main 并推送",
    "server": "服务器钩子：在裸仓库中安装审核门禁（pre-receive）与发布（post-receive）",
    "trail": "审核留痕：导出每篇稿件的审核记录（JSON，或可打印的网站信息公开保密审查表）",
    "codeowners": "由 columns.yml 与 roster.yml 生成 .github/CODEOWNERS（栏目目录 -> 负责科室的科室负责人）",
}


def find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "columns.yml").is_file():
            return folder
    return start


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, import just that subcommand's module (the others cost start-up time)."""
    parser = argparse.ArgumentParser(prog="portal", description="政务信息发布系统")
    parser.add_argument("--root", type=Path, help="门户仓库目录（默认：向上查找 columns.yml）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only in (None, name):
            module = importlib.import_module(f"portal.commands.{name.replace('-', '_')}")
            module.add_arguments(p)
            p.set_defaults(module=module)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--root":
            args = args[1:]
        elif arg in COMMANDS:
            return arg
        elif not arg.startswith("--root="):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    args.root = (args.root or find_root(Path.cwd())).resolve()
    try:
        return int(args.module.run(args))
    except ConfigError as exc:
        for finding in exc.findings:
            print(finding.format(), file=sys.stderr)
        print("配置文件有误，已停止。", file=sys.stderr)
        return 1
    except PortalError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the last resort: a bug of ours, not the user's
        log = Path.home() / ".cache" / "portal" / "crash.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"portal: 内部错误（程序缺陷），详情已写入 {log}，请报告给网站管理员。", file=sys.stderr)
        return 3
