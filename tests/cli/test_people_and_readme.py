"""People are pinyin ids: a roster name points to the id; the README's item example passes on the demo portal."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from portal import cli, model

from ..conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def readme_item() -> tuple[str, str, str]:
    """(the example item, the path and the finding of README's error example)."""
    section = README.split("## 稿件格式", 1)[1].split("\n## ", 1)[0]
    item = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    error = re.search(r"`(content/\S+\.md):\d+:\d+: (FM-[A-Z-]+ \[错误\] [^`]+)`", section)
    assert item is not None and error is not None
    return item.group(1), error.group(1), error.group(2)


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = cli.main(["--root", str(root), "check"])
    return status, capsys.readouterr().out


def test_the_readme_item_example_passes_and_its_error_example_is_what_check_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On a copy of the demo portal: its columns, roster, accepted findings and every item."""
    tmp_portal = tmp_path / "demo"
    shutil.copytree(REPO / "content", tmp_portal / "content")
    for name in ("columns.yml", "roster.yml", "accepted.yml"):
        shutil.copy(REPO / name, tmp_portal / name)
    item, rel, finding = readme_item()
    path = tmp_portal / rel
    assert not path.exists()
    path.write_text(item, encoding="utf-8")
    status, out = check(tmp_portal, capsys)
    assert status == 0, out
    # the error example: the same item with the misspelt id the example names
    wrong = re.search(r"“([^”]+)”不在", finding)
    assert wrong is not None
    typo = wrong.group(1)
    right = re.search(r"是否想写“([^”]+)”", finding)
    assert right is not None and f"[{right.group(1)}]" in item
    path.write_text(item.replace(f"[{right.group(1)}]", f"[{typo}]"), encoding="utf-8")
    status, out = check(tmp_portal, capsys)
    assert status == 1
    assert re.search(rf"^{re.escape(rel)}:\d+:\d+: {re.escape(finding)}$", out, re.MULTILINE), out


@pytest.mark.parametrize(("written", "where", "expected"), [
    ("author: [孙立新]", "author", "撰稿人“孙立新”不在 roster.yml 中。是否想写“sun.lixin”（孙立新的人员 id）？"),
    ("author: 孙立新", "author", "是否想写“sun.lixin”（孙立新的人员 id）？"),
    ("author: [孙立兴]", "author", "是否想写“sun.lixin”（孙立新的人员 id）？"),  # a near-miss name
    ("初审: 吴国庆", "reviewers", "初审人“吴国庆”不在 roster.yml 中。是否想写“wu.guoqing”（吴国庆的人员 id）？"),
    ("保密审查: 徐春艳", "reviewers", "是否想写“xu.chunyan”（徐春燕的人员 id）？"),
    ("author: [sun.lixn]", "author", "是否想写“sun.lixin”？"),
])
def test_a_person_written_by_name_gets_the_id(tmp_portal: Path, write_item: Callable[..., Path],
                                              written: str, where: str, expected: str) -> None:
    item = NEWS_ITEM
    key = written.split(":")[0]
    item = re.sub(rf"^(\s*){re.escape(key)}:.*$", lambda m: m.group(1) + written, item, count=1, flags=re.MULTILINE)
    write_item("news/2026-06-03-xuan-chuan.md", item)
    portal, findings = model.load_or_findings(tmp_portal)
    messages = [f.message for f in findings if f.rule == "FM-PERSON-UNKNOWN"]
    assert len(messages) == 1 and expected in messages[0], messages


def test_two_people_of_the_same_name_are_both_listed(tmp_portal: Path, write_item: Callable[..., Path]) -> None:
    roster = tmp_portal / "roster.yml"
    text = roster.read_text(encoding="utf-8")
    block = re.search(r"  - id: sun\.lixin\n(?:    .*\n)+", text)
    assert block is not None
    twin = block.group(0).replace("id: sun.lixin", "id: sun.lixin2")
    twin = re.sub(r"    key: .*\n", "", twin)
    roster.write_text(text.replace(block.group(0), block.group(0) + twin), encoding="utf-8")
    write_item("news/2026-06-03-xuan-chuan.md", NEWS_ITEM.replace("author: [sun.lixin]", "author: [孙立新]"))
    _, findings = model.load_or_findings(tmp_portal)
    (message,) = [f.message for f in findings if f.rule == "FM-PERSON-UNKNOWN"]
    assert "sun.lixin（孙立新，宣教科）" in message and "sun.lixin2（孙立新，宣教科）" in message


NEWS_ITEM = """\
---
title: 市应急管理局开展安全生产月宣传活动
date: 2026-06-03 16:30
source: 云江市应急管理局宣传教育科
department: 宣教科
type: 新闻
author: [sun.lixin]
reviewers:
  初审: wu.guoqing
  保密审查: xu.chunyan
  复审: li.xiaoming
  终审: chen.xiuying
---
6月3日，市应急管理局在人民广场开展安全生产月集中宣传活动。
"""


def test_the_news_item_is_valid_as_written(tmp_portal: Path, write_item: Callable[..., Path]) -> None:
    write_item("news/2026-06-03-xuan-chuan.md", NEWS_ITEM)
    _, findings = model.load_or_findings(tmp_portal)
    assert [f for f in findings if f.severity == "error"] == []
