"""Accepted findings: accepted.yml at the portal's root, one auditable entry per finding.

    accepted:
      - file: content/news/2026-06-03-fang-xun.md   # the finding's path
        rule: WORD-JIEZHI                          # its rule id
        fingerprint: 3f2a9c0d1e4b5a67              # its fingerprint (`portal check --format json`)
        by: chen.xiuying                           # who accepted it: a roster person id
        reason: 引用上级文件原文，不作改动            # why (required)
        date: 2026-11-20                           # when

An accepted finding stays in the output with severity "accepted" and the entry's reason; it no
longer fails the check. Nothing is skipped silently: an entry that matches no finding any more is
reported as stale (ACCEPT-STALE, warning), and an entry without a known person, a reason or a
date is an error and accepts nothing. The file is reviewed like any other change.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from portal import clock, textfile, yamlfile
from portal.config import suggest
from portal.errors import ACCEPTED, ERROR, WARNING, Finding
from portal.model import Portal, parse_when

FILE = "accepted.yml"
CATEGORY = "config"
FIELDS = ("file", "rule", "fingerprint", "by", "reason", "date")


@dataclasses.dataclass(frozen=True)
class Entry:
    file: str
    rule: str
    fingerprint: str
    by: str
    reason: str
    date: dt.datetime
    line: int

    @property
    def key(self) -> tuple[str, str, str]:
        return self.file, self.rule, self.fingerprint


def _error(line: int, rule: str, message: str, severity: str = ERROR) -> Finding:
    return Finding(FILE, line, 1, rule, CATEGORY, severity, message)


def load(portal: Portal) -> tuple[list[Entry], list[Finding]]:
    """The valid entries of accepted.yml and the findings about the file itself."""
    path = portal.root / FILE
    if not path.is_file():
        return [], []
    text, problems = textfile.decode(path.read_bytes(), FILE)
    if text is None:
        return [], problems
    try:
        data, lines = yamlfile.load(text)
    except yamlfile.YamlError as exc:
        return [], [_error(exc.line, "ACCEPT-INVALID", f"{exc.problem}。请修正 {FILE} 的 YAML 语法")]
    if data is None:
        return [], []
    items = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], [_error(1, "ACCEPT-INVALID", f"{FILE} 应含 accepted 列表，每项有 {'、'.join(FIELDS)}")]
    entries, findings = [], []
    for i, item in enumerate(items):
        entry, problems = _entry(portal, item, lines.get(f"accepted.{i}", 1), lines, i)
        findings += problems
        if entry is not None:
            entries.append(entry)
    return entries, findings


def _entry(portal: Portal, item: Any, line: int, lines: dict[str, int], i: int) -> tuple[Entry | None, list[Finding]]:
    if not isinstance(item, dict):
        return None, [_error(line, "ACCEPT-INVALID", f"第 {i + 1} 项应为映射，含 {'、'.join(FIELDS)}")]
    values = {k: str(item[k]).strip() if item.get(k) is not None else "" for k in FIELDS if k != "date"}
    out: list[Finding] = []
    for key in ("file", "rule", "fingerprint"):
        if not values[key]:
            out.append(_error(line, "ACCEPT-INVALID", f"第 {i + 1} 项缺少 {key}。请从 `portal check --format json` 的输出中照抄"))
    for key in item:
        if key not in FIELDS:
            out.append(_error(lines.get(f"accepted.{i}.{key}", line), "ACCEPT-INVALID",
                              f"第 {i + 1} 项有未知字段“{key}”。{suggest(key, FIELDS)}可用字段：{'、'.join(FIELDS)}"))
    person = values["by"]
    if person not in portal.config.people:
        out.append(_error(lines.get(f"accepted.{i}.by", line), "ACCEPT-PERSON-UNKNOWN",
                          f"第 {i + 1} 项的接受人“{person}”不在 roster.yml 中。{suggest(person, portal.config.people)}"
                          "by 须为接受该结果的人员 id" if person else f"第 {i + 1} 项缺少 by（接受人的人员 id）"))
    if not values["reason"]:
        out.append(_error(lines.get(f"accepted.{i}.reason", line), "ACCEPT-REASON",
                          f"第 {i + 1} 项缺少 reason。请写明为什么接受这条检查结果（审核时要看）"))
    when = parse_when(item.get("date")) if item.get("date") is not None else None
    if when is None or when[0] > clock.now():
        out.append(_error(lines.get(f"accepted.{i}.date", line), "ACCEPT-DATE",
                          f"第 {i + 1} 项的 date（接受日期）缺失、无效或晚于今天。请写成 2026-11-20"))
    if out or when is None:
        return None, out
    return Entry(values["file"], values["rule"], values["fingerprint"], person, values["reason"], when[0], line), []


def apply(portal: Portal, findings: Sequence[Finding], report_stale: bool = True,
          checked: set[str] | None = None) -> list[Finding]:
    """Mark accepted findings, add the findings about accepted.yml; stale entries only if `report_stale`
    (`checked`: further paths whose findings are all among `findings`, besides the portal's articles)."""
    entries, out = load(portal)
    by_key = {e.key: e for e in entries}
    used: set[tuple[str, str, str]] = set()
    for f in findings:
        entry = by_key.get((f.path, f.rule, f.fingerprint))
        if entry is None or f.severity == ACCEPTED:
            out.append(f)
            continue
        used.add(entry.key)
        name = portal.config.people[entry.by].name
        note = (f"（已接受：{name}（{entry.by}）于 {entry.date:%Y-%m-%d} 接受，理由：{entry.reason}；"
                f"见 {FILE} 第 {entry.line} 行）")
        out.append(dataclasses.replace(f, severity=ACCEPTED, message=f.message + note, match=f.match or f.message))
    if report_stale:
        checked = {a.path for a in portal.articles} | {f.path for f in findings} | (checked or set())
        for e in entries:
            if e.key not in used and (e.file in checked or not (portal.root / e.file).exists()):
                out.append(_error(e.line, "ACCEPT-STALE",
                                  f"这条接受记录（{e.file} 的 {e.rule}，指纹 {e.fingerprint}）已不对应任何检查结果"
                                  "（问题已改正或内容已变化）。请删除该项", WARNING))
    return out


