"""The `portal` command: parses arguments and dispatches to portal/commands/<name>.py."""
from __future__ import annotations

import argparse
import datetime
import difflib
import importlib
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import gitmessages
from .errors import ConfigError, PortalError

# subcommand -> one-line help; each lives in portal/commands/<name with - as _>.py
# and defines add_arguments(parser) and run(args) -> int.
COMMANDS = {
    "new": "新建稿件（按栏目的审核链生成 front-matter 模板）",
    "check": "检查稿件（front-matter、涉密标识、审核人、文种……）",
    "index-number": "为政策文件编写索引号（按 columns.yml 的格式写入稿件，此后不再改变）",
    "columns": "列出栏目、负责科室、更新周期与最新稿件日期",
    "report": "报表：栏目更新、报送数量、发布时效、审核用时与计分通报（HTML/CSV/JSON，仅供内部）",
    "audit": "网站自查：按国家政府网站检查指标检查已构建网站的栏目更新、死链、元数据与发稿日期",
    "build": "检查全部稿件并构建公开网站（默认输出到 site/，增量构建）",
    "serve": "本机预览网站（127.0.0.1，修改稿件后自动刷新）",
    "publish": "构建并发布到新版本目录，原子切换在用网站（保留最近 N 个版本）",
    "rollback": "把在用网站原子切换回上一个（或指定的）版本",
    "verify-site": "按发布清单核验网站目录或网址，列出被修改、新增、缺失的文件（网页防篡改）",
    "changes": "列出两个发布版本之间要上传与删除的文件（上传到对象存储、刷新 CDN 用）",
    "submit": "报送稿件：提交到审核分支并推送，提示下一环节审核人",
    "queue": "待我审核：下一环节由我签署的稿件",
    "show": "查看审核分支：稿件、与 main 的差异、检查结果与审核记录",
    "approve": "审核通过：以本人 SSH 密钥签名记录本环节的审核意见",
    "reject": "审核退回：以本人 SSH 密钥签名记录退回理由",
    "gate": "审核门禁：审核链完整有效且检查全部通过才退出 0",
    "merge": "合并发布：通过门禁后以合并提交并入 main 并推送",
    "server": "服务器钩子：在裸仓库中安装审核门禁（pre-receive）与发布（post-receive）",
    "trail": "审核留痕：导出每篇稿件的审核记录（JSON，或可打印的网站信息公开保密审查表）",
    "web": "编辑审核工作台：浏览器中撰稿、预览、检查、报送、审核与合并发布（--demo 启动演示）",
    "duty": "值班读网：核验在用网站（防篡改）并自查，结果记入工作台的值班页面（供定时任务运行）",
    "codeowners": "由 columns.yml 与 roster.yml 生成 .github/CODEOWNERS（栏目目录 -> 负责科室的科室负责人）",
    "remind": "工作台提醒：计算每人的待办提醒并按需发送邮件（供 systemd 定时器或 cron 每 10 分钟运行）",
    "schedule": "定时发布：有定时稿件到了发布时间就重新发布 main（供 systemd 定时器或 cron 运行）",
}


# argparse's own messages (Python 3.11), matched after formatting, and their Chinese; {name} are the groups.
ARGPARSE_MESSAGES: list[tuple[str, str]] = [
    (r"argument (?P<arg>\S+): invalid choice: '(?P<value>.*)' \(choose from (?P<choices>.*)\)",
     "参数 {arg} 的值“{value}”不是可选的值。{hint}可选：{choices}"),
    (r"the following arguments are required: (?P<args>.*)", "缺少必需的参数：{args}"),
    (r"unrecognized arguments: (?P<args>.*)", "无法识别的参数：{args}。{hint}"),
    (r"argument (?P<arg>\S+): expected one argument", "参数 {arg} 后面缺少它的值"),
    (r"argument (?P<arg>\S+): expected at most one argument", "参数 {arg} 最多只能有一个值"),
    (r"argument (?P<arg>\S+): expected at least one argument", "参数 {arg} 后面至少要有一个值"),
    (r"argument (?P<arg>\S+): expected (?P<n>\d+) arguments?", "参数 {arg} 后面应有 {n} 个值"),
    (r"argument (?P<arg>\S+): invalid (?P<type>\w+) value: '(?P<value>.*)'", "参数 {arg} 的值“{value}”无效：应为{type}"),
    (r"argument (?P<arg>\S+): not allowed with argument (?P<other>\S+)", "参数 {arg} 不能与 {other} 同时使用"),
    (r"argument (?P<arg>\S+): ignored explicit argument '(?P<value>.*)'", "参数 {arg} 不带值，却给了“{value}”"),
    (r"one of the arguments (?P<args>.*) is required", "须给出以下参数之一：{args}"),
    (r"ambiguous option: (?P<arg>\S+) could match (?P<matches>.*)", "选项 {arg} 不明确，可能是：{matches}。请写完整"),
    (r"argument (?P<arg>\S+): (?P<message>.*)", "参数 {arg}：{message}"),
]
TYPES = {"int": "整数", "float": "数字", "Path": "路径"}
HELP = "显示本帮助并退出"


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Help in Chinese: `用法：` instead of `usage:`."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        # section headings (位置参数、选项、子命令……) end in a full-width colon, as Chinese text does
        return re.sub(r"^(\S[^\n:]*):$", r"\1：", super().format_help(), flags=re.MULTILINE)


class ChineseParser(argparse.ArgumentParser):
    """ArgumentParser whose help headings and errors are Chinese, with a suggestion for a mistyped word.

    Every subcommand's parser is one of these (add_subparsers creates parsers of the parent's class).
    """

    def __init__(self, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate(message, self)}\n请运行 `{self.prog} -h` 查看用法。\n")

    def options(self) -> list[str]:
        """Every option string of this parser and of its subcommands' parsers."""
        out: list[str] = []
        for action in self._actions:
            out += action.option_strings
            if isinstance(action, argparse._SubParsersAction):
                for sub in dict.fromkeys(action.choices.values()):
                    out += sub.options() if isinstance(sub, ChineseParser) else []
        return list(dict.fromkeys(out))


def translate(message: str, parser: ChineseParser | None = None) -> str:
    """argparse's English message in Chinese (the original when no pattern matches)."""
    for pattern, chinese in ARGPARSE_MESSAGES:
        m = re.fullmatch(pattern, message, re.DOTALL)
        if m is None:
            continue
        fields = dict(m.groupdict())
        fields["hint"] = ""
        if "choices" in fields:
            choices = re.findall(r"'((?:[^'\\]|\\.)*)'", fields["choices"])
            fields["choices"] = "、".join(choices) or fields["choices"]
            fields["hint"] = _did_you_mean(fields["value"], choices)
            if fields["arg"] == "COMMAND":
                return f"没有子命令“{fields['value']}”。{fields['hint']}可用的子命令：{fields['choices']}"
        if "args" in fields and pattern.startswith("unrecognized") and parser is not None:
            options = parser.options()
            hints = [_did_you_mean(a.split("=")[0], options) for a in fields["args"].split() if a.startswith("-")]
            fields["hint"] = "".join(h for h in hints if h) or "请删除它们，或运行 -h 查看可用的选项。"
        if "type" in fields:
            fields["type"] = TYPES.get(fields["type"], fields["type"])
        if "message" in fields:
            fields["message"] = translate(fields["message"], parser)
        return chinese.format(**fields)
    return message


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"是否想输入“{close[0]}”？" if close else ""


def find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "columns.yml").is_file():
            return folder
    return start


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, import just that subcommand's module (the others cost start-up time)."""
    parser = ChineseParser(prog="portal", description="政务信息发布系统")
    parser.add_argument("--root", type=Path, help="门户仓库目录（默认：向上查找 columns.yml）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="子命令")
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
        print(f"portal: {gitmessages.explain(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the last resort: a bug of ours, not the user's
        log = write_crash_log(traceback.format_exc(), argv)
        print(f"portal: 内部错误（程序缺陷），详情已写入 {log}，请报告给网站管理员。", file=sys.stderr)
        return 3


CRASH_LOGS_KEPT = 50


def crash_dir() -> Path:
    """The per-user state directory (XDG_STATE_HOME, default ~/.local/state) for crash logs."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "portal" / "crash"


def write_crash_log(text: str, argv: Sequence[str]) -> Path | str:
    """One file per crash, named by its (real) time; the newest CRASH_LOGS_KEPT are kept."""
    folder = crash_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / f"crash-{datetime.datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}.log"
        log.write_text(f"portal {' '.join(argv)}\n{text}", encoding="utf-8")
        for old in sorted(folder.glob("crash-*.log"))[:-CRASH_LOGS_KEPT]:
            old.unlink(missing_ok=True)
        return log
    except OSError:
        sys.stderr.write(text)
        return "标准错误输出（无法写入日志目录）"
