"""The built site: pages, metadata, the item page's fields, footer, feeds, sitemap, what never reaches it."""
from __future__ import annotations

import html
import html.parser
import xml.etree.ElementTree as ET
from pathlib import Path

from site_build import state
from site_build.build import BuildResult
from tests.site.conftest import PDF, SCRIPT_TITLE, read, tree

ITEM = "disaster/fang-xun.html"
SCRIPT_ITEM = "disaster/tai-feng.html"
REPRINT = "news/zhuan-zai.html"
SITE_URL = "https://yjj.yunjiang.gov.cn/"


class Meta(html.parser.HTMLParser):
    """The <meta name=...> tags and <title> of a page, as a reader's browser decodes them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and a.get("name"):
            self.meta[str(a["name"])] = str(a.get("content"))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def nav(page: str) -> str:
    """The primary navigation of a page."""
    start = page.index('class="portal-nav"')
    return page[start:page.index("</nav>", start)]


def test_pages_exist(built: tuple[Path, BuildResult]) -> None:
    site, result = built
    assert result.items == 3
    for page in ("index.html", "disaster/index.html", "news/index.html", ITEM, SCRIPT_ITEM, REPRINT,
                 "search/index.html", "rss.xml", "disaster/rss.xml", "sitemap.xml", "search/index.json"):
        assert (site / page).is_file(), page
    assert set(result.pages) >= {"", "disaster/", "news/", ITEM, SCRIPT_ITEM, REPRINT, "search/"}


def test_navigation_lists_columns_not_items(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    for page in ("index.html", ITEM, "news/index.html"):
        menu = nav(read(site, page))
        for column in ("动态要闻", "防灾减灾", "权责清单", "政务公开", "新闻动态", "政务服务", "互动交流", "网站地图"):
            assert column in menu, (page, column)
        assert "市应急管理局召开全市防汛工作部署会" not in menu


def test_item_page_highlights_its_column(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    menu = nav(read(site, ITEM))
    active = menu[menu.index("portal-nav__item--active"):][:300]
    assert "新闻动态" in active and menu.count("portal-nav__item--active") == 1
    assert menu.count('aria-current="true"') == 1 and '<a href="./" aria-current="true">防灾减灾</a>' in menu


def test_meta_tags_on_every_kind_of_page(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    home = Meta(read(site, "index.html")).meta
    assert home["SiteName"] == "云江市应急管理局" and home["SiteDomain"] == "yjj.yunjiang.gov.cn"
    assert home["SiteIDCode"] == "3310000017"
    assert "ColumnName" not in home and "ArticleTitle" not in home
    column = Meta(read(site, "disaster/index.html")).meta
    assert column["ColumnName"] == "防灾减灾"
    assert column["ColumnDescription"] == "发布防灾减灾救灾相关的动态信息"
    assert column["ColumnKeywords"] == "防灾减灾,防汛抗旱,地震,地质灾害"
    assert column["ColumnType"] == "工作动态"
    assert column["SiteIDCode"] == "3310000017"
    article = Meta(read(site, ITEM)).meta
    assert article["ArticleTitle"] == "市应急管理局召开全市防汛工作部署会"
    assert article["PubDate"] == "2026-06-03 16:30"
    assert article["ContentSource"] == "云江市应急管理局防汛抗旱科"
    assert article["SiteName"] == "云江市应急管理局" and article["ColumnName"] == "防灾减灾"
    assert article["Keywords"] == "防汛,部署会"
    assert article["Url"] == SITE_URL + ITEM


def test_item_page_shows_source_department_date_number_attachment(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    page = read(site, ITEM)
    assert '<th scope="row">信息来源</th><td>云江市应急管理局防汛抗旱科</td>' in page
    assert '<th scope="row">发布部门</th><td>防汛抗旱科</td>' in page  # the roster's name of the department
    assert '<th scope="row">发布日期</th><td>2026-06-03 16:30</td>' in page
    assert '<th scope="row">发文字号</th><td>云应急发〔2026〕12号</td>' in page
    assert '<a href="files/ming-dan.pdf" download>防汛物资储备名单</a>' in page
    assert '<a href="files/ming-dan.pdf" rel="noopener noreferrer">名单</a>' in page  # the body's link, rewritten
    assert (site / "disaster/files/ming-dan.pdf").read_bytes() == PDF.read_bytes()


def test_department_shows_the_roster_name(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    assert '<th scope="row">发布部门</th><td>宣传教育科</td>' in read(site, REPRINT)  # id 宣教科


def test_reprint_shows_source_time_and_link(built: tuple[Path, BuildResult]) -> None:
    page = read(built[0], REPRINT)
    assert '<th scope="row">转载来源</th><td>应急管理部</td>' in page
    assert '<th scope="row">转载时间</th><td>2026-09-28 10:15</td>' in page
    link = "https://www.mem.gov.cn/xw/202609/t20260927_531208.shtml"
    assert f'<th scope="row">原文链接</th><td><a href="{link}" rel="noopener noreferrer">{link}</a></td>' in page
    assert "发文字号" not in page


def test_footer_on_every_page(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    for page in ("index.html", "disaster/index.html", ITEM, "search/index.html", "404.html"):
        text = read(site, page)
        footer = text[text.index('<footer class="portal-footer"'):]
        for shown in ("网站标识码：", "3310000017", "江ICP备2023001234号-1", "江公网安备33100002000123号",
                      "主办单位：云江市应急管理局", "联系电话：0000-8800123", "我为政府网站找错", ">网站地图</a>",
                      '<a href="mailto:yjj@yunjiang.gov.cn">联系我们</a>', 'alt="党政机关网站标识"',
                      "https://bszs.conac.cn/sitename?method=show&amp;id=3310000017",
                      "https://beian.mps.gov.cn/#/query/webSearch?code=33100002000123",
                      "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3310000017"):
            assert shown in footer, (page, shown)
        assert text.count("<h1") == 1 and '<html lang="zh-CN"' in text, page


def test_script_title_is_text_everywhere(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    for rel, data in tree(site).items():
        assert b"<script>alert(" not in data, rel
    page = read(site, SCRIPT_ITEM)
    parsed = Meta(page)
    assert parsed.title == f"{SCRIPT_TITLE} - 云江市应急管理局"
    assert parsed.meta["ArticleTitle"] == SCRIPT_TITLE
    assert "&lt;script&gt;alert(&#x27;标题&#x27;)&lt;/script&gt;防汛“测试”&amp;演练" in page
    for listing in ("disaster/index.html",):
        assert "&lt;script&gt;alert(" in read(site, listing), listing
    feed = ET.parse(site / "disaster/rss.xml").getroot()
    # escaped for XML and again for the HTML a feed reader renders: the reader shows the text as written
    titles = [i.findtext("title") or "" for i in feed.iter("item")]
    assert "&lt;script&gt;alert(&#x27;标题&#x27;)&lt;/script&gt;防汛“测试”&amp;演练" in titles
    assert SCRIPT_TITLE in [html.unescape(t) for t in titles] and "<script" not in "".join(titles)
    described = [i.findtext("description") for i in feed.iter("item") if html.unescape(i.findtext("title") or "") == SCRIPT_TITLE]
    assert described == ["&lt;b&gt;台风&lt;/b&gt;防御"]
    assert b"&amp;lt;script&amp;gt;" in (site / "disaster/rss.xml").read_bytes()


def test_raw_html_is_sanitised(built: tuple[Path, BuildResult]) -> None:
    page = read(built[0], SCRIPT_ITEM)
    body = page[page.index("data-portal-body"):page.index("</main>")]
    assert "台风“梅花”逼近" in body and "地震应急演练" in body
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "内部备注", "<!--"):
        assert bad not in body, bad
    assert "<!--" not in page


def test_drafts_and_scheduled_items_never_reach_the_site(built: tuple[Path, BuildResult]) -> None:
    site, result = built
    files = tree(site)
    assert "disaster/cao-gao.html" not in files and "disaster/ding-shi.html" not in files
    for rel, data in files.items():
        for secret in ("草稿：不应出现在网站上", "定时发布：十二月的通知", "cao-gao", "ding-shi"):
            assert secret.encode() not in data, (rel, secret)
    assert not any(u.endswith(("cao-gao.html", "ding-shi.html")) for u in result.pages)


def test_feeds_are_rss_newest_first(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    feed = ET.parse(site / "rss.xml").getroot()
    assert feed.tag == "rss" and feed.get("version") == "2.0"
    channel = feed.find("channel")
    assert channel is not None and channel.findtext("title") == "云江市应急管理局"
    links = [i.findtext("link") for i in channel.iter("item")]
    assert links == [SITE_URL + REPRINT, SITE_URL + SCRIPT_ITEM, SITE_URL + ITEM]
    assert [i.findtext("pubDate") for i in channel.iter("item")][-1] == "Wed, 03 Jun 2026 16:30:00 +0800"
    column = ET.parse(site / "news/rss.xml").getroot().find("channel")
    assert column is not None and column.findtext("title") == "云江市应急管理局 - 动态要闻"
    assert [i.findtext("link") for i in column.iter("item")] == [SITE_URL + REPRINT]
    empty = ET.parse(site / "powers/rss.xml").getroot().find("channel")
    assert empty is not None and list(empty.iter("item")) == []


def test_sitemap_lists_every_public_page(built: tuple[Path, BuildResult]) -> None:
    site, result = built
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(site / "sitemap.xml").getroot()
    locs = {u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)}
    assert locs == {SITE_URL + u for u in result.pages}
    assert {SITE_URL, SITE_URL + "disaster/", SITE_URL + ITEM} <= locs
    item = next(u for u in root.findall("s:url", ns) if u.findtext("s:loc", namespaces=ns) == SITE_URL + ITEM)
    assert item.findtext("s:lastmod", namespaces=ns) == "2026-06-03"


def test_home_shows_newest_items_of_home_columns(built: tuple[Path, BuildResult]) -> None:
    home = read(built[0], "index.html")
    assert home.index("动态要闻") < home.index("应急管理部部署中秋国庆假期安全防范工作")
    assert "市应急管理局召开全市防汛工作部署会" not in home  # 防灾减灾 is not a home column
    assert '<form class="portal-search" action="search/"' in home


def test_no_html_comments_and_no_build_time(built: tuple[Path, BuildResult]) -> None:
    for rel, data in tree(built[0]).items():
        if rel.endswith(".html"):
            assert b"<!--" not in data, rel
            assert b"lastBuildDate" not in data


def test_state_is_kept_outside_the_site(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    assert state.path_for(site).is_file()
    assert not [r for r in tree(site) if r.endswith(".json") and not r.startswith("search/")]


def test_the_site_passes_the_portals_own_audit(built: tuple[Path, BuildResult]) -> None:
    """`portal audit` (reports/audit.py) reads what readers see: metadata on every page, no dead links."""
    from portal import model
    from reports import audit

    site, _ = built
    findings = audit.audit(model.load(site.parent / "portal"), site).findings
    assert [f.format() for f in findings if f.rule in ("AUDIT-META-MISSING", "AUDIT-LINK-BROKEN", "AUDIT-UNDATED", "AUDIT-HOME-MISSING", "AUDIT-COLUMN-MISSING", "AUDIT-ITEM-MISSING")] == []


def test_national_meta_tags_fall_back_sensibly(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    with_summary = Meta(read(site, ITEM)).meta
    assert with_summary["Description"] == "部署汛期防汛物资储备与值班值守"
    assert with_summary["Author"] == "防汛抗旱科" and with_summary["Keywords"] == "防汛,部署会"
    assert with_summary["Image"] == SITE_URL + "assets/logo.svg" and with_summary["Url"] == SITE_URL + ITEM
    plain = Meta(read(site, REPRINT)).meta  # no summary, no tags: the first paragraph, the column's keywords
    assert plain["Description"] == "应急管理部部署中秋国庆假期安全防范工作，要求强化森林防火。"
    assert plain["Author"] == "宣传教育科" and plain["Keywords"] and plain["ColumnName"] == "动态要闻"
    assert (site / "assets/logo.svg").is_file()


def test_attachments_show_type_and_size_and_policy_dates(built: tuple[Path, BuildResult]) -> None:
    page = read(built[0], ITEM)
    size = PDF.stat().st_size
    assert f"（PDF，{size / 1024:.1f} KB）" in page
    assert '<th scope="row">信息产生日期</th><td>2026-09-27 18:00</td>' in read(built[0], REPRINT)


def test_html_sitemap_404_and_no_theme_script(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    sitemap = read(site, "sitemap.html")
    for shown in ("<h1", "政务公开", "新闻动态", "政务服务", "互动交流", 'href="disaster/"', 'href="search/"'):
        assert shown in sitemap, shown
    missing = read(site, "404.html")
    assert "您访问的页面不存在" in missing and "Not found" not in missing and 'href="/sitemap.html"' in missing
    for rel in ("index.html", ITEM, "news/index.html", "search/index.html", "sitemap.html", "404.html"):
        text = read(site, rel)
        assert "bundle" not in text and "javascripts/" not in text, rel  # no theme JavaScript
        assert text.count("<script") == (2 if rel.startswith("search/") else 1), rel
        assert 'href="#portal-main">跳到正文</a>' in text and 'id="portal-main"' in text, rel
    assert not [p for p in tree(site) if p.startswith(("assets/javascripts/", "assets/stylesheets/"))]  # not even copied


def test_a_columns_group_in_columns_yml_moves_it_in_the_navigation(tmp_path: Path) -> None:
    from site_build.build import build_site
    from tests.site.conftest import mini_portal

    root = mini_portal(tmp_path / "portal")
    cfg = root / "columns.yml"
    text = cfg.read_text(encoding="utf-8")
    assert text.count("  - id: permits\n") == 1
    cfg.write_text(text.replace("  - id: permits\n", "  - id: permits\n    group: 便民查询\n"), encoding="utf-8")
    assert build_site(root, tmp_path / "site").ok
    menu = nav(read(tmp_path / "site", "index.html"))
    own = menu[menu.index(">便民查询</button>"):]
    assert "许可通报" in own[:own.index("</ul>")]
    services = menu[menu.index(">政务服务</button>"):]
    assert "许可通报" not in services[:services.index("</ul>")]
    assert "便民查询" in read(tmp_path / "site", "sitemap.html")
