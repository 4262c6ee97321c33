"""Configuration changes (配置变更) from the workbench: roster.yml, columns.yml, calendar.yml, accepted.yml.

A change is written into the person's own clone, committed signed with their key (unlocked by their password
for that one commit) and pushed as a review branch by `review.workflow.submit`, the operation behind
`portal submit`; the server's gate then holds it to the 配置变更 chain (网站管理员, then 办公室), whose
decisions and merge are the ordinary reviewer pages' (待我审核, the review page, 合并发布).
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.config import ConfigError
from portal.config import load as load_config
from portal.errors import ERROR, PortalError
from review import workflow

from . import reviewing, signing
from .forms import DecisionForm
from .models import SigningKey
from .policy import Policy
from .repos import MAIN, locked
from .services import server

ALLOWED = ("roster.yml", "columns.yml", "calendar.yml", "accepted.yml")
MAX_BYTES = 2 * 1024 * 1024


def refusal(changes: dict[str, str]) -> str:
    """Why these files cannot be submitted as a configuration change ('' when they can)."""
    if not changes:
        return "没有要报送的配置文件。请至少修改 roster.yml、columns.yml、calendar.yml 或 accepted.yml 中的一个"
    wrong = [name for name in changes if name not in ALLOWED]
    if wrong:
        return (f"“{'、'.join(wrong)}”不能作为配置变更报送：工作台只报送 {'、'.join(ALLOWED)}。"
                "稿件请用“新建稿件”报送，规则文件请用命令行 portal submit")
    big = [name for name, text in changes.items() if len(text.encode("utf-8")) > MAX_BYTES]
    if big:
        return f"{'、'.join(big)} 超过 {MAX_BYTES // 1048576} MB，未报送。请检查是否粘贴了多余的内容"
    return ""


def _config_problems(clone: Path) -> str:
    try:
        load_config(clone)
    except ConfigError as exc:
        shown = [f"{f.path} 第 {f.line} 行：{f.rule} {f.message}" for f in exc.findings if f.severity == ERROR]
        return "；".join(shown[:10]) or str(exc)
    return ""


def submit(person: str, password: str, changes: dict[str, str], summary: str) -> str:
    """Write `changes` (file name -> whole text) on main in `person`'s clone, commit signed with their key and push a
    review branch (review.workflow.submit, as `portal submit` does); return the branch. PortalError (in Chinese)
    when refused: a file that is not configuration, a wrong password, no key, a YAML error, the server's gate."""
    problem = refusal(changes)
    if problem:
        raise PortalError(problem)
    user = User.objects.filter(username=person, is_active=True).first()
    if user is None:
        raise PortalError(f"“{person}”没有可用的工作台账号，未报送")
    key = SigningKey.objects.filter(user=user).first()
    if key is None:
        raise PortalError("你还没有签名密钥，不能报送配置变更。请联系网站管理员为你开通")
    if not user.check_password(password):
        raise signing.WrongPassword("密码不正确，未报送配置变更。请重新输入你的登录密码")
    return submit_signed(person, key.private, password, changes, summary)


def submit_signed(person: str, private: str, password: str, changes: dict[str, str], summary: str) -> str:
    """submit() with a given encrypted key (people.py: a new key enrolling itself, not yet stored)."""
    problem = refusal(changes)
    if problem:
        raise PortalError(problem)
    srv = server()
    srv.refresh(force=True)
    known = srv.config().people.get(person)
    title = summary.strip().splitlines()[0][:120] if summary.strip() else "、".join(sorted(changes))
    with locked(settings.DATA, person), signing.unlocked(private, password) as keyfile:
        clone = srv.clone(person, known.name if known else person)
        srv.checkout(clone, workflow.MAIN)
        for name, text in changes.items():
            (clone / name).write_text(text, encoding="utf-8")
        bad = _config_problems(clone)
        if bad:
            srv.checkout(clone, workflow.MAIN)
            raise PortalError(f"配置有误，未报送：{bad}")
        with srv.signing(clone, keyfile):
            branch, _, refused = workflow.submit(clone, [str(clone / n) for n in sorted(changes)], person, "origin",
                                                 title=f"配置变更：{title}")
    if refused:
        raise PortalError("检查未通过，未报送：" + "；".join(f.message for f in refused if f.severity == ERROR)[:800])
    srv.refresh(force=True)
    return branch


# ---------------------------------------------------------------- the reviewer's page of a configuration change


def diff(old: bytes | None, new: bytes | None, path: str) -> list[tuple[str, str]]:
    a = (old or b"").decode("utf-8", "replace").splitlines()
    b = (new or b"").decode("utf-8", "replace").splitlines()
    rows = []
    for line in difflib.unified_diff(a, b, f"main:{path}", f"待合并:{path}", lineterm="", n=3):
        kind = line[:1] if line[:1] in "+-@ " else " "
        rows.append(("@" if line.startswith(("+++", "---")) else kind, line))
    return rows


def review_page(request: HttpRequest, policy: Policy, branch: str, path: str) -> HttpResponse:
    """A configuration file under review: the chain, the YAML diff against main, approve / return."""
    from .views import refuse

    srv = server()
    if not reviewing.valid_branch(srv, branch):
        return refuse(request, "没有这个审核分支。", 404)
    result = reviewing.evaluate(srv, branch)
    ev = reviewing.evaluation_of(result, path)
    if ev is None:
        return refuse(request, "该审核分支上没有这个配置文件的改动。", 404)
    if not policy.may_read(ev):
        return refuse(request, "你不是这项配置变更的报送人、审核人或合并人，不能查看。")
    head = srv.mirror.must_rev(reviewing.head(branch))
    nxt = ev.next
    stage = nxt.stage.id if nxt else ""
    why = policy.decide_refusal(ev, stage) if nxt else "审核链已完成或已被退回"
    ctx: dict[str, Any] = {
        "policy": policy, "branch": branch, "path": path, "ev": ev, "next": nxt, "refusal": why,
        "diff": diff(srv.read(MAIN, path), srv.read(reviewing.head(branch), path), path),
        "submitters": [policy.name(p) for p in sorted(ev.subject.informants)],
        "summary": _summary(srv, branch),
        "history": [(d, status, policy.name(d.reviewer)) for d, status in ev.history],
        "problems": [p for p in result.problems if p.path == path and p.rule not in ("REVIEW-MISSING",)],
    }
    if not why:
        ctx["form"] = DecisionForm(secrecy=False, initial={"branch": branch, "path": path, "stage": stage, "head": head})
        ctx["stage"] = nxt.stage if nxt else None
    return render(request, "workbench/config_review.html", ctx)


def _summary(srv: Any, branch: str) -> str:
    """The subject lines of the branch's submissions (what the submitter said the change is)."""
    out = srv.mirror.run("log", "--format=%s", reviewing.head(branch), "^" + MAIN)
    return "；".join(line.removeprefix("报送：") for line in out.splitlines() if line.startswith("报送："))
