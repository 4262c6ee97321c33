"""Markdown to safe HTML: mistune renders, nh3 (a maintained sanitiser) removes what must not reach a reader.

Raw HTML in an item is allowed through Markdown and then cleaned: no script or style (with their content),
no event handlers, no javascript: or data: URLs, no HTML comments. Every relative URL of the result (href,
src, cite: the only URL attributes the allow-list keeps) is shown to a `link` callback, which may rewrite
it; portal/view.py uses that to list the files a page links to, whatever syntax produced the link.
"""
from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable

import mistune
import nh3

_MARKDOWN = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "footnotes"])

TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["a"] = {"href", "hreflang", "title"}
ATTRIBUTES["img"] = {"src", "alt", "title", "width", "height"}
ATTRIBUTES["*"] = {"id"}
ATTRIBUTES.pop("q", None)  # cite= URLs are not shown; nothing to keep
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_ABSOLUTE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


URL_ATTRIBUTES = ("href", "src", "cite")


def is_absolute(url: str) -> bool:
    """A URL with a scheme, a root-relative or protocol-relative path, or a fragment of the same page."""
    return bool(_ABSOLUTE.match(url))


CHUNK = 256 * 1024  # characters: a longer body is rendered piece by piece (memory bounded by a piece)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]{1,999}\]:[ \t]*\S")


def to_html(markdown: str, link: Callable[[str, str], str | None] | None = None) -> str:
    """Render Markdown and sanitise the result. `link(tag, url)` may rewrite a relative URL (None: keep)."""
    return "".join(clean(_render(piece), link) for piece in pieces(markdown))


def _render(markdown: str) -> str:
    raw = _MARKDOWN(markdown)
    assert isinstance(raw, str)
    return raw


def pieces(markdown: str) -> list[str]:
    """A long body cut into pieces of about CHUNK characters, so that rendering stays linear (mistune's
    inline parser is not, on one huge paragraph) and memory is bounded by a piece.

    Cut at a blank line outside fenced code when there is one; a paragraph or line longer than CHUNK is
    cut too (at a line end, or a sentence end or space inside a line), and a fence cut in two is closed
    and reopened: the page is rendered from the same pieces, so it shows exactly what the checks read.
    Reference definitions (`[1]: files/x.txt`) are added to every piece while they are short in all."""
    if len(markdown) <= CHUNK:
        return [markdown]
    lines = [part for line in markdown.split("\n") for part in _cut_line(line)]
    definitions = "\n".join(line for line in lines if _REFERENCE.match(line))
    tail = "\n\n" + definitions if definitions and len(definitions) <= CHUNK else ""
    out: list[str] = []
    current: list[str] = []
    size, fence = 0, ""
    for line in lines:
        m = _FENCE.match(line)
        if m and (not fence or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)):
            fence = "" if fence else m.group(1)
        if size >= CHUNK and (not line.strip() and not fence or size >= 2 * CHUNK):
            out.append("\n".join(current + ([fence] if fence else [])) + tail)
            current, size = ([fence] if fence else []), 0
        current.append(line)
        size += len(line) + 1
    out.append("\n".join(current) + tail)
    return out


def _cut_line(line: str) -> list[str]:
    """A line longer than CHUNK as lines of at most CHUNK characters, cut after a sentence end or a space."""
    out = []
    while len(line) > CHUNK:
        at = max(line.rfind(sep, CHUNK // 2, CHUNK) for sep in ("。", "；", "！", "？", " ", ")", "）"))
        at = at + 1 if at > 0 else CHUNK
        out.append(line[:at])
        line = line[at:]
    return [*out, line]


def clean(fragment: str, link: Callable[[str, str], str | None] | None = None) -> str:
    def rewrite(tag: str, attr: str, value: str) -> str | None:
        if link is not None and attr in URL_ATTRIBUTES and value.strip() and not is_absolute(value.strip()):
            new = link(tag, value)
            return value if new is None else new
        return value

    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     attribute_filter=rewrite, strip_comments=True, clean_content_tags={"script", "style"})


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, spaces collapsed (for search and summaries)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def relative(from_url: str, to_url: str) -> str:
    """Relative link between two site URLs ("" is the home page; "news/" a folder, "news/x.html" a file)."""
    folder_of_from = from_url[:from_url.rfind("/") + 1]
    if to_url.startswith(folder_of_from):  # the usual case: a page of the same folder or below
        return to_url[len(folder_of_from):] or "./"
    base = from_url.rstrip("/") if from_url.endswith("/") or not from_url else posixpath.dirname(from_url)
    folder = to_url.endswith("/") or not to_url
    rel = posixpath.relpath(to_url.rstrip("/") or ".", base or ".")
    if rel == ".":
        return "./"
    return rel + "/" if folder else rel
