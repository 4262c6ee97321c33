"""Reprints (转载): only from the column's authorised sources, stating site, link and time (seed 001 §11).

An item is a reprint when it has `reprint`, or when its `source` (信息来源) names an outside outlet
(an authorised source's name from columns.yml, or a news outlet in OUTLETS below) and not our own
organisation: every department is ours, so an item whose information comes from 新华社 is another
outlet's text, whoever in the bureau files it. The url's host must belong to the named source's
domains (columns.yml `reprint_sources`), over http or https. Whether the reprint time is later
than the publication date is the dates check's (DATE-REPRINT-AFTER); here only the future.
"""
from __future__ import annotations

import sys
import urllib.parse
from collections.abc import Iterable, Sequence

from portal import clock
from portal.config import suggest
from portal.errors import ERROR, WARNING, Finding
from portal.model import Article, Portal, format_when

from . import locate
from .runner import hook_main

CATEGORY = "reprint"

# News outlets besides the configured sources: an item whose 信息来源 names one of them is a reprint.
OUTLETS = ("新华社", "新华网", "人民日报", "人民网", "央视", "中央广播电视总台", "中央电视台", "中国新闻网", "中新社",
           "光明日报", "经济日报", "中国日报", "澎湃新闻", "中国应急管理报", "学习强国", "今日头条", "微信公众号")
SCHEMES = ("https", "http")


def _finding(article: Article, key: str, rule: str, message: str, severity: str = ERROR,
             needle: str = "") -> Finding:
    line, col = locate.in_field(article, key, needle)
    return Finding(article.path, line, col, rule, CATEGORY, severity, message, match=f"{key}\0{needle}")


def outside_outlet(portal: Portal, source: str) -> str:
    """The outlet an item's `source` names, or "" when it is our own (or names no outlet)."""
    site = portal.config.site
    ours = [n for n in (site.name, site.organizer) if n]
    if not source or any(n in source for n in ours):
        return ""
    for name in (*portal.config.reprint_sources, *OUTLETS):
        if name in source:
            return name
    return ""


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    column = portal.columns.get(article.column)
    if column is None:
        return
    reprint = article.reprint
    if reprint is None:
        outlet = outside_outlet(portal, article.source)
        if outlet:
            yield _finding(article, "source", "REPRINT-MISSING",
                           f"信息来源“{article.source}”是外单位（{outlet}），本稿件应为转载。转载须注明来源网站、"
                           "转载时间和链接：请补写 reprint: {site: 来源名称, url: 原文链接, time: 转载时间}", needle=outlet)
        return
    allowed = column.reprint_sources
    if not allowed:
        yield _finding(article, "reprint", "REPRINT-COLUMN",
                       f"栏目“{column.title}”不允许转载（columns.yml 中没有 reprint_sources）。请改为原创稿件，"
                       "或把稿件放到允许转载的栏目（如动态要闻、热点新闻）")
        return
    raw = article.meta.get("reprint") or {}
    for key, title in (("site", "来源网站"), ("url", "原文链接"), ("time", "转载时间")):
        if raw.get(key) in (None, ""):
            yield _finding(article, f"reprint.{key}", "REPRINT-INCOMPLETE",
                           f"转载信息缺少 {key}（{title}）。转载稿件须注明来源网站、转载时间和链接", needle=key)
    if reprint.site:
        yield from _site(portal, article, allowed)
    if reprint.url:
        yield from _url(portal, article, allowed)
    if reprint.time is not None and reprint.time > clock.now():
        yield _finding(article, "reprint.time", "REPRINT-TIME-FUTURE",
                       f"转载时间 {format_when(reprint.time)} 晚于当前时间。请填写实际转载的时间")
    ours = portal.config.site.name
    if ours and ours in article.source:
        yield _finding(article, "source", "REPRINT-SOURCE-OURS",
                       f"转载稿件的信息来源应为原发单位（如“{reprint.site or '来源网站'}”），而不是“{article.source}”",
                       WARNING)


def _site(portal: Portal, article: Article, allowed: Sequence[str]) -> Iterable[Finding]:
    site = article.reprint.site if article.reprint else ""
    if site in allowed:
        return
    column = portal.columns[article.column]
    why = "不是授权转载来源" if site not in portal.config.reprint_sources else f"不是栏目“{column.title}”的授权转载来源"
    yield _finding(article, "reprint.site", "REPRINT-SOURCE",
                   f"转载来源“{site}”{why}。本栏目只能转载：{'、'.join(allowed)}。{suggest(site, allowed)}"
                   "转载其他网站的信息是禁止的（授权来源见 columns.yml）", needle=site)


def _url(portal: Portal, article: Article, allowed: Sequence[str]) -> Iterable[Finding]:
    if article.reprint is None:
        return
    url, site = article.reprint.url, article.reprint.site
    try:
        parts = urllib.parse.urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        scheme = host = ""
    if not host or scheme not in SCHEMES:
        yield _finding(article, "reprint.url", "REPRINT-URL-INVALID",
                       f"原文链接“{url}”不是有效的网址。请填写以 https:// 或 http:// 开头的完整原文地址", needle=url)
        return
    domains = portal.config.reprint_sources.get(site, ())
    if site in allowed and not _belongs(host, domains):
        owner = next((name for name in allowed if _belongs(host, portal.config.reprint_sources[name])), "")
        hint = f"该链接属于“{owner}”，请把 site 改为“{owner}”" if owner else "请填写来源网站上的原文地址"
        yield _finding(article, "reprint.url", "REPRINT-URL-HOST",
                       f"原文链接的域名 {host} 不属于“{site}”（{'、'.join(domains)}）。{hint}", needle=url)


def _belongs(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
