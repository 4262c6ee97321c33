"""Where in the item's file a piece of text sits, for `path:line:col` findings."""
from __future__ import annotations

from portal.model import Article
from portal.view import body_position as in_body  # noqa: F401  (the checks' name for it)


def in_field(article: Article, key: str, needle: str = "") -> tuple[int, int]:
    """Line of a front-matter key and the column where `needle` (or the value) starts on it."""
    line = article.line_of(key)
    lines = article.text.split("\n", line)
    text = lines[line - 1] if line - 1 < len(lines) else ""
    col = text.find(needle) if needle else -1
    if col < 0:
        colon = text.find(":")
        col = colon + 1 + (len(text) - colon - 1 - len(text[colon + 1:].lstrip())) if colon >= 0 else 0
    return line, col + 1
