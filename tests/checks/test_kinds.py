"""Document kinds: the column's kinds only; no 请示, 报告 or 函, by `type` or by their text.

Every class of checks/rules/kinds.yml both ways, on real items in a throwaway portal: titles (plain,
Traditional, wrapped over lines, decorated), closing formulas (punctuation variants, Traditional),
the addressee; and what only quotes or mentions these kinds (training material, news, a 批复, the
reports the law requires to be public) passes.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks import kinds
from portal import cli

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

# A real annual report follows the national format (国办公开办函〔2021〕30号): six parts, the last one
# 其他需要报告的事项; some open with 现将……报告如下 and close with 特此报告. It is public by law.
ANNUAL_FULL = """根据《中华人民共和国政府信息公开条例》第五十条规定，现将本局2025年政府信息公开工作情况报告如下：

## 一、总体情况

2025年，市应急管理局主动公开政府信息312条，其中通知公告96条、应急科普41条。

## 二、主动公开政府信息情况

| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| --- | --- | --- | --- |
| 行政规范性文件 | 2 | 1 | 9 |

## 六、其他需要报告的事项

本年度未收取信息处理费。

特此报告。"""

# 公文写作培训: the formulas quoted, explained, listed and tabulated
TRAINING = """11月18日，市应急管理局举办公文写作专题培训，邀请市委党校教师授课。

授课老师讲解了请示、报告、函的区别：请示要一文一事，结尾写明“妥否，请批示”或“以上请示如无不妥，请批准”；
报告不得夹带请示事项，一般以“特此报告”收尾；函用于不相隶属机关之间商洽工作，常以“特此函告”“请予函复”作结。

老师指出，请示一般以妥否，请批示作结，不宜写成以上报告妥否，请批示；报告的结束语常用特此报告、专此报告等。

常用的结束语有：

妥否，请批示。

| 文种 | 常用结束语 |
| --- | --- |
| 请示 | 妥否，请批示 |
| 报告 | 特此报告 |
| 函 | 特此函告 |

学员们还练习了以下结束语：

- 当否，请批复
- 特此函复
- 以上报告，请审阅"""

# the 政府工作报告 is read to the People's Congress and published: 各位代表 …… 请予审议
GOV_REPORT = """各位代表：

现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员和其他列席人员提出意见。

## 一、2025年工作回顾

过去一年，全市安全生产形势持续稳定向好。"""

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


# ---------------------------------------------------------------- each class, both ways, through `portal check`

NOTICE = {"type": "通知", "title": "关于做好汛期防汛物资储备工作的通知"}

CLASSES = [
    # (class, front-matter fields, body, expected KIND- rules)
    # a title wrapped over two lines (GB/T 9704 allows it): two headings, two centred lines, two paragraphs
    ("wrapped title", NOTICE, "# 云江市应急管理局关于申请2026年\n# 安全生产专项资金的请示\n\n（正文略）", ["KIND-TITLE-QINGSHI"]),
    ("wrapped title", NOTICE, '<p align="center">云江市应急管理局关于2026年上半年<br>安全生产工作情况的报告</p>\n\n（正文略）',
     ["KIND-TITLE-BAOGAO"]),
    ("wrapped title", NOTICE, "云江市应急管理局关于商请协助开展\n\n危险化学品联合执法检查的函\n\n市公安局：\n（正文略）",
     ["KIND-TITLE-HAN"]),
    ("wrapped title", NOTICE, "会议研究了市应急管理局\n\n关于增设应急避难场所的请示，同意报市政府审定。", []),
    ("title in the body", NOTICE, "云应急〔2026〕12号\n\n关于增设应急避难场所的请示\n\n市人民政府：\n\n（正文略）",
     ["KIND-TITLE-QINGSHI"]),
    ("title in the body", NOTICE, "现将有关材料转发如下。\n\n云江市应急管理局关于2026年上半年安全生产工作情况的报告\n\n（正文略）",
     ["KIND-TITLE-BAOGAO"]),
    # the title, the addressee and the text written as one paragraph: one line of the published view
    ("wrapped title", NOTICE, "关于增设应急避难场所的请示\n市人民政府：\n为保障群众避险需要，拟增设应急避难场所12处。",
     ["KIND-TITLE-QINGSHI"]),
    ("wrapped title", NOTICE, "# 关于申请2026年安全生产\n# 专项资金请示的批复", []),
    # a decorated title: markup, HTML, a parenthetical, 【】
    ("decorated title", {"type": "通知", "title": "关于增设应急避难场所的请示（代拟稿）"}, None, ["KIND-TITLE-QINGSHI"]),
    ("decorated title", {"type": "通知", "title": "【征求意见稿】关于商请协助开展联合执法检查的函"}, None, ["KIND-TITLE-HAN"]),
    ("decorated title", NOTICE, "## **关于2026年上半年安全生产工作情况的报告**（送审稿）\n\n（正文略）", ["KIND-TITLE-BAOGAO"]),
    ("decorated title", NOTICE, "<h2><center>关于增设应急避难场所的请示</center></h2>\n\n（正文略）", ["KIND-TITLE-QINGSHI"]),
    ("decorated title", NOTICE, "《关于增设应急避难场所的请示》已按程序报送。", []),
    ("decorated title", {"type": "批复", "title": "关于同意增设应急避难场所的批复（代拟稿）"}, None, []),
    # punctuation after 妥否, full and half width, or none
    *[("punctuation", NOTICE, f"……所需资金已列入预算。\n\n{formula}\n\n云江市应急管理局", ["KIND-CLOSE-QINGSHI"])
      for formula in ("妥否，请批示。", "妥否,请批示。", "妥否、请批示。", "妥否；请批示。", "妥否;请批示", "妥否？请批示！",
                      "妥否? 请批示!", "妥否 请批示", "妥否　请批示", "妥否请批示", "妥否——请批示", "妥否:请批示")],
    ("punctuation", NOTICE, "请示的结尾一般写作“妥否？请批示！”，也可写作“妥否，请批复”。", []),
    # Traditional Chinese
    ("traditional", {"type": "通知", "title": "雲江市應急管理局關於申請防汛物資儲備庫建設資金的請示"}, None,
     ["KIND-TITLE-QINGSHI"]),
    ("traditional", NOTICE, "……所需資金已列入預算。\n\n妥否，請批示。", ["KIND-CLOSE-QINGSHI"]),
    ("traditional", NOTICE, "全年未發生較大以上生產安全事故。\n\n特此報告。", ["KIND-CLOSE-BAOGAO"]),
    ("traditional", NOTICE, "我局擬於近期開展聯合執法檢查，請予支持為盼。\n\n特此函告。", ["KIND-CLOSE-HAN"]),
    ("traditional", NOTICE, "請示一般以「妥否，請批示」結尾，報告以「特此報告」結尾。", []),
    # closing and opening formulas of 请示, 报告 and 函
    *[("formula", NOTICE, f"为保障群众避险需要，拟在城区增设应急避难场所12处。\n\n{formula}\n\n云江市应急管理局", [rule])
      for formula, rule in (
          ("当否，请批示。", "KIND-CLOSE-QINGSHI"), ("以上请示妥否，请批复。", "KIND-CLOSE-QINGSHI"),
          ("请予审批。", "KIND-CLOSE-QINGSHI"), ("恳请批准。", "KIND-CLOSE-QINGSHI"),
          ("特此请示。", "KIND-CLOSE-QINGSHI"), ("请审示。", "KIND-CLOSE-QINGSHI"), ("妥否，请示。", "KIND-CLOSE-QINGSHI"),
          ("以上请示如无不妥，请批转各县区执行。", "KIND-CLOSE-QINGSHI"), ("特此请示，请予批复。", "KIND-CLOSE-QINGSHI"),
          ("特此报告。", "KIND-CLOSE-BAOGAO"), ("专此报告", "KIND-CLOSE-BAOGAO"), ("以上报告，请审阅。", "KIND-CLOSE-BAOGAO"),
          ("如无不妥，请批转各地执行。", "KIND-CLOSE-BAOGAO"), ("特此报告，请审阅。", "KIND-CLOSE-BAOGAO"),
          ("特此函告。", "KIND-CLOSE-HAN"), ("特此函复。", "KIND-CLOSE-HAN"), ("特此函达。", "KIND-CLOSE-HAN"),
          ("请予函复。", "KIND-CLOSE-HAN"), ("盼复。", "KIND-CLOSE-HAN"), ("请研究函复。", "KIND-CLOSE-HAN"),
          ("请予支持为盼。", "KIND-CLOSE-HAN"), ("请于6月30日前函复我局。", "KIND-CLOSE-HAN"))],
    ("formula", NOTICE, "根据市政府要求，现将我局汛期值班值守工作情况报告如下：\n\n一、值班安排", ["KIND-CLOSE-BAOGAO"]),
    ("formula", NOTICE, "为此，现就有关事项请示如下：\n\n一、建设规模", ["KIND-CLOSE-QINGSHI"]),
    ("formula", NOTICE, "贵局来函收悉。经研究，现将有关意见函复如下：", ["KIND-CLOSE-HAN"]),
    ("formula", NOTICE, "市公安局：\n\n经研究，同意联合开展烟花爆竹打非治违专项行动，请贵局指定联络员。\n\n此复。",
     ["KIND-CLOSE-CIFU"]),
    ("formula", NOTICE, "……\n\n特此通知。", []),
    ("formula", NOTICE, "请示的结束语：\n\n（1）妥否，请批示；\n\n（2）当否，请批复。\n\n1. 特此报告\n2. 特此函告", []),
    ("formula", NOTICE, "发现险情要立即报告，不得迟报、漏报、瞒报。项目须依法报请批准后实施。", []),
    # lines of one paragraph in the source (joined by a space on the page): a formula alone on its line,
    # without punctuation, is said; one that a sentence wrapped over lines talks about is not
    ("soft breaks", NOTICE, "所需资金500万元\n妥否，请批示\n云江市应急管理局\n2026年6月3日", ["KIND-CLOSE-QINGSHI"]),
    ("soft breaks", NOTICE, "全年未发生较大以上生产安全事故\n特此报告\n云江市应急管理局", ["KIND-CLOSE-BAOGAO"]),
    ("soft breaks", NOTICE, "我局拟于近期开展联合检查\n请予支持为盼\n云江市应急管理局", ["KIND-CLOSE-HAN"]),
    ("soft breaks", NOTICE, "关于增设应急避难场所的请示\n为保障群众避险需要，拟增设应急避难场所12处。", ["KIND-TITLE-QINGSHI"]),
    ("soft breaks", NOTICE, "请示的结尾一般写\n妥否，请批示。报告一般以\n特此报告作结，函常用\n特此函告\n等结束语。", []),
    # character entities, an HTML comment and emphasis inside a formula: read as published
    ("markup", NOTICE, "……所需资金已列入预算。\n\n妥否&#xFF0C;请批示。", ["KIND-CLOSE-QINGSHI"]),
    ("markup", NOTICE, "……所需资金已列入预算。\n\n妥否<!-- -->，请**批示**。", ["KIND-CLOSE-QINGSHI"]),
    ("markup", NOTICE, "全年未发生较大以上生产安全事故。\n\n> 特此报告。", ["KIND-CLOSE-BAOGAO"]),
    # the addressee
    ("addressee", NOTICE, "市人民政府：\n为做好今年汛期防汛物资储备工作，恳请市政府安排专项资金500万元。", ["KIND-ADDRESSEE-SUPERIOR"]),
    ("addressee", NOTICE, "各县（市、区）应急管理局：\n现将有关事项通知如下，请予支持配合。", []),
    # quotations and mentions
    ("training", {"type": "新闻", "title": "市应急管理局举办公文写作专题培训"}, TRAINING, []),
    ("news", {"type": "新闻", "title": "市政府常务会议研究防汛工作"},
     "会议研究了市应急管理局关于增设应急避难场所的请示，听取了关于2026年防汛工作情况的报告。", []),
    ("批复", {"type": "批复", "title": "关于同意青山县应急管理局安全生产专项资金请示的批复"}, PIFU + "\n\n此复。", []),
    # the reports the law requires to be public, with their own 报告 formulas
    ("public report", {"type": "报告", "title": "云江市应急管理局2025年政府信息公开工作年度报告"}, ANNUAL_FULL, []),
    ("public report", {"type": "公告", "title": "云江市应急管理局2025年政府信息公开工作年度报告（全文）"}, ANNUAL_FULL, []),
    ("public report", NOTICE, "# 云江市应急管理局2025年政府信息公开工作年度报告\n\n" + ANNUAL_FULL, []),
    ("public report", {"type": "报告", "title": "2026年云江市政府工作报告"}, GOV_REPORT, []),
    ("public report", {"type": "公告", "title": "云江市应急管理局2025年度报告"},
     "本报告根据《中华人民共和国政府信息公开条例》要求编制。\n\n" + ANNUAL_FULL, []),
    ("public report", {"type": "公告", "title": "2025年度报告"},
     "发布时间：2026年1月20日\n\n# 云江市应急管理局2025年政府信息公开工作年度报告\n\n" + ANNUAL_FULL, []),
    ("public report", {"type": "通知", "title": "云江市应急管理局2025年工作情况"}, "今年以来，……\n\n特此报告。",
     ["KIND-CLOSE-BAOGAO"]),
    ("public report", {"type": "通知", "title": "关于2025年政府信息公开工作情况的报告"}, ANNUAL_FULL,
     ["KIND-CLOSE-BAOGAO", "KIND-TITLE-BAOGAO"]),
    ("public report", {"type": "通知", "title": "关于落实《政府工作报告》重点任务情况的报告"}, None, ["KIND-TITLE-BAOGAO"]),
]


def _check_json(root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    cli.main(["--root", str(root), "check", "--format", "json"])
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("name", "fields", "body", "expected"), CLASSES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CLASSES)])
def test_each_class_through_portal_check(tmp_portal, capsys, name, fields, body, expected):
    extra = {"body": body} if body is not None else {}
    path = tmp_portal / "content/documents/2026-06-03-item.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(item_text("documents", **extra, **fields), encoding="utf-8")
    found = [f for f in _check_json(tmp_portal, capsys) if f["rule"].startswith("KIND-")
             and f["rule"] not in ("KIND-FORBIDDEN", "KIND-COLUMN")]  # the type: see CASES
    assert sorted(f["rule"] for f in found) == expected
    assert all(f["severity"] == "error" and len(f["message"]) < 400 for f in found)


def test_finding_points_at_the_formula(run_checks, tmp_portal):
    path = "content/documents/2026-06-03-item.md"
    body = "青山县应急管理局：\n\n经研究，拟在城区增设应急避难场所12处，所需资金已列入预算。\n\n妥否，請批示。\n\n云江市应急管理局"
    findings = run_checks({path: item_text("documents", body=body, type="通知")}, kinds)
    (close,) = findings
    line = (tmp_portal / path).read_text(encoding="utf-8").splitlines()[close.line - 1]
    assert (close.rule, line[close.column - 1:]) == ("KIND-CLOSE-QINGSHI", "妥否，請批示。")
    assert "“妥否，請批示”" in close.message and "请示是向上级机关请求指示、批准的上行文" in close.message


def test_finding_points_at_the_title_and_at_a_heading(run_checks, tmp_portal):
    path = "content/documents/2026-06-03-item.md"
    title = "雲江市應急管理局關於申請專項資金的請示"
    findings = run_checks({path: item_text("documents", type="通知", title=title)}, kinds)
    (found,) = findings
    line = (tmp_portal / path).read_text(encoding="utf-8").splitlines()[found.line - 1]
    assert line[found.column - 1:] == title
    body = "（正文略）\n\n# 关于增设应急避难场所的报告\n\n正文。"
    findings = run_checks({path: item_text("documents", type="通知", body=body)}, kinds)
    (found,) = findings
    line = (tmp_portal / path).read_text(encoding="utf-8").splitlines()[found.line - 1]
    assert (found.rule, line[found.column - 1:]) == ("KIND-TITLE-BAOGAO", "关于增设应急避难场所的报告")


def test_unknown_kind_is_the_models_finding(run_checks):
    findings = run_checks({"content/news/2026-06-03-item.md": item_text("news", type="新文")})
    assert rules_of(findings, ("KIND-", "FM-KIND")) == ["FM-KIND-UNKNOWN"]


def test_public_reports_are_listed_in_data():
    assert kinds.is_public_report("云江市应急管理局2025年政府信息公开工作年度报告")
    assert kinds.is_public_report("雲江市應急管理局2025年政府信息公開工作年度報告（全文）")
    assert not kinds.is_public_report("关于2026年上半年安全生产工作情况的报告")
    assert not kinds.is_public_report("关于落实政府工作报告重点任务情况的报告")
    assert set(kinds.forbidden()) == {"请示", "报告", "函"}


# ---------------------------------------------------------------- the rules' samples


def test_rule_samples():
    assert kinds.sample_errors() == []


def test_rule_samples_through_the_published_view(run_checks):
    """Every sample written as the body of an item (and a title sample as its title) and checked:
    the same verdict as the samples test, after Markdown, HTML and entity decoding."""
    items: dict[str, tuple[str, bool]] = {}
    files: dict[str, str] = {}
    for rule in kinds._rules().rules:
        for n, (sample, expected) in enumerate([(s, True) for s in rule.match] + [(s, False) for s in rule.no_match]):
            path = f"content/documents/2026-06-03-{rule.id.lower()}-{n}.md"
            items[path] = (rule.id, expected)
            files[path] = item_text("documents", body=sample, type="通知")
            title_too = rule.data["form"] == "title" and (expected or not sample.lstrip().startswith(("-", "|")))
            if title_too and "\n" not in sample:
                path = f"content/documents/2026-06-03-{rule.id.lower()}-{n}-title.md"
                items[path] = (rule.id, expected)
                files[path] = item_text("documents", type="通知", title=sample)
    found = {(f.path, f.rule) for f in run_checks(files, kinds)}
    wrong = [(path, rule, expected) for path, (rule, expected) in items.items() if ((path, rule) in found) != expected]
    assert wrong == []


# ---------------------------------------------------------------- long lines: linear, and short messages


def test_a_long_line_of_quoted_formulas_passes(run_checks):
    body = "请示的结尾写作“妥否，请批示”，报告写作“特此报告”。" * 20000
    assert run_checks({"content/documents/2026-06-03-item.md": item_text("documents", body=body, type="通知")}, kinds) == []


def test_a_formula_at_the_end_of_a_long_line_is_found_and_shown_short(run_checks):
    body = "为保障群众避险需要，拟在城区增设应急避难场所。" * 20000 + "妥否，请批示。"
    findings = run_checks({"content/documents/2026-06-03-item.md": item_text("documents", body=body, type="通知")}, kinds)
    assert [(f.rule, f.column) for f in findings] == [("KIND-CLOSE-QINGSHI", len(body) - 6)]
    assert len(findings[0].message) < 300


def test_a_long_title_is_shown_short():
    title = "云江市应急管理局关于" + "申请安全生产专项资金" * 8 + "的请示"
    (hit,) = kinds.scan(title, "")
    assert hit.rule.id == "KIND-TITLE-QINGSHI" and len(hit.text) == kinds.SHOWN + 1


def test_scan_is_a_pure_function_of_title_and_body():
    assert [(h.rule.id, h.field, h.text) for h in kinds.scan("关于增设应急避难场所的请示", "妥否，請批示。")] == [
        ("KIND-TITLE-QINGSHI", "title", "关于增设应急避难场所的请示"), ("KIND-CLOSE-QINGSHI", "body", "妥否，請批示")]
    assert kinds.scan("市应急管理局召开全市防汛工作部署会", "会议听取了关于防汛工作情况的报告。") == []


@pytest.mark.parametrize("at", [-8, -4, -3, -1, 0, 1, kinds.OVERLAP - 3])
def test_a_formula_at_the_edge_of_a_window_is_found_once(at):
    """The text is normalised a window at a time (memory bounded): a formula across the edge is whole."""
    body = "一" * (kinds.SPAN + at) + "。妥否，请批示。\n" + "二" * 100 + "。特此报告。"
    hits = kinds.scan("", body)
    assert [(h.rule.id, h.text, h.start) for h in hits] == [
        ("KIND-CLOSE-QINGSHI", "妥否，请批示", kinds.SPAN + at + 1),
        ("KIND-CLOSE-BAOGAO", "特此报告", len(body) - 5)]


def test_a_title_across_windows_is_found():
    body = "正文。\n" * (kinds.SPAN // 4 - 3) + "\n关于增设应急避难场所\n\n的请示\n\n市人民政府："
    (hit,) = kinds.scan("", body)
    assert (hit.rule.id, body[hit.start:hit.end]) == ("KIND-TITLE-QINGSHI", "关于增设应急避难场所\n\n的请示")


@pytest.fixture
def kinds_rules(tmp_path, monkeypatch):
    """A copy of checks/rules that a test may change, read instead of the real one."""
    import shutil

    from checks import rulefile

    folder = tmp_path / "rules"
    shutil.copytree(rulefile.RULES_DIR, folder)
    monkeypatch.setattr(rulefile, "RULES_DIR", folder)
    rulefile._document.cache_clear()
    yield folder / "kinds.yml"
    rulefile._document.cache_clear()


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    form: formula\n", "    form: sentence\n", "KIND-CLOSE-QINGSHI: form 应为 title / formula / addressee 之一（kinds.yml 第"),
    ("    keywords: [批示, ", "    keywords: [批覆, 請示, ", "KIND-CLOSE-QINGSHI: 关键词“請示”不是规范化形式，应写成“请示”"),
    ("      (?x)(?:特此|专此|谨此)报告(?!如下)", "      (?x)(?:特此|专此|谨此报告(?!如下)", "KIND-CLOSE-BAOGAO: pattern 不是有效的正则表达式"),
    ("    kind: 函\n    form: title", "    kind: 信函\n    form: title", "KIND-TITLE-HAN: kind（所识别的文种）应为 forbidden 中的文种之一"),
    ("    pattern: '关于.{1,100}?的?(?:紧急", "    pattern: '(?x)关于.{1,100}?的?(?:紧急",
     "KIND-TITLE-QINGSHI: 标题规则的 pattern 不能用 (?x) 等内联标志"),
])
def test_a_broken_rule_is_a_message_naming_it(tmp_portal, kinds_rules, capsys, old, new, message):
    text = kinds_rules.read_text(encoding="utf-8")
    assert old in text
    kinds_rules.write_text(text.replace(old, new, 1), encoding="utf-8")
    item = tmp_portal / "content/news/2026-06-03-item.md"
    item.parent.mkdir(parents=True, exist_ok=True)
    item.write_text(item_text("news"), encoding="utf-8")
    assert kinds.main(["--root", str(tmp_portal)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_scan_reads_the_source_line_breaks_it_is_given():
    lines = "所需资金500万元\n妥否，请批示\n云江市应急管理局"
    body = lines.replace("\n", " ")  # as the published view joins a paragraph's lines
    soft = [i for i, c in enumerate(lines) if c == "\n"]
    assert kinds.scan("", body) == []  # between 元 and 云: inside a sentence
    assert [h.rule.id for h in kinds.scan("", body, soft)] == ["KIND-CLOSE-QINGSHI"]
