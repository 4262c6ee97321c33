"""Pictures in an item's body: an external picture is refused (every reader's browser would fetch it from
another site: a tracker, and a picture nobody reviewed), a picture needs alt text (WCAG 2.1 1.1.1).

Reads the published view (portal.view.of(article).images: every <img> of the body after rendering and
sanitising, read in the view's one pass over it), so a picture written in Markdown, reference style or
raw HTML in any case is judged as the page shows it.
Rules are data: checks/rules/images.yml (`field`: src or alt). A picture on the portal's own government
domain over https (`own_site_allowed`) is not external: it reaches no third party.
"""
from __future__ import annotations

import sys
import urllib.parse
from collections.abc import Iterable, Sequence

from portal import view
from portal.errors import Finding
from portal.model import Article, Portal

from . import locate, rulefile
from .runner import hook_main

CATEGORY = "attachment"  # pictures are files the page shows
RULES = "images"


def own_hosts(domain: str) -> tuple[str, ...]:
    """The hosts that are the portal's own: its domain and the government domain it belongs to
    (yjj.yunjiang.gov.cn -> yunjiang.gov.cn and its subdomains). A picture from them reaches no third party."""
    labels = domain.lower().strip(".").split(".")
    keep = 3 if labels[-2:] == ["gov", "cn"] else 2
    return tuple({domain.lower(), ".".join(labels[-keep:])}) if len(labels) >= keep else (domain.lower(),)


def is_own(src: str, domain: str) -> bool:
    """Whether an absolute https address is on the portal's own domain (see own_hosts)."""
    try:
        url = urllib.parse.urlsplit(src.strip())
    except ValueError:
        return False
    host = (url.hostname or "").lower()
    return url.scheme == "https" and bool(host) and any(host == h or host.endswith("." + h) for h in own_hosts(domain))


def _where(article: Article, published: view.View, src: str) -> tuple[int, int]:
    """Best-effort line and column of a picture: its file reference, else where its address is written."""
    for ref in published.files:
        if ref.raw == src:
            return ref.line, ref.column
    at = article.body.find(src) if src else -1
    return locate.in_body(article, at) if at >= 0 else (article.body_line, 1)


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    published = view.of(article)
    rules = rulefile.load(RULES)
    for src, alt in published.images:
        for rule in rules:
            value = src if rule.data.get("field") == "src" else alt
            if rule.search(value) is None or (rule.data.get("own_site_allowed") and is_own(src, portal.config.site.domain)):
                continue
            line, col = _where(article, published, src)
            shown = src if len(src) <= 80 else src[:77] + "..."
            yield Finding(article.path, line, col, rule.id, CATEGORY, rule.severity,
                          f"图片“{shown}”：{rule.description}。{rule.data.get('fix', '')}", match=f"{rule.id}\0{src}\0{alt}")


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
