"""The 通报 in the browser: `portal report`'s own report, for a month or a quarter, viewed, printed, downloaded.

Every file is written by `reports.render.write` (the code of `portal report`) from `reports.report.build`
on main checked out from the mirror, once per main commit and period (and per day while the period
runs), under <data>/reports/. The page shows the HTML report's body sanitised by nh3 and styled by the
report's own stylesheet scoped to the page; the printable 通报 is its own document with a CSP that
allows no script. Downloads are the files `portal report` writes, as written.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import nh3
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal import clock, model
from portal.errors import PortalError
from reports import bulletin, history
from reports import period as periods
from reports import render as rendering
from reports.report import build

from .duty import main_tree
from .items import inside_page
from .policy import Policy
from .repos import Server, locked
from .services import server

FORMATS = ("html", "bulletin", "docx", "csv", "json")  # every format `portal report --format` writes
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
MONTHS_SHOWN, QUARTERS_SHOWN = 12, 4
KEPT_COMMITS = 5  # main commits whose reports are kept in <data>/reports/
DOC_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'")
KINDS = {".html": "text/html; charset=utf-8", ".csv": "text/csv; charset=utf-8", ".json": "application/json",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
SCOPE = ".report-view"
# what the report's HTML is made of (reports/render.py, reports/charts.py, reports/bulletin.py); all else is removed
TAGS = {"h1", "h2", "h3", "p", "div", "span", "b", "strong", "em", "br", "hr", "ul", "ol", "li", "table", "caption",
        "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "svg", "g", "title", "rect", "line", "text",
        "tspan", "path", "polyline", "circle"}
ATTRIBUTES = {"class", "role", "aria-label", "scope", "colspan", "rowspan", "xmlns", "viewBox", "width", "height",
              "x", "y", "x1", "x2", "y1", "y2", "rx", "r", "cx", "cy", "d", "points", "transform", "fill",
              "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "text-anchor", "font-family",
              "font-size", "font-weight"}


@dataclasses.dataclass(frozen=True)
class Choice:
    value: str  # 2026-11 or 2026-Q4
    label: str  # 2026年11月 or 2026年第四季度


# ---------------------------------------------------------------- periods


def choices(now: dt.datetime | None = None) -> list[Choice]:
    """The months and quarters offered: this one first, then earlier ones."""
    now = (now or clock.now()).astimezone(clock.CST)
    out, year, month = [], now.year, now.month
    for _ in range(MONTHS_SHOWN):
        out.append(Choice(f"{year}-{month:02d}", f"{year}年{month}月"))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    year, quarter = now.year, (now.month - 1) // 3 + 1
    for _ in range(QUARTERS_SHOWN):
        out.append(Choice(f"{year}-Q{quarter}", f"{year}年第{'一二三四'[quarter - 1]}季度"))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return out


def parse(value: str, now: dt.datetime | None = None) -> periods.Period:
    """A month (2026-11) or a quarter (2026-Q4) as the report's period (PortalError when it is not one)."""
    found = QUARTER.match(value.strip())
    if found:
        year, quarter = int(found.group(1)), int(found.group(2))
        first = dt.date(year, 3 * quarter - 2, 1)
        last = (dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)) - dt.timedelta(days=1)
        return periods.parse(None, first.isoformat(), last.isoformat(), now)
    return periods.parse(value.strip(), None, None, now)


# ---------------------------------------------------------------- the files, made once per main commit


def folder_for(srv: Server, value: str) -> Path:
    """The report files of a period at main's commit, written on first use by `portal report`'s code."""
    period = parse(value)
    srv.refresh()
    today = clock.now().astimezone(clock.CST).date()
    key = value if period.end < today else f"{value}@{today.isoformat()}"  # a running period moves daily
    folder = srv.data / "reports" / srv.main_sha() / key
    if folder.is_dir():
        return folder
    with main_tree(srv) as (root, sha), locked(srv.data, "reports"):
        folder = srv.data / "reports" / sha / key
        if folder.is_dir():
            return folder
        portal = model.load(root)
        report = build(portal, period, history.read(root))
        partial = folder.with_name(f".{key}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        for fmt in FORMATS:
            rendering.write(report, fmt, partial, portal.config)
        partial.rename(folder)
        prune(srv.data / "reports", sha)
    return folder


def prune(reports: Path, keep_sha: str, keep: int = KEPT_COMMITS) -> None:
    """Only the reports of the newest few commits of main are kept (older ones are made again on request)."""
    commits = sorted((p for p in reports.iterdir() if p.is_dir() and p.name != keep_sha),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in commits[keep - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in KINDS)


def report_file(folder: Path) -> Path:
    return next(p for p in files_of(folder) if p.name.startswith("report-") and p.suffix == ".html")


def bulletin_file(folder: Path, suffix: str = ".html") -> Path:
    return next(p for p in files_of(folder) if p.name.startswith("tongbao-") and p.suffix == suffix)


def describe(path: Path) -> str:
    if path.name.startswith("tongbao-"):
        return "通报（Word 文件）" if path.suffix == ".docx" else "通报（A4 公文版式 HTML，可打印）"
    if path.suffix == ".csv":
        table = path.stem.rsplit("-", 1)[-1]
        return f"CSV 表格：{ {'units': '各科室', 'columns': '栏目', 'items': '稿件', 'stages': '审核环节', 'people': '信息员'}.get(table, table)}"
    return {".html": "报表（HTML，含图表）", ".json": "报表（JSON 数据）"}.get(path.suffix, path.suffix)


# ---------------------------------------------------------------- sanitising and styling


def sanitised_body(document: str) -> str:
    """The body of a report document, through nh3: only the elements and attributes reports are made of."""
    found = re.search(r"<body[^>]*>(.*)</body>", document, re.S)
    return nh3.clean(found.group(1) if found else "", tags=TAGS, attributes={"*": ATTRIBUTES},
                     generic_attribute_prefixes=set(), link_rel=None, strip_comments=True)


def scoped_css(css: str, scope: str = SCOPE) -> str:
    """The report's own stylesheet with every rule limited to the report inside the page."""
    out = []
    for selectors, rules in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            scoped.append(scope if sel == "body" else f"{scope} {sel}")
        out.append(f"{','.join(scoped)}{{{rules}}}")
    return "\n".join(out)


PRINT_CSS = """
@media print{.top,.skip,.report-tools,.messages{display:none!important}main{max-width:none;margin:0;padding:0}
.report-view table{page-break-inside:auto}.report-view tr{break-inside:avoid;page-break-inside:avoid}
.report-view thead{display:table-header-group}.report-view h2{break-after:avoid;page-break-after:avoid}}
"""


def stylesheet() -> str:
    return scoped_css(rendering.CSS) + PRINT_CSS


# ---------------------------------------------------------------- views


def _policy(request: HttpRequest) -> Policy:
    return request.policy  # type: ignore[attr-defined,no-any-return]


def _refuse(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "workbench/refused.html", {"message": message}, status=status)


def _folder(request: HttpRequest) -> tuple[str, Path | HttpResponse]:
    if not _policy(request).may_read_reports:
        return "", _refuse(request, "通报仅供办公室、网站管理员、局领导和科室负责人查看。")
    value = request.GET.get("period", "").strip() or choices()[0].value
    try:
        return value, folder_for(server(), value)
    except PortalError as exc:
        return value, _refuse(request, f"无法生成这一期的通报：{exc}。请从列表中选择月份或季度（如 2026-11、2026-Q4）。", 400)


@login_required
def reports_view(request: HttpRequest) -> HttpResponse:
    value, folder = _folder(request)
    if isinstance(folder, HttpResponse):
        return folder
    body = inside_page(sanitised_body(report_file(folder).read_text(encoding="utf-8")), 2)
    order = {".docx": 0, ".html": 1, ".json": 3, ".csv": 4}  # the 通报 first, then the report and its data
    shown = sorted(files_of(folder), key=lambda p: (order[p.suffix] - (p.name.startswith("tongbao-") and p.suffix == ".html"),
                                                    p.name))
    files = [(p.name, describe(p), p.stat().st_size) for p in shown]
    return render(request, "workbench/reports.html", {
        "policy": _policy(request), "choices": choices(), "value": value, "body": body, "files": files,
        "commit": folder.parent.name[:10],
    })


@login_required
def document_view(request: HttpRequest) -> HttpResponse:
    """The printable 通报 (A4, its own print stylesheet), as a document of its own that runs no script."""
    value, folder = _folder(request)
    if isinstance(folder, HttpResponse):
        return folder
    text = bulletin_file(folder).read_text(encoding="utf-8")
    head = re.search(r"^.*?<body[^>]*>", text, re.S)
    style = f"<style>{bulletin.PRINT_CSS}</style>"
    title = re.search(r"<title>(.*?)</title>", head.group(0) if head else "", re.S)
    document = ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
                f"<title>{title.group(1) if title else '通报'}</title>{style}</head><body>"
                f"{_with_col_widths(text)}</body></html>\n")
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = DOC_CSP
    return response


def _with_col_widths(document: str) -> str:
    """The bulletin's body, sanitised; its column widths (<col style="width:N%">) kept, nothing else styled."""
    widths = re.findall(r'<col style="width:([0-9.]+)%">', document)
    body = sanitised_body(document)
    it = iter(widths)
    return re.sub(r"<col>", lambda _: f'<col style="width:{next(it, "10")}%">', body)


@login_required
def file_view(request: HttpRequest) -> HttpResponse:
    value, folder = _folder(request)
    if isinstance(folder, HttpResponse):
        return folder
    name = request.GET.get("name", "")
    target = next((p for p in files_of(folder) if p.name == name), None)
    if target is None:
        raise Http404("没有这个文件")
    return FileResponse(target.open("rb"), as_attachment=True, filename=target.name, content_type=KINDS[target.suffix])


def style_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(stylesheet(), content_type="text/css; charset=utf-8")
