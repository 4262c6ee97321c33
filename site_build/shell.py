"""The page around the content: a theme renders it once with markers, the build fills the markers per page.

A theme (today MkDocs + Material, through site_build.plugin) renders a "shell" for each kind of
place in the site: the home page, each column's index, an item of each column, a further index
page of each column. Where the page's own values go it writes the markers below. Filling a shell
is plain string joining, so 10,000 item pages cost no template rendering, and a build that
reuses the shells of the last build (incremental) writes exactly the bytes a full build writes.
A successor theme only has to produce the same markers.
"""
from __future__ import annotations

import re
from html import escape

from .pages import Page

TITLE = "\x00portal-title\x00"  # the page title, shown in the header
HTML_TITLE = "\x00portal-html-title\x00"  # the document <title>
HEAD = "\x00portal-head\x00"  # <meta> and <link> tags
CONTENT = "\x00portal-content\x00"  # the article

_MARKER = re.compile("(\x00portal-[a-z-]+\x00)")
_BLANK_LINES = re.compile(r"\n[ \t]*(?=\n)")
MARKERS = (TITLE, HTML_TITLE, HEAD, CONTENT)

# A shell is its text split at the markers: [text, marker, text, marker, ..., text].
Shell = list[str]


class ShellError(Exception):
    pass


def split(rendered: str) -> Shell:
    """Cut a rendering at its markers. Blank lines (a third of a Material page) are dropped."""
    parts = _MARKER.split(_BLANK_LINES.sub("", rendered))
    found = set(parts[1::2])
    if not {HEAD, CONTENT} <= found or not found <= set(MARKERS):
        raise ShellError(f"主题模板缺少占位标记（找到 {sorted(m.strip(chr(0)) for m in found)}）。"
                         "请检查主题覆盖目录中的 main.html 是否输出 page.meta.portal_head 与 page.content")
    return parts


def fill(shell: Shell, page: Page) -> bytes:
    values = {TITLE: escape(page.title), HTML_TITLE: escape(page.html_title), HEAD: page.head_html(),
              CONTENT: page.content}
    out = [values[part] if i % 2 else part for i, part in enumerate(shell)]
    return "".join(out).encode("utf-8", errors="xmlcharrefreplace")


def key(page: Page, own: set[str]) -> str:
    """Which shell a page uses: its own when the theme rendered it (navigation pages), else its column's."""
    return f"page:{page.url}" if page.url in own else f"place:{page.column}:{page.depth}"
