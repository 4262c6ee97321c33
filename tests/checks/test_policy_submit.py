"""`portal submit` writes the 索引号 into a policy document before it is committed to its review branch."""
from __future__ import annotations

import re

from tests.review import conftest as review
from tests.review.conftest import World, git, item_text

keys = review.keys  # the review tests' fixtures: a bare remote with the server hooks, clones, ssh-keygen keys
world = review.world


def test_submission_numbers_a_policy_document_once(world: World) -> None:
    work = world.clone("sun.lixin")
    columns = work / "columns.yml"  # locally, news is a policy-document column (the change itself is not submitted)
    columns.write_text(columns.read_text(encoding="utf-8").replace(
        "  - id: news\n", "  - id: news\n    policy: document\n", 1), encoding="utf-8")
    rel = "content/news/2026-11-21-xuan-chuan.md"
    branch = world.submit("sun.lixin", rel, item_text("关于印发《安全生产宣传月活动方案》的通知"))
    committed = git(work, "show", f"{branch}:{rel}").stdout
    numbers = re.findall(r'^index_number: "(.+)"$', committed, re.M)
    assert numbers == ["3310000017/2026-00001"]
    assert committed.replace('index_number: "3310000017/2026-00001"\n', "") == item_text("关于印发《安全生产宣传月活动方案》的通知")
    # submitted again after an edit: the number stays
    path = work / rel
    path.write_text(path.read_text(encoding="utf-8").replace("500余份", "600余份"), encoding="utf-8")
    assert world.portal("sun.lixin", "submit", rel).code == 0
    again = git(work, "show", f"HEAD:{rel}").stdout
    assert re.findall(r'^index_number: "(.+)"$', again, re.M) == ["3310000017/2026-00001"] and "600余份" in again
    assert "  - id: news\n    policy: document" not in git(work, "show", f"{branch}:columns.yml").stdout
