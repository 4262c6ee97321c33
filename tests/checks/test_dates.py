"""Dates in order, and 发文字号 in the form 机关代字〔YYYY〕N号."""
from __future__ import annotations

import pytest

from checks import dates

from .conftest import item_text, rules_of

DATE_CASES = [
    # (fields, expected rule ids among DATE-* and FM-DATE-*)
    ({"event_date": "2026-06-03 09:00"}, []),
    ({"event_date": "2026-06-03"}, []),
    ({"event_date": "2026-06-03 18:00"}, ["DATE-EVENT-AFTER"]),
    ({"event_date": "2026-06-04"}, ["DATE-EVENT-AFTER"]),
    ({"date": "2026-06-03", "event_date": "2026-06-03 18:00"}, []),
    ({"date": "2026-06-03", "event_date": "2026-06-05 08:00"}, ["DATE-EVENT-AFTER"]),
    ({"source": "新华社", "reprint": {"site": "新华社", "url": "https://www.news.cn/a.htm", "time": "2026-06-03 10:00"}},
     []),
    ({"source": "新华社", "reprint": {"site": "新华社", "url": "https://www.news.cn/a.htm", "time": "2026-06-05 10:00"}},
     ["DATE-REPRINT-AFTER"]),
    # in the future: the model's FM-DATE-FUTURE; a future reprint time is the reprint check's
    ({"date": "2026-12-01 10:00"}, ["FM-DATE-FUTURE"]),
    ({"date": "2026-12-01 10:00", "scheduled": True}, []),
    ({"source": "新华社", "reprint": {"site": "新华社", "url": "https://www.news.cn/a.htm", "time": "2026-12-05 10:00"}},
     []),
]


@pytest.mark.parametrize(("fields", "expected"), DATE_CASES)
def test_dates(run_checks, fields, expected):
    findings = run_checks({"content/news/2026-06-03-item.md": item_text("news", **fields)}, dates)
    assert rules_of(findings, ("DATE-", "FM-DATE")) == expected


NUMBER_CASES = [
    # (发文字号, year of the publication date, expected)
    ("盘应急发〔2025〕22号", 2025, []),
    ("云应急办函〔2026〕1号", 2026, []),
    ("国办发〔2019〕1号", 2026, []),
    ("盘应急发[2025]22号", 2025, ["DOC-NUMBER-BRACKET"]),
    ("盘应急发【2025】22号", 2025, ["DOC-NUMBER-BRACKET"]),
    ("盘应急发（2025）22号", 2025, ["DOC-NUMBER-BRACKET"]),
    ("盘应急发(2025)22号", 2025, ["DOC-NUMBER-BRACKET"]),
    ("盘应急发［2025］22号", 2025, ["DOC-NUMBER-BRACKET"]),
    ("盘应急发〔2025〕第22号", 2025, ["DOC-NUMBER-DI"]),
    ("盘应急发〔2025〕022号", 2025, ["DOC-NUMBER-ZERO"]),
    ("盘应急发〔2025〕0号", 2025, ["DOC-NUMBER-ZERO"]),
    ("盘应急发[2025]第022号", 2025, ["DOC-NUMBER-BRACKET", "DOC-NUMBER-DI", "DOC-NUMBER-ZERO"]),
    ("盘应急发〔25〕22号", 2025, ["DOC-NUMBER-YEAR-DIGITS"]),
    ("盘应急发2025年22号", 2025, ["DOC-NUMBER-FORMAT"]),
    ("〔2025〕22号", 2025, ["DOC-NUMBER-FORMAT"]),
    ("盘应急发〔2025〕22", 2025, ["DOC-NUMBER-FORMAT"]),
    ("盘应急发〔２０２５〕２２号", 2025, ["DOC-NUMBER-FORMAT"]),
    ("盘应急发〔2026〕22号", 2025, ["DOC-NUMBER-YEAR-LATE"]),
    ("盘应急发[2026]22号", 2025, ["DOC-NUMBER-BRACKET", "DOC-NUMBER-YEAR-LATE"]),
    ("陕震发〔1912〕5号", 2012, ["DOC-NUMBER-YEAR-EARLY"]),
]


@pytest.mark.parametrize(("number", "year", "expected"), NUMBER_CASES)
def test_doc_number(number, year, expected):
    assert sorted(rule for rule, _ in dates.doc_number_problems(number, year)) == expected


def test_doc_number_in_an_item_points_at_it(run_checks, tmp_portal):
    path = "content/documents/2026-06-03-item.md"
    findings = run_checks({path: item_text("documents", type="通知", doc_number="云应急〔2026〕第3号")}, dates)
    (f,) = findings
    assert f.rule == "DOC-NUMBER-DI" and f.category == "date" and f.severity == "error"
    line = (tmp_portal / path).read_text(encoding="utf-8").splitlines()[f.line - 1]
    assert line.startswith("doc_number:") and line[f.column - 1:].startswith("云应急")
    assert "不加“第”字" in f.message


def test_year_is_compared_with_the_items_date(run_checks):
    item = item_text("documents", type="通知", date="2025-12-30", doc_number="云应急〔2026〕3号")
    assert rules_of(run_checks({"content/documents/2025-12-30-item.md": item}, dates)) == ["DOC-NUMBER-YEAR-LATE"]
