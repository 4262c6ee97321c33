"""Policy documents and their 解读: 索引号, and each document published with its interpretation.

Seed 001 §10, §17: a policy document and its 解读 are prepared, approved and published together. A
document of a column that requires a 解读 (`requires_interpretation: true`) with no public 解读 once
its grace period is over: POLICY-INTERPRETATION-MISSING; a 解读 that names no document, a document that
does not exist or is no policy document, or one not (or no longer) on the site: POLICY-TARGET-*.
These look at the whole content set (portal/policy.py `links`), so the check is CROSS: checks/cache.py
runs it on every `portal check`, over every item of the policy columns. Rules: checks/rules/policy.yml.
"""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Sequence

from portal import clock, model, policy
from portal.config import Config
from portal.errors import ERROR, WARNING, Finding
from portal.model import Article, Portal

from . import rulefile
from .runner import hook_main

CATEGORY = "fields"
RULES = "policy"
# checks/runner.py CROSS_NAMES: findings depend on other items and on today (checks/cache.py runs it every time)


def columns(config: Config) -> list[str]:
    """The columns whose items this check needs loaded (checks/cache.py)."""
    return [c.id for c in config.columns.values() if c.policy]


def _rule(rule_id: str) -> rulefile.Rule:
    return next(r for r in rulefile.load(RULES) if r.id == rule_id)


def _finding(article: Article, key: str, rule: str, message: str, severity: str = ERROR, match: str = "") -> Finding:
    line = article.line_of(key) if key in article.lines else 1
    return Finding(article.path, line, 1, rule, CATEGORY, severity, message, match=match or key)


def check(portal: Portal, article: Article, now: dt.datetime | None = None) -> Iterable[Finding]:
    now = now or clock.now()
    column = portal.config.columns.get(article.column)
    if column is None or not column.policy:
        return
    links = policy.links(portal)
    if column.policy == policy.DOCUMENT:
        yield from _document(portal, links, article, now)
    else:
        yield from _interpretation(links, article, now)


def _document(portal: Portal, links: policy.Links, article: Article, now: dt.datetime) -> Iterable[Finding]:
    cfg = portal.config
    if article.index_number:
        others = [p for p in links.numbered.get(article.index_number, []) if p != article.path]
        if others:
            yield _finding(article, "index_number", "POLICY-INDEX-DUP",
                           f"索引号“{article.index_number}”与 {others[0]} 相同，索引号不得重复。"
                           "请删除本稿件的 index_number 一行后运行 `portal index-number 稿件路径` 重新编号")
    elif policy.pattern_for(cfg, article.column) and not article.draft:
        yield _finding(article, "title", "POLICY-INDEX-MISSING",
                       f"政策文件没有索引号。请运行 `portal index-number {article.path}` 按 columns.yml 的格式生成"
                       "（写入后不再改变）", WARNING)
    rule = _rule("POLICY-INTERPRETATION-MISSING")
    if rule.search(article.title) is None:
        return
    fact = links.facts.get(article.path) or policy.fact_of(article)
    if policy.awaits_interpretation(cfg, links, fact, now):
        days = policy.grace(cfg, article.column).days
        yield _finding(article, "title", rule.id,
                       f"政策文件“{article.title}”发布已超过 {days} 天，仍没有已发布的解读（政策性文件与解读应同步发布）。"
                       f"{rule.data.get('fix', '')}", rule.severity)


def _interpretation(links: policy.Links, article: Article, now: dt.datetime) -> Iterable[Finding]:
    fact = links.facts.get(article.path) or policy.fact_of(article)
    target = links.target(fact)
    if target is None:
        rule = _rule("POLICY-INTERPRETS-MISSING")
        text = "\n".join((article.title, article.summary, article.body))
        named = [m.group() for m in rule.finditer(text)][:3]
        hint = f"正文提到{'、'.join(dict.fromkeys(named))}。" if named else ""
        yield _finding(article, "title", rule.id, f"{rule.description}。{hint}{rule.data.get('fix', '')}", rule.severity)
        return
    if target.problem == "missing":
        yield _finding(article, "interprets", "POLICY-TARGET-MISSING",
                       f"所解读的政策文件“{article.interprets}”不存在。请写政策文件的路径（如 content/documents/"
                       "2026-06-10-banfa.md）或索引号；如该文件已撤下，请一并撤下本解读")
        return
    if target.problem == "not-policy":
        yield _finding(article, "interprets", "POLICY-TARGET-NOT-POLICY",
                       f"“{article.interprets}”不是政策文件栏目（columns.yml 中 policy: document）的稿件，解读只能对应政策文件。"
                       "请改为所解读的政策文件")
        return
    doc = links.facts[target.path]
    if fact.public(now) and not doc.public(now):
        state = "是草稿或已撤下" if doc.draft else "尚未到发布时间"
        yield _finding(article, "interprets", "POLICY-TARGET-WITHDRAWN",
                       f"所解读的政策文件 {doc.path}（{doc.title}）{state}，解读页不会链接到它。"
                       "请与政策文件同时发布，或一并撤下本解读", WARNING)


def audit(portal: model.Portal, now: dt.datetime | None = None) -> list[Finding]:
    """What `portal audit` reports of the policy columns: this check's findings over their public items."""
    now = now or clock.now()
    return [f for a in portal.articles if a.is_public(now) for f in check(portal, a, now)
            if f.rule.startswith(("POLICY-INTERPRETATION", "POLICY-TARGET", "POLICY-INTERPRETS"))]


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
