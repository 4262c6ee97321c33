"""Document kinds: `type` allowed in the column, and no 请示 / 报告 / 函 in disguise.

请示 and 报告 go up to a superior organ and 函 goes between organs of the same level; none of
them is published (seed 003 §16) unless the column's `kinds` lists that kind (the proposals
column publishes 函: replies to deputies). Besides `type`, the title and body are searched for
the forms those documents take (checks/rules/kinds.yml): titles 关于……的请示/报告/函, closing
formulas 妥否，请批示 / 特此报告 / 特此函告, a superior organ as addressee. Reports that the law
requires to be public (政府信息公开工作年度报告, 政府工作报告, 事故调查报告, ...: `public_reports`)
pass, and may carry `type: 报告` in any column.
"""
from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Sequence

from portal.errors import ERROR, Finding
from portal.model import Article, Portal

from . import locate, rulefile
from .rulefile import Rule
from .runner import hook_main

CATEGORY = "kind"
RULES = "kinds"


def forbidden() -> dict[str, str]:
    """Forbidden kind -> why, from checks/rules/kinds.yml."""
    return dict(rulefile.settings(RULES)["forbidden"])


@functools.cache
def _public_reports() -> re.Pattern[str]:
    return re.compile(rulefile.settings(RULES)["public_reports"])


def is_public_report(title: str) -> bool:
    """A report the law requires to be published (政府信息公开工作年度报告 ...)."""
    return bool(_public_reports().search(title))


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    column = portal.columns.get(article.column)
    if column is None:
        return
    reasons = forbidden()
    kind = article.type
    public_report = kind == "报告" and is_public_report(article.title)  # required by law: any column
    if kind and kind in portal.config.kinds and kind not in column.kinds and not public_report:
        line, col = locate.in_field(article, "type")
        if kind in reasons:
            yield Finding(article.path, line, col, "KIND-FORBIDDEN", CATEGORY, ERROR,
                          f"文种“{kind}”：{reasons[kind]}。栏目“{column.title}”允许的文种：{'、'.join(column.kinds)}。"
                          "如内容确需公开，请改写为可公开的文种（如通知、通报、公告）后重新报送", match=kind)
        else:
            yield Finding(article.path, line, col, "KIND-COLUMN", CATEGORY, ERROR,
                          f"栏目“{column.title}”不发布文种“{kind}”。允许的文种：{'、'.join(column.kinds)}。"
                          "请改为其中之一，或把稿件移到发布该文种的栏目", match=kind)
    yield from _text(article, column.kinds, reasons)


def _text(article: Article, allowed: Sequence[str], reasons: dict[str, str]) -> Iterable[Finding]:
    """One finding per rule: its first hit in the title, else in the body."""
    rules = rulefile.ruleset(RULES)
    first: dict[str, tuple[Rule, re.Match[str], bool]] = {}
    for text, in_title in ((article.title, True), (article.body, False)):
        for rule, hit in rules.finditer(text):
            if rule.data.get("kind", "") not in allowed:
                first.setdefault(rule.id, (rule, hit, in_title))
    for rule, hit, in_title in sorted(first.values(), key=lambda x: rules.rules.index(x[0])):
        kind = rule.data.get("kind", "")
        if in_title:
            line, col = locate.in_field(article, "title", hit.group().strip())
        else:
            line, col = locate.in_body(article, hit.start() + len(hit.group()) - len(hit.group().lstrip()))
        text = hit.group().strip().split("\n")[0]
        yield Finding(article.path, line, col, rule.id, CATEGORY, rule.severity,
                      f"{rule.description}（“{text}”），看起来是{kind}：{reasons.get(kind, '')}。"
                      "请删除或改写为可公开的内容；如确属误报，请在 accepted.yml 中登记并说明理由", match=hit.group())


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
