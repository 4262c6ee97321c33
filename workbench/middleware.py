"""Security headers and the roster check that runs on every request."""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import items
from .policy import Policy
from .services import server

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
Handler = Callable[[HttpRequest], HttpResponse]


def content_security_policy(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Cache-Control", "no-store")
        return response

    return middleware


def roster_member(get_response: Handler) -> Handler:
    """Attach the person's Policy, read from roster.yml on main now; whoever left the roster is signed out."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.policy = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            srv = server()
            srv.refresh()
            policy = Policy(srv.config(), request.user.get_username())
            if not policy.known:
                logout(request)
                messages.error(request, "你已不在主分支的 roster.yml 名册中，已退出登录。如有疑问请联系网站管理员")
                return redirect("login")
            request.policy = policy  # type: ignore[attr-defined]
        return get_response(request)

    return middleware


_FILENAME = re.compile(rb'^Content-Disposition:[^\r\n]*\bfilename\*?=(?:UTF-8\'\')?"?([^"\r\n]*)"?', re.I | re.M)
UPLOAD_SLACK = 1024 * 1024  # the form fields around an upload


def upload_names(get_response: Handler) -> Handler:
    """Judge uploads by what the browser sent, before anything parses the form (Django's parser quietly
    strips paths such as ../ from file names; a name like that is refused with a message instead)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.upload_problem = ""  # type: ignore[attr-defined]
        if request.method == "POST" and request.content_type.startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.UPLOAD_MAX_BYTES + UPLOAD_SLACK:
                message = f"上传的内容超过上限 {settings.UPLOAD_MAX_BYTES // 1048576} MB，未保存。请压缩或拆分后重新上传"
                return render(request, "workbench/refused.html", {"message": message}, status=413)
            request.upload_problem = _name_problem(request.body)  # type: ignore[attr-defined]
        return get_response(request)

    return middleware


def _name_problem(body: bytes) -> str:
    for raw in _FILENAME.findall(body):
        name = unquote(raw.decode("utf-8", "replace"))
        if not name:
            continue
        try:
            items.check_upload(name, 0, settings.UPLOAD_MAX_BYTES)
        except items.UploadError as exc:
            return str(exc)
    return ""
