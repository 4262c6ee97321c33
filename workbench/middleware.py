"""Security headers and the roster check that runs on every request."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

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
