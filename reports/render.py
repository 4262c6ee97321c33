"""The report as HTML (one self-contained file), CSV (one file per table) and JSON: the same numbers."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from portal import model
from portal.config import CYCLE_TITLES, Config

from . import bulletin, charts
from .freshness import CLASS_TITLES, THRESHOLDS
from .report import Report, UnitRow

STATUS_TITLES = {"ok": "正常", "overdue": "未按周期更新", "stale": "超期未更新", "empty": "空白栏目"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return model.format_when(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _fields(obj: Any) -> dict[str, Any]:
    """A flat dataclass as a dict (dataclasses.asdict deep-copies: slow for ten thousand rows)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _unit(row: UnitRow) -> dict[str, Any]:
    q, s = row.quota, row.score
    return {
        "rank": row.rank, "unit": row.unit, "name": row.name, "items": row.items,
        "per_week": q.quota.per_week, "per_month": q.quota.per_month,
        "weeks": [{"week": w, "items": n} for w, n in q.weeks], "weeks_short": q.weeks_short,
        "months": [{"month": m, "items": n} for m, n in q.months], "months_short": q.months_short,
        "months_running": [{"month": m, "items": n} for m, n in q.running],
        "score": s.total, "score_items": s.items, "score_adoption": s.adoption,
        "missed_updates": s.missed_updates, "score_missed": s.missed_points,
        "missing_interpretations": s.missing_interpretations, "score_missing": s.missing_points,
        "late": len(row.late), "late_items": row.late, "undetermined": row.undetermined,
        "problem_columns": [{"column": c, "status": st} for c, st in row.columns], "ok": row.ok,
        "grade": row.grade, "tie": row.tie, "missed_windows": [f"{c}:{w.label}" for c, w in s.missed],
    }


def to_dict(report: Report) -> dict[str, Any]:
    p, i = report.period, report.inspection
    columns = []
    for c in report.columns:
        d = _fields(c)
        d["missed"] = [w.label for w in c.missed]
        d["status"] = c.status
        columns.append(d)
    return _plain({
        "site": report.site,
        "period": {"label": p.label, "start": p.start, "end": p.end, "as_of": p.as_of},
        "generated": report.generated,
        "inspection": {"failed": i.failed, "vetoes": i.vetoes, "home_newest": i.home_newest,
                       "home_age_days": i.home_age_days, "home_stale": i.home_stale, "counts": i.counts},
        "units": [_unit(u) for u in report.units],
        "columns": columns,
        "items": [_fields(t) for t in report.items],
        "stages": [_fields(s) for s in report.stages],
        "monthly": {"months": report.months, "units": report.monthly},
        "people": [_fields(x) for x in report.people],
        "has_history": report.has_history,
        "warnings": report.warnings,
    })


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2)


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "；".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})
    return buf.getvalue()


def csv_tables(report: Report) -> dict[str, str]:
    """Table name -> CSV text (units, columns, items, stages, people)."""
    d = to_dict(report)
    units = []
    for u in d["units"]:
        row = {k: v for k, v in u.items() if k not in ("weeks", "months", "months_running", "problem_columns")}
        row["weeks_judged"] = len(u["weeks"])
        row["months_judged"] = len(u["months"])
        row["problem_columns"] = [f"{c['column']}:{c['status']}" for c in u["problem_columns"]]
        units.append(row)
    return {"units": _csv(units), "columns": _csv(d["columns"]), "items": _csv(d["items"]),
            "stages": _csv(d["stages"]), "people": _csv(d["people"])}


def write(report: Report, fmt: str, out: Path, config: Config | None = None, number: str | None = None) -> list[Path]:
    """Write the report in `fmt` under `out`; return the files written. The 通报 (bulletin: HTML for
    print; docx: Word) needs the configuration (names, scoring, letterhead)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"report-{report.period.label}"
    files: dict[Path, str | bytes] = {}
    if fmt in ("bulletin", "docx"):
        if config is None:
            raise ValueError("the 通报 needs the configuration")
        doc = bulletin.compose(report, config, number)
        if fmt == "docx":
            files[out / f"tongbao-{report.period.label}.docx"] = bulletin.docx(doc)
        else:
            files[out / f"tongbao-{report.period.label}.html"] = bulletin.html(doc)
    elif fmt == "json":
        files[out / f"{stem}.json"] = to_json(report) + "\n"
    elif fmt == "csv":
        for name, text in csv_tables(report).items():
            files[out / f"{stem}-{name}.csv"] = "\ufeff" + text  # the BOM lets Excel read the Chinese
    else:
        files[out / f"{stem}.html"] = html(report)
    for path, content in files.items():  # write beside, then rename: never a half-written report
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        tmp.replace(path)
    return list(files)


# ---------------------------------------------------------------- HTML

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0 auto;
max-width:1100px;padding:24px;color:#222;line-height:1.6}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-left:5px solid #b71c1c;padding-left:8px;margin-top:36px}
.meta{color:#555}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:18px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:150px}.card b{font-size:22px;display:block}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:14px}th,td{border:1px solid #ddd;padding:5px 7px;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}
.ok{color:#2e7d32;font-weight:bold}.bad{color:#c62828;font-weight:bold}.warn{color:#a84300;font-weight:bold}
.box{border-radius:6px;padding:12px 16px;margin:12px 0}.box.bad{background:#ffebee;border:1px solid #c62828}
.box.ok{background:#e8f5e9;border:1px solid #2e7d32}.note{color:#444;font-size:14px;background:#fafafa;
border:1px dashed #ccc;padding:8px 12px}.chart{overflow-x:auto}
"""


def _status(ok: bool, good: str = "达标", bad: str = "未达标") -> str:
    return f'<span class="ok">✔ {good}</span>' if ok else f'<span class="bad">✘ {bad}</span>'


def _table(head: list[str], rows: Sequence[Sequence[object]]) -> str:
    """Cells are HTML (already escaped) or numbers (right-aligned)."""
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" if isinstance(c, str) else f'<td class="n">{c:g}</td>'
                                    for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _when(value: dt.datetime | None) -> str:
    return model.format_when(value) if value else "—"


def _summary(r: Report) -> str:
    late = sum(1 for i in r.items if i.late)
    bad_cols = sum(c.status != "ok" for c in r.columns)
    insp = r.inspection
    verdict = ('<div class="box bad"><b>✘ 按国家政府网站检查指标，本网站将被单项否决：</b><ul>'
               + "".join(f"<li>{escape(v)}</li>" for v in insp.vetoes) + "</ul></div>") if insp.failed else (
        '<div class="box ok"><b>✔ 未触及单项否决指标</b>（首页 2 周内有更新；未更新栏目、空白栏目数量均在限度内）</div>')
    cards = [("本期稿件", str(len(r.items))), ("迟发稿件", str(late)), ("有问题的栏目", str(bad_cols)),
             ("空白栏目", str(insp.counts["empty"])),
             ("首页最近更新", f"{insp.home_age_days} 天前" if insp.home_age_days is not None else "无")]
    return verdict + '<div class="cards">' + "".join(
        f'<div class="card">{escape(k)}<b>{escape(v)}</b></div>' for k, v in cards) + "</div>"


def _units(r: Report) -> str:
    rows = []
    for u in r.units:
        q, s = u.quota, u.score
        weeks = f"{len(q.weeks) - len(q.weeks_short)}/{len(q.weeks)}" if q.weeks else "—"
        months = "、".join([f"{m} {n} 篇" for m, n in q.months] + [f"{m} 已 {n} 篇（未结束）" for m, n in q.running])
        cols = "、".join(f"{escape(r_title(r, c))}（{STATUS_TITLES[st]}）" for c, st in u.columns) or "—"
        reasons = []
        if q.weeks_short:
            reasons.append(f"{len(q.weeks_short)} 周报送少于 {q.quota.per_week} 篇")
        if q.months_short:
            reasons.append(f"{'、'.join(q.months_short)} 报送少于 {q.quota.per_month} 篇")
        if u.late:
            reasons.append(f"迟发 {len(u.late)} 篇")
        if s.missed_updates:
            reasons.append(f"栏目漏更新 {s.missed_updates} 次")
        if s.missing_interpretations:
            reasons.append(f"政策文件缺解读 {len(s.missing_interpretations)} 篇")
        if u.columns:
            reasons.append("负责栏目未及时更新")
        status = _status(u.ok) + ("<br>" + escape("；".join(reasons)) if reasons else "")
        rows.append([u.rank, escape(u.name), u.items, weeks, escape(months or "—"), s.total, escape(u.grade), len(u.late),
                     cols, status])
    head = ["名次", "科室", "本期稿件", "周报送达标（周）", "月报送", "得分", "等级", "迟发稿件", "栏目问题", "状态"]
    quota = r.units[0].quota.quota if r.units else None
    grades = "，".join(f"{g.name} ≥ {g.min_score * r.grade_months:g} 分" for g in r.grades)
    note = (f"<p class='note'><b>怎么看：</b>按得分从高到低排名，得分相同的按稿件数、采用得分排列，仍相同的名次并列；"
            f"本期没有稿件的科室列于最后。<b>等级</b>：{escape(grades)}，其余不合格（columns.yml 的 reports.grades，按月的标准乘以月数）。<b>周报送达标</b>：本期已结束的每一周（周一至周日）报送不少于 "
            f"{quota.per_week if quota else 1} 篇的周数 / 考核周数；<b>月报送</b>：已结束的月份报送不少于 "
            f"{quota.per_month if quota else 4} 篇为达标，未结束的月份只显示当前篇数，不考核。"
            "<b>迟发稿件</b>：超过所在栏目发布时限的稿件（见“发布时效”）。<b>栏目问题</b>：本科室负责的栏目中超期未更新、"
            "未按周期更新或空白的栏目。任何一项不满足即为“未达标”。</p>")
    return _table(head, rows) + note


def r_title(r: Report, column: str) -> str:
    return next((c.title for c in r.columns if c.id == column), column)


def _chart_units(r: Report) -> str:
    quota = {u.name: u.quota.quota.per_month for u in r.units}
    names = {u.unit: u.name for u in r.units}
    running = {m for u in r.units for m, _ in u.quota.running}
    last_complete = r.period.complete_until
    running |= {m for m in r.months if m > f"{last_complete:%Y-%m}"}
    svg = charts.monthly_items(r.months, {names.get(k, k): v for k, v in r.monthly.items()}, quota, running)
    return (f'<div class="chart">{svg}</div><p class="note">每格是该科室当月发布的稿件数。<span class="ok">绿色</span>：'
            f'达到每月报送要求；<span class="bad">红色</span>：未达到；灰色：月份尚未结束。</p>')


def _columns(r: Report) -> str:
    rows = []
    for c in r.columns:
        cls = {"ok": "ok", "overdue": "warn"}.get(c.status, "bad")
        cycle = CYCLE_TITLES.get(c.cycle, c.cycle)
        limit = THRESHOLDS[c.inspection][2] if c.inspection in THRESHOLDS else ""
        missed = f"{len(c.missed)} 次" if c.missed else "—"
        items = f"{c.items}（其中 {c.undated} 篇无日期）" if c.undated else c.items
        limit_text = f"<br>超过 {limit} 未更新即超期" if c.inspection in THRESHOLDS else ""
        rows.append([escape(c.title), escape("、".join(c.departments)), escape(cycle),
                     escape(CLASS_TITLES.get(c.inspection, c.inspection)) + limit_text, items, _when(c.newest),
                     f"{c.age_days} 天" if c.age_days is not None else "—", missed,
                     f'<span class="{cls}">{STATUS_TITLES[c.status]}</span>'])
    head = ["栏目", "负责科室", "更新周期", "检查类别", "稿件数", "最新稿件", "距今", "本期漏更新", "状态"]
    note = ("<p class='note'><b>怎么看：</b><b>检查类别</b>与时限依据国家政府网站检查指标（国办秘函〔2019〕19号）："
            "动态要闻类栏目超过 2 周、通知公告/政策文件类栏目超过 6 个月、其他应更新栏目超过 1 年没有新稿件为<b class='bad'>超期未更新</b>"
            "（恰好 2 周仍算按时，第 15 天起超期）；没有任何稿件为<b class='bad'>空白栏目</b>；没有发布日期的稿件不算更新。"
            "<b>本期漏更新</b>：本期已结束的更新周期（每个工作日、每周、每月……）中没有新稿件的次数，每次按计分标准扣分"
            "（政策文件及解读栏目 0.5 分，其他 0.3 分），多个科室负责的栏目按 reports.scoring.co_owned 由牵头科室承担或平摊。"
            "<b class='warn'>未按周期更新</b>：按本栏目的更新周期（columns.yml 的 cycle），与漏更新用同一套周期："
            "最近一个已结束的周期（每天按工作日）没有新稿件、此后也没有。</p>")
    return (f'<div class="chart">{charts.freshness(r.columns)}</div>'
            "<p class='note'>条形长度为距最新稿件的天数占检查时限的比例，虚线为时限；<span class='ok'>绿色</span>正常，"
            "<span class='warn'>橙色</span>未按本栏目周期更新，<span class='bad'>红色</span>超期或空白，灰色为无更新要求的概况类栏目。</p>"
            + _table(head, rows) + note)


def _timeliness(r: Report) -> str:
    late = [i for i in r.items if i.late]
    unknown = [i for i in r.items if i.late is None]
    src = {"event_date": "信息产生日期", "submission": "报送时间", "": "—"}
    pub = {"merge": "合并发布时间", "date": "稿件发布日期"}
    rows = [[escape(i.title), escape(i.unit), escape(r_title(r, i.column)),
             f"{model.format_when(i.start, i.start_has_time) if i.start else '—'}<br>（{src[i.start_source]}）",
             f"{_when(i.published)}<br>（{pub[i.published_source]}）", escape(i.deadline), escape(i.due),
             escape(i.taken), '<span class="bad">迟发</span>'] for i in late]
    body = (f"<p>本期 {len(r.items)} 篇稿件中，按时 {len(r.items) - len(late) - len(unknown)} 篇，"
            f"<span class='{'bad' if late else 'ok'}'>迟发 {len(late)} 篇</span>，无法判定 {len(unknown)} 篇。</p>")
    if rows:
        body += _table(["稿件", "科室", "栏目", "起算", "发布", "时限", "截止", "用时", "结论"], rows)
    if unknown:
        body += "<p>无法判定的稿件：" + "、".join(escape(f"{i.title}（{i.note}）") for i in unknown[:20]) + \
            ("等" if len(unknown) > 20 else "") + "</p>"
    body += ("<p class='note'><b>怎么看：</b>从信息产生（稿件的 event_date；未填写时为报送时间）到发布（审核通过后合并发布的时间"
             "与稿件日期中较晚者——定时发布的稿件自其日期起公开；没有审核记录时为稿件的发布日期），对照栏目的发布时限（columns.yml 的 deadline）。按小时计的时限精确到分钟，"
             "只写日期的信息产生日期从当天 24 时起算；按工作日计的时限依国务院公布的节假日安排（含调休上班日），"
             "起算当天不计，截止日当天发布仍为按时。</p>")
    stages = [[escape(s.stage), s.count, s.median_hours, s.mean_hours, s.max_hours, s.rejections]
              for s in r.stages]
    body += "<h3>各审核环节用时</h3>" + f'<div class="chart">{charts.turnaround(r.stages)}</div>'
    if stages:
        body += _table(["环节", "通过稿件数", "中位用时（小时）", "平均（小时）", "最长（小时）", "退回次数"], stages)
    body += ("<p class='note'><b>怎么看：</b>每个环节的用时是每篇稿件从信息员第一次报送到该环节最终通过（被退回后再次通过的，算到最后一次通过）"
             "的小时数；“发布”为从报送到合并发布。数据来自 git 中的审核记录（报送、通过、退回、合并提交的时间）。</p>")
    if not r.has_history:
        body += "<p class='warn'>门户目录不是 git 仓库，没有审核记录。</p>"
    return body


def _scores(r: Report) -> str:
    rows = [[escape(u.name), u.score.items, u.score.adoption, u.score.missed_points,
             u.score.missing_points, u.score.total] for u in r.units]
    people = [[escape(p.name), escape(p.unit), p.items, p.points] for p in r.people[:20]]
    body = _table(["科室", "稿件得分", "采用得分", "漏更新扣分", "缺解读扣分", "合计"], rows)
    body += ("<p class='note'><b>计分标准</b>（columns.yml 的 reports.scoring，依据《规范报送政务信息工作制度》）："
             "每篇稿件计分，政策文件和政策解读按政策稿件计分；被市级、省级、国家级采用的另加分（见稿件的 adoption）；"
             "多人合写的稿件由撰稿人平分，各自计入所在科室；负责栏目每漏更新一次扣分；"
             "本期发布的政策文件（有发文字号）到统计时仍没有提到其发文字号或《标题》的解读，每篇扣分。</p>")
    if people:
        body += "<h3>信息员得分（前 20 名）</h3>" + _table(["撰稿人", "科室", "稿件（合写按份额）", "得分"], people)
    return body


def html(r: Report) -> str:
    p = r.period
    warnings = "".join(f"<li>{escape(w)}</li>" for w in r.warnings)
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{escape(r.site)}政务信息工作通报（{escape(p.label)}）</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(r.site)}政务信息报送与网站栏目更新情况通报</h1>",
        f"<p class='meta'>统计期间：{p.start:%Y年%m月%d日}至{p.end:%Y年%m月%d日}　统计截至：{_when(p.as_of)}"
        f"　生成时间：{_when(r.generated)}　本报表供内部使用，不在门户网站公开。</p>",
        _summary(r),
        "<h2>一、各科室报送情况排名</h2>", _units(r),
        "<h2>二、各科室每月稿件数</h2>", _chart_units(r),
        "<h2>三、栏目更新情况</h2>", _columns(r),
        "<h2>四、发布时效</h2>", _timeliness(r),
        "<h2>五、计分明细</h2>", _scores(r),
    ]
    if warnings:
        parts.append(f"<h2>提示</h2><ul>{warnings}</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)
