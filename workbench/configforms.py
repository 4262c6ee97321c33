"""配置：columns.yml and roster.yml edited through forms, shown as a diff, signed and submitted as a 配置变更.

The forms change only the edited entry's lines (workbench.yamledit), so the file stays what a person would
write. The result is loaded with portal.config.load before anything is offered for submission; its findings
are shown in Chinese next to the fields. The submission itself is workbench.configchange.submit (a review
branch under the 配置变更 chain, approved and merged like any other change; the server's gate decides).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.config import (
    COLUMN_KEYS,
    COLUMN_TYPES,
    CYCLE_TITLES,
    PERSON_KEYS,
    Config,
    ConfigError,
)
from portal.config import load as load_config
from portal.errors import Finding, PortalError

from . import oplog, reviewing, yamledit
from .forms import PasswordField
from .policy import Policy
from .repos import MAIN

COLUMNS, ROSTER = "columns.yml", "roster.yml"
COLUMN_OPTIONAL = ("description", "keywords", "reprint_sources", "home", "scoring", "group")
PERSON_EDITABLE = ("name", "department", "title", "roles", "oversees", "email")  # never `key`: the people pages enrol keys
PERSON_OPTIONAL = ("title", "oversees", "key", "handle", "email")
DEPARTMENT_KEYS = ("id", "name")
INSPECTION_TITLES = {"news": "news（动态要闻类，2 周内须更新）", "notice": "notice（通知公告、政策文件类，6 个月）",
                     "other": "other（其他应更新栏目，1 年）", "static": "static（概况类，无更新要求）"}
SCORING_TITLES = {"": "（按 reports.scoring.policy 判定）", "policy": "policy（政策文件及解读，每条 0.5 分）",
                  "regular": "regular（其他栏目，每条 0.3 分）"}
SEPARATORS = re.compile(r"[,，、;；\n]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
MAX_TEXT = 300


# ---------------------------------------------------------------- form fields


def split_list(text: str) -> list[str]:
    """"宣教科、法规科" / "新闻, 动态" -> ["宣教科", "法规科"] (the order is kept: the first department leads)."""
    out: list[str] = []
    for part in SEPARATORS.split(text or ""):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def join_list(items: tuple[str, ...] | list[str]) -> str:
    return "、".join(items)


def _one_line(value: str, label: str) -> str:
    value = (value or "").strip()
    if CONTROL.search(value):
        raise forms.ValidationError(f"{label}只能是一行文字，不能包含换行、制表符或其他控制字符。请删去后重新填写")
    if len(value) > MAX_TEXT:
        raise forms.ValidationError(f"{label}最多 {MAX_TEXT} 个字，现有 {len(value)} 个字")
    return value


class TextField(forms.CharField):
    """One line of text (an id, a title, a list written with 、): no line breaks, no control characters."""

    def __init__(self, label: str, required: bool = True, help_text: str = "", **kwargs: Any) -> None:
        super().__init__(label=label, required=required, help_text=help_text, max_length=MAX_TEXT * 4,
                         strip=True, error_messages={"required": f"请填写{label}",
                                                     "max_length": f"{label}过长"}, **kwargs)

    def clean(self, value: Any) -> Any:
        return _one_line(super().clean(value), str(self.label))


class OpenChoice(TextField):
    """A select offering what the files define; any other value is judged by portal.config.load (with a
    Chinese finding and its rule id), so a forged value is refused the same way a hand-written one is."""

    def __init__(self, label: str, choices: list[tuple[str, str]], required: bool = True, help_text: str = "") -> None:
        super().__init__(label, required=required, help_text=help_text, widget=forms.Select(choices=choices))


class OpenMultiple(forms.MultipleChoiceField):
    """Check boxes over what the files define; values outside them are left to portal.config.load."""

    def __init__(self, label: str, choices: list[tuple[str, str]], required: bool = False) -> None:
        super().__init__(label=label, choices=choices, required=required, widget=forms.CheckboxSelectMultiple,
                         error_messages={"required": f"请至少选择一项{label}"})

    def valid_value(self, value: Any) -> bool:
        return True

    def clean(self, value: Any) -> Any:
        values = super().clean(value)
        for v in values:
            _one_line(str(v), str(self.label))
        return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


class ColumnForm(forms.Form):
    id = TextField("栏目 id", help_text="小写英文字母、数字和连字符，如 safety-week；它是 content/ 下的目录名和网址，建立后不能修改")
    title = TextField("栏目名称")
    description = TextField("栏目描述", required=False)
    keywords = TextField("关键词", required=False, help_text="用顿号或逗号分隔")
    type = OpenChoice("栏目类型", [(t, t) for t in COLUMN_TYPES])
    inspection = OpenChoice("检查指标类别", list(INSPECTION_TITLES.items()))
    departments = TextField("负责科室", help_text="用顿号分隔，第一个为牵头科室；可选：")
    cycle = OpenChoice("更新周期", [(c, f"{c}（{t}）") for c, t in CYCLE_TITLES.items()])
    kinds = TextField("文种", help_text="用顿号分隔，第一个为新稿件的默认文种；可选：")
    chain = OpenChoice("审核链", [])
    deadline_number = TextField("发布时限", help_text="信息产生后多长时间内发布（正整数）")
    deadline_unit = OpenChoice("时限单位", [("hours", "小时"), ("working_days", "个工作日")])
    reprint_sources = TextField("授权转载来源", required=False, help_text="用顿号分隔；可选：")
    home = forms.BooleanField(label="在首页显示", required=False)
    scoring = OpenChoice("计分类别", list(SCORING_TITLES.items()), required=False)
    group = TextField("顶部导航分组", required=False, help_text="留空则按栏目类型归组")

    def __init__(self, config: Config, new: bool, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new = new
        if not new:
            del self.fields["id"]
        chain = self.fields["chain"]
        chain.widget.choices = [(c, c) for c in config.chains]
        self.fields["departments"].help_text += "、".join(config.departments)
        self.fields["kinds"].help_text += "、".join(config.kinds)
        self.fields["reprint_sources"].help_text += "、".join(config.reprint_sources)

    def clean_deadline_number(self) -> str:
        value = self.cleaned_data["deadline_number"]
        if not value.isascii() or not value.isdigit() or not 0 < int(value) < 100_000:
            raise forms.ValidationError("发布时限应为正整数，如 24（小时）或 3（个工作日）")
        return value

    def clean_departments(self) -> list[str]:
        return self._list("departments", "负责科室")

    def clean_kinds(self) -> list[str]:
        return self._list("kinds", "文种")

    def _list(self, name: str, label: str) -> list[str]:
        items = split_list(self.cleaned_data[name])
        if not items:
            raise forms.ValidationError(f"请至少填写一个{label}")
        return items

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {"title": d["title"], "description": d["description"], "keywords": split_list(d["keywords"]),
                               "type": d["type"], "inspection": d["inspection"], "departments": d["departments"],
                               "cycle": d["cycle"], "kinds": d["kinds"], "chain": d["chain"],
                               "deadline": {d["deadline_unit"]: int(d["deadline_number"])},
                               "reprint_sources": split_list(d["reprint_sources"]), "home": d["home"],
                               "scoring": d["scoring"], "group": d["group"]}
        if self.new:
            out = {"id": d["id"]} | out
        return out

    @staticmethod
    def initial_of(config: Config, cid: str) -> dict[str, Any]:
        c = config.columns[cid]
        unit = "hours" if c.deadline.hours is not None else "working_days"
        return {"title": c.title, "description": c.description, "keywords": join_list(c.keywords), "type": c.type,
                "inspection": c.inspection, "departments": join_list(c.departments), "cycle": c.cycle,
                "kinds": join_list(c.kinds), "chain": c.chain.id,
                "deadline_number": c.deadline.hours if unit == "hours" else c.deadline.working_days,
                "deadline_unit": unit, "reprint_sources": join_list(c.reprint_sources), "home": c.home,
                "scoring": c.scoring, "group": c.group}


class PersonForm(forms.Form):
    name = TextField("姓名")
    department = OpenChoice("科室", [])
    title = TextField("职务", required=False)
    roles = OpenMultiple("角色", [], required=True)
    oversees = OpenMultiple("分管科室（分管领导）", [])
    email = TextField("邮箱（工作台提醒邮件发到这里，可不填）", required=False)

    def __init__(self, config: Config, *args: Any, original: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.original = original
        self.fields["department"].widget.choices = [(d.id, f"{d.id}（{d.name}）") for d in config.departments.values()]
        self.fields["roles"].choices = [(r.id, f"{r.title}（{r.id}）") for r in config.roles.values()]
        self.fields["oversees"].choices = [(d, d) for d in config.departments]

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        roles = [r for r in self.original if r in d["roles"]] + [r for r in d["roles"] if r not in self.original]
        return {"name": d["name"], "department": d["department"], "title": d["title"], "roles": roles,
                "oversees": d["oversees"], "email": d["email"]}

    @staticmethod
    def initial_of(config: Config, pid: str) -> dict[str, Any]:
        p = config.people[pid]
        return {"name": p.name, "department": p.department, "title": p.title, "roles": list(p.roles),
                "oversees": list(p.oversees), "email": p.email}


class DepartmentForm(forms.Form):
    id = TextField("科室简称（id）", help_text="栏目与人员用它指称该科室，建立后不能修改")
    name = TextField("科室全称")

    def __init__(self, new: bool, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new = new
        if not new:
            del self.fields["id"]

    def clean_id(self) -> str:
        value = str(self.cleaned_data["id"])
        if SEPARATORS.search(value) or re.search(r"\s", value):
            raise forms.ValidationError("科室简称不能含空格、逗号、顿号或分号（栏目的负责科室用它们分隔各科室），如“宣教科”")
        return value

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return ({"id": d["id"]} if self.new else {}) | {"name": d["name"]}


class ConfirmForm(forms.Form):
    base = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)
    note = forms.CharField(label="变更说明（可选，写入提交说明）", max_length=500, required=False,
                           widget=forms.TextInput)
    password = PasswordField("登录密码（用于签名这次配置变更）")


# ---------------------------------------------------------------- what an edit is


@dataclasses.dataclass
class Edit:
    """One entry of one file: how to read its form, and how to write it into the file's text."""

    file: str
    section: str
    key: str  # the entry's id ('' : a new entry)
    label: str  # e.g. 栏目“动态要闻”（news）
    form: forms.Form
    order: tuple[str, ...]
    optional: tuple[str, ...]
    field_of: dict[str, str] = dataclasses.field(default_factory=dict)  # YAML key -> form field

    def apply(self, text: str) -> str:
        values = self.form.values()  # type: ignore[attr-defined]
        if not self.key:
            return yamledit.append_entry(text, self.section, values, self.order, self.optional)
        return yamledit.set_fields(text, self.section, ("id", self.key), values, self.order, self.optional)

    def index(self, text: str) -> int:
        """The entry's position in the new text."""
        ident = self.key or str(self.form.cleaned_data.get("id", ""))
        try:
            found = yamledit.find(text, self.section, "id", ident)
            count = len(yamledit.entries(text, self.section))
        except yamledit.EditError:
            return -1
        if not self.key:  # a new entry is the last one (its id may repeat an existing one)
            return count - 1
        return found[0] if found else -1


def validate(files: dict[str, str]) -> list[Finding]:
    """portal.config.load over the two files as they would be; its findings ([] : loads cleanly)."""
    with tempfile.TemporaryDirectory(prefix="portal-config-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        try:
            load_config(root)
        except ConfigError as exc:
            return list(exc.findings)
    return []


def place(edit: Edit, text: str, findings: list[Finding]) -> tuple[dict[str, list[str]], list[str]]:
    """Findings next to the form fields whose lines they name; the rest for the top of the form."""
    index = edit.index(text)
    lines = yamledit.field_lines(text, edit.section, index) if index >= 0 else {}
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    first = min((a for a, _ in lines.values()), default=-1)
    for f in findings:
        message = f"{f.message}（{f.rule}）"
        key = next((k for k, (a, b) in lines.items() if f.path == edit.file and a <= f.line <= b), "")
        if not key and f.path == edit.file and f.line == first:
            key = "id"
        field = edit.field_of.get(key, key)
        if field and field in edit.form.fields:
            by_field.setdefault(field, []).append(message)
        else:
            general.append(f"{f.path} 第 {f.line} 行：{message}")
    return by_field, general


def diff_rows(old: str, new: str, name: str) -> list[tuple[str, str, str]]:
    """A unified diff as rows (kind, what a screen reader says, line): kind ' ', '+', '-' or '@'."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[tuple[str, str, str]] = [("@", "", f"--- 现在的 {name}"), ("@", "", f"+++ 修改后的 {name}")]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        (_, i1, _, j1, _), (_, _, i2, _, j2) = group[0], group[-1]
        rows.append(("@", "", f"@@ 原第 {i1 + 1} 行起 {i2 - i1} 行，改后第 {j1 + 1} 行起 {j2 - j1} 行 @@"))
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                rows += [(" ", "", "  " + line) for line in a[x1:x2]]
                continue
            rows += [("-", "删除：", "- " + line) for line in a[x1:x2]]
            rows += [("+", "新增：", "+ " + line) for line in b[y1:y2]]
    return rows


# ---------------------------------------------------------------- views


def _policy(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


def _refuse(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "workbench/refused.html", {"message": message}, status=status)


def _gate(request: HttpRequest) -> HttpResponse | None:
    if not _policy(request).may_configure:
        return _refuse(request, "只有网站管理员和办公室可以修改栏目与名册配置。")
    return None


def _main_texts() -> tuple[dict[str, str], str]:
    from .services import server

    srv = server()
    srv.refresh(force=True)
    texts = {}
    for name in (COLUMNS, ROSTER):
        data = srv.read(MAIN, name)
        texts[name] = (data or b"").decode("utf-8", "replace")
    return texts, srv.main_sha()


@login_required
def config_home(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    policy = _policy(request)
    config = policy.config
    waiting = [(name, branch) for name in (COLUMNS, ROSTER) for branch in pending(name)]
    return render(request, "workbench/config_home.html", {
        "policy": policy, "columns": list(config.columns.values()), "people": list(config.people.values()),
        "departments": list(config.departments.values()), "cycles": CYCLE_TITLES, "roles": config.roles,
        "waiting": waiting})


@login_required
def column_edit(request: HttpRequest, cid: str = "") -> HttpResponse:
    def make(config: Config, data: Any) -> Edit:
        if cid and cid not in config.columns:
            raise LookupError(f"没有栏目“{cid}”。")
        initial = ColumnForm.initial_of(config, cid) if cid else {"inspection": "other", "cycle": "monthly",
                                                                     "deadline_unit": "working_days"}
        form = ColumnForm(config, not cid, data, initial=initial)
        label = f"栏目“{config.columns[cid].title}”（{cid}）" if cid else "新栏目"
        return Edit(COLUMNS, "columns", cid, label, form, COLUMN_KEYS, COLUMN_OPTIONAL,
                    {"deadline": "deadline_number"})

    return _edit(request, make, "栏目")


@login_required
def person_edit(request: HttpRequest, pid: str) -> HttpResponse:
    def make(config: Config, data: Any) -> Edit:
        if pid not in config.people:
            raise LookupError(f"名册中没有人员“{pid}”。")
        p = config.people[pid]
        form = PersonForm(config, data, initial=PersonForm.initial_of(config, pid), original=p.roles)
        return Edit(ROSTER, "people", pid, f"人员 {p.name}（{pid}）", form, PERSON_KEYS, PERSON_OPTIONAL)

    return _edit(request, make, "人员")


@login_required
def department_edit(request: HttpRequest, did: str = "") -> HttpResponse:
    def make(config: Config, data: Any) -> Edit:
        if did and did not in config.departments:
            raise LookupError(f"名册中没有科室“{did}”。")
        initial = {"name": config.departments[did].name} if did else {}
        form = DepartmentForm(not did, data, initial=initial)
        return Edit(ROSTER, "departments", did, f"科室“{did}”" if did else "新科室", form, DEPARTMENT_KEYS, ())

    return _edit(request, make, "科室")


def _edit(request: HttpRequest, make: Callable[[Config, Any], Edit], what: str) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    policy = _policy(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    try:
        edit = make(policy.config, request.POST if action in ("preview", "submit") else
                    (request.POST if action == "back" else None))
    except LookupError as exc:
        return _refuse(request, str(exc), 404)
    ctx: dict[str, Any] = {"policy": policy, "edit": edit, "what": what, "general": []}
    if not action or action == "back" or not edit.form.is_valid():
        status = 422 if action in ("preview", "submit") else 200
        return _show(request, ctx, status)
    texts, sha = _main_texts()
    old = texts[edit.file]
    try:
        new = edit.apply(old)
    except yamledit.EditError as exc:
        ctx["general"] = [str(exc)]
        return _show(request, ctx, 422)
    if new == old:
        ctx["general"] = ["与主分支上的配置相比没有任何改动，无需提交。"]
        return _show(request, ctx, 422)
    findings = validate(texts | {edit.file: new})
    if findings:
        by_field, general = place(edit, new, findings)
        for field, problems in by_field.items():
            for problem in problems:
                edit.form.add_error(field, problem)
        ctx["general"] = general
        return _show(request, ctx, 422)
    confirm = ConfirmForm(request.POST if action == "submit" else None, initial={"base": sha})
    ctx |= {"confirm": confirm, "diff": diff_rows(old, new, edit.file), "base": sha, "pending": pending(edit.file)}
    if action == "preview":
        return render(request, "workbench/config_confirm.html", ctx)
    if not confirm.is_valid():
        return render(request, "workbench/config_confirm.html", ctx, status=422)
    if confirm.cleaned_data["base"] != sha:
        ctx["confirm"] = ConfirmForm(initial={"base": sha})
        ctx["problem"] = "你预览之后主分支上的配置已有新的改动（可能他人的配置变更已合并）。下面是相对最新配置的差异，请核对后再提交。"
        return render(request, "workbench/config_confirm.html", ctx, status=409)
    password = confirm.cleaned_data["password"]
    if not request.user.check_password(password):
        ctx["problem"] = "密码不正确，未提交。"
        return render(request, "workbench/config_confirm.html", ctx, status=403)
    summary = _summary(edit, old, new, confirm.cleaned_data["note"])
    try:
        branch = _submit(policy.person_id, password, {edit.file: new}, summary)
    except PortalError as exc:  # the wrong password, no key, the server's gate: said in Chinese
        ctx["problem"] = f"未提交：{exc}"
        return render(request, "workbench/config_confirm.html", ctx, status=422)
    oplog.record(policy.person_id, "config-submit", branch, request=request, file=edit.file, entry=edit.label,
                 summary=summary)
    messages.success(request, f"已提交配置变更“{summary}”到审核分支 {branch}，待“配置变更”审核链（网站管理员审核、办公室终审）"
                              "通过并合并后生效。")
    return redirect("config")


def pending(name: str) -> list[str]:
    """Review branches not yet merged that change `name` too (their merge would change what this edit starts from)."""
    from .services import server

    srv = server()

    def compute() -> list[str]:
        out = []
        for branch in srv.branches():
            if reviewing.merged(srv, branch):
                continue
            changed = srv.mirror.run("diff", "--name-only", f"{MAIN}...{reviewing.head(branch)}", "--",
                                     check=False)
            if name in changed.splitlines():
                out.append(branch)
        return out

    return srv.memo(("config-pending", name), compute)


def _show(request: HttpRequest, ctx: dict[str, Any], status: int) -> HttpResponse:
    """The edit form, each field tied to its hint and its errors for screen readers."""
    form = ctx["edit"].form
    for name, field in form.fields.items():
        bf = form[name]
        ids = ([f"{bf.auto_id}-help"] if field.help_text else []) + ([f"{bf.auto_id}-err"] if bf.errors else [])
        if ids and not isinstance(field.widget, forms.CheckboxSelectMultiple):
            field.widget.attrs["aria-describedby"] = " ".join(ids)
        if bf.errors:
            field.widget.attrs["aria-invalid"] = "true"
    return render(request, "workbench/config_edit.html", ctx, status=status)


def _summary(edit: Edit, old: str, new: str, note: str) -> str:
    verb = "新增" if not edit.key else "修改"
    label = edit.label
    if not edit.key:
        ident = edit.form.cleaned_data.get("id", "")
        label = f"{edit.label} {ident}"
    text = f"{verb}{label}"
    return f"{text}：{note.strip()}" if note.strip() else text


def _submit(person: str, password: str, changes: dict[str, str], summary: str) -> str:
    from . import configchange

    return configchange.submit(person, password, changes, summary)
