"""The whole workflow with real git: submit, queue, approve in order, gate, merge, server accepts and publishes."""
from __future__ import annotations

import json

from portal import cli

from .conftest import CHAIN, World, git

ITEM = "content/news/2026-11-21-xuan-chuan.md"


def test_legitimate_chain_is_merged_accepted_and_published(world: World) -> None:
    cli.main(["server", "install", str(world.bare), "--publish-dir", str(world.publish)])
    branch = world.submit()
    assert branch.startswith("review/sun.lixin/20261122-120000-xuan-chuan")
    queue = world.portal("wu.guoqing", "queue")
    assert branch in queue.out and "初审" in queue.out
    assert world.portal("li.xiaoming", "queue").out.startswith("li.xiaoming 没有待审核的稿件")
    for stage, person in CHAIN.items():
        extra = ("--opinion", "<script>alert(1)</script>同意发布") if stage == "终审" else ()
        result = world.approve(person, branch, stage, *extra)
        assert result.code == 0, result.err
    assert "portal merge" in result.out
    show = world.portal("chen.xiuying", "show", branch)
    assert "有效" in show.out and "审核门禁：通过" in show.out and "+title: 安全生产月宣传咨询活动" in show.out
    gate = world.gate(branch)
    assert gate.code == 0, gate.out
    merged = world.portal("chen.xiuying", "merge", branch)
    assert merged.code == 0, merged.err + merged.out
    main = git(world.bare, "rev-parse", "main").stdout.strip()
    assert git(world.bare, "log", "-1", "--format=%P", "main").stdout.split()[1] == git(
        world.bare, "rev-parse", branch).stdout.strip()  # the review history is kept: the branch is a parent
    log = (world.bare / "portal-publish.log").read_text(encoding="utf-8")
    assert main[:10] in log and "portal publish" in log and "成功" in log
    assert any(world.publish.iterdir())


def test_trail_json_and_printable_form(world: World) -> None:
    branch = world.submit()
    for stage, person in CHAIN.items():
        extra = ("--opinion", "<script>alert(1)</script>同意发布") if stage == "终审" else ()
        assert world.approve(person, branch, stage, *extra).code == 0
    assert world.portal("chen.xiuying", "merge", branch).code == 0
    result = world.portal("sun.lixin", "trail", ITEM)
    records = json.loads(result.out)
    assert len(records) == 1
    r = records[0]
    assert r["title"] == "安全生产月宣传咨询活动" and r["column_title"] == "动态要闻" and r["complete"]
    assert [a["id"] for a in r["authors"]] == ["sun.lixin"] and [i["id"] for i in r["informants"]] == ["sun.lixin"]
    assert [(s["stage"], s["reviewer"]["id"], s["decision"]) for s in r["stages"]] == [
        (stage, person, "通过") for stage, person in CHAIN.items()]
    secrecy = r["stages"][1]["secrecy"]
    assert secrecy == {"是否涉密": "否", "发布时间是否适宜": "是", "格式和表述是否规范": "是"}
    assert r["merge"]["branch"] == branch and r["merge"]["commit"] == git(world.bare, "rev-parse", "main").stdout.strip()
    out = world.clone("sun.lixin") / "trail.html"
    assert world.portal("sun.lixin", "trail", "--format", "html", "--out", str(out)).code == 0
    page = out.read_text(encoding="utf-8")
    for label in ("网站信息公开保密审查表", "信息名称", "拟发布栏目", "信息来源", "是否涉密", "发布时间是否适宜",
                  "格式和表述是否规范", "审查意见", "审查人", "日期"):
        assert label in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;同意发布" in page
