"""我的提醒 and 定时发布: thin views over workbench.reminders and workbench.schedule."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal import clock, model
from review import hooks
from review.gitutil import Repo

from . import reminders, schedule
from .models import Notice
from .policy import Policy
from .services import server

RECENT = 20  # closed reminders shown under the open ones
SHOWN_PAST = dt.timedelta(days=7)  # scheduled items whose time came this recently are still listed
_scheduled: dict[str, list[schedule.Scheduled]] = {}


def _policy(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


@login_required
def reminders_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    person = policy.person_id
    if request.method == "POST":
        notice = Notice.objects.filter(person=person, pk=request.POST.get("notice", "") or 0).first() \
            if str(request.POST.get("notice", "")).isdigit() else None
        if notice is None:
            messages.error(request, "没有这条提醒（可能已处理），未做任何操作。")
        elif notice.seen is None:
            notice.seen = clock.now()
            notice.save(update_fields=["seen"])
            messages.success(request, "已标记为知道了。")
        return redirect("reminders")
    srv = server()
    reminders.refresh_person(srv, srv.config(), person)
    closed = Notice.objects.filter(person=person, seen__isnull=False).order_by("-seen", "-id")[:RECENT]
    rows = [(n, reminders.KINDS.get(n.kind, n.kind)) for n in reminders.open_notices(person)]
    return render(request, "workbench/reminders.html", {
        "policy": policy, "rows": rows, "closed": [(n, reminders.KINDS.get(n.kind, n.kind)) for n in closed],
        "address": reminders.address(policy.config, person), "now": clock.now()})


def _published_until(url: str) -> dt.datetime | None:
    try:
        return schedule.published_until(Repo(hooks.git_dir_of(Path(url))))
    except Exception:  # noqa: BLE001 - a server repository that is not a local path: the state is unknown
        return None


@login_required
def scheduled_view(request: HttpRequest) -> HttpResponse:
    """定时发布: items on main with a later date; the office and the administrator see all, others their units'."""
    policy = _policy(request)
    srv = server()
    sha = srv.main_sha()
    if sha not in _scheduled:
        _scheduled.clear()
        _scheduled[sha] = schedule.scheduled_items(srv.mirror, sha, srv.config())
    now = clock.now()
    mine = set(policy.departments())
    shown = []
    for s in _scheduled[sha]:
        column = policy.config.columns.get(s.column)
        if not policy.may_merge and not (column and mine & set(column.departments)):
            continue
        if s.date < now - SHOWN_PAST:
            continue
        shown.append(s)
    until = _published_until(settings.SERVER)
    rows: list[dict[str, Any]] = []
    for s in shown:
        column = policy.config.columns.get(s.column)
        if s.date > now:
            state = "待发布"
        elif until is not None and until >= s.date:
            state = "已发布"
        else:
            state = "已到时间，等待定时任务发布"
        link = f"{settings.SITE_URL.rstrip('/')}/{s.column}/{model.slug_of(s.path)}.html" if settings.SITE_URL else ""
        rows.append({"item": s, "column": column.title if column else s.column, "state": state,
                     "link": link if state == "已发布" else ""})
    return render(request, "workbench/scheduled.html", {"policy": policy, "rows": rows, "now": now})
