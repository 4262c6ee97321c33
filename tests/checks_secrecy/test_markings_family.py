"""The family of markings official documents carry, each found in an item as it is published
(portal/view.py: Markdown rendered, HTML and entities decoded, soft line breaks joined): classification
markings with their companions (份号, 密级, 保密期限, 紧急程度) and periods in any form GB/T 9704 and
the secrecy law allow (years in Arabic or Chinese numerals, 长期, a 解密时间, a 解密条件 such as 启用前),
the marks of 工作秘密 and internal material, not-public notes, labels and scopes of distribution."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from portal.errors import Finding

FIRST = 14  # the line of the demo item where the body starts

# (body, the rule that must be reported on the body's first line)
MARKINGS = [
    # classification markings: periods and companions
    ("秘密★1年", "SEC-MARKING"),
    ("秘密★五年", "SEC-MARKING"),
    ("机密★十年", "SEC-MARKING"),
    ("绝密★二十年", "SEC-MARKING"),
    ("机密★长期", "SEC-MARKING"),
    ("绝密★启用前", "SEC-MARKING"),
    ("机密★会议结束前", "SEC-MARKING"),
    ("秘密★2030年6月30日", "SEC-MARKING"),
    ("秘密★6个月", "SEC-MARKING"),
    ("机密☆", "SEC-MARKING"),
    ("000123\n秘密★1年\n特急\n", "SEC-MARKING"),
    ("份号：000123　密级：秘密★1年　紧急程度：加急", "SEC-MARKING"),
    ("密级：机密★10年　保密期限：10年", "SEC-MARKING"),
    ("编号 000045　秘密　特急", "SEC-LEVEL"),
    ("秘密　1年", "SEC-LEVEL"),
    ("密级：秘密", "SEC-LABEL"),
    ("保密等级：工作秘密", "SEC-LABEL"),
    ("| 份号 | 000123 |\n| --- | --- |\n| 密级 | 机密 |", "SEC-LABEL"),
    ("| 文件名称 | 密级 |\n| --- | --- |\n| 防汛物资调拨方案 | 秘密 |", "SEC-LEVEL"),
    # 工作秘密 and internal marks
    ("内部资料　注意保存", "SEC-INTERNAL"),
    ("内部资料，注意保密", "SEC-INTERNAL"),
    ("内部事项　注意保管", "SEC-INTERNAL"),
    ("内部", "SEC-INTERNAL"),
    ("（内部文件）", "SEC-INTERNAL"),
    ("内部参阅", "SEC-INTERNAL"),
    ("【内部刊物】2026年第5期", "SEC-INTERNAL"),
    ("内部使用，不得外传", "SEC-INTERNAL"),
    ("仅供内部参考", "SEC-INTERNAL"),
    ("仅供领导参阅", "SEC-INTERNAL"),
    ("仅限内部使用", "SEC-INTERNAL"),
    ("内部明电", "SEC-INTERNAL"),
    ("工作秘密", "SEC-INTERNAL"),
    ("工作秘密，不得外泄", "SEC-INTERNAL"),
    ("禁止外传", "SEC-INTERNAL"),
    ("严禁外传", "SEC-INTERNAL"),
    ("注意保密", "SEC-INTERNAL"),
    ("阅后收回", "SEC-INTERNAL"),
    ("会后收回", "SEC-INTERNAL"),
    # not public, its statements and labels, scopes
    ("（此件不公开）", "SEC-NOT-PUBLIC"),
    ("此件不得公开", "SEC-NOT-PUBLIC"),
    ("本文件不得上网", "SEC-NOT-PUBLIC"),
    ("（不予公开）", "SEC-NOT-PUBLIC-NOTE"),
    ("不宜公开", "SEC-NOT-PUBLIC-NOTE"),
    ("公开方式：不予公开", "SEC-OPENNESS-LABEL"),
    ("公开属性：不公开", "SEC-OPENNESS-LABEL"),
    ("本文件属工作秘密，请勿外传。", "SEC-STATEMENT"),
    ("本简报仅供内部参阅。", "SEC-STATEMENT"),
    ("（此件发至县团级）", "SEC-DISTRIBUTION"),
]

# the same markings as they hide in what a reader sees: markup, entities, comments, ruby, a line broken
# inside a paragraph, a footnote, block quotes, headings, table cells
HIDDEN = [
    ("内<!-- 注释 -->部资料", "SEC-INTERNAL"),
    ("&#20869;&#37096;&#36164;&#26009;", "SEC-INTERNAL"),
    ("机&#23494;&#9733;10年", "SEC-MARKING"),
    ("秘<span>密</span>&#x2605;一年", "SEC-MARKING"),
    ("<ruby>内<rt>nèi</rt></ruby>部资料", "SEC-INTERNAL"),
    ("内部资料\n注意保存", "SEC-INTERNAL"),
    ("**内部**资料", "SEC-INTERNAL"),
    ("> 内部资料", "SEC-INTERNAL"),
    ("## 内部资料", "SEC-INTERNAL"),
    ("| 内部资料 | 2026年第3期 |\n| --- | --- |\n| 正文 | 略 |", "SEC-INTERNAL"),
    ("<div>注意保密</div>", "SEC-INTERNAL"),
    ("機密★十年", "SEC-MARKING"),
    ("內部資料　注意保存", "SEC-INTERNAL"),
    ("此件不予公開", "SEC-NOT-PUBLIC"),
]


def where(found: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in found]


@pytest.mark.parametrize(("body", "rule"), MARKINGS, ids=[b for b, _ in MARKINGS])
def test_marking_is_found(item: Callable[..., Path], findings: Callable[[], list[Finding]], body: str,
                          rule: str) -> None:
    item(body=f"{body}\n\n正文。\n")
    found = findings()
    assert rule in {f.rule for f in found}, where(found)
    assert all(f.category == "secrecy" and f.severity == "error" for f in found)


@pytest.mark.parametrize(("body", "rule"), HIDDEN, ids=[b for b, _ in HIDDEN])
def test_marking_hidden_in_the_page_is_found(item: Callable[..., Path], findings: Callable[[], list[Finding]],
                                             body: str, rule: str) -> None:
    item(body=f"{body}\n\n正文。\n")
    assert (rule, FIRST) in where(findings())


def test_marking_in_a_footnote_is_found(item: Callable[..., Path], findings: Callable[[], list[Finding]]) -> None:
    item(body="正文[^1]。\n\n[^1]: 内部资料\n")  # on the page: the notes at the end, "1. 内部资料↩"
    assert where(findings()) == [("SEC-INTERNAL", FIRST + 2)]


def test_marking_on_the_first_lines_of_a_document(item: Callable[..., Path], findings: Callable[[], list[Finding]]) -> None:
    item(body="000123\n\n机密★五年\n\n特急\n\n云江市应急管理局关于做好汛期值守工作的通知\n\n各科室：……\n")
    assert where(findings()) == [("SEC-MARKING", FIRST + 2)]


def test_internal_marks_in_front_matter(item: Callable[..., Path], findings: Callable[[], list[Finding]]) -> None:
    item(title="【内部参阅】2026年第3期防汛工作简报", summary="仅供领导参阅", tags="[防汛, 注意保密]")
    assert sorted(f.rule for f in findings()) == ["SEC-INTERNAL"] * 3


@pytest.mark.parametrize("body", [
    "会议强调，各单位要注意保密，严禁外传会议材料，阅后收回的文件应当登记。",
    "市档案馆加强内部管理，完善内部控制制度。",
    "本系统仅供内部使用的功能已停用，公众服务不受影响。",
    "- 内部资料\n- 内部文件\n- 工作秘密",
    "工作秘密的确定、变更和解除，按照有关规定执行。",
    "对不予公开的决定不服的，可以依法申请行政复议或者提起行政诉讼。",
    "公开方式：主动公开",
    "（此件公开发布）",
])
def test_the_same_words_in_public_text_pass(item: Callable[..., Path], findings: Callable[[], list[Finding]],
                                            body: str) -> None:
    item(body=f"{body}\n")
    assert findings() == []
