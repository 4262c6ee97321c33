"""Self-inspection of a built site, in the manner of the national inspection of government websites.

What the public sees is what counts: freshness is read from the PubDate of the item pages actually
built, metadata and links from every page. The dates of the items are compared with git (伪造发稿日期):
- the real publication time is the commit on main's first-parent line that brought the item to main
  (the merge of its review branch, or a direct commit); an item dated later than that, and not
  `scheduled`, shows a date that is not when it appeared; dated exactly then, it is right;
- an item that went through review and is dated earlier than its first submission on the review
  branch by more than `reports.date_tolerance_hours` was back-dated (倒填日期: a missed period "rescued").
  A direct commit to main carries no submission (an import of items published before): not judged.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from checks import policy as policy_check
from portal import clock, model
from portal.errors import ERROR, WARNING, Finding, PortalError
from site_build.pages import item_url, output_path
from site_build.publish import Layout

from . import freshness, history, site

REQUIRED_ALL = ("SiteName", "SiteDomain", "SiteIDCode")
REQUIRED_COLUMN = ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType")
# 《政府网站网页设计规范》: an article page also names its column and carries Keywords, Author, Description,
# Image and Url (the site build fills them with fallbacks: site_build/pages.py)
REQUIRED_ITEM: tuple[str, ...] = ("ArticleTitle", "PubDate", "ContentSource", "ColumnName", "ColumnType", "Keywords",
                                  "Author", "Description", "Image", "Url")
CATEGORY = "audit"


@dataclasses.dataclass
class AuditResult:
    pages: int
    findings: list[Finding]
    columns: list[freshness.ColumnFreshness]
    inspection: freshness.Inspection

    @property
    def failed(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)


def _finding(path: str, line: int, rule: str, message: str, severity: str = ERROR, column: int = 1,
             match: str = "") -> Finding:
    return Finding(path, line, column, rule, CATEGORY, severity, message, match)


def parse_pubdate(value: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = model.parse_when(value)
        return parsed[0] if parsed else None
    return when if when.tzinfo else when.replace(tzinfo=clock.CST)


def _metadata(page: site.Page, required: tuple[str, ...], kind: str) -> list[Finding]:
    out = []
    for name in required:
        if name == "PubDate":
            continue  # reported as an undated item
        if not page.meta.get(name, ("", 0))[0]:
            out.append(_finding(page.path, 1, "AUDIT-META-MISSING",
                                f"{kind}缺少元数据 <meta name=\"{name}\" content=\"...\">（政府网站网页设计规范要求每个{kind}都有）",
                                match=name))
    return out


def _links(site_dir: Path, page: site.Page, domain: str, base: str) -> list[Finding]:
    out, seen = [], set()
    for link in page.links:
        rel = site.target(page.path, link.url, domain, base)
        if rel is None or rel in seen:
            continue
        seen.add(rel)
        if not site.exists(site_dir, rel):
            out.append(_finding(page.path, link.line, "AUDIT-LINK-BROKEN",
                                f"站内链接“{link.url}”指向的 {rel} 不存在（死链）。请修正链接或补上目标页面", column=link.column,
                                match=link.url))
    return out


def _fake_dates(portal: model.Portal, public: list[model.Article], published: dict[str, dt.datetime],
                subs: dict[str, history.Submission]) -> list[Finding]:
    out = []
    tolerance = dt.timedelta(hours=portal.config.reports.date_tolerance_hours)
    for a in public:
        sub = subs.get(a.path)
        real = sub.merged if sub is not None and sub.merged is not None else published.get(a.path)
        if real is None or a.date is None:
            continue
        day = a.date.astimezone(clock.CST).date()
        # dates are written to the minute: an item dated in the minute of its merge is dated exactly
        minute = real.replace(second=0, microsecond=0)
        later = a.date > minute if a.date_has_time else day > real.astimezone(clock.CST).date()
        if later and not a.scheduled:
            out.append(_finding(a.path, a.line_of("date"), "AUDIT-DATE-FAKE",
                                f"发布日期 {model.format_when(a.date, a.date_has_time)} 晚于该稿件实际发布（合并进 main）的时间 "
                                f"{model.format_when(real)}：发稿日期不真实（伪造发稿日期，国家检查单项否决）。"
                                "请改为实际发布日期；确需定时发布的稿件应加 scheduled: true"))
            continue
        if sub is None:
            continue
        submitted = sub.submitted_at(a.path)
        latest = a.date if a.date_has_time else dt.datetime.combine(day, dt.time(23, 59, 59), clock.CST)
        if latest < submitted - tolerance:
            out.append(_finding(a.path, a.line_of("date"), "AUDIT-DATE-FAKE",
                                f"发布日期 {model.format_when(a.date, a.date_has_time)} 早于该稿件首次报送的时间 "
                                f"{model.format_when(submitted)}（超过允许的 {tolerance.total_seconds() / 3600:g} 小时），"
                                f"实际发布时间为 {model.format_when(real)}：倒填发稿日期（伪造发稿日期，国家检查单项否决）。"
                                "请把发布日期改为实际发布时间"))
    return out


def live_site(path: Path) -> Path:
    """The live release of a publish directory (releases/ + current), else `path` itself."""
    layout = Layout(path)
    if not (layout.current.is_symlink() or layout.releases.is_dir()):
        return path
    release = layout.live()
    if release is None:
        raise PortalError(f"{path} 是发布目录，但还没有在用版本（current 不存在）。请先发布（portal publish --to {path}）")
    return layout.site(release)


def audit(portal: model.Portal, site_dir: Path, as_of: dt.datetime | None = None) -> AuditResult:
    as_of = as_of or clock.now()
    cfg = portal.config
    base = urlsplit(cfg.site.url).path or "/"
    base = base if base.endswith("/") else base + "/"
    pages = site.pages(site_dir)
    findings: list[Finding] = []
    if "index.html" not in pages:
        findings.append(_finding("index.html", 1, "AUDIT-HOME-MISSING", f"{site_dir} 中没有首页 index.html。请先构建网站（portal build）"))
    public = [a for a in portal.articles if a.is_public(as_of)]
    item_pages = {output_path(item_url(a)): a for a in public}  # where the site build puts each page
    column_pages = {output_path(f"{c}/"): c for c in portal.columns}
    dates: dict[str, list[dt.datetime | None]] = {c: [] for c in portal.columns}
    for rel, page in pages.items():
        findings += _metadata(page, REQUIRED_ALL, "网页")
        findings += _links(site_dir, page, cfg.site.domain, base)
        if rel in column_pages:
            findings += _metadata(page, REQUIRED_COLUMN, "栏目页")
        elif rel in item_pages or "ArticleTitle" in page.meta:
            findings += _metadata(page, REQUIRED_ITEM, "文章页")
            raw, line = page.meta.get("PubDate", ("", 1))
            when = parse_pubdate(raw) if raw else None
            if when is None:
                what = f"PubDate“{raw}”不是有效日期" if raw else "缺少发布日期元数据 <meta name=\"PubDate\" content=\"...\">"
                findings.append(_finding(rel, line, "AUDIT-UNDATED", f"文章页{what}。没有日期的稿件不算栏目更新", match=raw))
            column = rel.split("/", 1)[0]
            if column in dates:
                dates[column].append(when)
    for rel, column in column_pages.items():
        if rel not in pages:
            findings.append(_finding(rel, 1, "AUDIT-COLUMN-MISSING", f"栏目“{cfg.columns[column].title}”没有栏目页 {rel}",
                                     WARNING))
    for rel, article in item_pages.items():
        if rel not in pages:
            findings.append(_finding(article.path, 1, "AUDIT-ITEM-MISSING",
                                     f"已到发布时间的稿件“{article.title}”在网站中没有页面 {rel}。请重新构建网站", WARNING))
    rows = [freshness.column_freshness(c, dates[c.id], as_of) for c in portal.columns.values()]
    for row in rows:
        rel = f"{row.id}/index.html"
        if row.empty:
            findings.append(_finding(rel, 1, "AUDIT-COLUMN-EMPTY", f"栏目“{row.title}”是空白栏目（没有任何稿件）", WARNING))
        elif row.stale:
            age = f"已 {row.age_days} 天未更新" if row.age_days is not None else "的稿件均无发布日期，视为未更新"
            limit = freshness.THRESHOLDS[row.inspection][2]
            findings.append(_finding(rel, 1, "AUDIT-COLUMN-STALE",
                                     f"栏目“{row.title}”{age}（{freshness.CLASS_TITLES[row.inspection]}，超过 {limit} 即为超期）",
                                     WARNING))
    home = [d for c in portal.columns.values() if c.home for d in dates[c.id] if d is not None]
    inspection = freshness.inspect(rows, home, as_of)
    for veto in inspection.vetoes:
        findings.append(_finding("index.html", 1, "AUDIT-VETO", f"单项否决：{veto}", match=veto))
    findings += policy_check.audit(portal, as_of)  # a policy document without its 解读, a 解读 without its document
    if not history.in_git(portal.root):
        findings.append(_finding("content", 1, "AUDIT-NO-GIT", "门户目录不是 git 仓库，无法核对发稿日期是否真实", WARNING))
    else:
        findings += _fake_dates(portal, public, history.first_published(portal.root),
                                history.read(portal.root).by_item())
    return AuditResult(len(pages), sorted(set(findings)), rows, inspection)
