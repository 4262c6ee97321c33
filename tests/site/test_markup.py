"""Markdown rendering and the sanitiser: what must be removed and what must stay."""
from __future__ import annotations

import pytest

from portal import markup


@pytest.mark.parametrize(("markdown", "absent"), [
    ("<script>alert(1)</script>正文", ("<script", "alert")),
    ("<img src=\"a.png\" onerror=\"alert(1)\">", ("onerror", "alert")),
    ("[链接](javascript:alert(1))", ("javascript:",)),
    ("<a href=\"JavaScript:alert(1)\">链接</a>", ("javascript:", "JavaScript:")),
    ("<a href=\"data:text/html,<script>alert(1)</script>\">链接</a>", ("data:", "<script")),
    ("<div onclick=\"alert(1)\" style=\"position:fixed\">正文</div>", ("onclick", "style=")),
    ("<!-- 内部备注：不公开 -->正文", ("<!--", "内部备注")),
    ("<iframe src=\"https://example.com/\"></iframe>", ("<iframe",)),
    ("<style>body{display:none}</style>正文", ("<style", "display:none")),
    ("<form action=\"https://example.com\"><input name=\"x\"></form>", ("<form", "<input")),
    ("<svg onload=\"alert(1)\"></svg>", ("onload", "<svg")),
])
def test_removed(markdown: str, absent: tuple[str, ...]) -> None:
    out = markup.to_html(markdown)
    for bad in absent:
        assert bad not in out


@pytest.mark.parametrize(("markdown", "present"), [
    ("**加粗**与*强调*", "<strong>加粗</strong>与<em>强调</em>"),
    ("| 项目 | 数量 |\n|---|---|\n| 隐患 | 12 |", "<td>隐患</td>"),
    ("[应急管理部](https://www.mem.gov.cn/)", '<a href="https://www.mem.gov.cn/" rel="noopener noreferrer">应急管理部</a>'),
    ("![现场照片](https://www.yunjiang.gov.cn/a.jpg)", '<img src="https://www.yunjiang.gov.cn/a.jpg" alt="现场照片">'),
    ("1. 第一\n2. 第二", "<li>第一</li>"),
    ("<table><tr><td colspan=\"2\">合计</td></tr></table>", '<td colspan="2">合计</td>'),
    ("联系电话：[0000-8800123](tel:0000-8800123)", 'href="tel:0000-8800123"'),
    ("a < b & c", "a &lt; b &amp; c"),
])
def test_kept(markdown: str, present: str) -> None:
    assert present in markup.to_html(markdown)


def test_relative_links_are_rewritten() -> None:
    out = markup.to_html("[附件](files/a.pdf) [外部](https://a.cn/x) [锚点](#b)", lambda _tag, u: "../" + u)
    assert 'href="../files/a.pdf"' in out and 'href="https://a.cn/x"' in out and 'href="#b"' in out


@pytest.mark.parametrize(("a", "b", "rel"), [
    ("", "news/", "news/"),
    ("news/", "news/x.html", "x.html"),
    ("news/x.html", "", "../"),
    ("news/x.html", "news/", "./"),
    ("news/x.html", "news/files/a.pdf", "files/a.pdf"),
    ("news/index_2.html", "news/index_3.html", "index_3.html"),
    ("search/", "assets/portal-search.js", "../assets/portal-search.js"),
    ("", "", "./"),
    ("news/", "rss.xml", "../rss.xml"),
])
def test_relative(a: str, b: str, rel: str) -> None:
    assert markup.relative(a, b) == rel


def test_plain_text() -> None:
    assert markup.plain_text("<p>防汛&amp;抗旱</p>\n<p>演练</p>") == "防汛&抗旱 演练"
