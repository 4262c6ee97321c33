"""argparse's own text in Chinese: usage, errors with a suggestion, help headings; crash logs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import cli


def portal(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portal", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


def no_english(text: str) -> None:
    for word in ("usage:", "error:", "invalid choice", "required", "unrecognized", "positional arguments",
                 "options:", "show this help", "expected one argument", "invalid int value"):
        assert word not in text, text


@pytest.mark.parametrize(("args", "expected"), [
    (["chek"], ["portal：错误：没有子命令“chek”。是否想输入“check”？", "可用的子命令：new、check、"]),
    (["pubish", "--to", "x"], ["没有子命令“pubish”。是否想输入“publish”？"]),
    (["verify-sit"], ["是否想输入“verify-site”？"]),
    (["publish"], ["portal publish：错误：缺少必需的参数：--to"]),
    (["rollback"], ["缺少必需的参数：--dir"]),
    (["publish", "--to"], ["参数 --to 后面缺少它的值"]),
    (["publish", "--to", "www", "--keep", "五"], ["参数 --keep 的值“五”无效：应为整数"]),
    (["check", "--format", "jsn"], ["参数 --format 的值“jsn”不是可选的值。是否想输入“json”？可选：text、json"]),
    (["new", "news", "--titel", "标题"], ["无法识别的参数：--titel 标题。是否想输入“--title”？"]),
    (["check", "--fromat", "json"], ["是否想输入“--format”？"]),
    (["columns", "多余"], ["无法识别的参数：多余。请删除它们"]),
    ([], ["缺少必需的参数：COMMAND"]),
])
def test_argument_errors_are_chinese_with_a_suggestion(args: list[str], expected: list[str]) -> None:
    done = portal(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("用法：portal")
    for text in expected:
        assert text in done.stderr
    no_english(done.stderr)


@pytest.mark.parametrize("args", [["-h"], ["new", "-h"], ["publish", "--help"], ["verify-site", "-h"]])
def test_help_is_chinese(args: list[str]) -> None:
    done = portal(*args)
    assert done.returncode == 0
    assert done.stdout.startswith("用法：portal") and "选项：" in done.stdout and "显示本帮助并退出" in done.stdout
    no_english(done.stdout)


def test_top_level_help_lists_subcommands_under_a_chinese_heading() -> None:
    out = portal("-h").stdout
    assert "子命令：" in out and "publish" in out and "构建并发布" in out


def test_every_subcommand_parser_is_the_chinese_one() -> None:
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.choices and "new" in a.choices]  # noqa: SLF001
    assert sub.choices.keys() == cli.COMMANDS.keys()
    for name, p in sub.choices.items():
        assert isinstance(p, cli.ChineseParser), name
        assert "用法：" in p.format_usage(), name


def test_a_crash_is_logged_with_a_timestamp_in_the_state_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    from portal.commands import columns

    def broken(args: object) -> int:
        raise ZeroDivisionError("程序缺陷")

    monkeypatch.setattr(columns, "run", broken)
    paths = []
    for _ in range(2):
        assert cli.main(["--root", str(tmp_path), "columns"]) == 3
        err = capsys.readouterr().err
        assert "内部错误（程序缺陷）" in err
        paths.append(Path(err.split("详情已写入 ")[1].split("，")[0]))
    assert paths[0] != paths[1]  # every crash keeps its own log
    for path in paths:
        assert path.parent == tmp_path / "state" / "portal" / "crash" and path.name.startswith("crash-20")
        text = path.read_text(encoding="utf-8")
        assert "ZeroDivisionError: 程序缺陷" in text and "columns" in text.splitlines()[0]


def test_old_crash_logs_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    folder = cli.crash_dir()
    folder.mkdir(parents=True)
    for n in range(cli.CRASH_LOGS_KEPT + 5):
        (folder / f"crash-20260101-0000{n:02d}-000000-1.log").write_text("旧", encoding="utf-8")
    cli.write_crash_log("Traceback", ["check"])
    logs = sorted(folder.glob("crash-*.log"))
    assert len(logs) == cli.CRASH_LOGS_KEPT and logs[0].name == "crash-20260101-000006-000000-1.log"
