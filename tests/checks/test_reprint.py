"""Reprints: from the column's authorised sources only, with site, link and time."""
from __future__ import annotations

import pytest

from checks import reprint

from .conftest import item_text, rules_of


def rp(site: str | None = "新华社", url: str | None = "https://www.news.cn/politics/20260603/c_1128.htm",
       time: str | None = "2026-06-03 10:00") -> dict[str, str]:
    return {k: v for k, v in (("site", site), ("url", url), ("time", time)) if v is not None}


XINHUA = {"source": "新华社"}
CASES = [
    # (column, fields, expected)
    ("news", {}, []),
    ("news", {"source": "新华社"}, ["REPRINT-MISSING"]),
    ("news", {"source": "人民网"}, ["REPRINT-MISSING"]),
    ("news", {"source": "省应急管理厅"}, ["REPRINT-MISSING"]),
    ("news", {"source": "云江市人民政府办公室"}, ["REPRINT-MISSING"]),
    ("news", {"source": "云江市应急管理局宣教科"}, []),
    ("news", {"source": "市防汛防台风指挥部办公室"}, []),
    ("news", {**XINHUA, "reprint": rp()}, []),
    ("news", {**XINHUA, "reprint": rp(url="http://news.cn/politics/c_1128.htm")}, []),
    ("news", {"source": "人民日报", "reprint": rp("人民日报", "https://paper.people.com.cn/rmrb/html/2026-06/03/nw.htm")},
     []),
    ("news", {**XINHUA, "reprint": rp(site="新华网")}, ["REPRINT-SOURCE"]),
    ("news", {**XINHUA, "reprint": rp(site="今日头条", url="https://www.toutiao.com/a1")}, ["REPRINT-SOURCE"]),
    ("headlines", {"source": "省应急管理厅", "reprint": rp("省应急管理厅", "https://yjt.zj.gov.cn/art/2026/6/3/a.html")},
     ["REPRINT-SOURCE"]),
    ("news", {**XINHUA, "reprint": rp(url="https://www.example.com/news.cn/1.htm")}, ["REPRINT-URL-HOST"]),
    ("news", {**XINHUA, "reprint": rp(url="https://news.cn.example.com/1.htm")}, ["REPRINT-URL-HOST"]),
    ("news", {**XINHUA, "reprint": rp(url="https://fakenews.cn/1.htm")}, ["REPRINT-URL-HOST"]),
    ("news", {**XINHUA, "reprint": rp(url="https://www.people.com.cn/n1/2026/0603/c1.html")}, ["REPRINT-URL-HOST"]),
    ("news", {**XINHUA, "reprint": rp(url="ftp://www.news.cn/1.htm")}, ["REPRINT-URL-INVALID"]),
    ("news", {**XINHUA, "reprint": rp(url="www.news.cn/1.htm")}, ["REPRINT-URL-INVALID"]),
    ("news", {**XINHUA, "reprint": rp(url="javascript:alert(1)")}, ["REPRINT-URL-INVALID"]),
    ("news", {**XINHUA, "reprint": rp(url="http://[::1/x")}, ["REPRINT-URL-INVALID"]),
    ("news", {**XINHUA, "reprint": rp(time=None)}, ["REPRINT-INCOMPLETE"]),
    ("news", {**XINHUA, "reprint": rp(url=None, time=None)}, ["REPRINT-INCOMPLETE", "REPRINT-INCOMPLETE"]),
    ("news", {**XINHUA, "reprint": rp(site="")}, ["REPRINT-INCOMPLETE"]),
    ("news", {**XINHUA, "date": "2026-11-22 08:00", "scheduled": True, "reprint": rp(time="2026-11-23 10:00")},
     ["REPRINT-TIME-FUTURE"]),
    ("notices", {**XINHUA, "type": "通知", "reprint": rp()}, ["REPRINT-COLUMN"]),
    ("news", {"reprint": rp()}, ["REPRINT-SOURCE-OURS"]),
]


@pytest.mark.parametrize(("column", "fields", "expected"), CASES)
def test_reprint(run_checks, column, fields, expected):
    findings = run_checks({f"content/{column}/2026-06-03-item.md": item_text(column, **fields)}, reprint)
    assert rules_of(findings, "REPRINT-") == expected
    assert all(f.category == "reprint" for f in findings if f.rule.startswith("REPRINT-"))


def test_wrong_host_suggests_the_owner(run_checks):
    item = item_text("news", **XINHUA, reprint=rp(url="https://www.people.com.cn/n1/2026/0603/c1.html"))
    (f,) = run_checks({"content/news/2026-06-03-item.md": item}, reprint)
    assert "人民日报" in f.message and "news.cn" in f.message


def test_source_of_our_own_is_a_warning(run_checks):
    (f,) = run_checks({"content/news/2026-06-03-item.md": item_text("news", reprint=rp())}, reprint)
    assert f.severity == "warning"


def test_unauthorised_site_lists_the_columns_sources(run_checks):
    item = item_text("headlines", source="省应急管理厅", reprint=rp("省应急管理厅", "https://yjt.zj.gov.cn/a.html"))
    (f,) = run_checks({"content/headlines/2026-06-03-item.md": item}, reprint)
    assert "不是栏目“头条新闻”的授权转载来源" in f.message and "人民日报、新华社" in f.message
