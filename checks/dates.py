"""Dates and document numbers.

A publication date in the future is the model's FM-DATE-FUTURE (a faked date fails a national
inspection outright). Here: the event the item reports cannot have happened after it was
published (DATE-EVENT-AFTER), nor can a page have been reprinted after it was published
(DATE-REPRINT-AFTER; a reprint time in the future is the reprint check's), and 发文字号 follows
GB/T 9704-2012: 机关代字〔YYYY〕N号, rules in checks/rules/dates.yml, year not after the date's.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Sequence

from portal import clock
from portal.errors import ERROR, Finding
from portal.model import Article, Portal, format_when

from . import locate, rulefile
from .runner import hook_main

CATEGORY = "date"
RULES = "dates"
FIRST_YEAR = 1949
YEAR = re.compile(r"[〔\[【(（［〈<{｛〖「]\s*([0-9０-９]{4})\s*[〕\]】)）］〉>}｝〗」]")


def _finding(article: Article, key: str, rule: str, message: str, needle: str = "", severity: str = ERROR) -> Finding:
    line, col = locate.in_field(article, key, needle)
    return Finding(article.path, line, col, rule, CATEGORY, severity, message, match=f"{key}\0{needle}")


def later(a: dt.datetime, b: dt.datetime, a_has_time: bool, b_has_time: bool) -> bool:
    """Whether `a` is later than `b`, by the day when either has no time of day."""
    if a_has_time and b_has_time:
        return a > b
    return a.astimezone(clock.CST).date() > b.astimezone(clock.CST).date()


def _has_time(value: dt.datetime) -> bool:
    return value.astimezone(clock.CST).time() != dt.time(0, 0)


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    date, has_time = article.date, article.date_has_time
    if date is not None and article.event_date is not None:
        event = article.event_date
        if later(event, date, _has_time(event), has_time):
            yield _finding(article, "event_date", "DATE-EVENT-AFTER",
                           f"信息产生日期 {format_when(event, _has_time(event))} 晚于发布日期 {format_when(date, has_time)}。"
                           "信息不能在发生之前发布：请核对 event_date 与 date")
    reprint = article.reprint
    when = reprint.time if reprint is not None else None
    # a reprint time in the future is REPRINT-TIME-FUTURE, not repeated here
    if date is not None and when is not None and when <= clock.now() and later(when, date, _has_time(when), has_time):
        yield _finding(article, "reprint.time", "DATE-REPRINT-AFTER",
                       f"转载时间 {format_when(when, _has_time(when))} 晚于发布日期 "
                       f"{format_when(date, has_time)}。稿件不能在转载之前发布：请核对 reprint.time 与 date")
    if article.doc_number:
        yield from doc_number(article, article.doc_number, (date or clock.now()).astimezone(clock.CST).year)


def doc_number_problems(number: str, year_limit: int) -> list[tuple[str, str]]:
    """(rule id, message) for each way `number` breaks 机关代字〔YYYY〕N号; [] if it is right."""
    out: list[tuple[str, str]] = []
    for rule in rulefile.load(RULES):
        if rule.id == "DOC-NUMBER-FORMAT" and out:
            continue  # the specific rules above already say what is wrong
        if rule.search(number):
            out.append((rule.id, f"发文字号“{number}”{rule.description}。{rule.data.get('fix', '')}"))
    m = YEAR.search(number)
    if m:
        year = int(m.group(1))
        if year > year_limit:
            out.append(("DOC-NUMBER-YEAR-LATE", f"发文字号“{number}”的年份 {year} 晚于发布日期所在的 {year_limit} 年。"
                                                "文件不能在成文之前发布：请核对发文字号或发布日期"))
        elif year < FIRST_YEAR:
            out.append(("DOC-NUMBER-YEAR-EARLY", f"发文字号“{number}”的年份 {year} 不合理（早于 {FIRST_YEAR} 年）。请核对年份"))
    return out


def doc_number(article: Article, number: str, year_limit: int) -> Iterable[Finding]:
    severity = {r.id: r.severity for r in rulefile.load(RULES)}  # the year rules are the code's: errors
    for rule, message in doc_number_problems(number, year_limit):
        yield _finding(article, "doc_number", rule, message, number, severity.get(rule, ERROR))


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
