"""People (人员): invitations, enrolment, password reset, key replacement, deactivation, and the roster's history.

Every power to sign comes from roster.yml on main, and roster.yml changes only through the 配置变更 chain.
A person's key is made in the workbench when they set their password (through a one-time link), kept encrypted
with that password, and enters roster.yml by a submission signed with that very key (review/enrolment.py:
the gate verifies it holds the key it enrols). The person cannot approve it; 网站管理员 then 办公室 do. Until
that change is merged the person signs nothing: the server does not know their key (待名册变更审核).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import re
import secrets
from pathlib import Path
from typing import Any

import yaml
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, password_validation
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import clock, yamlfile
from portal.config import PERSON_KEYS, Config
from portal.errors import PortalError
from review import signatures, trail

from . import configchange, mail, oplog, signing, yamledit
from .forms import PasswordField
from .models import Invite, SigningKey
from .policy import Policy
from .repos import MAIN, locked
from .services import server

ADMIN = "admin"
VALID_HOURS = 72
ROSTER = "roster.yml"
PERSON_ID = re.compile(r"[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*")
PENDING = "待名册变更审核"


# ---------------------------------------------------------------- roster.yml as text (comments and layout kept)


def _entries(lines: list[str]) -> tuple[int, int, list[tuple[str, int, int]]]:
    """(start, end) of the `people:` block and each entry in it as (id, first line, end line), 0-based."""
    start = next((i for i, line in enumerate(lines) if re.match(r"^people:\s*(#.*)?$", line)), None)
    if start is None:
        raise PortalError("roster.yml 中没有 people: 一节，无法在工作台中修改。请用命令行修改名册")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^[^\s#-]", lines[i])), len(lines))
    heads = [(i, m) for i in range(start + 1, end) if (m := re.match(r"^(\s*)-\s+id:\s*['\"]?([^'\"\s#]+)", lines[i]))]
    entries = []
    for n, (i, m) in enumerate(heads):
        stop = heads[n + 1][0] if n + 1 < len(heads) else end
        while stop > i + 1 and not lines[stop - 1].strip():
            stop -= 1
        entries.append((m.group(2), i, stop))
    return start, end, entries


def add_person(roster: str, person: dict[str, Any]) -> str:
    """roster.yml's text with one person appended to `people:` (written like the entry before it)."""
    if person["id"] in people_of(roster):
        raise PortalError(f"roster.yml 中已有人员 id“{person['id']}”")
    try:
        return yamledit.append_entry(roster, "people", person, PERSON_KEYS, optional=("title", "oversees", "key", "email"))
    except (yamledit.EditError, yaml.YAMLError) as exc:
        raise PortalError(f"无法在 roster.yml 中添加人员：{exc}") from None


def set_key(roster: str, pid: str, key: str) -> str:
    """roster.yml's text with one person's `key:` set (its line replaced, or added to the entry)."""
    try:
        return yamledit.set_fields(roster, "people", ("id", pid), {"key": " ".join(key.split()[:2])}, PERSON_KEYS)
    except (yamledit.EditError, yaml.YAMLError) as exc:
        raise PortalError(f"无法修改 roster.yml 中 {pid} 的公钥：{exc}") from None


def remove_person(roster: str, pid: str) -> str:
    lines = roster.split("\n")
    _, _, entries = _entries(lines)
    found = next(((a, b) for p, a, b in entries if p == pid), None)
    if found is None:
        raise PortalError(f"roster.yml 中找不到人员“{pid}”")
    return "\n".join(lines[:found[0]] + lines[found[1]:])


def people_of(text: str) -> dict[str, dict[str, Any]]:
    try:
        data, _ = yamlfile.load(text)
    except yamlfile.YamlError:
        return {}
    people = data.get("people") if isinstance(data, dict) else None
    return {p["id"]: p for p in people or [] if isinstance(p, dict) and isinstance(p.get("id"), str)}


# ---------------------------------------------------------------- one-time links


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _extra_path(invite: Invite) -> Path:
    return Path(settings.DATA) / "people" / f"invite-{invite.pk}.json"


def issue(person: str, purpose: str, created_by: str, new: dict[str, Any] | None = None) -> tuple[Invite, str]:
    """A one-time link for `person` (an invitation or a password reset); earlier unused ones for them lapse."""
    now = clock.now()
    Invite.objects.filter(person=person, used__isnull=True).update(used=now)
    token = secrets.token_urlsafe(32)
    invite = Invite.objects.create(token_hash=_hash(token), person=person, purpose=purpose, created_by=created_by,
                                   expires=now + dt.timedelta(hours=VALID_HOURS))
    if new is not None:  # a person not yet in the roster: the fields the administrator chose
        path = _extra_path(invite)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
    return invite, token


def new_fields(invite: Invite) -> dict[str, Any] | None:
    path = _extra_path(invite)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def find(token: str) -> tuple[Invite | None, str]:
    """The invite of a token, or why the link cannot be used."""
    invite = Invite.objects.filter(token_hash=_hash(token)).first() if token else None
    if invite is None:
        return None, "链接无效：请核对链接是否完整，或请网站管理员重新发送"
    if invite.used is not None:
        return None, "此链接已经使用过（或已被更新的链接取代），每个链接只能使用一次。请联系网站管理员重新发送"
    if invite.expires <= clock.now():
        return None, f"此链接已过期（有效期 {VALID_HOURS} 小时）。请联系网站管理员重新发送"
    return invite, ""


def link(request: HttpRequest | None, token: str, base: str = "") -> str:
    path = f"/people/accept/{token}/"
    return request.build_absolute_uri(path) if request is not None else base.rstrip("/") + path


# ---------------------------------------------------------------- state of a person


def key_pending(person: str, config: Config) -> bool:
    """The person's workbench key is not the roster's on main: they sign nothing until the roster change merges."""
    key = SigningKey.objects.filter(user__username=person).values_list("public", flat=True).first()
    p = config.people.get(person)
    return bool(key) and not (p and p.key and signatures.same_key(p.key, key or ""))


@dataclasses.dataclass
class Row:
    id: str
    name: str
    department: str
    roles: str
    account: str
    key: str


def rows(config: Config) -> list[Row]:
    users = {u.username: u for u in User.objects.filter(username__in=list(config.people))}
    keys = dict(SigningKey.objects.filter(user__username__in=list(config.people)).values_list("user__username", "public"))
    out = []
    for p in config.people.values():
        u = users.get(p.id)
        account = "无账号" if u is None else ("已停用" if not u.is_active else "已开通")
        if p.id in keys:
            key = "已登记" if p.key and signatures.same_key(p.key, keys[p.id]) else PENDING
        else:
            key = "名册中有公钥（命令行）" if p.key else "无"
        roles = "、".join(config.roles[r].title for r in p.roles if r in config.roles)
        dept = config.departments[p.department].name if p.department in config.departments else p.department
        out.append(Row(p.id, p.name, dept, roles, account, key))
    return out


# ---------------------------------------------------------------- forms


class InviteForm(forms.Form):
    person = forms.CharField(label="人员 id", max_length=64)
    name = forms.CharField(label="姓名（新人员）", max_length=40, required=False)
    department = forms.ChoiceField(label="科室（新人员）", required=False)
    title = forms.CharField(label="职务（新人员，可选）", max_length=60, required=False)
    roles = forms.MultipleChoiceField(label="角色（新人员）", required=False, widget=forms.CheckboxSelectMultiple)
    email = forms.EmailField(label="邮箱（新人员，可选；配置了邮件服务器时把链接发到这里）", max_length=120, required=False)

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = config
        self.fields["department"].choices = [("", "（选择科室）")] + [(d.id, d.name) for d in config.departments.values()]
        self.fields["roles"].choices = [(r.id, r.title) for r in config.roles.values()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pid = (data.get("person") or "").strip()
        data["person"] = pid
        if pid in self.config.people:
            return data
        if not PERSON_ID.fullmatch(pid):
            self.add_error("person", "人员 id 只能用小写拼音字母、数字和 . _ -，以字母开头，如 wang.fang")
        if not (data.get("name") or "").strip():
            self.add_error("name", "新人员须填写姓名")
        if not data.get("department"):
            self.add_error("department", "新人员须选择科室")
        if not data.get("roles"):
            self.add_error("roles", "新人员须至少选择一个角色")
        return data


class ChoosePasswordForm(forms.Form):
    new = forms.CharField(label="设置密码（至少 10 位，不能是常见密码或纯数字）", max_length=200,
                          widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    again = forms.CharField(label="再输入一次密码", max_length=200,
                            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("new") != data.get("again"):
            self.add_error("again", "两次输入的密码不一致")
        return data


class AdminPasswordForm(forms.Form):
    person = forms.CharField(max_length=64, widget=forms.HiddenInput)
    password = PasswordField("你的登录密码（以你的签名报送名册变更）")


class ReplaceKeyForm(forms.Form):
    password = PasswordField("登录密码（新密钥同样用它加密）")
    reason = forms.CharField(label="原因", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "例如：怀疑密钥泄露"}))


# ---------------------------------------------------------------- views


def _policy(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


def _refuse(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "workbench/refused.html", {"message": message}, status=status)


def _is_admin(policy: Policy) -> bool:
    return ADMIN in policy.roles()


def _main_roster() -> str:
    srv = server()
    srv.refresh(force=True)
    return (srv.read(MAIN, ROSTER) or b"").decode("utf-8")


@login_required
def people_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    if not _is_admin(policy):
        return _refuse(request, "只有网站管理员可以管理人员。")
    invites = Invite.objects.filter(used__isnull=True, expires__gt=clock.now()).order_by("-created")
    return render(request, "workbench/people.html", {
        "policy": policy, "rows": rows(policy.config), "form": InviteForm(policy.config), "invites": invites})


@login_required
@require_POST
def invite_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    if not _is_admin(policy):
        return _refuse(request, "只有网站管理员可以邀请人员，未做任何操作。")
    form = InviteForm(policy.config, request.POST)
    if not form.is_valid():
        invites = Invite.objects.filter(used__isnull=True, expires__gt=clock.now())
        return render(request, "workbench/people.html", {"policy": policy, "rows": rows(policy.config), "form": form,
                                                         "invites": invites}, status=400)
    pid = form.cleaned_data["person"]
    existing = policy.config.people.get(pid)
    user = User.objects.filter(username=pid).first()
    if existing is not None and user is not None and SigningKey.objects.filter(user=user).exists():
        return _refuse(request, f"{existing.name}（{pid}）已有账号。忘记密码请用“重置密码”，密钥丢失请用“更换密钥”。", 409)
    new = None
    if existing is None:
        new = {"id": pid, "name": form.cleaned_data["name"].strip(), "department": form.cleaned_data["department"],
               "title": form.cleaned_data["title"].strip(), "roles": list(form.cleaned_data["roles"]),
               "email": form.cleaned_data["email"].strip()}
    invite, token = issue(pid, Invite.INVITE, policy.person_id, new)
    name = existing.name if existing else (new or {}).get("name", pid)
    url = link(request, token)
    address = existing.email if existing else (new or {}).get("email", "")
    mailed = mail_link(address, name, "邀请开通账号", url, invite)
    oplog.record(policy.person_id, "invite", pid, request=request, invite=invite.pk, new=bool(new),
                 roles=(new or {}).get("roles", []), mailed=address if not mailed else "")
    return render(request, "workbench/people_link.html", {
        "policy": policy, "person": pid, "name": name, "link": url, "invite": invite,
        "what": "邀请链接", "new": new, "address": address, "mailed": mailed})


@login_required
@require_POST
def reset_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    if not _is_admin(policy):
        return _refuse(request, "只有网站管理员可以重置密码，未做任何操作。")
    pid = request.POST.get("person", "")
    person = policy.config.people.get(pid)
    if person is None:
        return _refuse(request, f"“{pid}”不在主分支的 roster.yml 中。", 404)
    if pid == policy.person_id:
        return _refuse(request, "不能为自己重置密码：请请另一位网站管理员重置，或在“修改密码”“更换密钥”中自己操作。")
    invite, token = issue(pid, Invite.RESET, policy.person_id)
    url = link(request, token)
    mailed = mail_link(person.email, person.name, "重置密码", url, invite)
    oplog.record(policy.person_id, "reset-issue", pid, request=request, invite=invite.pk,
                 mailed=person.email if not mailed else "")
    return render(request, "workbench/people_link.html", {
        "policy": policy, "person": pid, "name": person.name, "link": url, "invite": invite,
        "what": "重置密码链接", "new": None, "address": person.email, "mailed": mailed})


def mail_link(to: str, name: str, what: str, url: str, invite: Invite) -> str:
    """Mail the link to the person when the office's SMTP server is configured: '' when sent, else why not."""
    try:
        smtp = mail.from_env()
    except mail.MailError as exc:
        return f"邮件未发出：{exc}"
    if smtp is None:
        return "未配置邮件服务器（PORTAL_WEB_SMTP_HOST），链接没有发邮件"
    if not to:
        return "名册中没有此人的邮箱，链接没有发邮件"
    until = invite.expires.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M")
    text = (f"{name}：\n\n网站管理员为你生成了{what}的链接（{until} 前有效，只能使用一次）：\n\n{url}\n\n"
            "打开后设置密码，工作台为你生成签名密钥；名册变更经网站管理员、办公室审核合并后即可签名。"
            "如非本人操作，请告知网站管理员。\n")
    html_text = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n\n"))
    try:
        sent = mail.send(smtp, [mail.message(smtp, to, name, f"编辑审核工作台：{what}", text, html_text)])
    except mail.MailError as exc:
        return f"邮件未发出：{exc}"
    return "" if sent else f"邮件服务器拒收 {to}，链接没有发出"


def accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee (or a person resetting their password) sets a password; a new key enrols itself."""
    invite, problem = find(token)
    if invite is None:
        return render(request, "workbench/people_accept.html", {"problem": problem}, status=410)
    if request.user.is_authenticated and request.user.get_username() != invite.person:
        return render(request, "workbench/people_accept.html", {
            "problem": f"你已以 {request.user.get_username()} 登录，而此链接是给 {invite.person} 的。"
                       "请先退出登录，再由本人打开此链接"}, status=403)
    srv = server()
    srv.refresh()
    config = srv.config()
    new = new_fields(invite)
    listed = config.people.get(invite.person)
    name = listed.name if listed else (new or {}).get("name", invite.person)
    form = ChoosePasswordForm(request.POST or None)
    ctx: dict[str, Any] = {"invite": invite, "name": name, "form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "workbench/people_accept.html", ctx, status=400 if request.method == "POST" else 200)
    password = form.cleaned_data["new"]
    try:
        password_validation.validate_password(password, User(username=invite.person, first_name=name))
    except ValidationError as exc:
        form.add_error("new", exc)
        return render(request, "workbench/people_accept.html", ctx, status=400)
    try:
        branch = _enrol(invite, password, new)
    except PortalError as exc:
        ctx["error"] = f"未完成：{exc}"
        return render(request, "workbench/people_accept.html", ctx, status=422)
    if request.user.is_authenticated:
        logout(request)
    return render(request, "workbench/people_done.html", {"invite": invite, "name": name, "branch": branch,
                                                          "pending": PENDING})


def _enrol(invite: Invite, password: str, new: dict[str, Any] | None) -> str:
    """Make the key, submit the roster change it signs itself; only then store the account (all or nothing)."""
    with locked(Path(settings.DATA), f"invite-{invite.pk}"):
        fresh, problem = find_by_pk(invite.pk)
        if fresh is None:
            raise PortalError(problem)
        roster = _main_roster()
        private, public = signing.generate(password, f"{invite.person}@workbench")
        listed = invite.person in people_of(roster)
        if listed:
            text, what = set_key(roster, invite.person, public), "登记新公钥"
        elif new is not None:
            text, what = add_person(roster, new | {"key": public}), "新增人员并登记公钥"
        else:
            raise PortalError(f"{invite.person} 已不在主分支的 roster.yml 中。请联系网站管理员重新邀请")
        purpose = "重置密码" if invite.purpose == Invite.RESET else "开通账号"
        branch = configchange.submit_signed(invite.person, private, password, {ROSTER: text},
                                            f"{purpose}：{invite.person} {what}")
        with transaction.atomic():
            user, _ = User.objects.get_or_create(username=invite.person)
            user.set_password(password)
            user.is_active = True
            user.save()
            SigningKey.objects.update_or_create(user=user, defaults={"private": private, "public": public})
            Invite.objects.filter(pk=invite.pk).update(used=clock.now())
        if invite.purpose == Invite.RESET:
            _end_sessions(invite.person)  # whoever was signed in with the old password is signed out
    oplog.record(invite.person, "enrol" if invite.purpose == Invite.INVITE else "reset", invite.person,
                 branch=branch, invite=invite.pk, issued_by=invite.created_by, key=" ".join(public.split()[:2]))
    return branch


def find_by_pk(pk: int) -> tuple[Invite | None, str]:
    invite = Invite.objects.filter(pk=pk).first()
    if invite is None:
        return None, "链接无效"
    if invite.used is not None:
        return None, "此链接已经使用过，每个链接只能使用一次"
    if invite.expires <= clock.now():
        return None, "此链接已过期"
    return invite, ""


@login_required
def replace_key_view(request: HttpRequest) -> HttpResponse:
    """A person replaces their own lost or compromised key: a new key, the old one dropped at once."""
    policy = _policy(request)
    form = ReplaceKeyForm(request.POST or None)
    ctx: dict[str, Any] = {"policy": policy, "form": form, "pending": key_pending(policy.person_id, policy.config)}
    if request.method != "POST" or not form.is_valid():
        return render(request, "workbench/people_key.html", ctx)
    password = form.cleaned_data["password"]
    user = request.user
    if not user.check_password(password):
        form.add_error("password", "密码不正确，未更换密钥")
        return render(request, "workbench/people_key.html", ctx, status=403)
    pid = policy.person_id
    try:
        private, public = signing.generate(password, f"{pid}@workbench")
        text = set_key(_main_roster(), pid, public)
        reason = form.cleaned_data["reason"].strip()
        branch = configchange.submit_signed(pid, private, password, {ROSTER: text},
                                            f"更换密钥：{pid}{'（' + reason + '）' if reason else ''}")
    except PortalError as exc:
        ctx["error"] = f"未更换：{exc}"
        return render(request, "workbench/people_key.html", ctx, status=422)
    SigningKey.objects.update_or_create(user=user, defaults={"private": private, "public": public})
    oplog.record(pid, "key-replace", pid, request=request, branch=branch, reason=form.cleaned_data["reason"],
                 key=" ".join(public.split()[:2]))
    messages.success(request, f"已生成新密钥并报送名册变更（审核分支 {branch}）。旧密钥已停用；{PENDING}通过并合并前，你不能签名报送或审核。")
    return redirect("people_key")


@login_required
@require_POST
def deactivate_view(request: HttpRequest) -> HttpResponse:
    """A person who left: the account is locked now; their removal from roster.yml goes through the chain."""
    policy = _policy(request)
    if not _is_admin(policy):
        return _refuse(request, "只有网站管理员可以停用人员，未做任何操作。")
    form = AdminPasswordForm(request.POST)
    if not form.is_valid():
        return _refuse(request, "请填写你的登录密码，未做任何操作。", 400)
    pid, password = form.cleaned_data["person"], form.cleaned_data["password"]
    person = policy.config.people.get(pid)
    if person is None:
        return _refuse(request, f"“{pid}”不在主分支的 roster.yml 中。", 404)
    if pid == policy.person_id:
        return _refuse(request, "不能停用自己。请由另一位网站管理员操作。")
    if not request.user.check_password(password):
        return _refuse(request, "密码不正确，未做任何操作。", 403)
    locked_now = User.objects.filter(username=pid).update(is_active=False)
    Invite.objects.filter(person=pid, used__isnull=True).update(used=clock.now())
    _end_sessions(pid)
    try:
        branch = configchange.submit(policy.person_id, password, {ROSTER: remove_person(_main_roster(), pid)},
                                     f"停用人员：{pid}（{person.name}）离岗，移出名册")
    except PortalError as exc:
        oplog.record(policy.person_id, "deactivate", pid, request=request, branch="", problem=str(exc)[:300])
        messages.error(request, f"{person.name} 的账号已立即停用，但名册变更未报送：{exc}")
        return redirect("people")
    oplog.record(policy.person_id, "deactivate", pid, request=request, branch=branch, account=bool(locked_now))
    messages.success(request, f"{person.name} 的账号已立即停用并退出登录；移出名册的变更已报送（审核分支 {branch}），"
                              "须另一位网站管理员初审、办公室终审后合并。")
    return redirect("people")


def _end_sessions(pid: str) -> None:
    """Sign the person out everywhere now (an inactive account is refused on its next request too)."""
    from django.contrib.sessions.models import Session

    user = User.objects.filter(username=pid).first()
    if user is None:
        return
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


# ---------------------------------------------------------------- the roster's history


def _changes(before: str, after: str, config: Config | None) -> list[str]:
    old, new = people_of(before), people_of(after)
    out = []
    for pid in new:
        if pid not in old:
            out.append(f"新增 {new[pid].get('name', pid)}（{pid}）" + ("，登记公钥" if new[pid].get("key") else ""))
        elif old[pid] != new[pid]:
            fields = [k for k in sorted(set(old[pid]) | set(new[pid])) if old[pid].get(k) != new[pid].get(k)]
            shown = "、".join("公钥" if k == "key" else k for k in fields)
            out.append(f"{new[pid].get('name', pid)}（{pid}）：修改 {shown}")
    out += [f"移出 {old[pid].get('name', pid)}（{pid}）" for pid in old if pid not in new]
    try:
        if not out and yaml.safe_load(before) != yaml.safe_load(after):
            out.append("修改角色、科室或其他设置")
    except yaml.YAMLError:
        out.append("修改")
    return out


def history() -> list[dict[str, Any]]:
    """Every merge into main that changed roster.yml, newest first: what changed, who submitted and approved."""
    srv = server()
    srv.refresh()
    return srv.memo(("roster-history",), _history)


def _history() -> list[dict[str, Any]]:
    srv = server()
    out = []
    for record in trail.collect(srv.mirror, MAIN, ROSTER):
        if record["path"] != ROSTER:
            continue
        sha = record["merge"]["commit"]
        before = (srv.read(f"{sha}^1", ROSTER) or b"").decode("utf-8", "replace")
        after = (srv.read(sha, ROSTER) or b"").decode("utf-8", "replace")
        record["changes"] = _changes(before, after, None)
        record["summary"] = "；".join(
            line.removeprefix("报送：") for line in srv.mirror.run("log", "--format=%s", f"{sha}^2", f"^{sha}^1").splitlines()
            if line.startswith("报送："))
        out.append(record)
    return out


@login_required
def history_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    open_changes = []
    srv = server()
    from . import reviewing

    for branch in srv.branches():
        if reviewing.merged(srv, branch):
            continue
        if srv.blob(reviewing.head(branch), ROSTER) not in ("", srv.blob(MAIN, ROSTER)):
            result = reviewing.evaluate(srv, branch)
            ev = reviewing.evaluation_of(result, ROSTER)
            if ev is not None:
                nxt = ev.next
                state = (f"在“{ev.rejected.stage}”被退回" if ev.rejected else
                         f"待“{nxt.stage.title}”" if nxt else "审核链已完成，待合并")
                open_changes.append({"branch": branch, "state": state,
                                     "submitters": "、".join(policy.name(p) for p in sorted(ev.subject.informants))})
    return render(request, "workbench/people_history.html", {"policy": policy, "records": history(),
                                                             "open": open_changes})


def cli_invite(person: str, base_url: str) -> str:
    """`portal web --enrol ID`: an invitation link for a roster person (the key then enrols itself)."""
    srv = server()
    srv.refresh(force=True)
    config = srv.config()
    if person not in config.people:
        raise PortalError(f"“{person}”不在主分支的 roster.yml 中。新人员请由网站管理员在工作台“人员”页邀请"
                          "（填写姓名、科室和角色，经“配置变更”审核后加入名册）")
    invite, token = issue(person, Invite.INVITE, "命令行 portal web --enrol")
    oplog.record("", "invite", person, invite=invite.pk, via="portal web --enrol")
    return f"{person}\t{config.people[person].name}\t{link(None, token, base_url)}"
