"""Reviewer fields: one qualified reviewer for every stage of the item's chain, and nobody else.

The chain is the column's, extended by importance (Portal.stages_for). Each stage is signed by a
roster person who holds the stage's role for the item's department (Person.may_sign); the author
never reviews their own item, and nobody signs two stages (三审 means three different people).
Missing `reviewers`/`author`/`source` altogether and unknown person ids are the model's findings
(FM-REQUIRED, FM-PERSON-UNKNOWN); this check does not repeat them.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence

from portal.config import Config, Stage, suggest
from portal.errors import ERROR, Finding
from portal.model import Article, Portal

from . import locate
from .runner import hook_main

CATEGORY = "fields"


def eligible(config: Config, stage: Stage, department: str, exclude: Iterable[str] = ()) -> list[str]:
    """“姓名（id）” of everyone who may sign `stage` for `department`, but those in `exclude` (the authors)."""
    role = config.roles.get(stage.role)
    if role is None:
        return []
    skip = set(exclude)
    return [f"{p.name}（{p.id}）" for p in config.people.values() if p.may_sign(role, department) and p.id not in skip]


def _who(config: Config, stage: Stage, department: str, authors: Iterable[str] = ()) -> str:
    names = eligible(config, stage, department, authors)
    if names:
        return f"可签署的人员：{'、'.join(names)}"
    if eligible(config, stage, department):
        return "除撰稿人外没有人能签署该环节，请改由他人撰稿，或请网站管理员在 roster.yml 中补充人员"
    return "roster.yml 中没有人能签署该环节，请网站管理员补充人员或角色"


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    cfg = portal.config
    stages = portal.stages_for(article)
    if not stages or not article.reviewers or article.department not in cfg.departments:
        return

    def finding(key: str, rule: str, message: str, needle: str = "") -> Finding:
        line, col = locate.in_field(article, key, needle)
        return Finding(article.path, line, col, rule, CATEGORY, ERROR, message, match=key + "\0" + needle)

    dept = article.department
    wanted = {s.id: s for s in stages}
    for stage in stages:
        if not article.reviewers.get(stage.id):
            yield finding("reviewers", "REV-MISSING",
                          f"缺少“{stage.id}”（{stage.title}）环节的审核人。本稿件的审核链为"
                          f"{' → '.join(s.id for s in stages)}；请在 reviewers 下补写“{stage.id}: 人员 id”。"
                          f"{_who(cfg, stage, dept, article.authors)}", stage.id)
    for stage_id, person_id in article.reviewers.items():
        key = f"reviewers.{stage_id}"
        if stage_id not in wanted:
            yield finding(key, "REV-EXTRA", _extra_message(portal, article, stage_id, [s.id for s in stages]))
            continue
        stage = wanted[stage_id]
        person = cfg.people.get(person_id)
        if person is None:
            continue  # FM-PERSON-UNKNOWN, or REV-MISSING when empty
        role = cfg.roles.get(stage.role)
        if role is not None and not person.may_sign(role, dept):
            yield finding(key, "REV-ROLE",
                          f"{person.name}（{person.id}）不能签署“{stage.id}”：该环节须由{_role_text(role.title, role.scope, dept)}"
                          f"签署。{_who(cfg, stage, dept, article.authors)}", person_id)
        if person_id in article.authors:
            yield finding(key, "REV-AUTHOR",
                          f"{person.name}（{person.id}）是本稿件的撰稿人，不能再审核自己的稿件（“{stage.id}”）。"
                          f"请改由他人签署。{_who(cfg, stage, dept, article.authors)}", person_id)
    yield from _duplicates(portal, article, stages, finding)


def _role_text(title: str, scope: str, department: str) -> str:
    if scope == "own":
        return f"{department}的{title}"
    if scope == "oversees":
        return f"分管{department}的{title}"
    return title


def _extra_message(portal: Portal, article: Article, stage_id: str, chain: list[str]) -> str:
    column = portal.columns[article.column]
    why = f"栏目“{column.title}”的审核链“{column.chain.id}”（重要程度：{article.importance}）只有 {' → '.join(chain)}"
    other = [s.id for s in column.chain.important + column.chain.major if s.id not in chain]
    hint = ("如本稿件确属重要或重大信息，请把 importance 改为“重要”或“重大”；否则请删除这一项"
            if stage_id in other else f"{suggest(stage_id, chain)}请删除这一项或改为正确的环节名")
    return f"审核环节“{stage_id}”不在本稿件的审核链中：{why}。{hint}"


def _duplicates(portal: Portal, article: Article, stages: Sequence[Stage],
                finding: Callable[..., Finding]) -> Iterable[Finding]:
    first: dict[str, str] = {}
    order = {s.id: i for i, s in enumerate(stages)}
    for stage_id, person_id in sorted(article.reviewers.items(), key=lambda kv: order.get(kv[0], len(order))):
        if not person_id or person_id not in portal.config.people:
            continue
        if person_id in first:
            name = portal.config.people[person_id].name
            yield finding(f"reviewers.{stage_id}", "REV-DUPLICATE",
                          f"{name}（{person_id}）已签署“{first[person_id]}”，不能再签署“{stage_id}”：每个审核环节须由不同的人把关。"
                          "请改由他人签署", person_id)
        else:
            first[person_id] = stage_id


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
