"""Public texts that talk about classification levels and markings pass the secrecy check: a law's
articles listing the levels, an explainer's tables and headings, training material on the official
document format (GB/T 9704), lawful 区分处理 notes, answers to information requests and news that
quote the secrecy law. Each is a whole item checked as `portal check` reads it (the published view)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from checks import secrecy
from portal.errors import Finding

REGULATION = """\
# 云江市机关国家秘密载体管理办法

第一条 为了规范本市各级机关国家秘密载体的制作、收发、保管和销毁，根据有关法律法规，制定本办法。

第五条 国家秘密的密级分为绝密、机密、秘密三级。机关应当依照保密事项范围确定密级，
不得擅自扩大或者缩小。

第六条 国家秘密的保密期限，除另有规定外，按照下列标准执行：

1. 绝密级不超过三十年；
2. 机密级不超过二十年；
3. 秘密级不超过十年。

第七条 密级分为：

- 绝密
- 机密
- 秘密

第八条 纸质国家秘密载体应当在首页左上角作出国家秘密标志。标志的形式为“密级★保密期限”、
“密级★解密时间”或者“密级★解密条件”，例如标注为“秘密★5年”“机密★2030年12月31日”“绝密★启用前”。
未标明保密期限的，如标有“机密★”的文件，按照该密级的最长期限执行。

第九条 不属于国家秘密的工作秘密，不得标注国家秘密标志，可以标注“内部”或者“内部事项　注意保管”字样；
不得标注“秘密★1年”之类的国家秘密标志，也不得标注“内部资料”以外的自创字样。

第十条 政府信息中含有涉密内容、能够区分处理的，应当依法删除涉密内容后公开。对于标注“此件不公开”
“仅供领导参阅”的文件，一律不得在门户网站发布。

第十一条 本办法自发布之日起施行。
"""

EXPLAINER = """\
## 什么是秘密级文件

秘密级文件是指载有一般国家秘密的文件，泄露会使国家安全和利益遭受损害。

## 国家秘密的三个密级

| 密级 | 保密期限（一般不超过） | 泄露后果 |
| --- | --- | --- |
| 绝密 | 30年 | 特别严重的损害 |
| 机密 | 20年 | 严重的损害 |
| 秘密 | 10年 | 损害 |

| 序号 | 标志 | 含义 |
| --- | --- | --- |
| 1 | 秘密★1年 | 秘密级，保密期限一年 |
| 2 | 内部资料 | 工作秘密的常见标志 |

### 一、绝密级

绝密级国家秘密是最重要的国家秘密。

> 小贴士：“机密★10年”表示该文件属于机密级，保密期限为十年；“绝密★长期”的保密期限为长期。

常见问答：文件左上角标明“秘密★一年”的，能否上网？答：不能，涉密不上网、上网不涉密。
"""

FORMAT_TRAINING = """\
# 党政机关公文格式要素讲解

版头部分的要素依次为份号、密级和保密期限、紧急程度、发文机关标志、发文字号、签发人。

| 要素 | 位置 | 要求 |
| --- | --- | --- |
| 份号 | 版心左上角第一行 | 涉密公文应当标注，一般用6位阿拉伯数字 |
| 密级和保密期限 | 版心左上角第二行 | 两者之间用“★”隔开 |
| 紧急程度 | 版心左上角第三行 | 标注“特急”“加急” |

如需标注密级和保密期限，一般用3号黑体字，顶格编排，保密期限中的数字用阿拉伯数字标注，如“秘密★1年”。
应当标明“机密★10年”的公文，不得通过互联网传输。
"""

NEWS = """\
# 市保密局开展保密法宣传进机关活动

6月3日，市保密局在市民中心举办保密法宣传活动。工作人员结合案例，向机关干部讲解了保守国家秘密法的有关规定。

> 保守国家秘密法规定，国家秘密的密级分为绝密、机密、秘密三级。

> 机关、单位对所产生的国家秘密事项，应当按照保密事项范围的规定确定密级，同时确定保密期限和知悉范围。

讲解中，工作人员提醒大家：标注为“秘密★1年”的文件、印有“内部资料　注意保存”字样的材料，都不得在网站上发布；
会议要求各单位注意保密，严禁外传会议材料，阅后收回的文件要及时登记。

活动现场发放了《内部资料性出版物管理办法》等宣传材料200余份。
"""

DISCLOSURE = """\
# 云江市应急管理局2025年政府信息公开工作年度报告

一、总体情况

本年度共收到政府信息公开申请12件，其中予以公开8件，部分公开2件，不予公开1件，无法提供1件。

| 处理结果 | 件数 |
| --- | --- |
| 予以公开 | 8 |
| 部分公开（区分处理的，只计这一情形） | 2 |
| 不予公开 | 1 |

对属于国家秘密的1件申请，依法作出不予公开的答复，并告知申请人救济途径。

| 申请人 | 申请内容 | 处理结果 |
| --- | --- | --- |
| 张某 | 某水库防汛调度方案全文 | 不予公开 |
| 李某 | 2025年救灾资金拨付明细 | 予以公开 |

| 申请办理情况 | 具体情形 | 件数 |
| --- | --- | --- |
| 不予公开 | 属于国家秘密 | 1 |
| 无法提供 | 本机关不掌握相关政府信息 | 1 |

（本文件经区分处理后公开）
"""

DIVIDED = """\
# 关于印发《云江市防汛抢险物资储备方案》的通知

各县（区）应急管理局：

现将《云江市防汛抢险物资储备方案》印发给你们，请认真贯彻执行。

（依法删除涉密内容后公开）

附件：云江市防汛抢险物资储备方案（公开版）
"""

PUBLIC = {"regulation": REGULATION, "explainer": EXPLAINER, "format-training": FORMAT_TRAINING, "news": NEWS,
          "disclosure-report": DISCLOSURE, "divided-notice": DIVIDED}


@pytest.mark.parametrize("body", PUBLIC.values(), ids=PUBLIC.keys())
def test_public_text_passes(item: Callable[..., Path], findings: Callable[[], list[Finding]], body: str) -> None:
    item(body=body)
    assert findings() == []


@pytest.mark.parametrize("body", PUBLIC.values(), ids=PUBLIC.keys())
def test_public_text_as_source_passes(body: str) -> None:
    """The same texts read as written (Markdown source), as attachments and old callers see them."""
    assert secrecy.ruleset().scan(body) == []


@pytest.mark.parametrize("title", ["什么是秘密级文件", "国家秘密的密级分为绝密、机密、秘密三级",
                                   "标注为“秘密★1年”的文件能否上网？", "保密法解读：不得标注“内部资料”的情形"])
def test_a_title_naming_a_level_passes(item: Callable[..., Path], findings: Callable[[], list[Finding]],
                                       title: str) -> None:
    item(title=f'"{title}"')
    assert findings() == []


@pytest.mark.parametrize(("public", "marked"), [
    (REGULATION, "机密★3年\n\n"),
    (EXPLAINER, "内部事项\n\n"),
    (NEWS, "（此件不公开）\n\n"),
    (DISCLOSURE, "| 密级 | 秘密 |\n| --- | --- |\n| 份号 | 000123 |\n\n"),
])
def test_a_marking_on_a_public_text_is_still_found(item: Callable[..., Path], findings: Callable[[], list[Finding]],
                                                   public: str, marked: str) -> None:
    """The context that makes the texts above pass does not hide a real marking put on top of them."""
    item(body=marked + public)
    found = findings()
    assert len(found) == 1 and found[0].line == 14, found
