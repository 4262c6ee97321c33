"""Server-side hooks of the bare repository: pre-receive runs the gate, post-receive publishes.

Hooks on a writer's machine can be skipped (--no-verify); these run on the server and cannot.
`portal server install BARE_REPO` writes small shell scripts that call this module with the
Python interpreter that installed them.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from portal import clock
from portal.errors import PortalError

from . import gate
from .gitutil import ZERO, Repo

MAIN_REF = "refs/heads/main"
PUBLISH_DIR_KEY = "portal.publishdir"
LOG = "portal-publish.log"
SCRIPT = """#!/bin/sh
# Installed by `portal server install`; reinstall rather than edit.
PYTHONPATH={path}${{PYTHONPATH:+:$PYTHONPATH}} exec {python} -m review.hooks {hook}
"""


def install(bare: Path, publish_dir: Path | None) -> list[Path]:
    repo = Repo(bare)
    status, git_dir = repo.status("rev-parse", "--absolute-git-dir")
    if status != 0:
        raise PortalError(f"{bare} 不是 git 仓库。请给出服务器上裸仓库的路径（git init --bare 创建）")
    hooks = Path(git_dir.strip()) / "hooks"
    hooks.mkdir(exist_ok=True)
    package_root = Path(__file__).resolve().parent.parent
    written = []
    for hook in ("pre-receive", "post-receive"):
        path = hooks / hook
        path.write_text(SCRIPT.format(python=shlex.quote(sys.executable), path=shlex.quote(str(package_root)), hook=hook),
                        encoding="utf-8")
        path.chmod(0o755)
        written.append(path)
    if publish_dir is not None:
        repo.run("config", PUBLISH_DIR_KEY, str(publish_dir.resolve()))
    return written


def _updates(lines: Sequence[str]) -> list[tuple[str, str, str]]:
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
    return out


def pre_receive(lines: Sequence[str]) -> int:
    """Refuse an update of main that the gate refuses; everything else (review/* branches ...) passes."""
    status = 0
    for old, new, ref in _updates(lines):
        if ref != MAIN_REF or old == ZERO:
            continue  # creating main in an empty repository, review branches, other refs
        if new == ZERO:
            print("portal: 拒绝删除 main。", file=sys.stderr)
            status = 1
            continue
        result = gate.run(Repo("."), old, new, update=True)
        if not result.ok:
            print(f"portal: 拒绝推送 main（{len(result.problems)} 个问题）：", file=sys.stderr)
            for problem in result.problems:
                print(f"  {problem.format()}", file=sys.stderr)
            print("portal: 请把稿件推送到 review/ 分支，经完整审核链后用 portal merge 合并。", file=sys.stderr)
            status = 1
    return status


def post_receive(lines: Sequence[str]) -> int:
    for _old, new, ref in _updates(lines):
        if ref == MAIN_REF and new != ZERO:
            publish(Repo("."), new)
    return 0


def publish(repo: Repo, sha: str) -> str:
    """Publish main after an accepted push: `portal publish` or `portal build` if installed, else only a log line."""
    from portal.cli import COMMANDS

    target = repo.config_get(PUBLISH_DIR_KEY)
    command = next((c for c in ("publish", "build") if c in COMMANDS), None)
    if command is None or not target:
        outcome = "未配置发布步骤（portal publish / portal build）或发布目录，仅记录" if command else "未安装构建步骤，仅记录"
    else:
        with tempfile.TemporaryDirectory(prefix="portal-publish-") as tmp:
            repo.archive_into(sha, ["."], Path(tmp))
            # the export is no git work tree: --commit tells publish which commit the release is
            option = ["--to", target, "--commit", sha] if command == "publish" else ["--out", target]
            proc = subprocess.run([sys.executable, "-m", "portal", "--root", tmp, command, *option],
                                  capture_output=True, text=True)
            outcome = f"portal {command} → {target}：" + ("成功" if proc.returncode == 0 else
                                                          f"失败（退出码 {proc.returncode}）：{proc.stderr.strip()[-500:]}")
    line = f"{clock.now():%Y-%m-%d %H:%M:%S} 发布 {sha[:10]}：{outcome}"
    git_dir = Path(os.environ.get("GIT_DIR", "."))
    with (git_dir / LOG).open("a", encoding="utf-8") as log:
        log.write(line + "\n")
    print(f"portal: {line}")
    return line


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    hook = args[0] if args else ""
    lines = sys.stdin.read().splitlines()
    try:
        if hook == "pre-receive":
            return pre_receive(lines)
        if hook == "post-receive":
            return post_receive(lines)
    except PortalError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 1
    print(f"portal: 未知钩子 {hook!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
