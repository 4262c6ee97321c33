"""Real text must pass: the demo portal, and the five real regulations wrapped as our items.

Also: every rules file loads, and every rule finds its `match` samples and none of its `no_match`.
"""
from __future__ import annotations

import pytest

import checks
from checks import rulefile
from portal import model

from .conftest import SEED_META, SEEDS, item_text, seed_items

# the seeds wrapped as documents have no 索引号 and no 解读: true findings (warnings) of checks/policy.py
UNPAIRED = ("POLICY-INDEX-MISSING", "POLICY-INTERPRETATION-MISSING")

# the rules files of these checks (secrecy.yml is tested with the secrecy check)
RULE_FILES = ["attachments", "dates", "kinds", "wording"]


def test_demo_portal_passes_every_check(demo_root):
    portal = model.load(demo_root)
    findings = checks.run(portal)
    assert [f.format() for f in findings] == []
    assert len(portal.articles) > 0


def test_the_seeds_are_all_there():
    assert sorted(p.name[:3] for p in SEEDS.glob("*.txt")) == sorted(SEED_META)


def test_seeds_as_documents_pass_every_check(run_checks):
    findings = run_checks(seed_items())
    assert [f.format() for f in findings if f.rule not in UNPAIRED] == []


@pytest.mark.parametrize("date", ["2025-05-12", "2026-11-20 09:00"])
def test_seed_004_as_a_notice_passes(run_checks, date):
    text = (SEEDS / "004_0b61406f2f750cd1.txt").read_text(encoding="utf-8")
    item = item_text("documents", text, title=SEED_META["004"][0], type="通知", department="法规科",
                     doc_number="盘应急发〔2025〕22号", date=date)
    assert [f.format() for f in run_checks({"content/documents/2025-05-12-seed.md": item}) if f.rule not in UNPAIRED] == []


@pytest.mark.parametrize("name", RULE_FILES)
def test_rules_file_loads(name):
    rulefile.load(name)


# kinds.yml matches normalised text and judges each hit in context: its samples are tested in test_kinds.py
RULES = [(name, rule) for name in RULE_FILES if name != "kinds" for rule in rulefile.load(name)]


@pytest.mark.parametrize(("name", "rule"), RULES, ids=[r.id for _, r in RULES])
def test_rule_samples(name, rule):
    assert rulefile.sample_errors(rule) == []
