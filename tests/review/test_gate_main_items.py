"""The gate writes only the submission's items (and what they publish) into its scratch root, yet still sees
main's other items where a check needs them: web addresses already taken, attachments already published."""
from __future__ import annotations

from .conftest import World, git, item_text

FIRST = "content/news/2026-11-20-xuan-chuan.md"
ATTACHED = item_text().replace("importance: 一般\n", "importance: 一般\nattachments: [files/shuju.csv]\n")


def publish_first(world: World) -> None:
    world.write("sun.lixin", "content/news/files/shuju.csv", "区县,隐患数\n云江区,12\n")
    branch = world.submit(rel=FIRST, text=ATTACHED)
    world.approve_all(branch)
    assert world.push_merge(branch).returncode == 0
    git(world.clone("sun.lixin"), "fetch", "-q", "origin")


def test_an_address_taken_on_main_is_refused(world: World) -> None:
    publish_first(world)
    branch = world.raw_submit("sun.lixin", "content/news/2026-11-22-xuan-chuan.md", item_text(title="另一篇稿件"))
    world.approve_all(branch)
    gate = world.gate(branch)
    assert gate.code == 1 and "FILE-SLUG-DUP" in gate.out and FIRST in gate.out


def test_an_attachment_already_on_main_may_be_published_again(world: World) -> None:
    publish_first(world)
    branch = world.raw_submit("sun.lixin", "content/news/2026-11-22-hui-yi.md",
                              ATTACHED.replace("安全生产月宣传咨询活动", "安全生产月总结会"))
    world.approve_all(branch)
    gate = world.gate(branch)
    assert gate.code == 0, gate.out
    assert "ATT-" not in gate.out
