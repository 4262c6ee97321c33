"""Which pages the portal has, their addresses, metadata and content: independent of MkDocs and Material.

From the content model this module computes the home page, one index per column (newest first,
paginated), one page per public item, the search page, RSS feeds and the sitemap. A theme only
supplies the page around the content (header, navigation, footer), through site_build.shell.

Lists, feeds and the sitemap are computed from `Entry` records (what a list needs to know of an
item), so an incremental build can recompute them from its state without loading every item.
Every value written into HTML or XML is escaped here; nothing else escapes for us.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import email.utils
from collections.abc import Iterable, Sequence
from html import escape, unescape
from pathlib import Path

from portal import clock, markup, model, policy, view
from portal.config import Column, Config

PER_PAGE = 20  # items on one page of a column index
HOME_ITEMS = 8  # newest items of each home column shown on the home page
FEED_ITEMS = 50  # items in an RSS feed
SEARCH_URL = "search/"
MAP_URL = "sitemap.html"  # the HTML 网站地图
FEED = "rss.xml"
LOGO = "assets/logo.svg"  # the site's logo (docs/assets/logo.svg of the portal's mkdocs.yml); the Image meta tag's fallback
DESCRIPTION_CHARS = 120  # a Description taken from the body is cut here
# The top navigation: groups of columns. A column's `group` in columns.yml wins; else its type decides.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("政务公开", ("政策文件", "政策解读", "负责人信息", "机构职能", "数据发布")),
    ("新闻动态", ("工作动态",)),
    ("政务服务", ("办事服务",)),
    ("互动交流", ("征集调查", "回应关切")),
)
OTHER_GROUP = "其他栏目"
SITEMAP_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
SITEMAP_TAIL = b"</urlset>\n"
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}

ITEM, COLUMN, HOME, SEARCH, MAP = "item", "column", "home", "search", "map"
# print and font-size buttons of an item page; shown by assets/portal.js (useless without it)
ITEM_TOOLS = ('<div class="portal-item-tools" data-portal-tools hidden>'
              '<span>字号：</span><button type="button" data-size="1.25">大</button>'
              '<button type="button" data-size="1.1">中</button><button type="button" data-size="1">小</button>'
              '<button type="button" data-print>打印本页</button></div>')


@dataclasses.dataclass(frozen=True)
class Entry:
    """An item as lists, feeds, the sitemap and the search index see it."""

    path: str  # content/<column>/<file>.md
    url: str  # <column>/<slug>/
    column: str
    title: str
    date: str  # ISO 8601 with the +08:00 offset; orders the lists
    shown_date: str  # YYYY-MM-DD or YYYY-MM-DD HH:MM, as the item gives it
    summary: str
    files: tuple[tuple[str, str], ...]  # (repository path, site path) of every file the page links to

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.date)

    def as_dict(self) -> dict[str, object]:
        return {**dataclasses.asdict(self), "files": [list(f) for f in self.files]}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Entry:
        files = tuple((str(a), str(b)) for a, b in data["files"])  # type: ignore[attr-defined]
        return cls(**{**data, "files": files})  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class Page:
    url: str  # "" for the home page; directories end in "/"
    kind: str  # item / column / home / search
    column: str  # the column this page belongs to ("" for home and search)
    depth: int  # number of path segments: where relative links start from
    title: str  # plain text: shown in the header
    html_title: str  # plain text: the document <title>
    head: tuple[tuple[str, str], ...]  # (name, content) of <meta> tags, plain text
    links: tuple[tuple[str, str, str, str], ...]  # (rel, type, href, title) of <link> tags
    content: str  # HTML, already escaped and sanitised

    @property
    def output(self) -> str:
        return output_path(self.url)

    def head_html(self) -> str:
        tags = [f'<meta name="{escape(n)}" content="{escape(v)}">' for n, v in self.head]
        for rel, kind, href, title in self.links:
            kind_attr = f' type="{escape(kind)}"' if kind else ""
            title_attr = f' title="{escape(title)}"' if title else ""
            tags.append(f'<link rel="{escape(rel)}"{kind_attr} href="{escape(href)}"{title_attr}>')
        return "\n    ".join(tags)


def depth_of(url: str) -> int:
    return url.count("/")


def output_path(url: str) -> str:
    """The file a page URL is served from: folders have an index.html."""
    return f"{url}index.html" if url.endswith("/") or not url else url


def item_url(article: model.Article) -> str:
    """An item's page: a file in its column's folder, so a new copy of the site needs no folder per item."""
    return f"{article.column}/{article.slug}.html"


def url_of_path(path: str) -> str:
    """item_url of the item at a repository path (content/<column>/<file>.md)."""
    return f"{path.split('/')[1]}/{model.slug_of(path)}.html"


# ---------------------------------------------------------------- entries


def is_listed(article: model.Article, now: dt.datetime | None = None) -> bool:
    """Whether the item is on the public site at `now`: not a draft, not scheduled later."""
    return article.is_public(now)


def entry(article: model.Article, files: Iterable[tuple[str, str]] = ()) -> Entry:
    """The list record of a public item; `files` are the files its page publishes."""
    assert article.date is not None
    return Entry(
        path=article.path, url=item_url(article), column=article.column, title=article.title,
        date=article.date.astimezone(clock.CST).isoformat(),
        shown_date=model.format_when(article.date, article.date_has_time),
        summary=article.summary or "",
        files=tuple(sorted(set(files))),
    )


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date, e.url), reverse=True)


def site_path(repo_path: str) -> str:
    """Where a file under content/ is published: content/news/files/a.pdf -> news/files/a.pdf."""
    return repo_path.removeprefix(model.CONTENT + "/")


def published_files(article: model.Article) -> list[tuple[str, str]]:
    """(repository path, site path) of every file the item's page publishes: exactly the files of its
    published view (portal/view.py) that the checks accept, i.e. in its column's files/ folder."""
    return [(f.rel, site_path(f.rel)) for f in view.of(article).files if f.in_files_of(article.column)]


# ---------------------------------------------------------------- the site


@dataclasses.dataclass
class Site:
    """Everything that depends on the configuration but not on the items (and the policy links, which do)."""

    config: Config
    policy_links: policy.Links | None = None  # 政策文件 <-> 解读 over the whole content set; None: read from disk when needed
    now: dt.datetime | None = None  # the build's "now" (有效性, which 解读 are public); None: clock.now()

    def policy_shown(self, article: model.Article) -> dict[str, object] | None:
        """What an item's page shows of other items and of today (portal.policy.Links.shown)."""
        if not policy.is_policy_column(self.config, article.column):
            return None
        if self.policy_links is None:
            self.policy_links = policy.Links(self.config, policy.scan(self.config))
        return self.policy_links.shown(policy.fact_of(article), self.now or clock.now())

    @property
    def name(self) -> str:
        return self.config.site.name

    def base_head(self) -> list[tuple[str, str]]:
        s = self.config.site
        return [("SiteName", s.name), ("SiteDomain", s.domain), ("SiteIDCode", s.id_code)]

    def absolute(self, url: str) -> str:
        return self.config.site.url.rstrip("/") + "/" + url

    def column_head(self, column: Column) -> list[tuple[str, str]]:
        return [("ColumnName", column.title), ("ColumnDescription", column.description),
                ("ColumnKeywords", ",".join(column.keywords)), ("ColumnType", column.type)]

    def groups(self) -> list[tuple[str, list[Column]]]:
        """The top navigation: (group title, its columns in columns.yml order), groups in a fixed order."""
        by_type = {t: title for title, types in GROUPS for t in types}
        out: dict[str, list[Column]] = {title: [] for title, _ in GROUPS}
        for column in self.config.columns.values():
            out.setdefault(column.group or by_type.get(column.type, OTHER_GROUP), []).append(column)
        return [(title, cols) for title, cols in out.items() if cols]

    def links(self, url: str, column: str = "") -> tuple[tuple[str, str, str, str], ...]:
        out = [("canonical", "", self.absolute(url), ""),
               ("alternate", "application/rss+xml", markup.relative(url, FEED), f"{self.name} 最新信息")]
        if column:
            title = self.config.columns[column].title
            out.append(("alternate", "application/rss+xml", markup.relative(url, f"{column}/{FEED}"), f"{title} 最新信息"))
        return tuple(out)

    def title(self, title: str) -> str:
        return f"{title} - {self.name}"

    # ------------------------------------------------------------ item pages

    def item(self, article: model.Article) -> tuple[Page, Entry]:
        """The page of a public item and its list record."""
        assert article.date is not None
        url = item_url(article)
        column = self.config.columns[article.column]
        dept = self.config.departments.get(article.department)
        head = self.base_head() + [
            ("ColumnName", column.title), ("ColumnType", column.type),
            ("ArticleTitle", article.title), ("PubDate", article.date.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M")),
            ("ContentSource", article.source),
        ]
        published = view.of(article)
        keywords = ",".join(article.tags) or ",".join(column.keywords) or column.title
        head += [("Keywords", keywords), ("Author", dept.name if dept else article.department),
                 ("Description", article.summary or first_paragraph(published)),
                 ("Image", self.absolute(first_image(article) or LOGO)), ("Url", self.absolute(url))]
        shown = self.policy_shown(article)
        rows = [("信息来源", escape(article.source)), ("发布部门", escape(dept.name if dept else article.department)),
                ("发布日期", escape(model.format_when(article.date, article.date_has_time)))]
        caption = "信息属性"
        if column.policy == policy.DOCUMENT and shown is not None:
            caption = "政策文件信息"
            rows = self._policy_rows(article, str(shown["validity"])) + rows[:2]
        elif article.doc_number:
            rows.append(("发文字号", escape(article.doc_number)))
        if article.event_date is not None and caption == "信息属性":
            label = "成文日期" if column.type == "政策文件" else "信息产生日期"
            event = article.event_date.astimezone(clock.CST)
            rows.append((label, escape(model.format_when(event, event.time() != dt.time(0, 0)))))
        if article.reprint is not None:
            r = article.reprint
            rows.append(("转载来源", escape(r.site)))
            if r.time is not None:
                rows.append(("转载时间", escape(model.format_when(r.time))))
            if r.url:
                rows.append(("原文链接", f'<a href="{escape(r.url)}" rel="noopener noreferrer">{escape(r.url)}</a>'))
        info = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
        body = published.html
        parts = [
            f'<nav class="portal-path" aria-label="当前位置"><a href="{markup.relative(url, "")}">首页</a> › '
            f'<a href="{markup.relative(url, column.id + "/")}">{escape(column.title)}</a></nav>',
            f'<h1 class="portal-title">{escape(article.title)}</h1>',
            f'<table class="portal-info"><caption class="portal-hidden">{caption}</caption><tbody>{info}</tbody></table>',
            ITEM_TOOLS,
            f'<div class="portal-body" data-portal-body>\n{body}</div>',
        ]
        if shown is not None:
            parts += self._related(url, shown)
        if article.attachments:
            links = "".join(
                f'<li><a href="{escape(markup.relative(url, site_path(a.file)))}" download>{escape(a.title)}</a>'
                f' <span class="portal-attachments__meta">（{escape(file_label(self.config.root / a.file))}）</span></li>'
                for a in article.attachments)
            parts.append(f'<section class="portal-attachments" aria-labelledby="portal-attachments"><h2 id="portal-attachments">附件</h2><ul>{links}</ul></section>')
        page = Page(url, ITEM, column.id, depth_of(url), article.title, self.title(article.title),
                    tuple(head), self.links(url, column.id), "\n".join(parts))
        return page, entry(article, published_files(article))

    def _policy_rows(self, article: model.Article, validity: str) -> list[tuple[str, str]]:
        """The header table of a policy document (政府信息公开): 索引号, 主题分类, 发文机关, 成文日期, 文号, 发布日期, 有效性."""
        assert article.date is not None
        site = self.config.site
        rows = [("索引号", article.index_number), ("主题分类", article.topic),
                ("发文机关", article.issuer or site.organizer or site.name)]
        if article.event_date is not None:
            event = article.event_date.astimezone(clock.CST)
            rows.append(("成文日期", model.format_when(event, event.time() != dt.time(0, 0))))
        rows += [("文号", article.doc_number), ("发布日期", model.format_when(article.date, article.date_has_time)),
                 ("有效性", validity)]
        return [(k, escape(v)) for k, v in rows if v]

    def _related(self, url: str, shown: dict[str, object]) -> list[str]:
        """Links between a policy document and its 解读, both ways."""
        if "interpretations" in shown:
            title, found = "政策解读", [tuple(x) for x in shown["interpretations"]]  # type: ignore[attr-defined]
        else:
            title, found = "解读的政策文件", [tuple(shown["document"])] if shown.get("document") else []  # type: ignore[arg-type]
        if not found:
            return []
        items = "".join(f'<li><a href="{escape(markup.relative(url, url_of_path(path)))}">{escape(name)}</a></li>'
                        for name, path in found)
        return [f'<section class="portal-related" aria-labelledby="portal-related"><h2 id="portal-related">{title}</h2>'
                f'<ul>{items}</ul></section>']

    # ------------------------------------------------------------ lists

    def _list(self, url: str, entries: Sequence[Entry], with_column: bool = False) -> str:
        if not entries:
            return '<p class="portal-empty">暂无信息。</p>'
        rows = []
        for e in entries:
            label = f'<span class="portal-list__column">[{escape(self.config.columns[e.column].title)}]</span> ' if with_column else ""
            rows.append(f'<li>{label}<a href="{escape(markup.relative(url, e.url))}">{escape(e.title)}</a>'
                        f'<time datetime="{escape(e.date)}">{escape(e.shown_date[:10])}</time></li>')
        return f'<ul class="portal-list">{"".join(rows)}</ul>'

    def column_pages(self, column: Column, entries: Sequence[Entry]) -> list[Page]:
        """The index of a column: page 1 at <column>/, then <column>/index_2.html ..., newest first."""
        count = max(1, -(-len(entries) // PER_PAGE))
        pages = []
        for n in range(1, count + 1):
            url = column_url(column.id, n)
            chunk = entries[(n - 1) * PER_PAGE:n * PER_PAGE]
            head = self.base_head() + self.column_head(column)
            parts = [f'<h1 class="portal-title">{escape(column.title)}</h1>']
            if column.description:
                parts.append(f'<p class="portal-column__description">{escape(column.description)}</p>')
            parts.append(self._list(url, chunk))
            parts.append(self._pager(column.id, n, count, url, len(entries)))
            parts.append(f'<p class="portal-feed"><a href="{markup.relative(url, column.id + "/" + FEED)}">'
                         f'订阅本栏目（RSS）</a></p>')
            title = column.title if n == 1 else f"{column.title}（第 {n} 页）"
            pages.append(Page(url, COLUMN, column.id, depth_of(url), title, self.title(title), tuple(head),
                              self.links(url, column.id), "\n".join(parts)))
        return pages

    def _pager(self, column: str, n: int, count: int, url: str, total: int) -> str:
        if count == 1:
            return f'<p class="portal-pager">共 {total} 条</p>'
        links = []
        if n > 1:
            links.append(f'<a href="{markup.relative(url, column_url(column, n - 1))}" rel="prev">上一页</a>')
        for k in sorted({1, n - 2, n - 1, n, n + 1, n + 2, count}):
            if 1 <= k <= count:
                target = markup.relative(url, column_url(column, k))
                links.append(f'<span aria-current="page">{k}</span>' if k == n else f'<a href="{target}">{k}</a>')
        if n < count:
            links.append(f'<a href="{markup.relative(url, column_url(column, n + 1))}" rel="next">下一页</a>')
        return f'<nav class="portal-pager" aria-label="分页">{" ".join(links)} <span>共 {total} 条，{count} 页</span></nav>'

    def home_page(self, entries_by_column: dict[str, list[Entry]]) -> Page:
        parts = [f'<h1 class="portal-hidden">{escape(self.name)}</h1>', self._search_form("")]
        for column in self.config.columns.values():
            if not column.home:
                continue
            entries = entries_by_column.get(column.id, [])[:HOME_ITEMS]
            parts.append(f'<section class="portal-home__column"><h2><a href="{column.id}/">{escape(column.title)}</a>'
                         f'<a class="portal-more" href="{column.id}/">更多</a></h2>{self._list("", entries)}</section>')
        head = self.base_head()
        return Page("", HOME, "", 0, self.name, self.name, tuple(head), self.links(""), "\n".join(parts))

    def _search_form(self, url: str) -> str:
        return (f'<form class="portal-search" action="{markup.relative(url, SEARCH_URL)}" method="get">'
                '<input type="search" name="q" placeholder="请输入关键词（至少两个字）" aria-label="搜索关键词">'
                '<button type="submit">搜索</button></form>')

    def search_page(self) -> Page:
        url = SEARCH_URL
        content = (
            '<h1 class="portal-title">站内搜索</h1>'
            f'<div id="portal-search" data-root="{markup.relative(url, "")}">{self._search_form(url)}'
            '<p class="portal-search__status" aria-live="polite"></p><ol class="portal-search__results"></ol>'
            '<noscript><p>站内搜索需要浏览器启用 JavaScript；也可从各栏目页按时间查找信息。</p></noscript></div>'
            f'<script src="{markup.relative(url, "assets/portal-search.js")}"></script>'
        )
        return Page(url, SEARCH, "", depth_of(url), "站内搜索", self.title("站内搜索"), tuple(self.base_head()),
                    self.links(url), content)

    def map_page(self) -> Page:
        """The HTML 网站地图: every column, in the groups of the top navigation."""
        url = MAP_URL
        parts = ['<h1 class="portal-title">网站地图</h1>', '<div class="portal-map">']
        for title, columns in self.groups():
            links = "".join(f'<li><a href="{markup.relative(url, c.id + "/")}">{escape(c.title)}</a></li>' for c in columns)
            parts.append(f'<section><h2>{escape(title)}</h2><ul>{links}</ul></section>')
        parts.append(f'<section><h2>其他</h2><ul><li><a href="{markup.relative(url, "")}">首页</a></li>'
                     f'<li><a href="{markup.relative(url, SEARCH_URL)}">站内搜索</a></li>'
                     f'<li><a href="{markup.relative(url, FEED)}">订阅全站（RSS）</a></li></ul></section></div>')
        return Page(url, MAP, "", depth_of(url), "网站地图", self.title("网站地图"), tuple(self.base_head()),
                    self.links(url), "\n".join(parts))

    # ------------------------------------------------------------ feeds and sitemap

    def feed(self, entries: Sequence[Entry], column: Column | None = None) -> bytes:
        """RSS 2.0 of the newest items; no build time in it, so an unchanged feed stays byte-identical."""
        title = f"{self.name} - {column.title}" if column else self.name
        link = self.absolute(f"{column.id}/" if column else "")
        description = column.description if column else f"{self.name}最新政务信息"
        items = []
        for e in entries[:FEED_ITEMS]:
            items.append(
                "<item>"
                f"<title>{twice(e.title)}</title><link>{escape(self.absolute(e.url))}</link>"
                f'<guid isPermaLink="true">{escape(self.absolute(e.url))}</guid>'
                f"<pubDate>{email.utils.format_datetime(e.when)}</pubDate>"
                f"<category>{twice(self.config.columns[e.column].title)}</category>"
                + (f"<description>{twice(e.summary)}</description>" if e.summary else "")
                + "</item>")
        newest = f"<lastBuildDate>{email.utils.format_datetime(entries[0].when)}</lastBuildDate>" if entries else ""
        text = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{twice(title)}</title><link>{escape(link)}</link>"
                f"<description>{twice(description)}</description><language>zh-cn</language>{newest}"
                + "".join(items) + "</channel></rss>\n")
        return text.encode("utf-8")

    def sitemap(self, pages: Iterable[tuple[str, str]]) -> bytes:
        """sitemap.xml of (url, lastmod date or "") pairs."""
        rows = "".join(self._sitemap_row(url, lastmod) + "</url>" for url, lastmod in sorted(pages))
        return SITEMAP_HEAD + rows.encode("utf-8") + SITEMAP_TAIL

    def _sitemap_row(self, url: str, lastmod: str) -> str:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        return f"<url><loc>{escape(self.absolute(url))}</loc>{mod}"

    def sitemap_patch(self, old: bytes, remove: Iterable[str], add: Iterable[tuple[str, str]]) -> bytes | None:
        """`sitemap` of the pages of sitemap.xml `old` without the urls `remove` and with the pairs `add`,
        by splicing rows into `old` (found by binary search, so the cost is the file's bytes, not its rows);
        None when `old` is not what `sitemap` writes (then build it whole)."""
        if not old.startswith(SITEMAP_HEAD) or not old.endswith(SITEMAP_TAIL):
            return None
        rows = old[len(SITEMAP_HEAD):-len(SITEMAP_TAIL)].split(b"</url>")
        if rows.pop() != b"":
            return None
        prefix = self.absolute("")

        def key(row: bytes) -> str:
            return unescape(row[10:row.find(b"</loc>")].decode("utf-8")).removeprefix(prefix)

        for url in sorted(set(remove)):
            i = bisect.bisect_left(rows, url, key=key)
            if i == len(rows) or key(rows[i]) != url:
                return None
            del rows[i]
        for url, lastmod in sorted(add):
            i = bisect.bisect_left(rows, url, key=key)
            if i < len(rows) and key(rows[i]) == url:
                return None
            rows.insert(i, self._sitemap_row(url, lastmod).encode("utf-8"))
        return SITEMAP_HEAD + b"</url>".join(rows) + (b"</url>" if rows else b"") + SITEMAP_TAIL


def twice(text: str) -> str:
    """Escaped for the HTML a feed reader renders, then for XML: `<b>` reaches the reader as the text "<b>"."""
    return escape(escape(text))


def first_paragraph(published: view.View) -> str:
    """The Description of an item without a summary: its first paragraph of text, cut at DESCRIPTION_CHARS."""
    for t in published.texts:
        if t.key != "body":
            continue
        for line in t.text.splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "|", ">")):
                line = line.lstrip("-0123456789. ").strip()
                return line if len(line) <= DESCRIPTION_CHARS else line[:DESCRIPTION_CHARS - 1] + "…"
    return ""


def first_image(article: model.Article) -> str:
    """The site path of the first picture the item's page publishes, or ""."""
    for src, dest in published_files(article):
        if Path(src).suffix.lower() in IMAGE_TYPES:
            return dest
    return ""


def file_label(path: Path) -> str:
    """An attachment's type and size as a reader sees it: "PDF，1.2 MB"."""
    kind = path.suffix.lstrip(".").upper() or "文件"
    try:
        size = path.stat().st_size
    except OSError:
        return kind
    if size < 1024:
        return f"{kind}，{size} B"
    if size < 1024 * 1024:
        return f"{kind}，{size / 1024:.1f} KB"
    return f"{kind}，{size / 1024 / 1024:.1f} MB"


def column_url(column: str, n: int = 1) -> str:
    return f"{column}/" if n == 1 else f"{column}/index_{n}.html"


# ---------------------------------------------------------------- the plan


@dataclasses.dataclass
class Plan:
    """The whole site: pages to render (lists always; items only those asked for) and other files."""

    site: Site
    entries: list[Entry]  # public items, newest first
    lists: list[Page]  # home, column indexes, search
    items: list[Page]  # item pages to render
    files: dict[str, bytes]  # feeds and sitemap: site path -> bytes

    def nav(self) -> list[tuple[str, str]]:
        """(title, url) of the navigation: home, the columns, search. Items are never in it."""
        return [("首页", ""), *[(c.title, f"{c.id}/") for c in self.site.config.columns.values()], ("站内搜索", SEARCH_URL)]

    @property
    def page_urls(self) -> list[str]:
        return sorted([p.url for p in self.lists] + [e.url for e in self.entries])


def plan(site: Site, entries: Iterable[Entry], items: list[Page]) -> Plan:
    """The site for these public entries, with the item pages to write (all of them in a full build)."""
    config = site.config
    ordered = newest_first(entries)
    by_column: dict[str, list[Entry]] = {c: [] for c in config.columns}
    for e in ordered:
        by_column.setdefault(e.column, []).append(e)
    lists = [site.home_page(by_column)]
    files = {FEED: site.feed(ordered)}
    for column in config.columns.values():
        lists += site.column_pages(column, by_column[column.id])
        files[f"{column.id}/{FEED}"] = site.feed(by_column[column.id], column)
    lists.append(site.search_page())
    lists.append(site.map_page())
    lastmod = [(e.url, e.date[:10]) for e in ordered] + [(p.url, "") for p in lists]
    files["sitemap.xml"] = site.sitemap(lastmod)
    return Plan(site, ordered, lists, items, files)


def full_plan(portal: model.Portal, now: dt.datetime | None = None) -> Plan:
    site = Site(portal.config, policy.links(portal), now or clock.now())
    rendered = [site.item(a) for a in portal.articles if is_listed(a, now)]
    return plan(site, [e for _, e in rendered], [p for p, _ in rendered])


def attachment_sources(root: Path, entries: Iterable[Entry]) -> dict[str, Path]:
    """site path -> file in the repository, for every file a public page links to."""
    return {dest: root / src for e in entries for src, dest in e.files}
