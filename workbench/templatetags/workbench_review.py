"""{% published_page html branch path %}: the page as published, its files served from the review branch."""
from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def published_page(html: str, branch: str, path: str) -> SafeString:
    from ..reviewfiles import link_files

    return mark_safe(link_files(html, branch, path))  # noqa: S308 - the site's own sanitised page HTML
