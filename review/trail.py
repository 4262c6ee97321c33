"""The audit trail: per item and per publication, who wrote, submitted, reviewed and merged it, from git.

Each merge into main is re-read with the gate's own evaluation (the config of its first parent, the
signatures verified again), so the trail shows exactly what the gate accepted.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from portal import clock

from . import gate, records
from .chain import Evaluation
from .gitutil import Repo

FORM_TITLE = "网站信息公开保密审查表"
STATUS = {"current": "有效", "stale": "已过期（其后稿件有改动）", "invalid": "无效"}
QUESTIONS = [(key, question) for key, (question, _) in records.SECRECY.items()]


def _time(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, clock.CST).strftime("%Y-%m-%d %H:%M")


def collect(repo: Repo, ref: str, path: str | None = None) -> list[dict[str, Any]]:
    """One record per item per merge into `ref`, newest merge first."""
    log = repo.run("log", "--first-parent", "--merges", "--diff-merges=first-parent", "--name-only", "-z",
                   "--format=%x1e%H", ref)
    out = []
    for record in log.split("\x1e")[1:]:
        sha, _, names = record.partition("\0")
        paths = [p.strip() for p in names.split("\0") if p.strip()]
        if path is not None and not any(p == path or p.startswith(path.rstrip("/") + "/") for p in paths):
            continue
        result = gate.run(repo, f"{sha.strip()}^1", sha.strip(), with_checks=False, elsewhere=False)
        merge = next((c for c in result.commits if c.sha == sha.strip()), None)
        if merge is None:
            continue
        # `portal merge` names the branch in a trailer; a forge's merge button names it in the message
        branch = merge.trailer(records.BRANCH) or _branch_in(merge.message)
        for ev in result.evaluations:
            if path is None or ev.subject.path == path or ev.subject.path.startswith(path.rstrip("/") + "/"):
                out.append(_record(ev, result, merge.sha, merge.time, branch))
    return out


def _branch_in(message: str) -> str:
    found = re.search(r"review/[^\s'\"`]+", message)
    return found.group(0).rstrip(".,;:)") if found else ""


def _record(ev: Evaluation, result: gate.GateResult, merge: str, merged_at: int, branch: str) -> dict[str, Any]:
    s, a, config = ev.subject, ev.subject.article, result.config
    people = config.people if config else {}

    def person(pid: str) -> dict[str, str]:
        p = people.get(pid)
        return {"id": pid, "name": p.name if p else pid}

    column = config.columns.get(a.column) if config and a else None
    department = config.departments.get(s.department) if config else None
    submits = [c for c in result.commits if set(c.changes) & set(s.covered) and not records.claims_decision(c)]
    stages = []
    for state in ev.states:
        d = state.decision
        entry: dict[str, Any] = {"stage": state.stage.id, "title": state.stage.title, "named": state.reviewer}
        if d is not None:
            entry |= {"reviewer": person(d.reviewer), "decision": records.DECISION_TITLES[d.action],
                      "time": _time(d.commit.time), "opinion": d.opinion, "commit": d.commit.sha,
                      "secrecy": {q: d.secrecy.get(k, "") for k, q in QUESTIONS} if d.secrecy else {}}
        stages.append(entry)
    return {
        "path": s.path, "title": s.title, "withdrawn": s.withdrawn,
        "column": a.column if a else "", "column_title": column.title if column else "",
        "source": a.source if a else "", "department": s.department,
        "department_name": department.name if department else s.department,
        "importance": a.importance if a else "", "date": a.date.strftime("%Y-%m-%d %H:%M") if a and a.date else "",
        "authors": [person(x) for x in (a.authors if a else ())],
        "informants": [person(x) for x in sorted(s.informants)],
        "submitted": [{"commit": c.sha, "time": _time(c.time),
                       "signer": person(result.submitters[c.sha]) if c.sha in result.submitters else None}
                      for c in submits],
        "decisions": [{"stage": d.stage, "reviewer": person(d.reviewer), "decision": records.DECISION_TITLES.get(d.action, d.action),
                       "status": status, "status_title": STATUS.get(status, status), "time": _time(d.commit.time),
                       "opinion": d.opinion, "commit": d.commit.sha} for d, status in ev.history],
        "chain": s.chain, "complete": ev.complete, "stages": stages,
        "merge": {"commit": merge, "time": _time(merged_at), "branch": branch},
    }


CSS = """
body { font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; margin: 2em; color: #000; }
.form { page-break-after: always; max-width: 48em; margin: 0 auto 3em; }
h1 { text-align: center; font-size: 1.6em; letter-spacing: .2em; }
h2 { font-size: 1.05em; margin: 1em 0 .4em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1em; }
th, td { border: 1px solid #000; padding: .45em .6em; vertical-align: top; text-align: left; }
th { width: 9em; font-weight: normal; background: #f3f3f3; }
.meta { font-size: .85em; color: #333; }
code { font-size: .85em; }
@media print { body { margin: 0; } th { background: none; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _people(items: list[dict[str, str]]) -> str:
    return "、".join(f"{p['name']}（{p['id']}）" for p in items) or "—"


def _form(r: dict[str, Any]) -> str:
    secrecy: dict[str, str] = next((s["secrecy"] for s in r["stages"] if s.get("secrecy")), {})
    rows = [("信息名称", r["title"] + ("（撤稿）" if r["withdrawn"] else "")), ("拟发布栏目", r["column_title"] or r["path"]),
            ("信息来源", r["source"]), ("发布部门", r["department_name"]), ("撰稿人", _people(r["authors"])),
            ("报送人", _people(r["informants"])), ("发布日期", r["date"])]
    rows += [(question, secrecy.get(question, "—")) for _, question in QUESTIONS]
    head = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v or '—')}</td></tr>" for k, v in rows)
    stages = []
    for s in r["stages"]:
        reviewer = s.get("reviewer")
        who = f"{reviewer['name']}（{reviewer['id']}）" if reviewer else f"未签署（应由 {s['named'] or '—'}）"
        stages.append(
            f"<tr><td>{_e(s['title'])}</td><td>{_e(s.get('decision', '—'))}：{_e(s.get('opinion') or '—')}</td>"
            f"<td>{_e(who)}</td><td>{_e(s.get('time', '—'))}</td><td><code>{_e(s.get('commit', '')[:10])}</code></td></tr>")
    history = "".join(
        f"<tr><td>{_e(d['stage'])}</td><td>{_e(d['decision'])}：{_e(d['opinion'] or '—')}</td>"
        f"<td>{_e(d['reviewer']['name'])}（{_e(d['reviewer']['id'])}）</td><td>{_e(d['time'])}</td>"
        f"<td>{_e(d['status_title'])}</td><td><code>{_e(d['commit'][:10])}</code></td></tr>" for d in r["decisions"])
    submitted = "".join(
        f"<tr><td>{_e(c['time'])}</td><td>{_e(_people([c['signer']]) if c['signer'] else '未签名')}</td>"
        f"<td><code>{_e(c['commit'][:10])}</code></td></tr>" for c in r["submitted"])
    merge = r["merge"]
    return (f'<section class="form"><h1>{FORM_TITLE}</h1>'
            f'<table>{head}</table>'
            '<table><tr><th>审查环节</th><th>审查意见</th><th>审查人</th><th>日期</th><th>提交</th></tr>'
            f'{"".join(stages)}</table>'
            '<h2>报送记录（签名人）</h2><table><tr><th>时间</th><th>报送人</th><th>提交</th></tr>'
            f'{submitted or "<tr><td colspan=3>—</td></tr>"}</table>'
            '<h2>全部审核记录（含退回与已过期的审核）</h2>'
            '<table><tr><th>环节</th><th>决定与意见</th><th>审核人</th><th>日期</th><th>状态</th><th>提交</th></tr>'
            f'{history or "<tr><td colspan=6>—</td></tr>"}</table>'
            f'<p class="meta">发布：合并提交 <code>{_e(merge["commit"][:10])}</code>，{_e(merge["time"])}，'
            f'审核分支 {_e(merge["branch"])}；文件 {_e(r["path"])}。审核记录保存在 git 中，任何改动均可查。</p></section>')


def to_html(items: list[dict[str, Any]], site: str = "") -> str:
    title = f"{site}{FORM_TITLE}" if site else FORM_TITLE
    body = "".join(_form(r) for r in items) or "<p>没有审核记录。</p>"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")
