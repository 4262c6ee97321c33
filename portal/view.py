"""The published view of an item: what a reader sees, what a crawler indexes, and every file the page links.

One function, `of(article)`, renders an item to its published form. The checks judge it, the gate runs
the checks on it, the build writes its HTML and publishes exactly its files, the workbench previews it.
So what is checked is what is published: there is no second reading of the Markdown anywhere.

- `html`: the body after Markdown (mistune) and sanitising (nh3), with links to files rewritten to the
  canonical form relative to the item's page (which sits in its column's folder, like the .md file).
- `texts`: every front-matter value (each is shown or put in a meta tag, escaped, so as written), the
  file name, and the body as a reader sees it: character entities decoded, comments and tags gone,
  soft line breaks joined (and, as "body:lines", kept), written one block a line with Markdown-like marks so that structure
  (headings, list items, quotes, table cells) survives for the checks; footnotes at the end. Attribute
  texts a reader can see or a crawler indexes (alt, title, ...) and ruby annotations are texts of their own.
- `files`: the front-matter `attachments`, then every relative href/src/cite of the rendered body,
  whatever the Markdown or HTML syntax that produced it (inline, reference-style, raw HTML in any case,
  entity- or percent-encoded, ./ and ../ forms), as repository paths. Links to pages (ending in / or
  .html) are not files.
"""
from __future__ import annotations

import dataclasses
import hashlib
import html
import posixpath
import re
import urllib.parse
from pathlib import Path, PurePosixPath

from . import markup
from .errors import PortalError
from .model import CONTENT, FILES_DIR, Article, attachment_problem

URL_ATTRIBUTES = markup.URL_ATTRIBUTES
# attributes whose value is not text a reader sees
_NOT_TEXT = {*URL_ATTRIBUTES, "id", "class", "width", "height", "colspan", "rowspan", "align", "valign", "start",
             "type", "lang", "dir", "hreflang", "span", "scope", "headers", "reversed", "datetime", "download",
             "rel", "target", "border", "cellpadding", "cellspacing", "char", "charoff", "open"}
_BLOCKS = {"address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
           "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
           "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul"}
_HIDDEN = {"rt", "rp"}  # ruby annotations: shown above the text, read as texts of their own
_SPACE = re.compile(r"[ \t\r\f\v]+")
_SOFT = "\uffff"  # a soft line break inside a paragraph: a space on the page, a line in the source
_INVISIBLE_IN_URL = re.compile(r"[\t\n\r]")  # browsers drop these from URLs
LOOKUPS = 100  # links found out of order that are looked for in the whole body (each costs a pass over it)
_ENTITY = re.compile(r"&#?[0-9A-Za-z]+;")
_PAGE_LINK = re.compile(r"(?:/|\.html?)$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Text:
    key: str  # front-matter key (dotted), "name", "body", "body:alt", "body:title", "body:rt" ...
    text: str
    line: int  # line of the item file where the text starts (best effort for attribute texts)


@dataclasses.dataclass(frozen=True)
class FileRef:
    raw: str  # the target as written (decoded)
    rel: str  # repository-relative POSIX path, normalised; may lie outside content/ or not exist
    line: int
    column: int
    via: str = "正文链接"  # 附件 (front-matter attachments) / 正文链接 / 正文图片

    def in_files_of(self, column: str) -> bool:
        """Whether the file lies in the column's own files/ folder (the only place a page may publish from)."""
        return self.rel.startswith(f"{CONTENT}/{column}/{FILES_DIR}/")


@dataclasses.dataclass(frozen=True)
class View:
    html: str
    texts: tuple[Text, ...]
    files: tuple[FileRef, ...]
    images: tuple[tuple[str, str], ...] = ()  # (src, alt) of every <img> of `html`, in order; a missing alt is ""

    def text(self, key: str) -> str:
        return next((t.text for t in self.texts if t.key == key), "")


def of(article: Article) -> View:
    """The published view of `article` (computed once per Article object)."""
    cached = article.__dict__.get("_view")
    if cached is not None and cached[0] is article.body:
        return cached[1]
    result = _render(article)
    article.__dict__["_view"] = (article.body, result)
    return result


def _render(article: Article) -> View:
    folder = posixpath.dirname(article.path)
    given = article.meta.get("attachments")
    written = [(i, x if isinstance(x, str) else x["file"]) for i, x in enumerate(given if isinstance(given, list) else [])
               if isinstance(x, str) or isinstance(x, dict) and isinstance(x.get("file"), str)]
    written = [(i, raw) for i, raw in written if not attachment_problem(raw)]  # FM-ATTACHMENT-NAME: left out
    files: list[FileRef] = []
    for (i, raw), a in zip(written, article.attachments, strict=False):  # the entries the model accepted
        files.append(FileRef(raw, a.file, *_field_position(article, f"attachments.{i}", raw), via="附件"))
    found: dict[str, tuple[str, str]] = {}  # repository path -> (raw, tag) of its first link, in the body's order

    def link(tag: str, value: str) -> str | None:
        target = resolve(folder, value)
        if target is None:
            return None
        path, suffix = target
        found.setdefault(path, (value, tag))
        return posixpath.relpath(path, folder) + suffix

    body_html = markup.to_html(article.body, link)
    seen = {f.rel for f in files}
    # links come in the body's order: look from the last one and count lines from there (linear);
    # a few found out of order are looked for from the top
    cursor, line, lookups = 0, article.body_line, 0
    body = article.body
    for path, (raw, tag) in found.items():
        if path not in seen:
            seen.add(path)
            at = body.find(raw, cursor) if raw else -1
            if at >= 0:
                line += body.count("\n", cursor, at)
                where = (line, at - body.rfind("\n", 0, at))
                cursor = at
            elif lookups < LOOKUPS:
                lookups += 1
                where = locate(article, raw, posixpath.basename(path))
            else:
                where = (article.body_line, 1)
            files.append(FileRef(raw, path, *where, via="正文图片" if tag == "img" else "正文链接"))
    texts = [Text(key, value, article.line_of(key)) for key, value in _meta_strings(article.meta)]
    texts.append(Text("name", posixpath.splitext(posixpath.basename(article.path))[0], 1))
    reader = _Reader()
    joined = reader.read(body_html)
    texts.append(Text("body", joined.replace(_SOFT, " "), article.body_line))
    if _SOFT in joined:  # the paragraphs as their lines are written too: a marking alone on a line stays alone
        texts.append(Text("body:lines", joined.replace(_SOFT, "\n"), article.body_line))
    for key, value in reader.extra:
        texts.append(Text(key, value, locate(article, value)[0]))
    return View(body_html, tuple(texts), tuple(files), tuple(reader.images))


def resolve(folder: str, value: str) -> tuple[str, str] | None:
    """(repository path, ?query#fragment) of a relative link from a page in `folder`; None if it is not a file.

    Read as a browser and a static web server would: surrounding spaces, tabs and newlines dropped,
    backslashes as slashes, percent-escapes decoded."""
    url = _INVISIBLE_IN_URL.sub("", value).strip().replace("\\", "/")
    if not url or markup.is_absolute(url):
        return None
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    path, suffix = urllib.parse.unquote(url[:cut], errors="replace"), url[cut:]
    if not path or _PAGE_LINK.search(path) and f"/{FILES_DIR}/" not in f"/{path}":
        return None
    target = posixpath.normpath(posixpath.join(folder, path))
    return target, suffix


def locate(article: Article, snippet: str, *others: str, context: str = "") -> tuple[int, int]:
    """Line and column in the item file where `snippet` (a text of the published view) is written.

    Looked for as written, then as each of `others`, then by its start, then with its first character
    entity-encoded; of several places, the one whose line shares most with `context` (the line of the
    view around the snippet). The body's first line if nowhere."""
    body = article.body
    for needle in (snippet, snippet.strip(), *others, snippet.strip()[:8], snippet.strip()[:2]):
        if needle:
            at = _best(body, needle, context)
            if at >= 0:
                return body_position(article, at)
    first = snippet.strip()[:1]
    if first:  # the first character written as an entity: &#31192; &#x79d8; &amp;...
        for m in _ENTITY.finditer(body):
            if html.unescape(m.group()) == first:
                return body_position(article, m.start())
    return article.body_line, 1


def _best(body: str, needle: str, context: str, limit: int = 16) -> int:
    """The offset of `needle` in `body` whose line looks most like `context` (the first one on a tie)."""
    at = body.find(needle)
    if at < 0 or not context:
        return at
    pairs = {context[i:i + 2] for i in range(min(len(context), 200) - 1)}
    best, best_score = at, -1
    for _ in range(limit):
        if at < 0:
            break
        start, end = body.rfind("\n", 0, at) + 1, body.find("\n", at)
        line = body[max(start, at - 100):min(end if end >= 0 else len(body), at + 100)]
        shared = sum(line[i:i + 2] in pairs for i in range(len(line) - 1)) - (1000 if "<!--" in line else 0)
        score = shared * 1000 - abs(len(line) - len(context))  # on a tie, the line of about the same length
        if score > best_score:
            best, best_score = at, score
        at = body.find(needle, at + 1)
    return best


def body_position(article: Article, offset: int) -> tuple[int, int]:
    """Line and column (1-based, in characters) in the item file of `offset` in the article's body."""
    body = article.body
    line_start = body.rfind("\n", 0, offset) + 1
    return article.body_line + body.count("\n", 0, offset), offset - line_start + 1


def _field_position(article: Article, key: str, needle: str) -> tuple[int, int]:
    """The line of a front-matter key and the column where `needle` is written on it (1 if it is not)."""
    line = article.line_of(key)
    text = article.text.split("\n", line)[line - 1] if line >= 1 else ""
    return line, text.find(needle) + 1 if needle in text else 1


def _meta_strings(value: object, key: str = "") -> list[tuple[str, str]]:
    """Every string in the front-matter with its dotted key (title, tags.0, reprint.site ...)."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, object]] = [(key, value)]
    while stack:
        prefix, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            dotted = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, str):
                out.append((dotted, v))
            elif isinstance(v, dict | list):
                stack.append((dotted, v))
    return sorted(out, key=lambda kv: _order(value, kv[0]))


def _order(meta: object, dotted: str) -> tuple[int, str]:
    keys = list(meta) if isinstance(meta, dict) else []
    head = dotted.split(".", 1)[0]
    return (keys.index(head) if head in keys else len(keys), dotted)


# the sanitiser's output (html5ever's serialiser) is well-formed: tags with quoted attribute values,
# and every "<" of a text escaped; so a tag is "<", an optional "/", a name, then anything up to the
# first ">" outside quotes
_TAG_TOKEN = re.compile(r"""<(/?)([A-Za-z][^\t\n\f\r />]*)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>""")
_ATTRIBUTE = re.compile(r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?(?:\s|/(?!>))*""")


def _attributes(rest: str) -> list[tuple[str, str | None]]:
    """The attributes of a start tag (what follows its name), names in lower case, values unquoted and
    with character references decoded, as a browser reads them."""
    out: list[tuple[str, str | None]] = []
    for m in _ATTRIBUTE.finditer(rest):
        name, value = m.group(1).lower(), m.group(3)
        if value is not None and value[:1] == value[-1:] and value[:1] in ("'", '"') and len(value) > 1:
            value = value[1:-1]
        if value and "&" in value:
            value = html.unescape(value)
        out.append((name, value))
    return out


class _Reader:
    """The text of sanitised HTML as a reader sees it, one block a line with Markdown-like marks, and its
    pictures (src, alt)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.line: list[str] = []
        self.prefix = ""
        self.quote = 0
        self.pre = 0
        self.hidden = 0
        self.lists: list[list[int]] = []  # per open list: [counter] (0 for ul)
        self.cells = -1  # cells of the current table row so far (-1: not in a row)
        self.extra: list[tuple[str, str]] = []
        self.images: list[tuple[str, str]] = []
        self.annotation: list[str] = []
        self.footnote_ref = False

    def read(self, body_html: str) -> str:
        """Read the whole of `body_html`; return the body text (one block a line)."""
        pos = 0
        for m in _TAG_TOKEN.finditer(body_html):
            start = m.start()
            if start > pos:
                data = body_html[pos:start]
                self.handle_data(html.unescape(data) if "&" in data else data)
            pos = m.end()
            closing, tag, rest = m.groups()
            tag = tag.lower()
            if closing:
                self.handle_endtag(tag)
                continue
            attrs = _attributes(rest) if rest else []
            self.handle_starttag(tag, attrs)
            if rest.endswith("/") and tag in _HIDDEN:  # <rt/>: opened and closed
                self.handle_endtag(tag)
        if pos < len(body_html):
            data = body_html[pos:]
            self.handle_data(html.unescape(data) if "&" in data else data)
        return self.body()

    # lines ------------------------------------------------------------

    def flush(self) -> None:
        text = "".join(self.line)
        if not self.pre:
            text = _SPACE.sub(" ", text).strip(" " + _SOFT).replace(f" {_SOFT}", _SOFT).replace(f"{_SOFT} ", _SOFT)
        if text or self.prefix.strip(" >"):
            self.lines.append("> " * self.quote + self.prefix + text)
        self.line, self.prefix = [], ""

    def body(self) -> str:
        self.flush()
        return "\n".join(self.lines)

    # events -----------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":  # the picture check reads these
            a = {k: v or "" for k, v in attrs}
            self.images.append((a.get("src", ""), a.get("alt", "")))
        for name, value in attrs:
            if value and name not in _NOT_TEXT and value.strip():
                self.extra.append((f"body:{name}", value))
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("#fn-"):  # a footnote reference: written [^1], as the checks know it
                self.line.append(f"[^{href[4:]}]")
                self.footnote_ref = True
                return
        if tag == "br":
            self.flush()
            return
        if tag in ("td", "th"):
            self.line.append(" | " if self.cells > 0 else "| ")
            self.cells += 1
            return
        if tag not in _BLOCKS:
            return
        if tag in ("p", "div") and self.prefix and not "".join(self.line).strip():
            return  # the paragraph of a list item: its text goes on the item's line
        self.flush()
        if tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag in ("ul", "ol"):
            self.lists.append([1 if tag == "ol" else 0])
        elif tag == "li":
            counter = self.lists[-1] if self.lists else [0]
            self.prefix = "  " * max(0, len(self.lists) - 1) + (f"{counter[0]}. " if counter[0] else "- ")
            if counter[0]:
                counter[0] += 1
        elif tag == "tr":
            self.cells = 0
        elif len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.prefix = "#" * int(tag[1]) + " "

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.footnote_ref = False
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            if not self.hidden and self.annotation:
                self.extra.append(("body:rt", "".join(self.annotation).strip()))
                self.annotation = []
            return
        if tag in ("td", "th") or tag not in _BLOCKS:
            return
        if tag == "tr":
            self.line.append(" |")
            self.cells = -1
        self.flush()
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()

    def handle_data(self, data: str) -> None:
        if self.footnote_ref:
            return
        if self.hidden:
            self.annotation.append(data)
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for part in rest:
                self.flush()
                self.line.append(part)
            return
        # a line break inside a paragraph is the author's; whitespace between table cells is the HTML's layout
        self.line.append(" " if self.cells >= 0 and not data.strip() else data.replace("\n", _SOFT))


# ---------------------------------------------------------------- the files: read by the checks, then published

_CHECKED: dict[str, str] = {}  # resolved path -> sha256 of the file when the checks of this process read it


def is_publishable(root: Path, rel: str) -> bool:
    """A regular file inside the repository, reached without any symlink on the way."""
    path = root
    try:
        for part in PurePosixPath(rel).parts:
            if part in ("", ".", "..") or "\0" in part:
                return False
            path = path / part
            if path.is_symlink():
                return False
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system ...
        return False


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mark_checked(path: Path) -> None:
    """Record that the checks read the file at `path` as it is now."""
    try:
        _CHECKED[str(path.resolve())] = digest(path.read_bytes())
    except OSError:
        _CHECKED.pop(str(path.resolve()), None)


def checked_bytes(path: Path) -> bytes:
    """The file's bytes, if the checks of this process read exactly these; else PortalError: a file no check
    has read, or one changed since, is never published."""
    data = path.read_bytes() if not path.is_symlink() else b""
    if path.is_symlink() or _CHECKED.get(str(path.resolve())) != digest(data):
        raise PortalError(f"{path}：该文件未经本次检查（或检查后被修改、是符号链接），不予发布。请重新运行 `portal build`")
    return data
