"""Inline SVG charts for the HTML report: drawn here, no scripts, no fonts or files fetched."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from .freshness import ColumnFreshness
from .timeliness import StageTurnaround

GREEN, RED, AMBER, GREY, BLUE = "#2e7d32", "#c62828", "#ef6c00", "#9e9e9e", "#1565c0"
FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif" font-size="13"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>' + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#222", weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-weight="{weight}">'
            f"{escape(text)}</text>")


def monthly_items(months: Sequence[str], counts: Mapping[str, Sequence[int]], quota: Mapping[str, int],
                  running: set[str]) -> str:
    """Units x months: the number of items, green where the month's quota is met, red where not,
    grey for a month not over yet."""
    left, cell, row_h, top = 130, 64, 24, 30
    width, height = left + cell * len(months) + 10, top + row_h * len(counts) + 10
    body = [_text(left + cell * i + cell / 2, 18, m, "middle", weight="bold") for i, m in enumerate(months)]
    for r, (unit, values) in enumerate(counts.items()):
        y = top + r * row_h
        body.append(_text(left - 8, y + 16, unit, "end"))
        for i, n in enumerate(values):
            color = GREY if months[i] in running else (GREEN if n >= quota[unit] else RED)
            body.append(f'<rect x="{left + cell * i + 2}" y="{y + 2}" width="{cell - 4}" height="{row_h - 4}" '
                        f'rx="3" fill="{color}" fill-opacity="0.85"/>')
            body.append(_text(left + cell * i + cell / 2, y + 16, str(n), "middle", "#fff", "bold"))
    return _svg(width, height, "各科室每月稿件数", body)


def freshness(rows: Sequence[ColumnFreshness]) -> str:
    """One bar per column: days since its newest item, as a share of the inspection's limit (the line)."""
    left, bar_w, row_h, top = 150, 300, 22, 24
    width, height = left + bar_w + 250, top + row_h * len(rows) + 10
    limit_x = left + bar_w / 2  # the limit sits at the middle: bars run to twice the limit
    body = [f'<line x1="{limit_x}" y1="{top - 6}" x2="{limit_x}" y2="{height - 6}" stroke="{RED}" '
            f'stroke-dasharray="4 3"/>', _text(limit_x, 14, "检查时限", "middle", RED)]
    for r, row in enumerate(rows):
        y = top + r * row_h
        body.append(_text(left - 8, y + 15, row.title, "end"))
        if row.empty:
            body.append(_text(left + 4, y + 15, "空白栏目（没有任何稿件）", fill=RED, weight="bold"))
            continue
        if row.newest is None or row.age_days is None:
            body.append(_text(left + 4, y + 15, "稿件均无发布日期，视为未更新", fill=RED, weight="bold"))
            continue
        if row.fresh_until is None:
            share, color, note = 0.0, GREY, f"{row.age_days} 天前更新（概况类，无更新要求）"
        else:
            limit = (row.fresh_until - row.newest.date()).days or 1
            share = row.age_days / limit
            color = RED if row.stale else (AMBER if row.overdue else GREEN)
            note = f"{row.age_days} 天未更新（时限 {limit} 天）"
        w = max(2.0, min(share, 2.0) * bar_w / 2)
        body.append(f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}"/>')
        body.append(_text(left + bar_w + 8, y + 15, note, fill=color if color != GREY else "#555"))
    return _svg(width, height, "各栏目更新情况", body)


def turnaround(stages: Sequence[StageTurnaround]) -> str:
    """One bar per review stage: median hours from submission to that stage's final approval."""
    left, bar_w, row_h, top = 110, 300, 26, 10
    width, height = left + bar_w + 480, top + row_h * max(1, len(stages)) + 10
    if not stages:
        return _svg(width, 40, "各审核环节用时", [_text(10, 24, "本期没有审核记录", fill="#555")])
    longest = max(s.median_hours for s in stages) or 1.0
    body = []
    for r, s in enumerate(stages):
        y = top + r * row_h
        w = max(2.0, s.median_hours / longest * bar_w)
        body.append(_text(left - 8, y + 17, s.stage, "end"))
        body.append(f'<rect x="{left}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" fill="{BLUE}"/>')
        extra = f"，退回 {s.rejections} 次" if s.rejections else ""
        days = f"（约 {s.median_hours / 24:.1f} 天）" if s.median_hours >= 48 else ""
        body.append(_text(left + bar_w + 8, y + 17, f"中位 {s.median_hours:g} 小时{days}，平均 {s.mean_hours:g}，"
                                                    f"最长 {s.max_hours:g}，{s.count} 篇{extra}"))
    return _svg(width, height, "各审核环节用时", body)
