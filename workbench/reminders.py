"""我的提醒: what waits for each person, kept as Notices (each given once) and mailed when SMTP is configured.

What is computed, and from where (nothing is judged differently from the page or report that shows it):
- waiting:  an item whose next stage is theirs — the 待我审核 list (reviewing.queue);
- returned: an item of theirs returned at a stage — the chain's evaluation (reviewing.evaluate);
- deadline: an item under review near its column's deadline (reviewing.due), to its informant and its reviewer;
- stale:    a column of their department stale, empty, or about to be, by its cycle or the national limits
            (reports.freshness on the items of main, published as reports.report counts them);
- quota:    their department's items this week or month short of reports.quotas, or short last week or month.

Mail: one digest a day per person at most (from PORTAL_WEB_DIGEST_HOUR, default 8 o'clock), and at once when
something is due within PORTAL_WEB_URGENT_HOURS (default 4). A notice that no longer applies is closed (`seen`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from portal import clock, model
from portal.config import CYCLE_TITLES, Config
from reports import freshness, history, quotas, workdays
from reports import period as periods
from reports import report as reports

from . import mail, oplog, reviewing
from .models import Notice
from .policy import INFORMANT, Policy
from .repos import Server, git, locked

KINDS = {"waiting": "待我审核", "returned": "被退回", "deadline": "临近时限", "stale": "栏目更新", "quota": "报送任务"}
GIT_KINDS = ("waiting", "returned", "deadline")  # read from the server's branches (cheap: the pages' own caches)
SITE_KINDS = ("stale", "quota")  # read from main's items and history (the remind command)
NEAR = dt.timedelta(hours=24)  # a deadline this close is a reminder of its own
# before a column goes stale against the national limit (days), and against its own cycle
WARN_DAYS = {"news": 3, "notice": 14, "other": 30}
CYCLE_LEAD = {"daily": dt.timedelta(hours=12), "weekly": dt.timedelta(days=2), "biweekly": dt.timedelta(days=3),
              "monthly": dt.timedelta(days=5), "quarterly": dt.timedelta(days=10), "yearly": dt.timedelta(days=30)}
WEEK_LEAD, MONTH_LEAD = 2, 5  # days before the end of the week / month a short quota is mentioned
MAIL_DIGEST, MAIL_URGENT = "mail-digest", "mail-urgent"


def urgent_window() -> dt.timedelta:
    return dt.timedelta(hours=_int_env("PORTAL_WEB_URGENT_HOURS", 4))


def digest_hour() -> int:
    return _int_env("PORTAL_WEB_DIGEST_HOUR", 8)


def _int_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdigit() else default


@dataclasses.dataclass(frozen=True)
class Due:
    """A notice to give: to whom, what about (key), what it says, where to act, by when."""
    person: str
    kind: str
    key: str
    text: str
    link: str = ""
    due: dt.datetime | None = None


def _key(*parts: str) -> str:
    text = ":".join(parts)
    return text if len(text) <= 300 else text[:250] + "#" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _when(value: dt.datetime) -> str:
    return f"{value.astimezone(clock.CST):%m月%d日 %H:%M}"


def _span(window: periods.Window) -> str:
    """A window in words: 12月03日, or 11月23日至11月29日."""
    if window.start == window.end:
        return f"{window.start:%m月%d日}"
    return f"{window.start:%Y年%m月%d日}至{window.end:%m月%d日}"


def review_link(branch: str, path: str) -> str:
    return "/review/?" + urlencode({"branch": branch, "path": path})


# ---------------------------------------------------------------- from the review branches


def signers(config: Config) -> list[str]:
    """People who may sign some stage (an informant only never has a queue)."""
    return [p.id for p in config.people.values() if any(r != INFORMANT for r in p.roles)]


def _candidates(srv: Server, config: Config, branches: list[str]) -> set[str]:
    """Who may have something in 待我审核: the reviewers items name for their next stage, and every signer when
    an item leaves it to anyone with the role (the queue itself then decides, person by person)."""
    out: set[str] = set()
    for branch in branches:
        for ev in reviewing.evaluate(srv, branch).evaluations:
            nxt = ev.next
            if nxt is not None and ev.rejected is None:
                if not nxt.reviewer:
                    return set(signers(config))
                out.add(nxt.reviewer)
    return out


def git_dues(srv: Server, config: Config, people: Iterable[str] | None = None) -> list[Due]:
    """waiting, returned and deadline notices for `people` (everyone by default)."""
    wanted = set(config.people) if people is None else set(people) & set(config.people)
    now = clock.now()
    open_branches = [b for b in srv.branches() if not reviewing.merged(srv, b)]
    queued: dict[tuple[str, str], set[str]] = {}
    for pid in _candidates(srv, config, open_branches) & wanted:
        for row in reviewing.queue(srv, Policy(config, pid)):
            queued.setdefault((row.branch, row.path), set()).add(pid)
    out: list[Due] = []
    for branch in open_branches:
        result = reviewing.evaluate(srv, branch)
        started = None
        for ev in result.evaluations:
            s = ev.subject
            blob = srv.blob(reviewing.head(branch), s.path)[:12]
            link = review_link(branch, s.path)
            informants = set(s.informants) & wanted
            if ev.rejected is not None:
                d = ev.rejected
                who = config.people[d.reviewer].name if d.reviewer in config.people else d.reviewer
                for pid in informants:
                    out.append(Due(pid, "returned", _key("returned", branch, s.path, d.stage, blob),
                                   f"《{s.title}》在“{d.stage}”被{who}退回：{d.opinion or '（未写理由）'}。请修改后重新报送",
                                   "/items/"))
                continue
            nxt = ev.next
            if nxt is None:
                continue
            column = config.columns.get(s.article.column) if s.article is not None else None
            if column is not None and started is None:
                started = reviewing.submitted_at(srv, branch)
            when = reviewing.due(s.article, column, started) if column is not None else None
            waiting = queued.get((branch, s.path), set())
            left = f"（{reviewing.time_left(when)[0]}，时限 {_when(when)}）" if when else ""
            for pid in waiting:
                out.append(Due(pid, "waiting", _key("waiting", branch, s.path, nxt.stage.id, blob),
                               f"《{s.title}》待你“{nxt.stage.title}”审核{left}", link, when))
            if when is None or when - now > NEAR:
                continue
            level = "urgent" if when - now <= urgent_window() else "near"
            late = when < now
            for pid in informants | waiting:
                text = (f"《{s.title}》已超过栏目“{column.title if column else ''}”的发布时限（{_when(when)}），"
                        if late else f"《{s.title}》将于 {_when(when)} 到达发布时限（{reviewing.time_left(when)[0]}），")
                text += f"目前待“{nxt.stage.title}”审核"
                out.append(Due(pid, "deadline", _key("deadline", level, branch, s.path, when.isoformat()), text, link, when))
    return out


# ---------------------------------------------------------------- from main: columns and quotas


def checkout(srv: Server) -> Path:
    """A work tree of main with the server's branches (what reports.history reads), kept up to date."""
    path = (srv.data / "remind" / "main").resolve()
    with locked(srv.data, "remind-checkout"):
        if not (path / ".git").exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            git(path.parent, "clone", "-q", str(srv.mirror_path), str(path))
        git(path, "fetch", "-q", "--prune", "origin")
        git(path, "checkout", "-q", "-f", "-B", "main", "origin/main")
        git(path, "clean", "-q", "-f", "-d", "-x")
    return path


def informants_of(config: Config, departments: Iterable[str]) -> list[str]:
    units = set(departments)
    return [p.id for p in config.people.values() if INFORMANT in p.roles and p.department in units]


def site_dues(root: Path, now: dt.datetime | None = None) -> list[Due]:
    """stale and quota notices from main's items, dated as the report dates them (published_at)."""
    now = now or clock.now()
    portal = model.load(root)
    workdays.configure(root)
    subs = history.read(root).by_item()
    when = {a.path: reports.published_at(a, subs.get(a.path)) for a in portal.articles}
    public = [a for a in portal.articles if not a.draft and ((w := when[a.path]) is None or w <= now)]
    return _stale(portal, public, when, now) + _quotas(portal, public, when, now)


def _stale(portal: model.Portal, public: list[model.Article], when: dict[str, dt.datetime | None],
           now: dt.datetime) -> list[Due]:
    config = portal.config
    dates: dict[str, list[dt.datetime | None]] = {c: [] for c in portal.columns}
    for a in public:
        dates[a.column].append(when[a.path])
    today = now.astimezone(clock.CST).date()
    out = []
    for column in portal.columns.values():
        people = informants_of(config, column.departments)
        if not people:
            continue
        fr = freshness.column_freshness(column, dates[column.id], now)
        newest = f"{fr.newest.astimezone(clock.CST):%Y-%m-%d}" if fr.newest else ""
        limit = freshness.THRESHOLDS.get(column.inspection, (0, 0, ""))[2]
        found: list[tuple[str, str, dt.datetime | None]] = []  # key, text, due
        if fr.empty and column.inspection in freshness.THRESHOLDS:
            found.append((_key("stale", "empty", column.id), f"栏目“{column.title}”没有任何稿件（空白栏目，国家检查计为问题），请尽快发布", None))
        elif fr.stale:
            found.append((_key("stale", "national", column.id, newest),
                          f"栏目“{column.title}”最新稿件为 {newest}，已超过国家检查时限（{limit}）未更新，请尽快发布", None))
        elif fr.fresh_until is not None and (fr.fresh_until - today).days < WARN_DAYS.get(column.inspection, 0):
            end = dt.datetime.combine(fr.fresh_until + dt.timedelta(days=1), dt.time(0), clock.CST)
            found.append((_key("stale", "national-soon", column.id, newest),
                          f"栏目“{column.title}”最新稿件为 {newest}，{fr.fresh_until:%m月%d日}之后即超过国家检查时限（{limit}），"
                          "请在此之前发布新稿件", end))
        if fr.overdue:
            last = freshness.last_window(column.cycle, now)  # overdue: its windows are known
            cycle = CYCLE_TITLES.get(column.cycle, column.cycle)
            found.append((_key("stale", "cycle", column.id, last.label if last else ""),
                          f"栏目“{column.title}”未按更新周期（{cycle}）更新：{_span(last) if last else ''}没有新稿件"
                          f"（最新 {newest or '无'}），通报中计为漏更新", None))
        elif column.cycle in CYCLE_LEAD and not fr.empty:
            ahead = now + CYCLE_LEAD[column.cycle]
            later = freshness.column_freshness(column, dates[column.id], ahead)
            try:
                window = freshness.last_window(column.cycle, ahead) if later.overdue else None
            except workdays.CalendarGap:  # the year is not in the calendar: column_freshness noted it
                window = None
            if window is not None:
                end = dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time(0), clock.CST)
                found.append((_key("stale", "cycle-soon", column.id, window.label),
                              f"栏目“{column.title}”本周期（{CYCLE_TITLES.get(column.cycle, column.cycle)}，{_span(window)}）"
                              f"还没有新稿件，须在 {window.end:%m月%d日} 当天结束前发布，否则计为漏更新", end))
        for key, text, due in found:
            out += [Due(pid, "stale", key, text, "/items/new/", due) for pid in people]
    return out


def _quotas(portal: model.Portal, public: list[model.Article], when: dict[str, dt.datetime | None],
            now: dt.datetime) -> list[Due]:
    config = portal.config
    days = reports._days_by_unit(public, when)
    today = now.astimezone(clock.CST).date()
    monday = today - dt.timedelta(days=today.weekday())
    this_week = periods.Window(monday, monday + dt.timedelta(days=6), f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}")
    last_week = periods.weeks_between(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))[-1]
    this_month = periods.months_between(today, today)[0]
    last_month = periods.months_between(this_month.start - dt.timedelta(days=1), this_month.start - dt.timedelta(days=1))[0]
    units = {d for c in portal.columns.values() for d in c.departments}
    out = []
    for unit in (d for d in config.departments if d in units):
        people = informants_of(config, [unit])
        if not people:
            continue
        quota = config.reports.quota_for(unit)
        mine = days.get(unit, [])
        name = config.departments[unit].name
        found: list[tuple[str, str, dt.datetime | None]] = []
        for window, need, what in ((last_week, quota.per_week, "上周"), (last_month, quota.per_month, "上月")):
            n = quotas.count_in(mine, window)
            if n < need:
                found.append((_key("quota", "missed", unit, window.label),
                              f"{name}{what}（{_span(window)}）发布稿件 {n} 篇，少于报送任务 {need} 篇，通报中列为未完成", None))
        for window, need, what, lead in ((this_week, quota.per_week, "本周", WEEK_LEAD),
                                         (this_month, quota.per_month, "本月", MONTH_LEAD)):
            n = quotas.count_in(mine, window)
            if n < need and (window.end - today).days < lead:
                end = dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time(0), clock.CST)
                found.append((_key("quota", "soon", unit, window.label),
                              f"{name}{what}（截至 {window.end:%m月%d日}）已发布 {n} 篇，报送任务 {need} 篇，还差 {need - n} 篇", end))
        for key, text, due in found:
            out += [Due(pid, "quota", key, text, "/items/new/", due) for pid in people]
    return out


# ---------------------------------------------------------------- storing


def store(dues: Iterable[Due], kinds: Iterable[str], people: Iterable[str] | None = None) -> list[Notice]:
    """Give each notice once; close the open ones of these kinds (and people) that no longer apply."""
    dues = list(dues)
    kinds = list(kinds)
    now = clock.now()
    created = []
    for d in dues:
        if Notice.objects.filter(person=d.person, key=d.key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(Notice.objects.create(person=d.person, kind=d.kind, key=d.key, text=d.text,
                                                     link=d.link[:300], due=d.due))
        except IntegrityError:  # given meanwhile by another run
            continue
    current = {(d.person, d.key) for d in dues}
    open_ = Notice.objects.filter(kind__in=kinds, seen__isnull=True)
    if people is not None:
        open_ = open_.filter(person__in=list(people))
    for n in open_:
        if (n.person, n.key) not in current:
            n.seen = now
            n.save(update_fields=["seen"])
    return created


def refresh_person(srv: Server, config: Config, person: str) -> None:
    """The in-app list brought up to date for one person (the review branches' part; the rest is the command's)."""
    store(git_dues(srv, config, [person]), GIT_KINDS, [person])


def open_notices(person: str) -> list[Notice]:
    return list(Notice.objects.filter(person=person, seen__isnull=True).order_by("due", "-created"))


def open_count(person: str) -> int:
    return Notice.objects.filter(person=person, seen__isnull=True).count()


# ---------------------------------------------------------------- mail


def address(config: Config, person: str) -> str:
    """Where a person's mail goes: roster.yml's `email`, else the workbench account's e-mail."""
    p = config.people.get(person)
    if p is not None and p.email:
        return p.email
    user = User.objects.filter(username=person).first()
    return user.email.strip() if user is not None and user.email else ""


def mail_kind(person: str, pending: list[Notice], now: dt.datetime) -> str:
    """'urgent', 'digest' or '' (nothing to send now)."""
    if not pending:
        return ""
    if any(n.due is not None and n.due <= now + urgent_window() for n in pending):
        return "urgent"
    if now.astimezone(clock.CST).hour < digest_hour():
        return ""
    day = f"{now.astimezone(clock.CST):%Y-%m-%d}"
    from .models import Operation

    sent = Operation.objects.filter(action=MAIL_DIGEST, target=person).order_by("-when")[:5]
    return "" if any(op.detail.get("day") == day for op in sent) else "digest"


def compose(smtp: mail.Smtp, to: str, name: str, kind: str, notices: list[Notice], base_url: str) -> mail.EmailMessage:
    now = clock.now().astimezone(clock.CST)
    base = base_url.rstrip("/")
    subject = (f"【紧急】编辑审核工作台：{len(notices)} 项提醒，有即将到期的事项" if kind == "urgent"
               else f"编辑审核工作台：今日提醒 {len(notices)} 项（{now:%Y年%m月%d日}）")
    lines = [f"{name}：", "", "以下事项等待你处理：", ""]
    rows = []
    for i, n in enumerate(notices, 1):
        link = base + n.link if n.link and base else ""
        due = f"（时限 {_when(n.due)}）" if n.due else ""
        lines.append(f"{i}. 【{KINDS.get(n.kind, n.kind)}】{n.text}{due}")
        if link:
            lines.append(f"   {link}")
        cell = html.escape(n.text + due)
        rows.append(f"<li><strong>【{html.escape(KINDS.get(n.kind, n.kind))}】</strong>"
                    + (f'<a href="{html.escape(link)}">{cell}</a>' if link else cell) + "</li>")
    page = f"{base}/reminders/" if base else ""
    tail = f"全部提醒：{page}" if page else "请登录编辑审核工作台查看“我的提醒”。"
    lines += ["", tail, "", "（本邮件由编辑审核工作台自动发送，请勿回复。每天至多一封汇总，即将到期的事项即时发送。）"]
    body = (f'<html lang="zh-CN"><body><p>{html.escape(name)}：</p><p>以下事项等待你处理：</p><ol>{"".join(rows)}</ol>'
            + (f'<p><a href="{html.escape(page)}">打开“我的提醒”</a></p>' if page else f"<p>{html.escape(tail)}</p>")
            + "<p><small>本邮件由编辑审核工作台自动发送，请勿回复。每天至多一封汇总，即将到期的事项即时发送。</small></p>"
              "</body></html>")
    return mail.message(smtp, to, name, subject, "\n".join(lines) + "\n", body)


@dataclasses.dataclass
class Result:
    created: int = 0
    mailed: dict[str, str] = dataclasses.field(default_factory=dict)  # person -> digest / urgent
    no_address: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    smtp: bool = False


def send_mail(config: Config, base_url: str, smtp: mail.Smtp | None, result: Result) -> None:
    now = clock.now()
    if smtp is None:
        return
    batch: list[tuple[str, str, list[Notice], mail.EmailMessage]] = []
    for pid, person in config.people.items():
        pending = list(Notice.objects.filter(person=pid, seen__isnull=True, mailed__isnull=True).order_by("due", "created"))
        kind = mail_kind(pid, pending, now)
        if not kind:
            continue
        to = address(config, pid)
        if not to:
            result.no_address.append(pid)
            continue
        batch.append((pid, kind, pending, compose(smtp, to, person.name, kind, pending, base_url)))
    try:
        sent = mail.send(smtp, [m for *_, m in batch])
    except mail.MailError as exc:
        sent = exc.sent
        result.errors.append(str(exc))
        oplog.record("", "mail-failed", smtp.where, error=str(exc)[:500])
    for i in sent:
        pid, kind, pending, msg = batch[i]
        Notice.objects.filter(pk__in=[n.pk for n in pending]).update(mailed=now)
        oplog.record("", MAIL_DIGEST if kind == "digest" else MAIL_URGENT, pid, day=f"{now.astimezone(clock.CST):%Y-%m-%d}",
                     notices=len(pending), to=str(msg["To"]))
        result.mailed[pid] = kind
    for i, (pid, *_rest) in enumerate(batch):
        if i not in sent and not result.errors:
            result.errors.append(f"邮件服务器拒收发给 {pid} 的邮件（地址 {address(config, pid)}），请核对 roster.yml 中的 email")


def run(srv: Server, base_url: str = "", smtp: mail.Smtp | None = None, with_site: bool = True) -> Result:
    """Compute every notice (review branches, and main's columns and quotas), store them, send the mail due."""
    srv.refresh(force=True)
    config = srv.config()
    dues = git_dues(srv, config)
    kinds = list(GIT_KINDS)
    result = Result(smtp=smtp is not None)
    if with_site:
        try:
            dues += site_dues(checkout(srv))
            kinds += list(SITE_KINDS)
        except Exception as exc:  # noqa: BLE001 - the review reminders still count; say why the rest is missing
            result.errors.append(f"栏目更新与报送任务的提醒未能计算（{type(exc).__name__}：{exc}）")
            print(result.errors[-1], file=sys.stderr)
    result.created = len(store(dues, kinds))
    send_mail(config, base_url, smtp, result)
    return result
