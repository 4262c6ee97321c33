"""The monthly 通报 as a document the office signs and sends: the same content as HTML for print (A4,
the layout of official documents, GB/T 9704) and as a Word file (.docx), which is how a 通报 circulates.

`compose` turns a Report into a Doc (headed paragraphs and tables); `html` and `docx` only lay it out,
so the two files always say the same thing.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from html import escape
from typing import Any

from portal import model
from portal.config import CYCLE_TITLES, Config

from . import workdays
from .period import Window
from .report import Report, UnitRow
from .scores import is_policy


@dataclasses.dataclass
class Table:
    head: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative column widths


Block = str | Table


@dataclasses.dataclass
class Section:
    title: str
    blocks: list[Block]


@dataclasses.dataclass
class Doc:
    red_head: str
    number: str
    title: str
    recipients: str
    intro: list[str]
    sections: list[Section]
    issuer: str
    date: str

    @property
    def stem(self) -> str:
        return "tongbao"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def window_text(w: Window) -> str:
    """A window as people say it: 11月3日 / 11月2日—8日 / 10月26日—11月1日 / 2026年11月."""
    if w.start == w.end:
        return _md(w.start)
    if w.start.day == 1 and (w.end + dt.timedelta(days=1)).day == 1:
        return w.label if "年" in w.label else f"{w.start.year}年{w.start.month}月"
    end = f"{w.end.day}日" if w.end.month == w.start.month else _md(w.end)
    return f"{_md(w.start)}—{end}"


def week_window(label: str) -> Window:
    year, week = label.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(week), 1)
    return Window(monday, monday + dt.timedelta(days=6), label)


def _points(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _period_text(r: Report) -> str:
    p = r.period
    if p.start.day == 1 and p.start.month == p.end.month and p.start.year == p.end.year \
            and (p.end + dt.timedelta(days=1)).day == 1:
        return f"{p.start.year}年{p.start.month}月"
    return f"{cn_date(p.start)}至{cn_date(p.end)}"


def number(cfg: Config, r: Report, given: str | None) -> str:
    if given:
        return given
    return cfg.reports.bulletin.number.replace("{year}", str(r.period.start.year)).replace(
        "{month}", str(r.period.start.month))


def _quota_text(row: UnitRow) -> str:
    q = row.quota
    parts = []
    for label, n in q.months:
        if n < q.quota.per_month:
            parts.append(f"{label[:4]}年{int(label[5:])}月发布 {n} 篇，少于每月 {q.quota.per_month} 篇（差 {q.quota.per_month - n} 篇）")
    short = [window_text(week_window(w)) for w in q.weeks_short]
    if short:
        parts.append(f"{'、'.join(short)} 未达到每周 {q.quota.per_week} 篇（共 {len(short)} 周）")
    return "；".join(parts)


def _task(row: UnitRow) -> str:
    """完成 / 未完成 with the gap, short enough for the ranking table (the weeks are listed under 三)."""
    q = row.quota
    if not q.months and not q.weeks:
        return "未满一周，不考核"
    gap = sum(max(0, q.quota.per_month - n) for _, n in q.months)
    weeks = len(q.weeks_short)
    if not gap and not weeks:
        return "完成"
    return "未完成（" + "，".join(([f"差 {gap} 篇"] if gap else []) + ([f"{weeks} 周不足"] if weeks else [])) + "）"


def _problems(r: Report, cfg: Config, row: UnitRow) -> list[str]:
    titles = {c.id: c.title for c in r.columns}
    cycles = {c.id: c.cycle for c in r.columns}
    out = []
    quota = _quota_text(row)
    if quota:
        out.append(f"报送数量：{quota}。")
    by_column: dict[str, list[Window]] = {}
    for column, window in row.score.missed:
        by_column.setdefault(column, []).append(window)
    for column, windows in by_column.items():
        cycle = CYCLE_TITLES.get(cycles.get(column, ""), "")
        basis = "，按工作日计" if cycles.get(column) == "daily" else ""
        cost = cfg.reports.scoring.missing_interpretation if is_policy(cfg, column) else cfg.reports.scoring.missed_update
        out.append(f"栏目“{titles.get(column, column)}”（{cycle}更新{basis}）漏更新 {len(windows)} 次："
                   f"{'、'.join(window_text(w) for w in windows)}，每次 {_points(cost)} 分。")
    for path in row.score.missing_interpretations:
        doc = next((i for i in r.items if i.path == path), None)
        out.append(f"政策文件《{doc.title if doc else path}》未发布对应解读，"
                   f"{_points(cfg.reports.scoring.missing_interpretation)} 分。")
    for path in row.late:
        i = next(x for x in r.items if x.path == path)
        out.append(f"稿件《{i.title}》迟发：时限 {i.deadline}，应于 {i.due} 前发布，实际 "
                   f"{model.format_when(i.published) if i.published else '—'} 发布。")
    for column, status in row.columns:
        if status in ("stale", "empty"):
            what = "没有任何稿件（空白栏目）" if status == "empty" else "超过国家检查时限未更新"
            out.append(f"负责的栏目“{titles.get(column, column)}”{what}，请立即更新。")
    return out


def _ranking(r: Report) -> Table:
    rows = []
    for u in r.units:
        s = u.score
        rows.append([str(u.rank), u.name, str(u.items), f"{s.items:g}", f"{s.adoption:g}", _points(s.missed_points),
                     _points(s.missing_points), f"{s.total:g}", u.grade, _task(u)])
    return Table(["名次", "单位", "发布稿件", "稿件得分", "采用得分", "漏更新扣分", "缺解读扣分", "总分", "等级", "报送任务"],
                 rows, [4, 20, 6, 6, 6, 7, 7, 6, 8, 14])


def _ties(r: Report) -> str:
    ties: dict[int, list[str]] = {}
    for u in r.units:
        if u.tie:
            ties.setdefault(u.rank, []).append(u.name)
    text = "名次按总分从高到低排列；总分相同的，发布稿件多的在前，再相同的采用得分高的在前；本期未发布稿件的单位列于最后。"
    if ties:
        text += "并列：" + "；".join(f"第 {rank} 名 {'、'.join(names)}（总分、发布稿件数、采用得分均相同）"
                                   for rank, names in ties.items()) + "。"
    return text


def _adopted(r: Report, names: dict[str, str]) -> list[Block]:
    if not r.adopted:
        return ["本期没有被上级采用的稿件。"]
    rows = [[str(i + 1), a.title, names.get(a.unit, a.unit), model.format_when(a.published), "、".join(a.levels),
             f"{a.points:g}"] for i, a in enumerate(r.adopted)]
    total = sum(a.points for a in r.adopted)
    return [f"本期共有 {len(r.adopted)} 篇稿件被上级采用，采用加分合计 {total:g} 分（合写稿件由撰稿人平分，计入各自单位）。",
            Table(["序号", "稿件标题", "单位", "发布时间", "采用级别", "加分"], rows, [4, 30, 12, 11, 8, 5])]


def _scoring(r: Report, cfg: Config) -> list[Block]:
    s = cfg.reports.scoring
    policy = [c.title for c in cfg.columns.values() if is_policy(cfg, c.id)]
    adoption = "、".join(f"{level} {points:g} 分" for level, points in s.adoption)
    q = cfg.reports.quota
    lead = ("由该栏目的牵头单位（columns.yml 中列在第一位的负责单位）承担一次扣分（谁牵头、谁负责）" if s.co_owned == "lead"
            else "扣分由各负责单位平均分摊")
    months = r.grade_months
    grades = "，".join(f"{g.name}不低于 {g.min_score * months:g} 分" for g in r.grades)
    years = sorted({r.period.start.year, r.period.end.year})
    calendar = "、".join(f"{y} 年：{workdays.source(y)}" for y in years)
    return [
        f"1．基础分为 0 分。每发布一篇稿件计 {s.item:g} 分；政策性文件及对应解读（{'、'.join(policy) or '无'}栏目）每篇计 "
        f"{s.policy_item:g} 分。被采用另计：{adoption}。多人合写的稿件按撰稿人数平均计分，计入各自所在单位。",
        f"2．网站定期更新栏目未在更新周期内更新的，每少更新一次扣 {abs(s.missed_update):g} 分，政策性文件及解读栏目每次扣 "
        f"{abs(s.missing_interpretation):g} 分；多个单位共同负责的栏目漏更新，{lead}。本期发布的政策性文件到统计时仍无对应解读的，"
        f"每篇扣 {abs(s.missing_interpretation):g} 分。",
        f"3．报送任务：每个单位每周不少于 {q.per_week} 篇、每月不少于 {q.per_month} 篇。更新周期的划分：“每天”按工作日计"
        f"（依国务院办公厅公布的节假日安排，含调休上班日；{calendar}）；“每周”为周一至周日的自然周，“每两周”为相连的两个自然周，"
        "“每月”“每季度”“每年”为自然月、季度、年；一个周期在其最后一天结束后考核，未结束的不考核。",
        "4．稿件的发布时间为稿件合并发布的时间与稿件所署日期中较晚者（定时发布的稿件自其日期起公开）；"
        "稿件计入其发布时间所在的统计期间，倒填日期不能计入此前的期间。",
        f"5．等级按本期总分评定（统计期间含 {months} 个月，按月的标准乘以月数）：{grades}，低于“{r.grades[-1].name if r.grades else ''}”"
        "标准为不合格。排名按总分从高到低；总分相同的按发布稿件数、再按采用得分排列，仍相同的并列；本期未发布任何稿件的单位列于最后。",
    ]


def _overview(r: Report) -> list[str]:
    late = sum(1 for i in r.items if i.late)
    done = sum(1 for u in r.units if not _quota_text(u))
    missed_cols = [c for c in r.columns if c.missed]
    levels: dict[str, int] = {}
    for a in r.adopted:
        for level in a.levels:
            levels[level] = levels.get(level, 0) + 1
    adopted = "、".join(f"{k} {v} 篇" for k, v in levels.items())
    text = [f"{_period_text(r)}，全局共发布稿件 {len(r.items)} 篇，被上级采用 {len(r.adopted)} 篇"
            f"{'（' + adopted + '）' if adopted else ''}，迟发 {late} 篇。{len(r.units)} 个单位中，{done} 个完成报送任务，"
            f"{len(r.units) - done} 个未完成。"]
    if missed_cols:
        text.append(f"网站栏目方面，{len(missed_cols)} 个栏目在本期有漏更新，共 {sum(len(c.missed) for c in missed_cols)} 次："
                    + "；".join(f"“{c.title}”{len(c.missed)} 次" for c in missed_cols) + "。")
    else:
        text.append("网站栏目均按更新周期更新。")
    i = r.inspection
    text.append("按国家政府网站检查指标自查，存在单项否决情形：" + "；".join(i.vetoes) + "，须立即整改。" if i.failed
                else "按国家政府网站检查指标自查，未触及单项否决指标。")
    return text


def compose(r: Report, cfg: Config, doc_number: str | None = None, today: dt.date | None = None) -> Doc:
    names = {d.id: d.name for d in cfg.departments.values()}
    b = cfg.reports.bulletin
    problems: list[Block] = []
    for row in r.units:
        found = _problems(r, cfg, row)
        if found:
            problems.append(f"{row.name}（{row.grade}）：" + "".join(found))
    if problems:
        problems.append("请以上单位对照问题逐项整改，由单位负责人说明情况，并于下期通报前补齐应更新的栏目内容。")
    else:
        problems.append("本期各单位均完成报送任务，负责栏目均按周期更新。")
    ranking: list[Block] = [_ranking(r), _ties(r)]
    good = [u.name for u in r.units if r.grades and u.grade == r.grades[0].name]
    if good:
        ranking.append(f"{'、'.join(good)}本期评为“{r.grades[0].name}”，予以表扬。")
    sections = [
        Section("一、总体情况", list(_overview(r))),
        Section("二、各单位得分与排名", ranking),
        Section("三、存在的问题和整改要求", problems),
        Section("四、信息采用情况", _adopted(r, names)),
        Section("五、计分说明", list(_scoring(r, cfg))),
    ]
    site = r.site
    return Doc(b.red_head or f"{site}文件", number(cfg, r, doc_number),
               f"关于{_period_text(r)}政务信息报送和网站栏目更新情况的通报", f"{b.recipients}：",
               [f"根据政务信息报送工作制度和计分标准，现将{_period_text(r)}各单位政务信息报送、网站栏目更新和信息采用情况通报如下。"],
               sections, b.issuer or site, cn_date(today or r.generated.date()))


# ---------------------------------------------------------------- HTML (print: A4, GB/T 9704 layout)

PRINT_CSS = """
@page{size:A4;margin:37mm 26mm 35mm 28mm;@bottom-center{content:"— " counter(page) " —";font-family:"Times New Roman",serif;
font-size:14pt}}
html{background:#eee}
body{font-family:"FangSong_GB2312","仿宋_GB2312","FangSong","仿宋","STFangsong","Noto Serif CJK SC","Noto Sans CJK SC",serif;
font-size:16pt;line-height:28pt;color:#000;background:#fff;max-width:156mm;margin:0 auto;padding:37mm 26mm 35mm 28mm}
.red-head{color:#d00000;text-align:center;font-family:"FZXiaoBiaoSong-B05S","方正小标宋简体","SimSun","宋体","Noto Serif CJK SC",serif;
font-size:30pt;line-height:1.3;letter-spacing:2pt;margin:0 0 18pt;font-weight:bold}
.number{text-align:center;margin:0}
.red-line{border:0;border-top:2px solid #d00000;margin:4pt 0 28pt}
h1{font-family:"FZXiaoBiaoSong-B05S","方正小标宋简体","SimSun","宋体","Noto Serif CJK SC",serif;font-size:22pt;line-height:1.5;
text-align:center;font-weight:normal;margin:0 0 28pt}
h2{font-family:"SimHei","黑体","Heiti SC","Noto Sans CJK SC",sans-serif;font-size:16pt;font-weight:normal;margin:14pt 0 0;
break-after:avoid;page-break-after:avoid}
p{margin:0;text-indent:2em;text-align:justify}p.recipients{text-indent:0}
table{border-collapse:collapse;width:100%;margin:8pt 0;font-size:10.5pt;line-height:1.45;page-break-inside:auto}
thead{display:table-header-group}tfoot{display:table-footer-group}
tr{break-inside:avoid;page-break-inside:avoid}
th,td{border:1px solid #000;padding:2pt 3pt;text-align:center;vertical-align:middle}
th{font-family:"SimHei","黑体","Noto Sans CJK SC",sans-serif;font-weight:normal}
td.left{text-align:left}
.signature{break-before:avoid;page-break-before:avoid;break-inside:avoid;margin-top:28pt;text-align:right;padding-right:2em}.signature p{text-align:right;text-indent:0}
@media print{html{background:none}body{max-width:none;margin:0;padding:0}}
"""


def _html_table(t: Table) -> str:
    total = sum(t.widths)
    cols = "".join(f'<col style="width:{w * 100 / total:.1f}%">' for w in t.widths)
    head = "".join(f"<th>{escape(h)}</th>" for h in t.head)
    body = []
    for row in t.rows:
        cells = "".join(f'<td class="left">{escape(c)}</td>' if len(c) > 8 else f"<td>{escape(c)}</td>" for c in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html(doc: Doc) -> str:
    parts = ["<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
             f"<title>{escape(doc.title)}</title><style>{PRINT_CSS}</style></head><body>",
             f"<div class='red-head'>{escape(doc.red_head)}</div>",
             f"<p class='number'>{escape(doc.number)}</p><hr class='red-line'>" if doc.number else "<hr class='red-line'>",
             f"<h1>{escape(doc.title)}</h1>", f"<p class='recipients'>{escape(doc.recipients)}</p>"]
    parts += [f"<p>{escape(t)}</p>" for t in doc.intro]
    for section in doc.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        for block in section.blocks:
            parts.append(_html_table(block) if isinstance(block, Table) else f"<p>{escape(block)}</p>")
    parts.append(f"<div class='signature'><p>{escape(doc.issuer)}</p><p>{escape(doc.date)}</p></div>")
    parts.append("</body></html>\n")
    return "".join(parts)


# ---------------------------------------------------------------- Word (.docx)

FANGSONG, HEITI, XIAOBIAOSONG = "仿宋_GB2312", "黑体", "方正小标宋简体"
RED = (0xD0, 0x00, 0x00)


def docx(doc: Doc) -> bytes:
    """The same document as a Word file: A4, GB/T 9704 margins, 仿宋 三号 body, 黑体 headings, red head and
    rule, tables whose header row repeats on every page and whose rows never break across pages."""
    import io

    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    d = Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)

    def run(p: Any, text: str, font: str = FANGSONG, size: float = 16, bold: bool = False,
            color: tuple[int, int, int] | None = None) -> None:
        r = p.add_run(text)
        r.font.name, r.font.size, r.font.bold = font, Pt(size), bold
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        if color:
            r.font.color.rgb = RGBColor(*color)

    def para(text: str, font: str = FANGSONG, size: float = 16, align: Any = None, indent: bool = True,
             bold: bool = False, color: tuple[int, int, int] | None = None) -> Any:
        p = d.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing, fmt.space_after = Pt(28), Pt(0)
        if align is not None:
            p.alignment = align
        elif indent:
            fmt.first_line_indent = Pt(size * 2)
        run(p, text, font, size, bold, color)
        return p

    para(doc.red_head, XIAOBIAOSONG, 26, WD_ALIGN_PARAGRAPH.CENTER, bold=True, color=RED)
    rule = para(doc.number, FANGSONG, 16, WD_ALIGN_PARAGRAPH.CENTER)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "D00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)
    para(doc.title, XIAOBIAOSONG, 22, WD_ALIGN_PARAGRAPH.CENTER)
    para(doc.recipients, indent=False)
    for text in doc.intro:
        para(text)
    for section in doc.sections:
        para(section.title, HEITI)
        for block in section.blocks:
            if not isinstance(block, Table):
                para(block)
                continue
            table = d.add_table(rows=1 + len(block.rows), cols=len(block.head))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            total, width = sum(block.widths), 156
            for i, row in enumerate([block.head, *block.rows]):
                tr = table.rows[i]._tr
                props = tr.get_or_add_trPr()
                props.append(OxmlElement("w:cantSplit"))
                if i == 0:
                    props.append(OxmlElement("w:tblHeader"))  # repeat the header row on every page
                for j, text in enumerate(row):
                    cell = table.rows[i].cells[j]
                    cell.width = Mm(width * block.widths[j] / total)
                    p = cell.paragraphs[0]
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if len(text) <= 8 else WD_ALIGN_PARAGRAPH.LEFT
                    run(p, text, HEITI if i == 0 else FANGSONG, 10.5)
    para("", indent=False)
    para(doc.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc.date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
