"""A user's mistakes get a message and exit 1, never a traceback."""
from __future__ import annotations

from pathlib import Path

from .conftest import World, git


def test_mistakes_are_explained(world: World, tmp_path: Path) -> None:
    cases = [
        (("approve", "review/nobody/x", "--stage", "初审"), "找不到审核分支"),
        (("gate", "--base", "nope", "--head", "origin/main"), "找不到提交或分支“nope”"),
        (("server", "install", str(tmp_path / "missing.git")), "不是 git 仓库"),
        (("submit",), "没有要报送的改动"),
    ]
    for args, message in cases:
        result = world.portal("sun.lixin", *args)
        assert result.code == 1 and message in result.err, (args, result.err)
    git(world.clone("wu.guoqing"), "config", "--unset", "portal.person")
    result = world.portal("wu.guoqing", "queue")
    assert result.code == 1 and "git config portal.person" in result.err


def test_approve_needs_the_reviewers_own_key(world: World) -> None:
    branch = world.submit()
    work = world.clone("wu.guoqing")
    git(work, "config", "--unset", "user.signingkey")
    result = world.approve("wu.guoqing", branch, "初审")
    assert result.code == 1 and "没有配置签名密钥" in result.err
    git(work, "config", "user.signingkey", str(world.keys["xu.chunyan"]))
    result = world.approve("wu.guoqing", branch, "初审")
    assert result.code == 1 and "与 roster.yml 中 wu.guoqing 的公钥不符" in result.err
    git(work, "config", "user.signingkey", str(world.keys["wu.guoqing"]))
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    secrecy = world.portal("xu.chunyan", "approve", branch, "--stage", "保密审查")
    assert secrecy.code == 1 and "--secrecy-answers" in secrecy.err
    classified = world.portal("xu.chunyan", "approve", branch, "--stage", "保密审查", "--secrecy-answers", "是", "是", "是")
    assert classified.code == 1 and "portal reject" in classified.err
