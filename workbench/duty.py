"""The duty page (值班读网): the live site at a glance, its checks, and a one-click restore.

The checks are the CLI's own: `site_build.verify` (verify-site) against the live release's manifest and
`reports.audit` (portal audit) on the live site, with main checked out from the workbench's mirror. Each
run is kept as a SiteCheck (kind verify / audit; restore for a restoration). A restore is either
`site_build.publish.rollback` to the newest kept release that still matches its manifest, or
`review.hooks.republish`: the server's own re-check and publish of main, as after a push.
Nothing here publishes or compares files by itself.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import clock, model
from portal.config import Config
from portal.errors import ERROR, PortalError
from review import hooks
from review.gitutil import GitError, Repo
from site_build import publish, verify

from . import oplog
from .models import SiteCheck
from .policy import Policy
from .repos import Server, locked
from .services import server

LATE_HOURS = 1  # the timer runs every 10 minutes: a last check older than this means it does not run
LISTED = 300  # findings and files kept per check (the counts are kept whole)
SITE_WIDE = "全站"
RESTORE_METHODS = {"rollback": "回滚到最近一个完好的版本", "republish": "重新发布 main（服务器复核后发布）"}


# ---------------------------------------------------------------- where things are


def publish_dir(srv: Server) -> Path | None:
    """The publish directory: the one the server's hook publishes to, else the workbench's site dir."""
    with contextlib.suppress(PortalError, GitError, OSError):
        target = Repo(hooks.git_dir_of(Path(srv.url))).config_get(hooks.PUBLISH_DIR_KEY)
        if target:
            return Path(target)
    return Path(settings.SITE_DIR) if settings.SITE_DIR else None


def last_publish(srv: Server) -> dict[str, Any]:
    """What the server's post-receive hook last did (portal-publish-result.json), and its log's last lines."""
    out: dict[str, Any] = {"status": "", "commit": "", "release": "", "reason": "", "time": "", "log": []}
    try:
        git_dir = hooks.git_dir_of(Path(srv.url))
    except (PortalError, GitError, OSError):
        return out
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((git_dir / hooks.RESULT).read_text(encoding="utf-8"))
        if isinstance(data, dict):
            out |= {k: str(data.get(k, "")) for k in ("status", "commit", "release", "reason", "time")}
    with contextlib.suppress(OSError):
        lines = (git_dir / hooks.LOG).read_text(encoding="utf-8", errors="replace").splitlines()
        out["log"] = lines[-5:][::-1]
    return out


def live_state(pdir: Path | None) -> dict[str, Any]:
    """The live release, the kept ones, and the last publish or rollback of the publish directory."""
    state: dict[str, Any] = {"dir": str(pdir or ""), "live": "", "releases": [], "event": {}, "problem": ""}
    if pdir is None:
        state["problem"] = "没有配置发布目录（portal server install --publish-dir）"
        return state
    layout = publish.Layout(pdir.absolute())
    try:
        state["live"] = layout.live() or ""
        state["releases"] = layout.ordered()[::-1]
        events = [e for e in layout.events() if e.get("event") in ("publish", "rollback")]
        state["event"] = dict(events[-1]) if events else {}
        if state["event"]:  # 2026-11-22T12:00:00+08:00 -> 2026-11-22 12:00:00 (the log is in Beijing time)
            state["event"]["time"] = str(state["event"].get("time", "")).replace("T", " ")[:19]
    except (PortalError, OSError) as exc:
        state["problem"] = str(exc)
    return state


# ---------------------------------------------------------------- main, checked out for the audit and the reports


@contextlib.contextmanager
def main_tree(srv: Server) -> Iterator[tuple[Path, str]]:
    """main of the mirror in a work tree of its own (with every branch, for the review history); held locked."""
    srv.refresh()
    sha = srv.main_sha()
    root = (srv.data / "duty" / "portal").resolve()
    with locked(srv.data, "duty-tree"):
        if not (root / ".git").is_dir():
            root.mkdir(parents=True, exist_ok=True)
            _git(root, "init", "-q")
            _git(root, "remote", "add", "origin", str(srv.mirror_path.resolve()))
            _git(root, "config", "remote.origin.fetch", "+refs/heads/*:refs/heads/*")
        _git(root, "fetch", "-q", "--prune", "origin")
        _git(root, "checkout", "-q", "-f", "--detach", sha)
        _git(root, "clean", "-q", "-f", "-d", "-x")
        yield root, sha


def _git(cwd: Path, *args: str) -> None:
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} 失败：{proc.stderr.strip()}")


# ---------------------------------------------------------------- who answers for what


def responsible(config: Config, column: str | None) -> list[str]:
    """The people who answer for a column: the heads (科室负责人) of its departments, lead first;
    the site administrators for what belongs to no column."""
    col = config.columns.get(column or "")
    if col is None:
        people = [p for p in config.people.values() if "admin" in p.roles]
        return [f"{p.name}（{config.roles['admin'].title if 'admin' in config.roles else '网站管理员'}）" for p in people]
    out = []
    for dept in col.departments:
        heads = [p for p in config.people.values() if p.department == dept and "unit_head" in p.roles]
        heads = heads or [p for p in config.people.values() if p.department == dept and "informant" in p.roles]
        name = config.departments[dept].name if dept in config.departments else dept
        out += [f"{p.name}（{name}{p.title or ''}）" for p in heads] or [f"{name}（名册中没有负责人）"]
    return out


def column_of(config: Config, path: str) -> str | None:
    """The column a finding is about: content/<column>/… for an item, <column>/… for a page of the site."""
    parts = path.split("/")
    if parts[0] == model.CONTENT and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts and parts[0] in config.columns else None


# ---------------------------------------------------------------- the checks


def _kept(**fields: Any) -> SiteCheck:
    """A SiteCheck dated by the portal's clock (PORTAL_NOW in tests), like the publish log beside it."""
    check = SiteCheck.objects.create(**fields)
    SiteCheck.objects.filter(pk=check.pk).update(when=clock.now())
    check.refresh_from_db()
    return check


def check_site(pdir: Path | None) -> SiteCheck:
    """verify-site on the publish directory's live release; kept as a SiteCheck of kind verify."""
    if pdir is None:
        return _kept(kind="verify", ok=False, summary="没有配置发布目录，无法核验",
                                        detail={"problem": "portal server install --publish-dir"})
    try:
        located = verify.locate(pdir.absolute())
        assert located.site is not None
        report = verify.verify_dir(located, located.site)
    except PortalError as exc:
        return _kept(kind="verify", ok=False, summary=f"无法核验：{exc}",
                                        detail={"dir": str(pdir), "problem": str(exc)})
    d = report.as_dict()
    counts = {k: len(d.get(k) or []) for k in ("changed", "added", "missing")}
    detail = {"dir": str(pdir), "release": d["release"], "files": d["files"], "counts": counts,
              "problems": d["problems"], **{k: list(d.get(k) or [])[:LISTED] for k in counts}}
    if report.ok:
        summary = f"核验通过：版本 {d['release']} 的 {d['files']} 个文件与发布清单一致"
    else:
        summary = (f"发现异常：修改 {counts['changed']}，新增 {counts['added']}，缺失 {counts['missing']}"
                   + (f"；清单异常 {len(d['problems'])} 项" if d["problems"] else "") + "。网页可能被篡改，请立即恢复")
    return _kept(kind="verify", ok=report.ok, summary=summary, detail=detail)


def check_audit(srv: Server, pdir: Path | None) -> SiteCheck:
    """portal audit on the live site against main; each finding with the people responsible for it."""
    from reports.audit import audit, live_site

    if pdir is None:
        return _kept(kind="audit", ok=False, summary="没有配置发布目录，无法自查", detail={})
    try:
        site_dir = live_site(pdir.absolute()).resolve()
        with main_tree(srv) as (root, sha):
            portal = model.load(root)
            result = audit(portal, site_dir)
            config = portal.config
    except (PortalError, GitError, OSError) as exc:
        return _kept(kind="audit", ok=False, summary=f"无法自查：{exc}", detail={"problem": str(exc)})
    findings = []
    for f in result.findings[:LISTED]:
        column = column_of(config, f.path)
        findings.append({"path": f.path, "line": f.line, "rule": f.rule, "severity": f.severity,
                         "message": f.message, "column": config.columns[column].title if column else SITE_WIDE,
                         "responsible": responsible(config, column)})
    columns = [{"title": c.title, "status": c.status, "age_days": c.age_days, "items": c.items,
                "responsible": responsible(config, c.id)} for c in result.columns if c.status in ("stale", "empty")]
    i = result.inspection
    errors = sum(1 for f in result.findings if f.severity == ERROR)
    summary = (f"检查了 {result.pages} 个网页：{errors} 个错误，{len(result.findings) - errors} 个警告；"
               f"超期或空白栏目 {len(columns)} 个；结论：" + ("不合格" if result.failed else "合格")
               + ("（单项否决：" + "；".join(i.vetoes) + "）" if i.vetoes else ""))
    detail = {"commit": sha, "pages": result.pages, "vetoes": i.vetoes, "total": len(result.findings),
              "errors": errors, "findings": findings, "columns": columns, "home_age_days": i.home_age_days}
    return _kept(kind="audit", ok=not result.failed, summary=summary, detail=detail)


def run_checks(srv: Server, actor: str = "", request: HttpRequest | None = None) -> tuple[SiteCheck, SiteCheck]:
    """Both checks, one run at a time; logged as the actor's (or the timer's: actor '') operation."""
    pdir = publish_dir(srv)
    with locked(srv.data, "duty"):
        site = check_site(pdir)
        found = check_audit(srv, pdir)
    oplog.record(actor, "duty-check", str(pdir or ""), request=request, verify=site.ok, audit=found.ok,
                 verify_summary=site.summary, audit_summary=found.summary)
    return site, found


# ---------------------------------------------------------------- restoring


@dataclasses.dataclass
class Plan:
    method: str
    title: str
    release: str  # rollback: the release that becomes live; republish: '' (a new one)
    live: str
    refusal: str  # why it cannot be done now ('' : it can)


def clean_release(pdir: Path) -> tuple[str, str]:
    """(the newest kept release other than the live one that matches its manifest, why none is)."""
    layout = publish.Layout(pdir.absolute())
    live = layout.live()
    tried = []
    for release in reversed(layout.ordered()):
        if release == live:
            continue
        try:
            if publish.check_release(layout, release).clean:
                return release, ""
        except PortalError:
            pass
        tried.append(release)
    return "", ("保留的其他版本都与各自的清单不一致：" + "、".join(tried)) if tried else "没有保留的其他版本"


def plan(srv: Server, method: str) -> Plan:
    pdir = publish_dir(srv)
    title = RESTORE_METHODS.get(method, "")
    if not title:
        return Plan(method, method, "", "", "恢复方式只能是回滚或重新发布")
    if pdir is None:
        return Plan(method, title, "", "", "没有配置发布目录")
    try:
        live = publish.Layout(pdir.absolute()).live() or ""
    except PortalError as exc:
        live, problem = "", str(exc)
        if method == "rollback":
            return Plan(method, title, "", live, problem)
    if method == "rollback":
        release, why = clean_release(pdir)
        return Plan(method, title, release, live, "" if release else f"无法回滚：{why}。请改用重新发布")
    return Plan(method, title, "", live, "")


def restore(srv: Server, chosen: Plan) -> tuple[bool, str]:
    """Carry out the plan; (done, what happened)."""
    pdir = publish_dir(srv)
    assert pdir is not None
    try:
        if chosen.method == "rollback":
            old, new = publish.rollback(pdir, chosen.release)
            return True, f"已回滚：在用版本由 {old} 改为 {new}"
        outcome = hooks.republish(Path(srv.url), full=True)  # a complete build rewrites every defaced file
    except (PortalError, GitError, OSError) as exc:
        return False, f"未恢复：{exc}"
    if outcome.status == "ok":
        return True, f"已重新发布 main（提交 {outcome.commit[:10]}）：新版本 {outcome.release}"
    return False, f"重新发布未完成（{outcome.status}）：{outcome.reason}"


# ---------------------------------------------------------------- views


def _policy(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


def _refuse(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "workbench/refused.html", {"message": message}, status=status)


def _latest(kind: str) -> SiteCheck | None:
    return SiteCheck.objects.filter(kind=kind).order_by("-id").first()  # the last run, whatever its clock said


@login_required
def duty_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    srv = server()
    pdir = publish_dir(srv)
    site, found = _latest("verify"), _latest("audit")
    late = int((clock.now() - site.when).total_seconds() // 3600) if site is not None else 0
    restores = SiteCheck.objects.filter(kind="restore").order_by("-id")[:5]
    return render(request, "workbench/duty.html", {
        "policy": policy, "state": live_state(pdir), "published": last_publish(srv), "site": site, "audit": found,
        "restores": restores, "may_restore": policy.may_restore, "methods": RESTORE_METHODS,
        "main": srv.main_sha()[:10], "late_hours": late if late >= LATE_HOURS else 0, "recent": SiteCheck.objects.filter(kind__in=("verify", "audit")).order_by("-id")[:10],
    })


@login_required
@require_POST
def check_view(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    if not policy.may_restore:
        return _refuse(request, "只有办公室或网站管理员可以运行值班核验，未做任何操作。")
    from django.contrib import messages

    site, found = run_checks(server(), policy.person_id, request)
    (messages.success if site.ok else messages.error)(request, f"防篡改核验：{site.summary}")
    (messages.success if found.ok else messages.warning)(request, f"网站自查：{found.summary}")
    return redirect("duty")


@login_required
def restore_view(request: HttpRequest) -> HttpResponse:
    """GET: what the restore will do, and the password to confirm it; POST: do it."""
    policy = _policy(request)
    if not policy.may_restore:
        return _refuse(request, "只有办公室或网站管理员可以恢复网站，未做任何操作。")
    srv = server()
    method = (request.POST if request.method == "POST" else request.GET).get("method", "")
    chosen = plan(srv, method)
    context = {"policy": policy, "plan": chosen, "site": _latest("verify"), "dir": publish_dir(srv)}
    if request.method != "POST":
        return render(request, "workbench/duty_restore.html", context, status=409 if chosen.refusal else 200)
    if chosen.refusal:
        return _refuse(request, f"{chosen.refusal}。未做任何操作。", 409)
    if chosen.method == "rollback" and request.POST.get("release", "") != chosen.release:
        return _refuse(request, "可回滚的版本在你打开确认页之后已变化，未做任何操作。请重新打开值班页面。", 409)
    if request.POST.get("confirm", "") != "yes":
        context["error"] = "请勾选确认。"
        return render(request, "workbench/duty_restore.html", context, status=400)
    if not request.user.check_password(request.POST.get("password", "")):
        context["error"] = "密码不正确，未恢复。"
        return render(request, "workbench/duty_restore.html", context, status=403)
    from django.contrib import messages

    with locked(srv.data, "duty"):
        done, text = restore(srv, chosen)
        after = check_site(publish_dir(srv))
    _kept(kind="restore", ok=done and after.ok, summary=f"{text}；恢复后核验：{after.summary}",
                             detail={"method": chosen.method, "release": chosen.release, "live": chosen.live,
                                     "by": policy.person_id, "verify": after.pk})
    oplog.record(policy.person_id, "restore", chosen.release or chosen.method, request=request,
                 method=chosen.method, done=done, result=text, verified=after.ok, previous=chosen.live)
    (messages.success if done and after.ok else messages.error)(request, f"{text}。恢复后核验：{after.summary}")
    return redirect("duty")
