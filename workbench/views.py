"""Thin views: each asks the Policy, then calls review.workflow, checks or the site's page code."""
from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal import clock, model, view
from portal.commands.new import slugify
from portal.errors import ERROR, PortalError
from review import gate, records, trail, workflow

from . import items, oplog, reviewing, signing
from .forms import (
    DecisionForm,
    ImportForm,
    ItemForm,
    LoginForm,
    MergeForm,
    PasswordChangeForm,
    SubmitForm,
    UploadForm,
    initial,
)
from .models import Draft, FailedLogin, SigningKey
from .policy import Policy
from .repos import MAIN, locked
from .services import server

THROTTLE_WINDOW = dt.timedelta(minutes=15)
THROTTLE_USER, THROTTLE_ADDRESS = 5, 20
View = Callable[..., HttpResponse]


def policy_of(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


def refuse(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "workbench/refused.html", {"message": message}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return refuse(request, "表单已失效或缺少安全令牌（CSRF），未做任何操作。请刷新页面后重新提交")


# ---------------------------------------------------------------- accounts


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, address = form.cleaned_data["username"].strip(), _address(request)
        since = timezone.now() - THROTTLE_WINDOW
        recent = FailedLogin.objects.filter(when__gte=since)
        if recent.filter(username=username).count() >= THROTTLE_USER or \
                recent.filter(address=address).count() >= THROTTLE_ADDRESS:
            form.add_error(None, "登录失败次数过多，请 15 分钟后再试。如忘记密码请联系网站管理员")
            oplog.record(username, "login-failed", request=request, reason="throttled")
            return render(request, "workbench/login.html", {"form": form}, status=429)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            FailedLogin.objects.create(username=username, address=address)
            oplog.record(username, "login-failed", request=request, reason="password")
            form.add_error(None, "人员 id 或密码不正确")
        else:
            FailedLogin.objects.filter(username=username).delete()
            login(request, user)
            oplog.record(username, "login", request=request)
            return redirect(_safe_next(request.GET.get("next", "")))
    return render(request, "workbench/login.html", {"form": form})


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@login_required
def password_view(request: HttpRequest) -> HttpResponse:
    """Change the password; the signing key is re-encrypted with the new one in the same step."""
    from django.contrib.auth import password_validation, update_session_auth_hash
    from django.core.exceptions import ValidationError
    from django.db import transaction

    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
        if not user.check_password(old):
            form.add_error("old", "现在的密码不正确")
        else:
            try:
                password_validation.validate_password(new, user)
            except ValidationError as exc:
                form.add_error("new", exc)
        if form.is_valid():
            with transaction.atomic():
                key = SigningKey.objects.select_for_update().filter(user=user).first()
                if key is not None:
                    key.private = signing.reencrypt(key.private, old, new)
                    key.save()
                user.set_password(new)
                user.save()
            update_session_auth_hash(request, user)
            oplog.record(user.get_username(), "password", request=request)
            messages.success(request, "密码已修改，签名密钥已改用新密码加密。")
            return redirect("home")
    return render(request, "workbench/password.html", {"form": form, "policy": policy_of(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        oplog.record(request.user.get_username(), "logout", request=request)
    logout(request)
    return redirect("login")


# ---------------------------------------------------------------- home and lists


@login_required
def home(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    srv = server()
    context: dict[str, Any] = {"policy": policy}
    if policy.may_write:
        context["drafts"] = Draft.objects.filter(owner=request.user, submitted_branch="")
        context["mine"] = reviewing.mine(srv, policy, settings.SITE_URL)
    context["queue"] = reviewing.queue(srv, policy)
    if policy.may_merge:
        context["mergeable"] = [b for b, _ in reviewing.mergeable(srv)]
    return render(request, "workbench/home.html", context)


@login_required
def queue_view(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    return render(request, "workbench/queue.html", {"policy": policy, "rows": reviewing.queue(server(), policy)})


@login_required
def mine_view(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    if not policy.may_write:
        return refuse(request, "只有信息员有“我的稿件”。")
    rows = reviewing.mine(server(), policy, settings.SITE_URL)
    drafts = Draft.objects.filter(owner=request.user, submitted_branch="")
    return render(request, "workbench/mine.html", {"policy": policy, "rows": rows, "drafts": drafts})


# ---------------------------------------------------------------- drafts


def _draft_dir(draft: Draft) -> Path:
    return settings.DATA / "drafts" / str(draft.pk)


def _uploads(draft: Draft) -> Path:
    return _draft_dir(draft) / "uploads"


def _own_draft(request: HttpRequest, pk: int) -> Draft:
    draft = get_object_or_404(Draft, pk=pk)
    if draft.owner_id != request.user.pk:  # type: ignore[attr-defined]
        raise Http404("没有这份稿件")
    return draft


@login_required
def new_item(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    columns = policy.columns()
    if not columns:
        return refuse(request, "你在名册中不是信息员，或你的科室不负责任何栏目，不能新建稿件。")
    if request.method != "POST":
        return render(request, "workbench/new.html", {"policy": policy, "columns": columns})
    column = request.POST.get("column", "")
    if not policy.may_write_column(column):
        return refuse(request, f"你不能在栏目“{column}”中发稿：请从列出的栏目中选择。")
    person = policy.person
    assert person is not None
    config = policy.config
    col = config.columns[column]
    now = clock.now()
    fields = items.Fields(column=column, date=now.strftime("%Y-%m-%d %H:%M"),
                          source=config.site.organizer + config.departments[person.department].name,
                          department=person.department, kind=col.kinds[0], authors=(person.id,),
                          reviewers={s.id: "" for s in col.chain.stages})
    draft = Draft.objects.create(owner=request.user, path=items.item_path(column, fields.date, "draft"),
                                 text=items.compose(fields))
    return redirect("draft", pk=draft.pk)


@login_required
def revise(request: HttpRequest) -> HttpResponse:
    """Open an item of one of my review branches (returned, or still waiting) as a draft."""
    policy = policy_of(request)
    srv = server()
    branch, path = request.GET.get("branch", ""), request.GET.get("path", "")
    if not reviewing.valid_branch(srv, branch):
        return refuse(request, "没有这个审核分支。", 404)
    ev = reviewing.evaluation_of(reviewing.evaluate(srv, branch), path)
    if ev is None or not policy.may_edit(ev) or not branch.startswith(f"{records.BRANCH_PREFIX}{policy.person_id}/"):
        return refuse(request, "你只能修改自己报送的稿件。")
    existing = Draft.objects.filter(owner=request.user, branch=branch, path=path, submitted_branch="").first()
    if existing:
        return redirect("draft", pk=existing.pk)
    data = srv.read(reviewing.head(branch), path) or b""
    draft = Draft.objects.create(owner=request.user, path=path, branch=branch,
                                 base_blob=srv.blob(reviewing.head(branch), path), text=data.decode("utf-8", "replace"))
    _restore_files(srv, policy.config, draft, reviewing.head(branch))
    return redirect("draft", pk=draft.pk)


def _restore_files(srv: Any, config: Any, draft: Draft, ref: str) -> None:
    """The files the item links to, from git into the draft's uploads (so its checks and preview see them)."""
    fields = items.decompose(draft.text, draft.path)
    folder = f"{model.CONTENT}/{fields.column}/{model.FILES_DIR}"
    uploads = _uploads(draft)
    uploads.mkdir(parents=True, exist_ok=True)
    rev = srv.mirror.rev(ref)
    present = srv.mirror.tree_files(rev, folder + "/") if rev else {}
    wanted = {f"{folder}/{name}" for name, _ in fields.attachments}
    article, _ = model.parse_article(config, draft.path, draft.text.encode("utf-8"))
    if article is not None:  # every file the published page links or embeds, however the body writes it
        wanted |= {ref.rel for ref in view.of(article).files}
    blobs = srv.mirror.read_objects([present[p] for p in wanted if p in present])
    for p in wanted:
        if p in present and present[p] in blobs:
            (uploads / Path(p).name).write_bytes(blobs[present[p]])


def _form_for(policy: Policy, draft: Draft, data: Any = None) -> tuple[ItemForm, items.Fields]:
    fields = items.decompose(draft.text, draft.path)
    column = (data.get("column") if data else None) or fields.column
    importance = (data.get("importance") if data else None) or fields.importance
    department = (data.get("department") if data else None) or fields.department
    form = ItemForm(policy, column, importance, department, data, initial=initial(fields, draft.version))
    return form, fields


def _conflict(srv: Any, draft: Draft, version: int | None) -> str:
    """Why saving over this draft would overwrite someone's work ('' if it would not)."""
    if version is not None and version != draft.version:
        return ("这份稿件在你打开之后已在别处（另一个窗口或另一次保存）修改过。你的修改没有保存，"
                "请先复制下面的内容，重新打开稿件后再合并你的修改。")
    ref = reviewing.head(draft.branch) if draft.branch else MAIN
    current = srv.blob(ref, draft.path)
    if current != draft.base_blob:
        where = f"审核分支 {draft.branch}" if draft.branch else "已发布的网站（main）"
        if not draft.base_blob:
            return f"{where}上已有同名稿件 {draft.path}。请改用其他标题或网址标识，或先打开那篇稿件再修改。"
        return f"{draft.path} 在你打开之后已在{where}上被修改。为免覆盖他人的修改，你的版本未报送；请查看差异后重新打开稿件。"
    for branch in srv.branches():
        if branch == draft.branch or reviewing.merged(srv, branch):
            continue
        if srv.blob(reviewing.head(branch), draft.path) not in ("", draft.base_blob):
            return f"{draft.path} 正在审核分支 {branch} 中修改（尚未发布）。同一稿件不能同时由两人修改，请与该分支的信息员协商。"
    return ""


@login_required
def draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_of(request)
    draft = _own_draft(request, pk)
    if not policy.may_write:
        return refuse(request, "你在名册中不是信息员。")
    if request.method == "POST":
        problem = getattr(request, "upload_problem", "")
        if problem:
            messages.error(request, problem)
            return redirect("draft", pk=draft.pk)
    srv = server()
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    form, fields = _form_for(policy, draft, request.POST if action in ("save", "submit") else None)
    submit_form = SubmitForm(initial={"version": draft.version})
    conflict = ""
    if action in ("save", "submit"):
        if form.is_valid():
            if not policy.may_write_column(form.cleaned_data["column"]):
                return refuse(request, "你不能在这个栏目发稿。")
            new = form.fields_of(fields)
            conflict = _conflict(srv, draft, form.cleaned_data["version"])
            if not conflict:
                _save(draft, new)
                if action == "submit":
                    return _submit(request, policy, draft)
                messages.success(request, "已保存草稿。")
                return redirect("draft", pk=draft.pk)
            text = items.compose(new)
            return _render_draft(request, policy, draft, form, submit_form, conflict, mine=text)
    elif action == "upload":
        return _upload(request, policy, draft)
    elif action == "import":
        return _import(request, policy, draft)
    elif action == "remove":
        return _remove(request, draft)
    elif action == "delete":
        shutil.rmtree(_draft_dir(draft), ignore_errors=True)
        draft.delete()
        messages.success(request, "草稿已删除。")
        return redirect("mine")
    return _render_draft(request, policy, draft, form, submit_form, conflict)


def _save(draft: Draft, fields: items.Fields) -> None:
    if not draft.branch and not draft.base_blob:  # a new item: its file name follows the title and date
        old = draft.path
        draft.path = items.item_path(fields.column, fields.date, slugify(fields.title) if fields.title else "draft")
        if old != draft.path:
            draft.base_blob = ""
    draft.text = items.compose(fields)
    draft.version += 1
    draft.save()


def _evaluate(policy: Policy, draft: Draft, text: str | None = None) -> items.Preview:
    srv = server()
    root = _draft_dir(draft) / "root"
    with locked(settings.DATA, f"draft-{draft.pk}"):
        items.prepare_root(root, srv.policy_root(srv.main_sha()), draft.path, text if text is not None else draft.text,
                           _uploads(draft))
        try:
            return items.preview(root.resolve(), draft.path)
        except PortalError as exc:  # e.g. a broken rule file on this server: say so, never a traceback
            problem = items.Shown(1, "CHECK-UNAVAILABLE", ERROR, "错误", f"检查无法运行：{exc}", "", 0, draft.path)
            return items.Preview("", "", [problem])


def _render_draft(request: HttpRequest, policy: Policy, draft: Draft, form: ItemForm, submit_form: SubmitForm,
                  conflict: str = "", mine: str = "", status: int = 200, preview: items.Preview | None = None) -> HttpResponse:
    preview = preview or _evaluate(policy, draft)
    srv = server()
    theirs = b""
    if conflict:
        ref = reviewing.head(draft.branch) if draft.branch else MAIN
        theirs = srv.read(ref, draft.path) or b""
    fields = items.decompose(draft.text, draft.path)
    context = {
        "policy": policy, "draft": draft, "form": form, "submit_form": submit_form, "preview": preview,
        "upload_form": UploadForm(initial={"version": draft.version}),
        "import_form": ImportForm(initial={"version": draft.version}), "attachments": fields.attachments,
        "conflict": conflict, "conflict_diff": reviewing.diff(theirs, mine.encode(), draft.path) if conflict else [],
        "mine_text": mine, "rows": _rows(form, _by_field(preview)), "allowed": ", ".join(sorted(items.allowed_types())),
        "upload_limit": settings.UPLOAD_MAX_BYTES // 1048576,
    }
    return render(request, "workbench/draft.html", context, status=409 if conflict else status)


FIELD_KEYS = [("column", ""), ("title", "title"), ("date", "date"), ("event_date", "event_date"),
              ("source", "source"), ("department", "department"), ("kind", "type"), ("importance", "importance"),
              ("authors", "author"), ("doc_number", "doc_number"), ("summary", "summary"), ("tags", "tags")]


def _rows(form: ItemForm, found: dict[str, list[items.Shown]]) -> list[tuple[Any, str, list[items.Shown]]]:
    rows = [(form[name], key, found.get(key, [])) for name, key in FIELD_KEYS]
    rows += [(bf, "reviewers", []) for bf in form.reviewer_fields()]
    if rows and form.reviewer_fields():
        bf, key, _ = rows[-1]
        rows[-1] = (bf, key, found.get("reviewers", []))
    return rows


def _by_field(preview: items.Preview) -> dict[str, list[items.Shown]]:
    out: dict[str, list[items.Shown]] = {}
    for f in preview.findings:
        if f.field:
            out.setdefault(f.field, []).append(f)
    return out


@login_required
@require_POST
def preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Live preview: the page as the site renders it and every finding, for the form as it is now (not saved)."""
    policy = policy_of(request)
    draft = _own_draft(request, pk)
    form, fields = _form_for(policy, draft, request.POST)
    if not form.is_valid():
        errors = [{"field": k, "message": " ".join(v)} for k, v in form.errors.items() if k != "version"]
        return JsonResponse({"html": "", "errors": len(errors), "form_errors": errors, "findings": []})
    preview = _evaluate(policy, draft, items.compose(form.fields_of(fields)))
    return JsonResponse(preview.as_dict() | {"form_errors": []})


@login_required
def draft_file(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A draft's uploaded file, for its owner's preview (pictures in the body, attachment links)."""
    draft = _own_draft(request, pk)
    response = _file(_uploads(draft), name)
    response["Content-Disposition"] = "inline" if name.lower().endswith((".png", ".jpg", ".jpeg", ".gif")) else "attachment"
    return response


def _posted_version(request: HttpRequest, draft: Draft) -> bool:
    try:
        return int(request.POST.get("version", "")) == draft.version
    except ValueError:
        return False


def _upload(request: HttpRequest, policy: Policy, draft: Draft) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not _posted_version(request, draft):
        messages.error(request, "稿件在你打开之后已修改，附件未上传。请重新上传")
        return redirect("draft", pk=draft.pk)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
        return redirect("draft", pk=draft.pk)
    upload = form.cleaned_data["file"]
    try:
        name = items.check_upload(upload.name or "", upload.size or 0, settings.UPLOAD_MAX_BYTES)
    except items.UploadError as exc:
        messages.error(request, str(exc))
        return redirect("draft", pk=draft.pk)
    _store(draft, name, upload.chunks())
    fields = items.decompose(draft.text, draft.path)
    fields.attachments = [(n, t) for n, t in fields.attachments if n != name] + [(name, form.cleaned_data["title"] or name)]
    _save(draft, fields)
    messages.success(request, f"已上传附件“{name}”，并已检查（见右侧检查结果）。")
    return redirect("draft", pk=draft.pk)


def _store(draft: Draft, name: str, chunks: Any) -> None:
    folder = _uploads(draft)
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise items.UploadError("文件名不允许")
    with target.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)


def _import(request: HttpRequest, policy: Policy, draft: Draft) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not _posted_version(request, draft) or not form.is_valid():
        messages.error(request, "导入未完成：请选择 .docx 文件（稿件若已在别处修改，请先刷新）。")
        return redirect("draft", pk=draft.pk)
    upload = form.cleaned_data["file"]
    try:
        name = items.check_upload(upload.name or "", upload.size or 0, settings.UPLOAD_MAX_BYTES)
        if name.rsplit(".", 1)[-1].lower() not in items.DOCX:
            raise items.UploadError(f"“{name}”不是 Word/WPS 文档（.docx）。其他文件请作为附件上传")
        data = upload.read()
        stem = slugify(Path(name).stem, 24)
        body, pictures = items.import_docx(data, stem)
    except items.UploadError as exc:
        messages.error(request, str(exc))
        return redirect("draft", pk=draft.pk)
    _store(draft, name, [data])
    for picture, content in pictures:
        _store(draft, picture, [content])
    fields = items.decompose(draft.text, draft.path)
    fields.body = body if not fields.body.strip() or fields.body.strip().startswith("（正文") else fields.body + "\n" + body
    fields.attachments = [(n, t) for n, t in fields.attachments if n != name] + [(name, Path(name).stem)]
    _save(draft, fields)
    messages.success(request, f"已导入“{name}”：正文 {len(body)} 字，图片 {len(pictures)} 张（作为附件保存），原文件作为附件一并检查。")
    return redirect("draft", pk=draft.pk)


def _remove(request: HttpRequest, draft: Draft) -> HttpResponse:
    name = request.POST.get("name", "")
    if not _posted_version(request, draft):
        messages.error(request, "稿件在你打开之后已修改，未删除附件。")
        return redirect("draft", pk=draft.pk)
    fields = items.decompose(draft.text, draft.path)
    if name not in [n for n, _ in fields.attachments]:
        return refuse(request, "没有这个附件。", 404)
    fields.attachments = [(n, t) for n, t in fields.attachments if n != name]
    with_name = _uploads(draft) / name
    if with_name.resolve().parent == _uploads(draft).resolve() and with_name.is_file() and name not in fields.body:
        with_name.unlink()
    _save(draft, fields)
    messages.success(request, f"已删除附件“{name}”。")
    return redirect("draft", pk=draft.pk)


def _submit(request: HttpRequest, policy: Policy, draft: Draft) -> HttpResponse:
    """Check, then commit in the person's clone, signed with their key, and push the review branch."""
    password = request.POST.get("password", "")
    preview = _evaluate(policy, draft)
    form, _ = _form_for(policy, draft)
    submit_form = SubmitForm(initial={"version": draft.version})
    if preview.errors:
        messages.error(request, f"检查发现 {preview.errors} 个错误，未报送。请按右侧提示修改后再报送。")
        return _render_draft(request, policy, draft, form, submit_form, status=422, preview=preview)
    key = SigningKey.objects.filter(user=request.user).first()
    if key is None:
        messages.error(request, "你还没有签名密钥。请联系网站管理员为你登记（portal web --enrol）。")
        return _render_draft(request, policy, draft, form, submit_form, status=422, preview=preview)
    if policy.key_pending:
        messages.error(request, "待名册变更审核：你的新签名密钥尚未登记进名册（配置变更审核通过并合并后才能报送），未报送。")
        return _render_draft(request, policy, draft, form, submit_form, status=403, preview=preview)
    if not request.user.check_password(password):
        messages.error(request, "密码不正确，未报送。")
        return _render_draft(request, policy, draft, form, submit_form, status=403, preview=preview)
    srv = server()
    person = policy.person_id
    try:
        with locked(settings.DATA, person), signing.unlocked(key.private, password) as keyfile:
            clone = srv.clone(person, policy.person.name if policy.person else person)
            srv.checkout(clone, draft.branch or workflow.MAIN)
            item = clone / draft.path
            item.parent.mkdir(parents=True, exist_ok=True)
            item.write_text(draft.text, encoding="utf-8")
            files = item.parent / model.FILES_DIR
            uploads = _uploads(draft)
            paths = [str(item)]
            if uploads.is_dir():  # attachments and pictures go with the item (the body's links too)
                files.mkdir(exist_ok=True)
                for f in sorted(uploads.iterdir()):
                    if f.is_file():
                        shutil.copyfile(f, files / f.name)
                        paths.append(str(files / f.name))
            with srv.signing(clone, keyfile):
                branch, portal, refused = workflow.submit(clone, paths, person, "origin")
    except PortalError as exc:
        messages.error(request, f"未报送：{exc}")
        return _render_draft(request, policy, draft, form, submit_form, status=422, preview=preview)
    if refused:
        messages.error(request, "检查未通过，未报送：" + "；".join(f.message for f in refused if f.severity == ERROR)[:500])
        return _render_draft(request, policy, draft, form, submit_form, status=422, preview=preview)
    srv.refresh(force=True)
    nxt = ""
    article = portal.articles[0] if portal and portal.articles else None
    if article is not None and portal is not None:
        stages = portal.stages_for(article)
        if stages:
            nxt = f"下一环节“{stages[0].title}”，请 {policy.name(article.reviewers.get(stages[0].id, '')) or '（未指定）'} 审核。"
    draft.submitted_branch = branch
    draft.save()
    oplog.record(person, records.SUBMIT, branch, request=request, path=draft.path)
    shutil.rmtree(_draft_dir(draft), ignore_errors=True)
    messages.success(request, f"已报送到审核分支 {branch}。{nxt}")
    return redirect("mine")


# ---------------------------------------------------------------- reviewing


def _item_context(request: HttpRequest, policy: Policy, branch: str, path: str) -> dict[str, Any] | HttpResponse:
    srv = server()
    if not reviewing.valid_branch(srv, branch):
        return refuse(request, "没有这个审核分支。", 404)
    result = reviewing.evaluate(srv, branch, with_checks=True)
    ev = reviewing.evaluation_of(result, path)
    if ev is None:
        return refuse(request, "该审核分支上没有这篇稿件。", 404)
    if not policy.may_read(ev):
        return refuse(request, "你不是这篇稿件的信息员、审核人或合并人，不能查看。")
    new = srv.read(reviewing.head(branch), path)
    old = srv.read(MAIN, path)  # MAIN is the full ref (refs/heads/main)
    article, html = items.render(policy.config, path, new)
    nxt = ev.next
    return {"policy": policy, "branch": branch, "path": path, "ev": ev, "result": result, "article": article,
            "html": html, "diff": reviewing.diff(old, new, path), "live": old is not None,
            "findings": [f for f in result.findings if f.path == path or f.path in ev.subject.covered],
            "head": srv.mirror.must_rev(reviewing.head(branch)), "next": nxt,
            "history": [(d, status, policy.name(d.reviewer)) for d, status in ev.history]}


@login_required
def review_view(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    if not gate.is_item(request.GET.get("path", "")):  # a configuration change (roster.yml, columns.yml ...)
        from . import configchange

        return configchange.review_page(request, policy, request.GET.get("branch", ""), request.GET.get("path", ""))
    ctx = _item_context(request, policy, request.GET.get("branch", ""), request.GET.get("path", ""))
    if isinstance(ctx, HttpResponse):
        return ctx
    ev, nxt = ctx["ev"], ctx["next"]
    stage = nxt.stage.id if nxt else ""
    refusal = policy.decide_refusal(ev, stage) if nxt else "审核链已完成或已被退回"
    if not refusal:
        secrecy = nxt.stage.role == "secrecy"
        ctx["form"] = DecisionForm(secrecy=secrecy, initial={"branch": ctx["branch"], "path": ctx["path"],
                                                              "stage": stage, "head": ctx["head"]})
        ctx["stage"] = nxt.stage
    ctx["refusal"] = refusal
    return render(request, "workbench/review.html", ctx)


@login_required
@require_POST
def decide_view(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    srv = server()
    srv.refresh(force=True)
    branch, path, stage = request.POST.get("branch", ""), request.POST.get("path", ""), request.POST.get("stage", "")
    if not reviewing.valid_branch(srv, branch):
        return refuse(request, "没有这个审核分支，未做任何操作。", 404)
    ev = reviewing.evaluation_of(reviewing.evaluate(srv, branch), path)
    if ev is None or not policy.may_read(ev):
        return refuse(request, "你不是这篇稿件的审核人，未做任何操作。")
    state = next((s for s in ev.states if s.stage.id == stage), None)
    form = DecisionForm(request.POST, secrecy=bool(state and state.stage.role == "secrecy"))
    if not form.is_valid():
        return refuse(request, "表单不完整（" + "；".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()) + "），未做任何操作。",
                      400)
    if form.cleaned_data["head"] != srv.mirror.must_rev(reviewing.head(branch)):
        return refuse(request, "稿件在你打开之后已有新的修改或审核记录，未签署。请重新打开稿件，审阅最新版本后再审核。", 409)
    refusal = policy.decide_refusal(ev, stage)
    if refusal:
        return refuse(request, f"不能签署“{stage}”：{refusal}。未做任何操作。")
    action = form.cleaned_data["action"]
    opinion = form.cleaned_data["opinion"].strip()
    if action == records.REJECT and not opinion:
        return refuse(request, "退回须写明理由（审核意见），未做任何操作。", 400)
    key = SigningKey.objects.filter(user=request.user).first()
    if key is None:
        return refuse(request, "你还没有签名密钥，请联系网站管理员登记。", 400)
    if policy.key_pending:
        return refuse(request, "待名册变更审核：你的新签名密钥尚未登记进名册（配置变更审核通过并合并后才能签署），未签署。", 403)
    password = form.cleaned_data["password"]
    if not request.user.check_password(password):
        return refuse(request, "密码不正确，未签署。", 403)
    person = policy.person_id
    try:
        with locked(settings.DATA, person), signing.unlocked(key.private, password) as keyfile:
            clone = srv.clone(person, policy.person.name if policy.person else person)
            with srv.signing(clone, keyfile):
                done = workflow.decide(clone, branch, stage, person, action, opinion, "origin", form.answers(), [path])
    except PortalError as exc:
        return refuse(request, f"未签署：{exc}", 400)
    srv.refresh(force=True)
    oplog.record(person, action, branch, request=request, path=path, stage=stage, commit=done.commit)
    verb = records.DECISION_TITLES[action]
    tail = "；".join(f"下一环节“{s.stage.title}”：{policy.name(s.reviewer) or '任一有该角色者'}" for _, s in done.next)
    if action == records.APPROVE and not done.next:
        tail = "审核链已完成，可由办公室合并发布"
    messages.success(request, f"已签署“{stage}”：{verb}（提交 {done.commit[:10]}）。{tail}")
    return redirect("queue")


@login_required
def trail_view(request: HttpRequest) -> HttpResponse:
    """The printable 网站信息公开保密审查表 of an item under review (or as published)."""
    policy = policy_of(request)
    ctx = _item_context(request, policy, request.GET.get("branch", ""), request.GET.get("path", ""))
    if isinstance(ctx, HttpResponse):
        return ctx
    try:  # the trail's own record of one evaluation: the same form `portal trail` prints for a published item
        record = trail._record(ctx["ev"], ctx["result"], "", 0, ctx["branch"])
    except (AttributeError, KeyError, TypeError):
        return refuse(request, "暂时无法生成审查表，请用 portal trail 导出。", 500)
    record["merge"] = {"commit": "", "time": "（尚未发布）", "branch": ctx["branch"]}
    response = HttpResponse(trail.to_html([record], policy.config.site.name), content_type="text/html; charset=utf-8")
    # the printable form carries its own print stylesheet inline, and nothing else
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    return response


# ---------------------------------------------------------------- merging


@login_required
def merge_list(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    if not policy.may_merge:
        return refuse(request, "只有办公室或网站管理员可以合并发布。")
    srv = server()
    rows = [(b, r, srv.mirror.must_rev(reviewing.head(b))) for b, r in reviewing.mergeable(srv)]
    return render(request, "workbench/merge.html", {"policy": policy, "rows": rows})


@login_required
@require_POST
def merge_view(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    if not policy.may_merge:
        return refuse(request, "只有办公室或网站管理员可以合并发布，未做任何操作。")
    srv = server()
    srv.refresh(force=True)
    form = MergeForm(request.POST)
    if not form.is_valid() or not reviewing.valid_branch(srv, form.cleaned_data["branch"]):
        return refuse(request, "没有这个审核分支，未做任何操作。", 404)
    branch = form.cleaned_data["branch"]
    if form.cleaned_data["head"] != srv.mirror.must_rev(reviewing.head(branch)):
        return refuse(request, "审核分支在你打开之后有新的提交，未合并。请重新查看后再合并。", 409)
    person = policy.person_id
    try:
        with locked(settings.DATA, person):
            clone = srv.clone(person, policy.person.name if policy.person else person)
            sha, result = workflow.merge(clone, branch, "origin")
    except PortalError as exc:
        return refuse(request, f"未合并：{exc}", 400)
    srv.refresh(force=True)
    oplog.record(person, records.MERGE if sha else "merge-refused", branch, request=request, commit=sha or "",
                 problems=[p.message for p in result.problems][:20] if not sha else [])
    if not sha:
        return render(request, "workbench/merged.html", {"policy": policy, "branch": branch, "problems": result.problems},
                      status=409)
    published = srv.publish_log(sha)
    return render(request, "workbench/merged.html", {"policy": policy, "branch": branch, "sha": sha,
                                                     "published": published, "site_url": settings.SITE_URL})


# ---------------------------------------------------------------- files


STATIC = Path(__file__).resolve().parent / "static"


def static_file(request: HttpRequest, path: str) -> HttpResponse:
    return _file(STATIC, path)


def site_file(request: HttpRequest, path: str = "") -> HttpResponse:
    """The published site (demo only: production serves it from the web server)."""
    if not settings.SITE_DIR:
        raise Http404
    root = Path(settings.SITE_DIR) / "current"
    return _file(root, path or "index.html", html_index=True)


def _file(root: Path, path: str, html_index: bool = False) -> HttpResponse:
    target = (root / path).resolve()
    base = root.resolve()
    if html_index and target.is_dir():
        target = target / "index.html"
    if base not in target.parents or not target.is_file():
        raise Http404
    return FileResponse(target.open("rb"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return refuse(request, "请求无效（例如上传的内容过大或格式不对），未做任何操作。", 400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseForbidden("禁止访问")


def user_for(person: str) -> User | None:
    return User.objects.filter(username=person).first()
