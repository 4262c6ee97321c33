"""`portal server install` where offices run git: plain hooks/, Gitea's hooks/*.d dispatcher, GitLab's custom_hooks/."""
from __future__ import annotations

from pathlib import Path

from portal import cli

from .conftest import World, git, item_text

# A stand-in for the dispatcher Gitea/Forgejo generates as hooks/<hook>: it runs every hooks/<hook>.d/* with the
# same input and fails if any of them fails.
DISPATCHER = """#!/bin/sh
data=$(cat)
status=0
for hook in "$(dirname "$0")/$(basename "$0").d"/*; do
  [ -f "$hook" ] && [ -x "$hook" ] || continue
  printf '%s\\n' "$data" | "$hook" || status=1
done
exit $status
"""
# A stand-in for Gitaly: its own hooks (set as core.hooksPath) run the repository's custom_hooks/<hook> and then
# custom_hooks/<hook>.d/*.
GITALY = """#!/bin/sh
data=$(cat)
hook=$(basename "$0")
for script in "$PWD/custom_hooks/$hook" "$PWD/custom_hooks/$hook.d"/*; do
  [ -f "$script" ] && [ -x "$script" ] || continue
  printf '%s\\n' "$data" | "$script" || exit 1
done
exit 0
"""
GITEA_OWN = """#!/bin/sh
# Gitea's own pre-receive (branch protection), a stand-in that records that it ran
cat >/dev/null
echo ran >> "$PWD/gitea-own-hook-ran"
"""


def direct_push(world: World) -> str:
    """Push an unreviewed commit straight to main; return git's stderr (the push must fail)."""
    work = world.clone("sun.lixin")
    git(work, "checkout", "-q", "-B", "main", "origin/main")
    world.write("sun.lixin", "content/news/2026-11-22-zhi-jie.md", item_text(title="直接推送的稿件"))
    git(work, "add", "content/news/2026-11-22-zhi-jie.md")
    git(work, "commit", "-q", "-m", "直接发布")
    push = git(work, "push", "origin", "main", check=False)
    git(work, "reset", "-q", "--hard", "origin/main")
    assert push.returncode != 0, push.stderr
    return push.stderr


def reviewed_merge(world: World) -> None:
    branch = world.submit()
    world.approve_all(branch)
    merged = world.portal("chen.xiuying", "merge", branch)
    assert merged.code == 0, merged.err + merged.out


def test_gitea_layout_keeps_giteas_dispatcher(world: World) -> None:
    hooks = world.bare / "hooks"
    for hook in ("pre-receive", "post-receive"):
        (hooks / hook).write_text(DISPATCHER, encoding="utf-8")
        (hooks / hook).chmod(0o755)
        (hooks / f"{hook}.d").mkdir()
    (hooks / "pre-receive.d" / "gitea").write_text(GITEA_OWN, encoding="utf-8")
    (hooks / "pre-receive.d" / "gitea").chmod(0o755)
    assert cli.main(["server", "install", str(world.bare)]) == 0  # detected from the hooks/*.d layout
    assert (hooks / "pre-receive").read_text(encoding="utf-8") == DISPATCHER
    assert (hooks / "pre-receive.d" / "portal-gate").is_file() and (hooks / "post-receive.d" / "portal-publish").is_file()
    assert git(world.bare, "config", "portal.kind").stdout.strip() == "gitea"
    stderr = direct_push(world)
    assert "REVIEW-DIRECT-PUSH" in stderr and "GL-HOOK-ERR" not in stderr
    reviewed_merge(world)
    assert (world.bare / "gitea-own-hook-ran").read_text().count("ran") >= 2  # Gitea's own hook still runs


def test_gitlab_layout_uses_custom_hooks_and_gl_hook_err(world: World, tmp_path: Path) -> None:
    gitaly = tmp_path / "gitaly-hooks"
    gitaly.mkdir()
    for hook in ("pre-receive", "post-receive"):
        (gitaly / hook).write_text(GITALY, encoding="utf-8")
        (gitaly / hook).chmod(0o755)
        (world.bare / "hooks" / hook).unlink()
    git(world.bare, "config", "core.hooksPath", str(gitaly))
    done = world.portal("sun.lixin", "server", "install", str(world.bare), "--kind", "gitlab")
    assert done.code == 0 and "gitaly hooks set" in done.out
    assert (world.bare / "custom_hooks" / "pre-receive").is_file()
    assert not (world.bare / "hooks" / "pre-receive").exists()
    stderr = direct_push(world)
    lines = [line for line in stderr.splitlines() if "REVIEW-DIRECT-PUSH" in line]
    assert lines and all("GL-HOOK-ERR: portal:" in line for line in lines)
    reviewed_merge(world)


def test_plain_install_does_not_overwrite_someone_elses_hook(world: World) -> None:
    hook = world.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho office hook\n", encoding="utf-8")
    result = world.portal("sun.lixin", "server", "install", str(world.bare), "--kind", "plain")
    assert result.code == 1 and "不是 portal 安装的" in result.err
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\necho office hook\n"
    settings = world.portal("sun.lixin", "server", "install", str(world.bare), "--kind", "gitea")
    assert settings.code == 0 and "receive.fsckObjects=true" in settings.out
    assert git(world.bare, "config", "receive.denyNonFastForwards").stdout.strip() == "true"


def test_a_gitlab_hashed_storage_path_is_detected(tmp_path: Path) -> None:
    bare = tmp_path / "repositories" / "@hashed" / "6b" / "86" / "6b86b273.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    assert cli.main(["server", "install", str(bare)]) == 0
    script = (bare / "custom_hooks" / "pre-receive").read_text(encoding="utf-8")
    assert "--kind gitlab" in script and not (bare / "hooks" / "pre-receive").exists()
