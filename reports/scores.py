"""Scores of the monthly 通报, by the scoring table in columns.yml (reports.scoring; seed 004 三、计分标准).

- each item: `item` points (items of a column whose `scoring` is policy — policy documents and their
  interpretations — `policy.item` instead),
  plus the points of every level that adopted it (adoption: 市级 / 省级 / 国家级);
  an item written by several people is shared equally among them, each share going to the author's unit;
- every update window of the period that a column got no item in: `missed_update` (a policy column:
  `policy.missing`) — once per window, charged to the column's lead unit (the first listed; 谁牵头谁负责,
  seed 003 §14) or, with `co_owned: shared`, split equally among its units;
- a policy document (an item of the documents column with a 发文字号) published in the period without an
  interpretation by the time of evaluation: `policy.missing` for its unit. An interpretation is one
  in the interpretations column that names the document's 发文字号 or its 《title》.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

import ahocorasick_rs

from portal import model
from portal.config import Config

from .freshness import ColumnFreshness
from .period import Window

BOOK_TITLE = re.compile(r"《([^》]{2,})》")


@dataclasses.dataclass
class UnitScore:
    unit: str
    items: float = 0.0  # item points (shares of co-authored items included)
    adoption: float = 0.0
    missed_updates: int = 0
    missed_points: float = 0.0
    missed: list[tuple[str, Window]] = dataclasses.field(default_factory=list)  # (column id, window) charged
    missing_interpretations: list[str] = dataclasses.field(default_factory=list)
    missing_points: float = 0.0

    @property
    def total(self) -> float:
        return round(self.items + self.adoption + self.missed_points + self.missing_points, 2)


@dataclasses.dataclass
class PersonScore:
    person: str
    name: str
    unit: str
    items: float = 0.0  # shares of items
    points: float = 0.0


def item_points(config: Config, article: model.Article) -> tuple[float, float]:
    """(base points, adoption points) of one item."""
    s = config.reports.scoring
    base = s.policy_item if is_policy(config, article.column) else s.item
    adoption = dict(s.adoption)
    return base, sum(adoption.get(level, 0.0) for level in dict.fromkeys(article.adoption))


def is_policy(config: Config, column: str) -> bool:
    """Whether a column's items are policy documents or their interpretations (seed 004 三、(二)2: 0.5)."""
    declared = config.columns[column].scoring if column in config.columns else ""
    if declared:
        return declared == "policy"
    s = config.reports.scoring
    return column in (s.documents, s.interpretations)


def charged(config: Config, departments: tuple[str, ...]) -> list[tuple[str, float]]:
    """Who answers for a missed update of a column, and for which share of it."""
    if not departments:
        return []
    if config.reports.scoring.co_owned == "shared":
        return [(d, 1 / len(departments)) for d in departments]
    return [(departments[0], 1.0)]


def shares(config: Config, article: model.Article) -> list[tuple[str, str, float]]:
    """(person id or '', unit, share) for each author; an item without authors goes to its unit."""
    authors = list(dict.fromkeys(article.authors))
    if not authors:
        return [("", article.department, 1.0)]
    people = config.people
    return [(a, people[a].department if a in people else article.department, 1 / len(authors)) for a in authors]


def interpretation_keys(document: model.Article) -> list[str]:
    names = BOOK_TITLE.findall(document.title)
    keys = [document.doc_number, *(f"《{n}》" for n in names)] + ([document.title] if not names else [])
    return [k for k in keys if len(k) >= 4]


def missing_interpretations(config: Config, documents: Iterable[model.Article],
                            interpretations: Iterable[model.Article]) -> list[model.Article]:
    """The documents with a 发文字号 that no interpretation names (by 发文字号, 《name》 or title)."""
    blob = "\n".join(f"{a.title}\n{a.doc_number}\n{a.summary}\n{a.body}" for a in interpretations)
    numbered = [d for d in documents if d.doc_number]
    keys = sorted({k for d in numbered for k in interpretation_keys(d)})
    # one pass over the interpretations for every key at once (searching the whole text once per document
    # grew with documents x interpretations: minutes at 100,000 items)
    found = set(ahocorasick_rs.AhoCorasick(keys).find_matches_as_strings(blob, overlapping=True)) if keys else set()
    return [d for d in numbered if not any(k in found for k in interpretation_keys(d))]


def score(config: Config, items: Iterable[model.Article], columns: Iterable[ColumnFreshness],
          missing: Iterable[model.Article]) -> tuple[dict[str, UnitScore], dict[str, PersonScore]]:
    """`items`: the period's items; `columns`: their freshness (missed windows); `missing`: documents
    of the period without interpretation."""
    s = config.reports.scoring
    units: dict[str, UnitScore] = {}
    people: dict[str, PersonScore] = {}

    def unit(uid: str) -> UnitScore:
        return units.setdefault(uid, UnitScore(uid))

    for article in items:
        base, adopted = item_points(config, article)
        for person, uid, share in shares(config, article):
            u = unit(uid)
            u.items += base * share
            u.adoption += adopted * share
            if person:
                name = config.people[person].name if person in config.people else person
                p = people.setdefault(person, PersonScore(person, name, uid))
                p.items += share
                p.points += (base + adopted) * share
    for row in columns:
        if not row.missed:
            continue
        points = s.missing_interpretation if is_policy(config, row.id) else s.missed_update
        for uid, share in charged(config, row.departments):
            u = unit(uid)
            u.missed += [(row.id, w) for w in row.missed]
            u.missed_updates += len(row.missed)
            u.missed_points += points * share * len(row.missed)
    for document in missing:
        u = unit(document.department)
        u.missing_interpretations.append(document.path)
        u.missing_points += s.missing_interpretation
    for u in units.values():
        u.items, u.adoption = round(u.items, 2), round(u.adoption, 2)
        u.missed_points, u.missing_points = round(u.missed_points, 2), round(u.missing_points, 2)
    for p in people.values():
        p.items, p.points = round(p.items, 2), round(p.points, 2)
    return units, people
