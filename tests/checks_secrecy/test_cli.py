"""The secrecy findings through the user's doors: `portal check` (text and JSON) and the hook module."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from portal import cli
from tests.conftest import REPO


def test_portal_check_json_has_the_secrecy_finding(tmp_portal: Path, item: Callable[..., Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    item(body="正文。\n\n内 部 資 料\n")
    assert cli.main(["--root", str(tmp_portal), "check", "--format", "json"]) == 1
    found = [f for f in json.loads(capsys.readouterr().out) if f["category"] == "secrecy"]
    assert len(found) == 1
    f = found[0]
    assert (f["path"], f["line"], f["column"], f["rule"], f["severity"]) == (
        "content/news/2026-06-03-fang-xun.md", 16, 1, "SEC-INTERNAL", "error")
    assert f["message"].startswith("内部标志（内部资料、注意保存、仅供参阅……）：“内 部 資 料”")
    assert len(f["fingerprint"]) == 16


def test_portal_check_text_output(tmp_portal: Path, item: Callable[..., Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    item(title="秘密★1年")
    assert cli.main(["--root", str(tmp_portal), "check"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if "SEC-" in x]
    assert lines == ["content/news/2026-06-03-fang-xun.md:2:8: SEC-MARKING [错误] 密级标志（GB/T 9704-2012 格式："
                     "密级★保密期限）：“秘密★1年”（front-matter 字段 title）。涉密不上网：带密级或内部标志的材料一律不得"
                     "在网站发布。请删除该内容或撤下稿件并报保密审查员；如确属误报，请登记为已接受的问题并写明理由"]


def run_hook(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "checks.secrecy", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_hook_module_on_one_file(tmp_portal: Path, item: Callable[..., Path]) -> None:
    item(body="（此件不公开）\n")
    item(rel="news/2026-06-04-clean.md")
    bad = run_hook(tmp_portal, "content/news/2026-06-03-fang-xun.md")
    assert bad.returncode == 1
    assert bad.stdout.startswith("content/news/2026-06-03-fang-xun.md:14:2: SEC-NOT-PUBLIC [错误] 不公开标注")
    good = run_hook(tmp_portal, "content/news/2026-06-04-clean.md")
    assert (good.returncode, good.stdout) == (0, "")


def test_one_accepted_secrecy_finding_is_shown_not_skipped(tmp_portal: Path, item: Callable[..., Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A public reprint that quotes a marking on purpose: accepted by name in accepted.yml, still listed."""
    item(body="内部资料\n\n另见：机密★1年\n")
    assert cli.main(["--root", str(tmp_portal), "check", "--format", "json"]) == 1
    found = [f for f in json.loads(capsys.readouterr().out) if f["category"] == "secrecy"]
    assert [f["rule"] for f in found] == ["SEC-INTERNAL", "SEC-MARKING"]
    first = found[0]
    (tmp_portal / "accepted.yml").write_text(
        f"accepted:\n  - file: {first['path']}\n    rule: {first['rule']}\n    fingerprint: {first['fingerprint']}\n"
        "    by: chen.xiuying\n    reason: 转载上级公开文件的影印件说明，经保密审查员核实\n    date: 2026-11-20\n", encoding="utf-8")
    cli.main(["--root", str(tmp_portal), "check", "--format", "json"])
    after = {f["rule"]: f["severity"] for f in json.loads(capsys.readouterr().out) if f["category"] == "secrecy"}
    assert after == {"SEC-INTERNAL": "accepted", "SEC-MARKING": "error"}
