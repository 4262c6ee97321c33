"""Document kinds: the column's kinds only; no 请示, 报告 or 函, by `type` or by their text."""
from __future__ import annotations

import pytest

from checks import kinds

from .conftest import item_text, rules_of

QINGSHI = """市人民政府：
为做好今年汛期防汛物资储备工作，我局拟新建市级防汛物资储备库一座，所需资金500万元，恳请市政府予以安排。
妥否，请批示。

云江市应急管理局
2026年6月3日"""

PIFU = """青山县应急管理局：
你局《关于申请2026年安全生产专项资金的请示》（青应急〔2026〕12号）收悉。经研究，批复如下：
一、同意安排专项资金200万元，用于危险化学品企业安全风险监测预警系统建设。
二、请严格资金管理，专款专用。"""

MEETING = """11月5日，市应急管理局召开局党委会，听取了关于2026年安全生产工作情况的报告，
研究部署今冬明春安全防范工作。会议指出，要认真贯彻落实市委、市政府决策部署，学习领会《政府工作报告》精神。"""

ANNUAL = """本报告根据《中华人民共和国政府信息公开条例》要求编制。全文包括总体情况、主动公开政府信息情况、
收到和处理政府信息公开申请情况等内容。本报告中所列数据的统计期限自2025年1月1日起至2025年12月31日止。"""

CASES = [
    # (column, fields, body, expected)
    ("news", {}, None, []),
    ("news", {"type": "通知"}, None, ["KIND-COLUMN"]),
    ("news", {"type": "请示"}, None, ["KIND-FORBIDDEN"]),
    ("documents", {"type": "报告"}, None, ["KIND-FORBIDDEN"]),
    ("documents", {"type": "函"}, None, ["KIND-FORBIDDEN"]),
    ("documents", {"type": "通知", "title": "云江市应急管理局关于申请新建防汛物资储备库资金的请示"}, None,
     ["KIND-TITLE-QINGSHI"]),
    ("documents", {"type": "通知", "title": "关于2026年上半年安全生产工作情况的报告"}, None, ["KIND-TITLE-BAOGAO"]),
    ("documents", {"type": "通知", "title": "关于商请协助开展危险化学品联合执法检查的函"}, None, ["KIND-TITLE-HAN"]),
    ("documents", {"type": "通知", "title": "关于防汛物资储备工作的通知"}, QINGSHI,
     ["KIND-ADDRESSEE-SUPERIOR", "KIND-CLOSE-QINGSHI"]),
    ("documents", {"type": "请示", "title": "关于新建防汛物资储备库的请示"}, QINGSHI,
     ["KIND-ADDRESSEE-SUPERIOR", "KIND-CLOSE-QINGSHI", "KIND-FORBIDDEN", "KIND-TITLE-QINGSHI"]),
    ("news", {}, "现将有关情况报告如下：\n一、……\n特此报告。", ["KIND-CLOSE-BAOGAO"]),
    ("news", {}, "我局将于近期开展联合检查，请予支持为盼。\n特此函告。", ["KIND-CLOSE-HAN"]),
    ("documents", {"type": "通知"}, "# 关于增设应急避难场所的请示\n\n市人民政府：\n……", ["KIND-TITLE-QINGSHI"]),
    # what only mentions these kinds passes
    ("documents", {"type": "批复", "title": "关于同意青山县应急管理局安全生产专项资金请示的批复"}, PIFU, []),
    ("meetings", {"type": "新闻", "title": "局党委听取2026年安全生产工作情况报告"}, MEETING, []),
    ("documents", {"type": "报告", "title": "云江市应急管理局2025年政府信息公开工作年度报告"}, ANNUAL, []),
    ("documents", {"type": "公告", "title": "云江市应急管理局2025年政府信息公开工作年度报告"}, ANNUAL, []),
    ("news", {"type": "报告", "title": "云江市应急管理局关于2025年度法治政府建设工作情况的报告"}, None, []),
    ("accidents", {"type": "通报", "title": "关于青山县“7·12”较大火灾事故的调查报告"}, None, []),
    ("news", {"title": "市政府常务会议审议关于防汛工作情况的报告"}, None, []),
    ("news", {}, "请各县区应急局于6月30日前将自查情况报告市应急管理局。特此通知。", []),
    # the proposals column publishes 函 (replies to deputies and members)
    ("proposals", {"type": "函", "title": "云江市应急管理局关于市政协十三届三次会议第125号提案的复函"},
     "王委员：\n您提出的《关于加强社区应急避难场所建设的提案》收悉，现答复如下：……\n特此函复。", []),
    ("proposals", {"type": "函"}, "当否，请批示。", ["KIND-CLOSE-QINGSHI"]),
]


@pytest.mark.parametrize(("column", "fields", "body", "expected"), CASES)
def test_kinds(run_checks, column, fields, body, expected):
    extra = {"body": body} if body is not None else {}
    findings = run_checks({f"content/{column}/2026-06-03-item.md": item_text(column, **extra, **fields)}, kinds)
    assert rules_of(findings, "KIND-") == expected
    assert all(f.category == "kind" and f.severity == "error" for f in findings if f.rule.startswith("KIND-"))


def test_finding_points_at_the_formula(run_checks, tmp_portal):
    path = "content/documents/2026-06-03-item.md"
    findings = run_checks({path: item_text("documents", body=QINGSHI, type="通知")}, kinds)
    close = next(f for f in findings if f.rule == "KIND-CLOSE-QINGSHI")
    line = (tmp_portal / path).read_text(encoding="utf-8").splitlines()[close.line - 1]
    assert line[close.column - 1:].startswith("妥否，请批示")
    assert "请示是向上级机关请求指示、批准的上行文" in close.message


def test_unknown_kind_is_the_models_finding(run_checks):
    findings = run_checks({"content/news/2026-06-03-item.md": item_text("news", type="新文")})
    assert rules_of(findings, ("KIND-", "FM-KIND")) == ["FM-KIND-UNKNOWN"]


def test_public_reports_are_listed_in_data():
    assert kinds.is_public_report("云江市应急管理局2025年政府信息公开工作年度报告")
    assert not kinds.is_public_report("关于2026年上半年安全生产工作情况的报告")
    assert set(kinds.forbidden()) == {"请示", "报告", "函"}
