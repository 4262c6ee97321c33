"""The forms: built from columns.yml and the roster on main, so a forged choice is refused by validation."""
from __future__ import annotations

from django import forms

from portal.config import IMPORTANCE
from review import records

from .items import Fields
from .policy import Policy

DATE_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class LoginForm(forms.Form):
    username = forms.CharField(label="人员 id", max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="密码", max_length=200,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordField(forms.CharField):
    def __init__(self, label: str = "登录密码（用于解锁你的签名密钥）") -> None:
        super().__init__(label=label, max_length=200, required=True,
                         widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ItemForm(forms.Form):
    """One item's fields; the reviewer fields follow the chain of the column and importance chosen."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    column = forms.ChoiceField(label="栏目")
    title = forms.CharField(label="标题", max_length=200)
    date = forms.DateTimeField(label="发布日期", input_formats=DATE_INPUT,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    scheduled = forms.BooleanField(label="定时发布：合并后到上面的发布日期才在网站上出现", required=False)
    event_date = forms.DateField(label="信息产生日期", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    source = forms.CharField(label="信息来源", max_length=200)
    department = forms.ChoiceField(label="发布部门")
    kind = forms.ChoiceField(label="文种")
    importance = forms.ChoiceField(label="重要程度", choices=[(i, i) for i in IMPORTANCE])
    authors = forms.MultipleChoiceField(label="撰稿人", widget=forms.SelectMultiple(attrs={"size": 4}))
    doc_number = forms.CharField(label="发文字号", max_length=100, required=False)
    summary = forms.CharField(label="摘要", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.CharField(label="标签（用逗号分隔）", max_length=200, required=False)
    body = forms.CharField(label="正文（Markdown）", required=False, max_length=500_000,
                           widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))

    def __init__(self, policy: Policy, column: str, importance: str, department: str, *args: object,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        config = policy.config
        self.fields["column"].choices = [(c.id, c.title) for c in policy.columns()]
        self.fields["department"].choices = [(d, config.departments[d].name) for d in policy.departments()
                                             if d in config.departments]
        col = config.columns.get(column)
        kinds = col.kinds if col else ()
        self.fields["kind"].choices = [(k, k) for k in kinds]
        dept_people = [p for p in config.people.values() if policy.person and p.department == policy.person.department]
        self.fields["authors"].choices = [(p.id, f"{p.name}（{p.title or p.id}）") for p in dept_people]
        self.stages = col.chain.for_importance(importance if importance in IMPORTANCE else "一般") if col else ()
        for stage in self.stages:
            people = policy.reviewer_choices(stage.role, department)
            self.fields[f"reviewer_{stage.id}"] = forms.ChoiceField(
                label=f"{stage.title}", required=False,
                choices=[("", "（请选择）")] + [(p.id, f"{p.name}（{p.title or p.id}）") for p in people])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        date = data.get("date")
        if data.get("scheduled") and date is not None:
            from portal import clock

            now = clock.now()
            if date <= now:  # type: ignore[operator]
                self.add_error("scheduled", f"定时发布的发布日期须晚于现在（{now.astimezone(clock.CST):%Y-%m-%d %H:%M}）："
                                            "请把发布日期改为将来的时间，或取消“定时发布”")
        return data

    def reviewer_fields(self) -> list[forms.BoundField]:
        return [self[f"reviewer_{s.id}"] for s in self.stages]

    def fields_of(self, base: Fields) -> Fields:
        d = self.cleaned_data
        date = d["date"]
        tags = tuple(t.strip() for t in d.get("tags", "").replace("，", ",").split(",") if t.strip())
        return Fields(
            column=d["column"], title=d["title"].strip(),
            date=date.astimezone(_cst()).strftime("%Y-%m-%d %H:%M"), scheduled=bool(d.get("scheduled")),
            event_date=d["event_date"].strftime("%Y-%m-%d") if d.get("event_date") else "",
            source=d["source"].strip(), department=d["department"], kind=d["kind"], importance=d["importance"],
            authors=tuple(d["authors"]), reviewers={s.id: d.get(f"reviewer_{s.id}", "") for s in self.stages},
            summary=d.get("summary", "").strip(), tags=tags, doc_number=d.get("doc_number", "").strip(),
            attachments=base.attachments, body=d.get("body", ""), extra=base.extra)


def _cst():  # type: ignore[no-untyped-def]
    from portal import clock

    return clock.CST


def initial(fields: Fields, version: int) -> dict[str, object]:
    out: dict[str, object] = {
        "version": version, "column": fields.column, "title": fields.title, "date": fields.date.replace(" ", "T"),
        "scheduled": fields.scheduled,
        "event_date": fields.event_date, "source": fields.source, "department": fields.department,
        "kind": fields.kind, "importance": fields.importance, "authors": list(fields.authors),
        "doc_number": fields.doc_number, "summary": fields.summary, "tags": "，".join(fields.tags),
        "body": fields.body,
    }
    out |= {f"reviewer_{stage}": person for stage, person in fields.reviewers.items()}
    return out


class SubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    password = PasswordField()


class UploadForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label="附件")
    title = forms.CharField(label="附件名称（页面上显示）", max_length=100, required=False)


class ImportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label="Word/WPS 文档（.docx）")


ANSWER_CHOICES = [(a, a) for a in records.ANSWERS]


class DecisionForm(forms.Form):
    branch = forms.CharField(widget=forms.HiddenInput, max_length=300)
    path = forms.CharField(widget=forms.HiddenInput, max_length=300)
    stage = forms.CharField(widget=forms.HiddenInput, max_length=50)
    head = forms.CharField(widget=forms.HiddenInput, max_length=40, min_length=40)
    action = forms.ChoiceField(choices=[(records.APPROVE, "通过"), (records.REJECT, "退回")])
    opinion = forms.CharField(label="审核意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    password = PasswordField()

    def __init__(self, *args: object, secrecy: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.secrecy = secrecy
        if secrecy:
            for key, (question, _) in records.SECRECY.items():
                self.fields[key] = forms.ChoiceField(label=question, choices=ANSWER_CHOICES, widget=forms.RadioSelect,
                                                     required=False)

    def answers(self) -> dict[str, str] | None:
        if not self.secrecy:
            return None
        given = {k: self.cleaned_data.get(k) or "" for k in records.SECRECY}
        return given if all(given.values()) else None


class MergeForm(forms.Form):
    branch = forms.CharField(widget=forms.HiddenInput, max_length=300)
    head = forms.CharField(widget=forms.HiddenInput, max_length=40, min_length=40)


class PasswordChangeForm(forms.Form):
    old = forms.CharField(label="现在的密码", max_length=200,
                          widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new = forms.CharField(label="新密码（至少 10 位，不能是常见密码或纯数字）", max_length=200,
                          widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    again = forms.CharField(label="再输入一次新密码", max_length=200,
                            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new") and data.get("new") != data.get("again"):
            self.add_error("again", "两次输入的新密码不一致")
        return data
