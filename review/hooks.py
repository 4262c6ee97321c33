"""Server-side hooks of the bare repository: pre-receive judges every ref update, post-receive re-checks and publishes.

Hooks on a writer's machine can be skipped (--no-verify); these run on the server and cannot.
`portal server install BARE_REPO --kind plain|gitea|gitlab` writes small shell scripts, where that kind of
server runs them, that call this module with the Python interpreter that installed them:
- plain git: `hooks/pre-receive`, `hooks/post-receive`;
- Gitea / Forgejo: `hooks/pre-receive.d/portal-gate`, `hooks/post-receive.d/portal-publish`, run by Gitea's own
  dispatcher `hooks/pre-receive` (never touched: it carries Gitea's branch protection);
- GitLab: `custom_hooks/pre-receive`, `custom_hooks/post-receive` (or `….d/portal-*` when the office has its own),
  messages prefixed `GL-HOOK-ERR:` so that GitLab shows them in its web interface.

Publishing re-checks: before post-receive publishes main it runs the gate again from the last commit that
was published (recorded in the git directory), so a ref update that never went through pre-receive (a push
on the server itself, a restore, a forge's internal update) is never published. Every outcome is logged,
written to `portal-publish-result.json` and printed as a `PORTAL-PUBLISH <status> <commit> <detail>` line that
`portal merge` reads back from the push.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from portal import clock
from portal.errors import PortalError

from . import gate, refs
from .gitutil import ZERO, Repo

MAIN_REF = refs.MAIN_REF
PUBLISH_DIR_KEY = "portal.publishdir"
KIND_KEY = "portal.kind"
KINDS = ("plain", "gitea", "gitlab")
LOG = "portal-publish.log"
STATE = "portal-published"  # the last commit of main that passed the re-check and was published
RESULT = "portal-publish-result.json"
MARK = "PORTAL-PUBLISH"
GITLAB_PREFIX = "GL-HOOK-ERR: "
SIGNATURE = "Installed by `portal server install`"
SCRIPT = """#!/bin/sh
# {signature} --kind {kind}; reinstall rather than edit.
PYTHONPATH={path}${{PYTHONPATH:+:$PYTHONPATH}} exec {python} -m review.hooks {hook} --kind {kind}
"""
# the server's git configuration the hooks rely on
SETTINGS = (
    ("receive.fsckObjects", "true", "拒绝损坏或异常的对象（如 .git 路径、畸形的树）"),
    ("receive.denyNonFastForwards", "true", "任何分支都不能被改写（强制推送）"),
    ("core.logAllRefUpdates", "always", "每次引用更新都记入 reflog，便于追查"),
)


@dataclasses.dataclass
class Installed:
    kind: str
    written: list[Path]
    settings: list[tuple[str, str, str]]
    notes: list[str]


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # ok | failed | refused | none
    commit: str
    release: str = ""
    reason: str = ""

    @property
    def line(self) -> str:
        detail = self.release if self.status == "ok" else " ".join(self.reason.split())[:300]
        return f"{MARK} {self.status} {self.commit} {detail}".rstrip()


def git_dir_of(bare: Path) -> Path:
    status, out = Repo(bare).status("rev-parse", "--absolute-git-dir")
    if status != 0:
        raise PortalError(f"{bare} 不是 git 仓库。请给出服务器上裸仓库的路径（git init --bare 创建）")
    return Path(out.strip())


def detect(git_dir: Path) -> str:
    """gitlab (a hashed storage path or custom_hooks/), gitea (a hooks/*.d dispatcher), else plain."""
    if "@hashed" in git_dir.parts or (git_dir / "custom_hooks").is_dir():
        return "gitlab"
    dispatcher = git_dir / "hooks" / "pre-receive"
    text = dispatcher.read_text(encoding="utf-8", errors="replace").lower() if dispatcher.is_file() else ""
    if (git_dir / "hooks" / "pre-receive.d").is_dir() or "gitea" in text or "forgejo" in text:
        return "gitea"
    return "plain"


def _targets(git_dir: Path, kind: str) -> tuple[dict[str, Path], list[str]]:
    notes = []
    if kind == "gitea":
        hooks = git_dir / "hooks"
        if not (hooks / "pre-receive").is_file():
            notes.append("未找到 Gitea 的 hooks/pre-receive 调度脚本：请在 Gitea 管理后台执行“重新同步所有仓库的 Git 钩子”")
        return {h: hooks / f"{h}.d" / f"portal-{'gate' if h == 'pre-receive' else 'publish'}"
                for h in ("pre-receive", "post-receive")}, notes
    folder = git_dir / ("custom_hooks" if kind == "gitlab" else "hooks")
    out = {}
    for hook in ("pre-receive", "post-receive"):
        path = folder / hook
        if path.exists() and SIGNATURE not in path.read_text(encoding="utf-8", errors="replace") \
                and not path.name.endswith(".sample"):
            if kind == "plain":
                raise PortalError(f"{path} 已存在且不是 portal 安装的，未覆盖。若服务器是 Gitea/Forgejo 请用 --kind gitea，"
                                  "是 GitLab 请用 --kind gitlab；否则请先把原有钩子移走")
            path = folder / f"{hook}.d" / f"portal-{'gate' if hook == 'pre-receive' else 'publish'}"
        out[hook] = path
    if kind == "gitlab":
        notes.append("GitLab 15.11 起用 gitaly 设置自定义钩子：tar -cf hooks.tar -C 仓库目录 custom_hooks && "
                     "gitaly hooks set --storage default --repository 仓库相对路径 --config /etc/gitlab/gitaly/config.toml < hooks.tar")
    return out, notes


def install(bare: Path, publish_dir: Path | None, kind: str | None = None) -> Installed:
    git_dir = git_dir_of(bare)
    kind = kind or detect(git_dir)
    if kind not in KINDS:
        raise PortalError(f"未知的服务器类型“{kind}”，应为 {'、'.join(KINDS)}")
    targets, notes = _targets(git_dir, kind)
    package_root = Path(__file__).resolve().parent.parent
    written = []
    for hook, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SCRIPT.format(signature=SIGNATURE, kind=kind, python=shlex.quote(sys.executable),
                                      path=shlex.quote(str(package_root)), hook=hook), encoding="utf-8")
        path.chmod(0o755)
        written.append(path)
    repo = Repo(git_dir)
    settings = [*SETTINGS, (KIND_KEY, kind, "钩子据此决定消息格式与接受的平台内部引用")]
    if publish_dir is not None:
        settings.append((PUBLISH_DIR_KEY, str(publish_dir.resolve()), "main 更新后发布到这里"))
    for key, value, _why in settings:
        repo.run("config", key, value)
    main = repo.rev(MAIN_REF)
    if main is not None and last_published(repo) is None:
        # the main found at installation is the trusted start: every later publish re-checks from here
        (git_dir / STATE).write_text(main + "\n", encoding="utf-8")
        notes.append(f"以现在的 main（{main[:10]}）为复核起点：此后每次发布都从最近一次发布的提交起重新核验门禁")
    return Installed(kind, written, settings, notes)


# --- pre-receive -------------------------------------------------------------------------------------

class Say:
    """Messages to the pusher (stderr, shown as `remote: …`); GitLab shows only `GL-HOOK-ERR:` lines in its UI."""

    def __init__(self, kind: str) -> None:
        self.prefix = GITLAB_PREFIX if kind == "gitlab" else ""

    def __call__(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            print(f"{self.prefix}portal: {line}", file=sys.stderr)


def _main_problems(repo: Repo, update: refs.Update) -> list[str]:
    if update.deleted:
        return ["拒绝删除 main（发布分支）。"]
    if update.created:
        if repo.refs():
            return ["服务器上没有 main 却已有其他分支：main 只能由网站管理员在服务器上恢复，不能推送创建。"]
        return []  # the first push into an empty repository
    result = gate.run(repo, update.old, update.new, update=True)
    if result.ok:
        return []
    return [f"拒绝推送 main（{len(result.problems)} 个问题）：", *[f"  {p.format()}" for p in result.problems],
            "请把稿件推送到 review/ 分支，经完整审核链后用 portal merge 合并。"]


def judge(repo: Repo, updates: list[refs.Update], kind: str) -> list[str]:
    """Why the push is refused (empty: accepted)."""
    main = repo.rev(MAIN_REF)
    problems: list[str] = []
    config = None
    with tempfile.TemporaryDirectory(prefix="portal-hook-") as tmp:
        for update in updates:
            target = repo.symbolic_ref(update.ref)
            if target is not None:
                problems.append(f"{update.ref} 是指向 {target} 的符号引用，不接受向它推送（那会绕过对 {target} 的审核）。"
                                "请直接推送 main（经审核合并）或你自己的审核分支")
                continue
            which = refs.kind_of_ref(update.ref, kind)
            if which == "main":
                problems += _main_problems(repo, update)
            elif which == "review":
                if main is None:
                    problems.append("服务器上还没有 main，不能推送审核分支。请网站管理员先推送 main")
                    continue
                if config is None:
                    config = gate._base_config(repo, main, Path(tmp).resolve())
                problems += refs.check_review(repo, config, update, main)
            elif which != "forge":
                problems.append(refs.refused_name(update.ref))
    return problems


def pre_receive(lines: Sequence[str], kind: str = "plain") -> int:
    say = Say(kind)
    try:
        problems = judge(Repo("."), refs.parse(lines), kind)
    except Exception as exc:  # noqa: BLE001 - whatever is pushed, the pusher gets a refusal, never a traceback
        problems = [f"审核门禁无法判断这次推送（{_describe(exc)}），为安全起见拒绝。请把这条信息告诉网站管理员"]
    for problem in problems:
        say(problem)
    return 1 if problems else 0


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}：{text[0][:300] if text else ''}"


# --- post-receive: re-check, publish, report -------------------------------------------------------------

def post_receive(lines: Sequence[str], kind: str = "plain") -> int:
    for update in refs.parse(lines):
        if update.ref == MAIN_REF and not update.deleted:
            publish_checked(Repo("."), update.old, update.new)
    return 0


def _git_dir(repo: Repo) -> Path:
    return Path(repo.run("rev-parse", "--absolute-git-dir").strip())


def last_published(repo: Repo) -> str | None:
    path = _git_dir(repo) / STATE
    sha = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    return repo.rev(sha) if sha else None


def publish_checked(repo: Repo, old: str, new: str, full: bool = False) -> Outcome:
    """Re-run the gate from the last published commit to `new`; publish only if it passes. Log and report.
    `full`: a complete build that rewrites every file of the live site that differs (restoring a defaced site)."""
    last = last_published(repo) or (old if old != ZERO else None)
    outcome = None
    if last is not None and last != new:
        try:
            result = gate.run(repo, last, new, update=True)
            if not result.ok:
                shown = "；".join(p.format() for p in result.problems[:5])
                more = f"（另有 {len(result.problems) - 5} 个）" if len(result.problems) > 5 else ""
                outcome = Outcome("refused", new, reason=f"发布前复核（{last[:10]}..{new[:10]}）未通过，未发布：{shown}{more}。"
                                                         "main 上有未经审核的提交，请网站管理员处理")
        except Exception as exc:  # noqa: BLE001 - logged and reported, never a traceback
            outcome = Outcome("refused", new, reason=f"发布前复核无法完成（{_describe(exc)}），未发布")
    if outcome is None:
        outcome = publish(repo, new, full)
    if outcome.status in ("ok", "none"):
        (_git_dir(repo) / STATE).write_text(new + "\n", encoding="utf-8")
    _record(repo, outcome)
    return outcome


def publish(repo: Repo, sha: str, full: bool = False) -> Outcome:
    """Publish main: `portal publish` (or `portal build`) when a publish directory is configured."""
    from portal.cli import COMMANDS

    target = repo.config_get(PUBLISH_DIR_KEY)
    command = next((c for c in ("publish", "build") if c in COMMANDS), None)
    if command is None or not target:
        note = "未配置发布目录（portal server install --publish-dir），仅记录" if command else "未安装构建步骤，仅记录"
        return Outcome("none", sha, reason=note)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    if command == "publish":  # publish reads the commit from this repository: only the blobs that changed
        option = ["--to", target, "--commit", sha, *(["--full"] if full else [])]
        proc = subprocess.run([sys.executable, "-m", "portal", "--root", str(_git_dir(repo)), command, *option],
                              capture_output=True, text=True, env=env)
    else:
        with tempfile.TemporaryDirectory(prefix="portal-publish-") as tmp:
            repo.archive_into(sha, ["."], Path(tmp))
            proc = subprocess.run([sys.executable, "-m", "portal", "--root", tmp, command, "--out", target],
                                  capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        reason = (proc.stderr.strip() or proc.stdout.strip())[-500:]
        return Outcome("failed", sha, reason=f"portal {command} 失败（退出码 {proc.returncode}）：{reason}")
    found = re.search(r"已发布版本 (\S+?)：", proc.stdout)
    release = found.group(1) if found else _live_release(Path(target))
    return Outcome("ok", sha, release=release or target)


def _live_release(target: Path) -> str:
    try:
        return os.readlink(target / "current").split("/")[1]
    except (OSError, IndexError):
        return ""


def _record(repo: Repo, outcome: Outcome) -> None:
    when = f"{clock.now():%Y-%m-%d %H:%M:%S}"
    text = {"ok": f"portal publish 发布成功：版本 {outcome.release}", "none": outcome.reason,
            "failed": f"发布失败：{outcome.reason}", "refused": outcome.reason}[outcome.status]
    git_dir = _git_dir(repo)
    with (git_dir / LOG).open("a", encoding="utf-8") as log:
        log.write(f"{when} 发布 {outcome.commit[:10]}：{text}\n")
    tmp = git_dir / (RESULT + ".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(outcome) | {"time": when}, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(git_dir / RESULT)
    print(f"portal: {text}（提交 {outcome.commit[:10]}）", file=sys.stderr)
    print(outcome.line, file=sys.stderr)


def read_outcome(text: str) -> Outcome | None:
    """The last `PORTAL-PUBLISH …` line of a push's output (as `remote: …`), if the server printed one."""
    found = None
    for line in text.splitlines():
        at = line.find(MARK + " ")
        if at < 0:
            continue
        parts = line[at:].strip().split(" ", 3)
        if len(parts) >= 3 and parts[1] in ("ok", "failed", "refused", "none"):
            detail = parts[3].strip() if len(parts) > 3 else ""
            found = Outcome(parts[1], parts[2], *((detail, "") if parts[1] == "ok" else ("", detail)))
    return found


def republish(bare: Path, full: bool = False) -> Outcome:
    """Re-check and publish the server's current main (after a restore, or a failed publish)."""
    repo = Repo(git_dir_of(bare))
    main = repo.rev(MAIN_REF)
    if main is None:
        raise PortalError(f"{bare} 中没有 main，无法发布")
    if last_published(repo) is None:
        raise PortalError(f"{bare} 中没有发布记录（{STATE}），无法确定从哪里复核。"
                          "请由网站管理员确认 main 无误后推送一次经审核的合并")
    return publish_checked(repo, ZERO, main, full)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    hook = args[0] if args else ""
    kind = args[args.index("--kind") + 1] if "--kind" in args[:-1] else "plain"
    lines = sys.stdin.read().splitlines()
    if hook == "pre-receive":
        return pre_receive(lines, kind)
    if hook == "post-receive":
        try:
            return post_receive(lines, kind)
        except Exception as exc:  # noqa: BLE001 - the push is done; say what went wrong, never a traceback
            print(f"portal: 发布步骤出错：{_describe(exc)}", file=sys.stderr)
            print(f"{MARK} failed - {_describe(exc)}", file=sys.stderr)
            return 1
    print(f"portal: 未知钩子 {hook!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
