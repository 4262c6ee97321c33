"""操作日志: who did what and when, filtered, paginated and exported as CSV (for the office and the administrator).

The log lives in the workbench's database (workbench.models.Operation), never in git or on the public site.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal import clock

from .models import Operation
from .policy import Policy

PER_PAGE = 50
EXPORT_LIMIT = 100_000
ACTION_TITLES = {  # the actions the workbench records (other actions are shown by their code)
    "login": "登录", "login-failed": "登录失败", "logout": "退出登录", "password": "修改密码",
    "submit": "报送稿件", "approve": "审核通过", "reject": "审核退回", "merge": "合并发布", "merge-refused": "合并未完成",
    "config-submit": "提交配置变更", "invite": "邀请", "enrol": "开通账号", "reset-issue": "发出重置链接",
    "reset": "重置密码", "key-replace": "更换密钥", "deactivate": "停用账号", "duty-check": "值班检查",
    "restore": "恢复网站", "mail-digest": "发送提醒邮件（每日汇总）", "mail-urgent": "发送提醒邮件（紧急）",
    "mail-failed": "邮件发送失败", "publish": "发布",
}
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula in Excel: written as text instead


def title(action: str) -> str:
    return ACTION_TITLES.get(action, action)


class FilterForm(forms.Form):
    person = forms.CharField(label="人员（id 或姓名）", required=False, max_length=150)
    action = forms.ChoiceField(label="操作", required=False)
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "起始日期应写成 2026-11-01 的形式"})
    end = forms.DateField(label="截止日期（含）", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": "截止日期应写成 2026-11-30 的形式"})

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = list(dict.fromkeys([*ACTION_TITLES, *actions]))
        self.fields["action"].choices = [("", "（全部）")] + [(a, f"{title(a)}（{a}）") for a in known]
        self.fields["action"].error_messages["invalid_choice"] = "没有这种操作，请从列表中选择"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "截止日期早于起始日期，请调换两个日期")
        return data


def _policy(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


def _refused(request: HttpRequest) -> HttpResponse | None:
    if not _policy(request).may_configure:
        return render(request, "workbench/refused.html", {"message": "只有网站管理员和办公室可以查看操作日志。"},
                      status=403)
    return None


def _day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.CST)


def filtered(form: FilterForm, policy: Policy) -> QuerySet[Operation]:
    ops = Operation.objects.all()
    if not form.is_valid():
        return ops.none()
    d = form.cleaned_data
    who = d["person"].strip()
    if who:
        ids = [p.id for p in policy.config.people.values() if p.name == who]
        ops = ops.filter(actor__in=[who, *ids])
    if d["action"]:
        ops = ops.filter(action=d["action"])
    if d["start"]:
        ops = ops.filter(when__gte=_day(d["start"]))
    if d["end"]:
        ops = ops.filter(when__lt=_day(d["end"] + dt.timedelta(days=1)))
    return ops


def _form(request: HttpRequest) -> FilterForm:
    actions = list(Operation.objects.order_by().values_list("action", flat=True).distinct())
    return FilterForm(request.GET or None, actions=sorted(actions))


def _detail(op: Operation) -> str:
    if not op.detail:
        return ""
    if isinstance(op.detail, dict):
        return "；".join(f"{k}: {v}" for k, v in op.detail.items())
    return json.dumps(op.detail, ensure_ascii=False)


@login_required
def oplog_view(request: HttpRequest) -> HttpResponse:
    refused = _refused(request)
    if refused:
        return refused
    policy = _policy(request)
    form = _form(request)
    ops = filtered(form, policy) if request.GET else Operation.objects.all()
    page = Paginator(ops, PER_PAGE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    rows = [(op, timezone.localtime(op.when).strftime("%Y-%m-%d %H:%M:%S"), policy.name(op.actor) if op.actor else "（系统）",
             title(op.action), _detail(op)) for op in page.object_list]
    return render(request, "workbench/oplog.html", {
        "policy": policy, "form": form, "page": page, "rows": rows,
        "page_query": urlencode(query) + "&page=" if query else "page="})


@login_required
def export_view(request: HttpRequest) -> HttpResponse:
    refused = _refused(request)
    if refused:
        return refused
    policy = _policy(request)
    form = _form(request)
    if request.GET and not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return render(request, "workbench/refused.html", {"message": f"筛选条件有误，未导出：{errors}"}, status=400)
    ops = filtered(form, policy) if request.GET else Operation.objects.all()
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 (and so the Chinese) only with the byte order mark
    writer = csv.writer(out)
    writer.writerow(["时间", "人员 id", "姓名", "操作", "操作代码", "对象", "地址", "详情"])
    for op in ops[:EXPORT_LIMIT]:
        when = timezone.localtime(op.when).strftime("%Y-%m-%d %H:%M:%S")
        row = [when, op.actor, policy.name(op.actor) if op.actor else "（系统）", title(op.action), op.action, op.target,
               op.address, _detail(op)]
        writer.writerow([_cell(v) for v in row])
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="oplog-{stamp}.csv"'
    return response


def _cell(value: str) -> str:
    value = str(value)
    return "'" + value if value.startswith(FORMULA) else value
