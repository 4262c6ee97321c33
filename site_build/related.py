"""Pages that show other items or today's date: policy documents and their 解读 (portal/policy.py).

A policy document's page lists its public 解读 and shows its 有效性 today; a 解读's page links to its
document. Those pages depend on more than their own file, so the build keeps, in its state, the
facts of every item of the policy columns and what each public page showed (`Links.shown`).
An incremental build recomputes that from the facts (the state's for unchanged items, the loaded
ones for the rest) and rebuilds every page whose shown data changed: a 解读 added, edited or
withdrawn rebuilds its document's page, a retitled or withdrawn document its 解读's pages, and a
废止/失效 date that has come rebuilds the document's page.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from portal import model, policy
from portal.config import Config

KEY = "policy"  # the build state's field


def record(config: Config, now: dt.datetime) -> dict[str, Any]:
    """The state of a full build: the facts read from disk (what its pages were rendered from)."""
    return _record(policy.Links(config, policy.scan(config)), now)


def _record(links: policy.Links, now: dt.datetime) -> dict[str, Any]:
    return {"facts": {p: f.as_dict() for p, f in sorted(links.facts.items())},
            "shown": {p: links.shown(f, now) for p, f in sorted(links.facts.items()) if f.public(now)}}


def links_for(old: dict[str, Any], portal: model.Portal, items: dict[str, str], load: set[str]) -> policy.Links:
    """The links of the whole content set: the state's facts of unchanged items, the loaded items' own."""
    facts = {p: policy.Fact.from_dict(d) for p, d in old["facts"].items() if p in items and p not in load}
    facts.update({a.path: policy.fact_of(a) for a in portal.articles if policy.is_policy_column(portal.config, a.column)})
    return policy.Links(portal.config, facts)


def stale(old: dict[str, Any], links: policy.Links, items: dict[str, str], load: set[str],
          now: dt.datetime) -> set[str]:
    """Unchanged items whose page would now show something else."""
    return {p for p, shown in old["shown"].items()
            if p in items and p not in load and p in links.facts and links.shown(links.facts[p], now) != shown}


def update(links: policy.Links, now: dt.datetime) -> dict[str, Any]:
    """The state after an incremental build."""
    return _record(links, now)
