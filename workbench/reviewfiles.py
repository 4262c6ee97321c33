"""The files of an item under review (its pictures and attachments), for the reviewer's "page as published".

The published page links its files relative to itself (`files/现场.png`); inside the workbench those links are
pointed at `review/file/`, which serves a file only to someone who may read that item, only if the item's own
page links it from its column's files/ folder, and only as it stands on the review branch in the mirror (never
the working tree). Files go out with their type, `nosniff` and a Content-Security-Policy that runs nothing.
"""
from __future__ import annotations

import html as htmllib
import mimetypes
import posixpath
import re
from urllib.parse import quote, unquote, urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from portal import model, view

from . import reviewing
from .services import server

# what a browser may show inline; anything else is downloaded
INLINE = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
          "bmp": "image/bmp", "pdf": "application/pdf"}
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox; base-uri 'none'; form-action 'none'"
_LINK = re.compile(r'\b(src|href)="([^"]*)"', re.I)


def link_files(page: str, branch: str, path: str) -> str:
    """The page's HTML with its links to files of the item's column pointed at the review file URL."""
    folder = posixpath.dirname(path)

    def point(m: re.Match[str]) -> str:
        value = htmllib.unescape(m.group(2))
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith(("/", "#")) or not parts.path:
            return m.group(0)
        rel = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        if not rel.startswith(f"{model.CONTENT}/") or f"/{model.FILES_DIR}/" not in rel:
            return m.group(0)
        query = urlencode({"branch": branch, "path": path, "file": rel})
        return f'{m.group(1)}="/review/file/?{htmllib.escape(query)}"'

    return _LINK.sub(point, page)


def _refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    from .views import refuse

    return refuse(request, message, status)


@login_required
def file_view(request: HttpRequest) -> HttpResponse:
    policy = request.policy  # type: ignore[attr-defined]
    branch, path, rel = (request.GET.get(k, "") for k in ("branch", "path", "file"))
    srv = server()
    if not reviewing.valid_branch(srv, branch):
        return _refuse(request, "没有这个审核分支。", 404)
    ev = reviewing.evaluation_of(reviewing.evaluate(srv, branch), path)
    if ev is None:
        return _refuse(request, "该审核分支上没有这篇稿件。", 404)
    if not policy.may_read(ev):
        return _refuse(request, "你不是这篇稿件的信息员、审核人或合并人，不能查看它的文件。", 403)
    ref = reviewing.head(branch)
    text = srv.read(ref, path)
    article = model.parse_article(policy.config, path, text)[0] if text is not None else None
    linked = {f.rel for f in view.of(article).files if f.in_files_of(article.column)} if article else set()
    data = srv.read(ref, rel) if rel in linked else None
    if data is None:
        return _refuse(request, "这篇稿件的页面没有链接这个文件（或它不在栏目的 files/ 中）。", 404)
    name = posixpath.basename(rel)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = INLINE.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = HttpResponse(data, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    disposition = "inline" if ext in INLINE else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name, safe='')}"
    return response

