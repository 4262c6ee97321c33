"""portal/view.py reads the sanitised body back with a tokenizer of its own: the same texts, attribute
texts and pictures as Python's html.parser read them, on the demo portal, generated items, the rules'
samples, every string of the tests and many random bodies mixing Markdown and raw HTML.

The reference below is the html.parser reader the view used before (kept here, and only here, to
compare): any difference is a change in what the checks judge, so it fails.
"""
from __future__ import annotations

import ast
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bench.generate import generate
from portal import markup, view
from portal.view import _HIDDEN
from tests.conftest import REPO


class Reference(view._Reader, HTMLParser):  # noqa: SLF001 - the view's own handlers, fed by html.parser
    """The reader as it was written over html.parser: the same handlers, html.parser's tokens (entities,
    attributes, comments, raw-text elements), so the only difference tested is the view's regex tokenizer."""

    def __init__(self) -> None:
        view._Reader.__init__(self)  # noqa: SLF001
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN:
            self.handle_endtag(tag)


def reference(body_html: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    r = Reference()
    r.feed(body_html)
    r.close()
    return r.body(), r.extra, r.images


def fast(body_html: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    r = view._Reader()
    return r.read(body_html), r.extra, r.images


# ---------------------------------------------------------------- the samples

PIECES = [
    "# 标题", "## 二级 *强调*", "###### 六级", "标题\n===", "副标题\n---", "- 甲\n- 乙\n  - 丙\n    1. 丁", "1. 一\n2. 二\n\n   段落",
    "3) 三\n4) 四", "* 星\n\n* 松散列表\n\n  第二段", "> 引用\n> > 嵌套\n>\n> - 列表", "| 表头 | 二 |\n|---|:-:|\n| *a* | `b` |\n| | 空 |",
    "```\n代码 <b>&amp;</b>\n\n  缩进\n```", "~~~python\nx = 1 < 2\n~~~", "    缩进代码\n    第二行", "脚注[^1]和[^note]\n\n[^1]: 一\n[^note]: 二 **粗**",
    "![图片](files/a.png \"标题\")", "![](https://example.com/x.jpg)", "[链接](files/x.pdf '题')", "[引用][r]\n\n[r]: <files/y.doc> \"T\"",
    "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp>字<rt>ji</rt></ruby>", "<RUBY>秘<RT>mì</RT>密</RUBY>", "<rt/>自闭合<rp/>",
    "<p title=\"标 > 题\" class=\"x\">段</p>", "<IMG SRC=\"files/a.png\" ALT='单引号 \"双\"' TITLE=a&amp;b>",
    "<img src=files/b.png alt=无引号>", "<img alt=\"只有说明\">", "<img src=\"x.png\">", "<abbr title=\"全称&nbsp;说明\">缩写</abbr>",
    "<q cite=\"files/q.txt\">引</q>", "<blockquote cite=\"files/c.txt\">整段</blockquote>", "<details><summary>摘要</summary>内容</details>",
    "<dl><dt>术语</dt><dd>定义</dd></dl>", "<table><tr><td>原始</td><td>表格</td></tr>\n<tr>\n  <th>头</th>\n</tr></table>",
    "<div>块<div>嵌套</div>尾</div>", "<span lang=\"en\" dir=\"ltr\">inline</span>", "<br>换行<br/>再<BR />", "<hr>", "***", "___",
    "a &amp; b &lt; c &gt; d &nbsp; e &#31192;&#x5bc6; &copy &AMP; AT&T &", "< 不是标签 > 和 a<b 与 1 < 2 > 0",
    "<!-- 注释 -->可见<!-- 多\n行 -->", "<script>alert(1)</script>脚本后", "<style>p{}</style>样式后", "<textarea><b>x</b></textarea>",
    "<iframe src=\"x\">框</iframe>", "<plaintext><b>纯文本", "<svg><text>矢量</text></svg>", "<math><mi>x</mi></math>",
    "<a href=\"#fn-1\">1</a> 伪脚注", "<a href=\"files/%E9%99%84.txt\">百分号</a>", "<a href=\"files\\x.txt\">反斜杠</a>",
    "<a href=\" files/x.txt?v=1#p \">空格</a>", "<a href=\"javascript:alert(1)\">脚本</a>", "<a href=\"mailto:a@b.cn\">邮件</a>",
    "行一\n行二\n行三", "行一  \n硬换行", "行一\\\n反斜杠换行", "\t制表\t符\t", "全角\u3000空格", "零宽\u200b字符\ufeff",
    "CRLF\r\n行\r\n", "\u00a0不换行空格\u00a0", "emoji 🚒 与 𠀀", "**粗*斜*粗**", "~~删除~~", "`代码 <i>`", "<kbd>Ctrl</kbd>+<sub>2</sub><sup>3</sup>",
    "<ol start=\"5\" reversed><li>五</li></ol>", "<ul><li><p>段</p><p>二段</p></li><li>乙</li></ul>", "<li>孤立项</li>",
    "<td>孤立格</td>", "<tr><td>孤立行</td></tr>", "<pre>\n\n首行空</pre>", "<pre><code>a\n\nb</code></pre>文",
    "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>\n\n</td></tr></tbody></table>", "<h7>非标题</h7>", "<H2 ID=x>大写</H2>",
    "<center>居中</center>", "<font color=red>字体</font>", "<time datetime=\"2026-01-01\">元旦</time>", "<data value=\"1\">数</data>",
    "<img src=\"a.png\" alt=\"\">", "<img src=\"&#104;ttps://e.com/x.jpg\" alt=\"&quot;引&quot;\">", "<a title='\"' href='#x'>引号</a>",
    "<p>未闭合段落<p>又一个", "</p>多余结束</div>", "<b><i>交错</b></i>", "<a href=x>无引号链接</a>", "秘密★1年",
]


def _random_bodies(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = rng.sample(PIECES, rng.randint(1, 8))
        glue = rng.choice(["\n\n", "\n", "", " ", "\n\n> ", "\n- ", "\n| x | ", "<td>", "</li>\n"])
        out.append(glue.join(parts))
    return out


def _string_literals(folder: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[<&#*|\[\n>`]", node.value):
                out.append(node.value)
    return out


def _rule_samples() -> list[str]:
    import yaml

    out: list[str] = []
    for path in sorted((REPO / "checks" / "rules").glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []) or []:
            samples = rule.get("samples") or {} if isinstance(rule, dict) else {}
            out += [s for key in ("match", "no_match") for s in samples.get(key, []) or [] if isinstance(s, str)]
    return out


def _same(bodies: list[str]) -> list[str]:
    """The bodies whose rendered HTML the two readers read differently (with both readings)."""
    bad = []
    for body in bodies:
        body_html = markup.to_html(body)
        if fast(body_html) != reference(body_html):
            bad.append(f"{body!r}\n  HTML {body_html!r}\n  new {fast(body_html)!r}\n  old {reference(body_html)!r}")
    return bad


def test_the_pieces_read_alike() -> None:
    assert _same(PIECES) == []


def test_random_bodies_read_alike() -> None:
    assert _same(_random_bodies(3000, seed=16)) == []


def test_the_demo_portal_reads_alike() -> None:
    bodies = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content").rglob("*.md"))]
    assert len(bodies) > 50
    assert _same(bodies) == []


def test_generated_items_read_alike(tmp_path: Path) -> None:
    generate(tmp_path / "portal", 300)
    bodies = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "portal" / "content").rglob("*.md"))]
    assert _same(bodies) == []


def test_every_string_of_the_tests_and_the_rules_samples_reads_alike() -> None:
    bodies = _string_literals(REPO / "tests") + _rule_samples()
    assert len(bodies) > 500
    assert _same(bodies) == []


@pytest.mark.parametrize("body_html", [
    '<p title="a &gt; b" class="c">x</p>', "<img src='a.png' alt='b'>", "<img src=a.png alt=b/>", "<rt/>",
    '<p>a &amp;amp; &#60;b&#62; &unknown; &</p>', "text at the end &amp; no tag", "<td>\n</td>",
])
def test_html_not_written_by_the_sanitiser_reads_alike(body_html: str) -> None:
    assert fast(body_html) == reference(body_html)
