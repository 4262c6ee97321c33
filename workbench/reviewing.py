"""What the reviewer's and informant's lists show, read from the mirror with the review package's functions."""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib

from portal import clock, model
from portal.config import Column, Config
from review import gate, records, workflow
from review.chain import Evaluation
from review.gate import GateResult
from site_build import pages

from . import items
from .policy import Policy
from .repos import MAIN, NO_REMOTE, Server


def head(branch: str) -> str:
    return f"refs/heads/{branch}"


def valid_branch(srv: Server, branch: str) -> bool:
    return branch.startswith(records.BRANCH_PREFIX) and ".." not in branch and srv.mirror.rev(head(branch)) is not None


def evaluate(srv: Server, branch: str, with_checks: bool = False) -> GateResult:
    return srv.memo(("evaluate", branch, with_checks),
                    lambda: gate.run(srv.mirror, MAIN, head(branch), with_checks=with_checks))


def evaluation_of(result: GateResult, path: str) -> Evaluation | None:
    return next((ev for ev in result.evaluations if ev.subject.path == path), None)


def merged(srv: Server, branch: str) -> bool:
    return srv.mirror.is_ancestor(head(branch), MAIN)


# ---------------------------------------------------------------- time left


def submitted_at(srv: Server, branch: str) -> dt.datetime | None:
    out = srv.mirror.run("log", "--reverse", "--format=%ct", head(branch), "^" + MAIN).split()
    return dt.datetime.fromtimestamp(int(out[0]), clock.CST) if out else None


def due(article: model.Article | None, column: Column, start: dt.datetime | None) -> dt.datetime | None:
    """The column's publishing deadline, counted from the item's event_date, else from its submission."""
    if article is not None and article.event_date is not None:
        start = article.event_date
    if start is None:
        return None
    if column.deadline.hours is not None:
        return start + dt.timedelta(hours=column.deadline.hours)
    from reports import workdays

    try:
        day = workdays.add_working_days(start.astimezone(clock.CST).date(), column.deadline.working_days or 0)
    except workdays.CalendarGap:
        return None
    return dt.datetime.combine(day, dt.time(18, 0), clock.CST)


def time_left(when: dt.datetime | None) -> tuple[str, bool]:
    """('剩余 5 小时' / '已超期 2 天', overdue)."""
    if when is None:
        return "无时限", False
    delta = when - clock.now()
    hours = abs(delta.total_seconds()) / 3600
    text = f"{hours:.0f} 小时" if hours < 48 else f"{hours / 24:.0f} 天"
    return (f"剩余 {text}", False) if delta.total_seconds() >= 0 else (f"已超期 {text}", True)


# ---------------------------------------------------------------- lists


@dataclasses.dataclass
class Row:
    branch: str
    path: str
    title: str
    state: str  # draft / waiting / returned / complete / published
    detail: str
    link: str = ""
    stage: str = ""
    due: str = ""
    overdue: bool = False


def queue(srv: Server, policy: Policy) -> list[Row]:
    """待我审核: the items whose next stage is mine, with the time left against the column's deadline."""
    return srv.memo(("queue", policy.person_id, clock.now().strftime("%Y%m%d%H%M")), lambda: _queue(srv, policy))


def _queue(srv: Server, policy: Policy) -> list[Row]:
    config = policy.config
    rows = []
    for w in workflow.queue(srv.mirror_path, policy.person_id, NO_REMOTE):
        if w.note:
            continue  # a returned item of mine: shown in 我的稿件
        article, _ = items.render(config, w.path, srv.read(head(w.branch), w.path))
        column = config.columns.get(article.column) if article else None
        when = due(article, column, submitted_at(srv, w.branch)) if column else None
        text, late = time_left(when)
        rows.append(Row(w.branch, w.path, w.title, "waiting", f"待{w.stage}", stage=w.stage, due=text, overdue=late))
    return rows


def mine(srv: Server, policy: Policy, site_url: str) -> list[Row]:
    """我的稿件 on the server: waiting for stage X and person Y, returned with the reason, published with its link."""
    return srv.memo(("mine", policy.person_id, site_url), lambda: _mine(srv, policy, site_url))


def _mine(srv: Server, policy: Policy, site_url: str) -> list[Row]:
    rows = []
    for branch in sorted(srv.branches(f"{records.BRANCH_PREFIX}{policy.person_id}/"), reverse=True):
        if merged(srv, branch):
            rows += _published(srv, policy.config, branch, site_url)
            continue
        for ev in evaluate(srv, branch).evaluations:
            rows.append(_state(policy, branch, ev))
    return rows


def _state(policy: Policy, branch: str, ev: Evaluation) -> Row:
    s = ev.subject
    if ev.rejected is not None:
        d = ev.rejected
        return Row(branch, s.path, s.title, "returned",
                   f"在“{d.stage}”被 {policy.name(d.reviewer)} 退回：{d.opinion or '（未写理由）'}", stage=d.stage)
    nxt = ev.next
    if nxt is not None:
        who = policy.name(nxt.reviewer) if nxt.reviewer else "任一有该角色者"
        stale = "（此前的审核已因修改而过期）" if nxt.stale else ""
        return Row(branch, s.path, s.title, "waiting", f"待“{nxt.stage.title}”：{who}{stale}", stage=nxt.stage.id)
    return Row(branch, s.path, s.title, "complete", "审核链已完成，待办公室合并发布")


def branch_base(srv: Server, tip: str) -> str:
    """Where a (merged) review branch left main: the parent of its oldest submission or decision commit."""
    out = srv.mirror.run("log", "--first-parent", "-n", "500", "--format=%H%x1f%P%x1f%(trailers:key=Portal-Action,valueonly)%x1e", tip)
    base = tip
    for record in out.split("\x1e"):
        fields = record.strip().split("\x1f")
        if len(fields) < 3 or not fields[2].strip():
            break
        base = fields[1].split()[0] if fields[1].split() else fields[0]
    return base


def _published(srv: Server, config: Config, branch: str, site_url: str) -> list[Row]:
    tip = srv.mirror.must_rev(head(branch))
    base = branch_base(srv, tip)
    rows = []
    for path, blob in srv.mirror.diff(base, tip).items():
        if not gate.is_item(path):
            continue
        if blob == "0" * 40:
            rows.append(Row(branch, path, path, "published", "已撤稿"))
            continue
        article, _ = items.render(config, path, srv.mirror.read_objects([blob]).get(blob))
        title = article.title if article else path
        link = site_url.rstrip("/") + "/" + pages.item_url(article) if article and site_url else ""
        rows.append(Row(branch, path, title, "published", "已发布", link=link))
    return rows


def mergeable(srv: Server) -> list[tuple[str, GateResult]]:
    """Open review branches whose every chain is complete (the gate, checks included, is run at merge)."""
    return srv.memo(("mergeable",), lambda: _mergeable(srv))


def _mergeable(srv: Server) -> list[tuple[str, GateResult]]:
    out = []
    for branch in srv.branches():
        if merged(srv, branch):
            continue
        result = evaluate(srv, branch)
        if result.evaluations and all(ev.complete for ev in result.evaluations):
            out.append((branch, result))
    return out


def diff(old: bytes | None, new: bytes | None, path: str) -> list[tuple[str, str]]:
    """The change against the live page's source, as (kind, line) rows: ' ', '+', '-', '@'."""
    a = (old or b"").decode("utf-8", "replace").splitlines()
    b = (new or b"").decode("utf-8", "replace").splitlines()
    rows = []
    for line in difflib.unified_diff(a, b, f"main:{path}", f"待发布:{path}", lineterm="", n=3):
        kind = line[:1] if line[:1] in "+-@ " else " "
        if line.startswith(("+++", "---")):
            kind = "@"
        rows.append((kind, line))
    return rows
