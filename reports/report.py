"""The report: every indicator of one period, assembled from the content model and the git history.

Render it with reports/render.py; the HTML, CSV and JSON are three views of this one object.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from portal import clock, model
from portal.config import Grade

from . import freshness, quotas, scores, timeliness, workdays
from . import period as periods
from .history import History, Submission

CHART_MONTHS = 6  # the chart of items per unit per month shows at least this many months


@dataclasses.dataclass
class UnitRow:
    """One line of the 通报."""
    rank: int
    unit: str
    name: str
    items: int
    quota: quotas.UnitQuota
    score: scores.UnitScore
    late: list[str]  # paths of items published late
    undetermined: int  # items whose timeliness cannot be judged
    columns: list[tuple[str, str]]  # (column id, status) of owned columns that are not ok
    grade: str = ""
    tie: bool = False  # shares its rank with another unit

    @property
    def ok(self) -> bool:
        return (self.quota.ok and not self.late and not self.columns
                and not self.score.missing_interpretations and not self.score.missed_updates)


@dataclasses.dataclass
class Report:
    site: str
    period: periods.Period
    generated: dt.datetime
    inspection: freshness.Inspection
    columns: list[freshness.ColumnFreshness]
    units: list[UnitRow]
    items: list[timeliness.ItemTimeliness]
    stages: list[timeliness.StageTurnaround]
    months: list[str]
    monthly: dict[str, list[int]]
    people: list[scores.PersonScore]
    has_history: bool
    warnings: list[str]
    adopted: list[Adopted] = dataclasses.field(default_factory=list)
    grades: tuple[Grade, ...] = ()
    grade_months: int = 1  # the grade thresholds are per month: multiplied by the months of the period


@dataclasses.dataclass
class Adopted:
    """An item of the period adopted by a higher level (seed 004: 市级 1, 省级 3, 国家级 5)."""
    path: str
    title: str
    unit: str
    column: str
    published: dt.datetime
    levels: tuple[str, ...]
    points: float


def _day(when: dt.datetime) -> dt.date:
    return when.astimezone(clock.CST).date()


def _stage_order(portal: model.Portal) -> list[str]:
    order: dict[str, None] = {}
    for chain in portal.config.chains.values():
        for stage in chain.stages + chain.important + chain.major:
            order.setdefault(stage.id, None)
    return list(order)


def _rank_key(row: UnitRow) -> tuple[bool, float, int, float]:
    """Units that published nothing come last whatever their score (they fail the quota outright and a
    unit that worked must not rank below them because its own columns cost it points); then the score,
    the number of items, the adoption points."""
    return row.items == 0, -row.score.total, -row.items, -row.score.adoption


def _rank(rows: list[UnitRow], order: list[str]) -> None:
    """Sort and number the rows; equal keys share a rank (并列), in the roster's order."""
    rows.sort(key=lambda r: (_rank_key(r), order.index(r.unit) if r.unit in order else len(order)))
    for i, row in enumerate(rows):
        same = i > 0 and _rank_key(rows[i - 1]) == _rank_key(row)
        row.rank = rows[i - 1].rank if same else i + 1
        if same:
            rows[i - 1].tie = row.tie = True


def grade(total: float, grades: tuple[Grade, ...], months: int) -> str:
    """The first grade whose threshold (per month) the score reaches; below all of them 不合格."""
    return next((g.name for g in grades if total >= round(g.min_score * months, 2)), "不合格")


def published_at(article: model.Article, sub: Submission | None) -> dt.datetime | None:
    """When the public could first see the item: the later of its merge into main and its date
    (a scheduled item waits for its date; a back-dated one was not there before its merge)."""
    merged = sub.merged if sub is not None else None
    if article.date is None or merged is None:
        return article.date
    return max(article.date, merged)


def _columns(portal: model.Portal, public: list[model.Article], when: dict[str, dt.datetime | None],
             period: periods.Period) -> tuple[list[freshness.ColumnFreshness], freshness.Inspection]:
    by_column: dict[str, list[dt.datetime | None]] = {c: [] for c in portal.columns}
    for a in public:
        by_column[a.column].append(when[a.path])
    columns = [freshness.column_freshness(c, by_column[c.id], period.as_of, period) for c in portal.columns.values()]
    home = [d for c in portal.columns.values() if c.home for d in by_column[c.id] if d is not None]
    return columns, freshness.inspect(columns, home, period.as_of)


def _days_by_unit(public: list[model.Article], when: dict[str, dt.datetime | None]) -> dict[str, list[dt.date]]:
    out: dict[str, list[dt.date]] = {}
    for a in public:
        published = when[a.path]
        if published is not None:
            out.setdefault(a.department, []).append(_day(published))
    for days in out.values():
        days.sort()
    return out


def _rows(portal: model.Portal, period: periods.Period, units: list[str], days: dict[str, list[dt.date]],
          items: list[timeliness.ItemTimeliness], unit_scores: dict[str, scores.UnitScore],
          columns: list[freshness.ColumnFreshness]) -> list[UnitRow]:
    by_unit: dict[str, list[timeliness.ItemTimeliness]] = {}
    for i in items:
        by_unit.setdefault(i.unit, []).append(i)
    rows = []
    for uid in units:
        quota = quotas.unit_quota(uid, portal.config.reports.quota_for(uid), days.get(uid, []), period)
        mine = by_unit.get(uid, [])
        rows.append(UnitRow(0, uid, portal.config.departments[uid].name, quota.items, quota,
                            unit_scores.get(uid, scores.UnitScore(uid)), [i.path for i in mine if i.late],
                            sum(i.late is None for i in mine),
                            [(c.id, c.status) for c in columns if uid in c.departments and c.status != "ok"]))
    _rank(rows, list(portal.config.departments))
    months = len(period.months())
    for row in rows:
        row.grade = grade(row.score.total, portal.config.reports.grades, months)
    return rows


def _chart_months(period: periods.Period) -> list[periods.Window]:
    months = period.months()
    if len(months) >= CHART_MONTHS:
        return months
    return periods.months_between(freshness.add_months(period.end.replace(day=1), 1 - CHART_MONTHS), period.end)


def build(portal: model.Portal, period: periods.Period, history: History) -> Report:
    cfg, as_of = portal.config, period.as_of
    workdays.configure(portal.root)
    subs = history.by_item()
    when = {a.path: published_at(a, subs.get(a.path)) for a in portal.articles}
    public = [a for a in portal.articles if not a.draft and ((w := when[a.path]) is None or w <= as_of)]
    columns, inspection = _columns(portal, public, when, period)

    in_period = sorted((a for a in public if (w := when[a.path]) is not None and period.contains(w)),
                       key=lambda a: (when[a.path], a.path))
    items = [timeliness.item_timeliness(a, portal.columns[a.column], subs.get(a.path)) for a in in_period]

    s = cfg.reports.scoring
    documents = [a for a in in_period if a.column == s.documents]
    interpretations = [a for a in public if a.column == s.interpretations and a.date is not None]
    unit_scores, people = scores.score(cfg, in_period, columns,
                                       scores.missing_interpretations(cfg, documents, interpretations))

    listed = {d for c in portal.columns.values() for d in c.departments} | set(unit_scores) | {i.unit for i in items}
    units = [d for d in cfg.departments if d in listed]
    days = _days_by_unit(public, when)
    rows = _rows(portal, period, units, days, items, unit_scores, columns)
    chart = _chart_months(period)
    adopted = []
    for a in in_period:
        if a.adoption:
            adopted.append(Adopted(a.path, a.title, a.department, a.column, when[a.path] or as_of,
                                   tuple(dict.fromkeys(a.adoption)), scores.item_points(cfg, a)[1]))
    return Report(cfg.site.name, period, clock.now(), inspection, columns, rows, items,
                  timeliness.turnaround(history.submissions, period, _stage_order(portal)),
                  [m.label for m in chart], quotas.monthly_counts({u: days.get(u, []) for u in units}, chart),
                  sorted(people.values(), key=lambda p: (-p.points, p.person)), history.is_repo,
                  _warnings(portal, history, columns, items), adopted, cfg.reports.grades, len(period.months()))


def _warnings(portal: model.Portal, history: History, columns: list[freshness.ColumnFreshness],
              items: list[timeliness.ItemTimeliness]) -> list[str]:
    out = [f"{f.path}:{f.line}: {f.message}" for f in portal.findings if f.rule.startswith("FM-DATE")]
    if not history.is_repo:
        out.append("门户目录不是 git 仓库：没有报送、审核和合并记录，时效按稿件的 event_date 与发布日期计算，审核用时无数据")
    out += [f"栏目“{r.title}”：{r.note}" for r in columns if r.note]
    # with both a start and an end, only a year missing from the calendar leaves an item undecided
    out += sorted({i.note for i in items if i.late is None and i.start is not None and i.published is not None})
    return out
