"""The whole workflow with real git: submit, queue, approve in order, gate, merge, server accepts and publishes."""
from __future__ import annotations

from portal import cli

from .conftest import CHAIN, World, git


def test_legitimate_chain_is_merged_accepted_and_published(world: World) -> None:
    cli.main(["server", "install", str(world.bare), "--publish-dir", str(world.publish)])
    branch = world.submit()
    assert branch.startswith("review/sun.lixin/20261122-120000-xuan-chuan")
    queue = world.portal("wu.guoqing", "queue")
    assert branch in queue.out and "初审" in queue.out
    assert world.portal("li.xiaoming", "queue").out.startswith("li.xiaoming 没有待审核的稿件")
    for stage, person in CHAIN.items():
        result = world.approve(person, branch, stage)
        assert result.code == 0, result.err
    assert "portal merge" in result.out
    gate = world.gate(branch)
    assert gate.code == 0, gate.out
    merged = world.portal("chen.xiuying", "merge", branch)
    assert merged.code == 0, merged.err + merged.out
    log = (world.bare / "portal-publish.log").read_text(encoding="utf-8")
    main = git(world.bare, "rev-parse", "main").stdout.strip()
    assert main[:10] in log
    assert "portal publish" in log and "成功" in log
    assert any(world.publish.iterdir())
