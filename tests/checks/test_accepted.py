"""accepted.yml: an accepted finding stays listed (severity "accepted"), never silently skipped."""
from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest

import checks
from checks import wording
from portal import model
from portal.cli import main

from .conftest import item_text, rules_of

ITEM = "content/news/2026-06-03-item.md"
# an item with one error (the author reviews their own item) and one warning (截止目前)
ITEM_TEXT = item_text("news", body="截止目前，已整改到位。", author=["wu.guoqing"])


def write(root: Path, entries: str, item: str = ITEM_TEXT) -> None:
    (root / "content/news").mkdir(parents=True, exist_ok=True)
    (root / ITEM).write_text(item, encoding="utf-8")
    (root / "accepted.yml").write_text("accepted:\n" + textwrap.indent(textwrap.dedent(entries), "  "),
                                       encoding="utf-8")


def findings_of(root: Path, paths: list[str] | None = None, modules: list | None = None):
    return checks.run(model.load(root, paths), modules)


def entry(finding, by: str = "chen.xiuying", reason: str = "引用上级文件原文，保留原表述", date: str = "2026-11-20") -> str:
    return f"""\
    - file: {finding.path}
      rule: {finding.rule}
      fingerprint: {finding.fingerprint}
      by: {by}
      reason: {reason}
      date: {date}
    """


@pytest.fixture
def original(tmp_portal):
    write(tmp_portal, "")
    (tmp_portal / "accepted.yml").write_text("accepted: []\n", encoding="utf-8")
    found = findings_of(tmp_portal)
    assert rules_of(found) == ["REV-AUTHOR", "WORD-JIEZHI"]
    return {f.rule: f for f in found}


def test_accepted_error_is_listed_but_no_longer_fails(tmp_portal, original, capsys):
    write(tmp_portal, entry(original["REV-AUTHOR"]))
    found = {f.rule: f for f in findings_of(tmp_portal)}
    assert set(found) == {"REV-AUTHOR", "WORD-JIEZHI"}
    accepted = found["REV-AUTHOR"]
    assert accepted.severity == "accepted" and accepted.fingerprint == original["REV-AUTHOR"].fingerprint
    assert "已接受：陈秀英（chen.xiuying）于 2026-11-20 接受，理由：引用上级文件原文" in accepted.message
    assert "[已接受]" in accepted.format()
    assert main(["--root", str(tmp_portal), "check"]) == 0
    out = capsys.readouterr()
    assert "REV-AUTHOR [已接受]" in out.out and "1 个已接受" in out.err


def test_json_output_keeps_the_accepted_finding(tmp_portal, original, capsys):
    write(tmp_portal, entry(original["WORD-JIEZHI"]))
    assert main(["--root", str(tmp_portal), "check", "--format", "json"]) == 1  # REV-AUTHOR is still an error
    data = {d["rule"]: d for d in json.loads(capsys.readouterr().out)}
    assert data["WORD-JIEZHI"]["severity"] == "accepted" and data["REV-AUTHOR"]["severity"] == "error"
    assert data["WORD-JIEZHI"]["fingerprint"] == original["WORD-JIEZHI"].fingerprint
    assert data["WORD-JIEZHI"]["category"] == "wording"


def test_acceptance_survives_unrelated_edits(tmp_portal, original):
    write(tmp_portal, entry(original["WORD-JIEZHI"]), ITEM_TEXT.replace("截止目前", "会议指出：\n\n截止目前"))
    assert {f.rule: f.severity for f in findings_of(tmp_portal)}["WORD-JIEZHI"] == "accepted"


def test_changed_text_needs_a_new_acceptance(tmp_portal, original):
    write(tmp_portal, entry(original["WORD-JIEZHI"]), ITEM_TEXT.replace("已整改到位", "已全部整改到位"))
    found = {f.rule: f for f in findings_of(tmp_portal)}
    assert found["WORD-JIEZHI"].severity == "warning"
    assert found["ACCEPT-STALE"].severity == "warning" and found["ACCEPT-STALE"].path == "accepted.yml"


@pytest.mark.parametrize(("change", "rule"), [
    ({"by": "chen.xiuyin"}, "ACCEPT-PERSON-UNKNOWN"),
    ({"by": "''"}, "ACCEPT-PERSON-UNKNOWN"),
    ({"reason": "''"}, "ACCEPT-REASON"),
    ({"reason": "'   '"}, "ACCEPT-REASON"),
    ({"date": "2026-12-24"}, "ACCEPT-DATE"),
    ({"date": "昨天"}, "ACCEPT-DATE"),
])
def test_an_incomplete_entry_is_an_error_and_accepts_nothing(tmp_portal, original, change, rule):
    write(tmp_portal, entry(original["REV-AUTHOR"], **change))
    found = findings_of(tmp_portal)
    assert rules_of(found) == sorted([rule, "REV-AUTHOR", "WORD-JIEZHI"])
    assert {f.rule: f.severity for f in found}["REV-AUTHOR"] == "error"
    bad = next(f for f in found if f.rule == rule)
    assert bad.path == "accepted.yml" and bad.severity == "error"


def test_unknown_field_and_missing_key(tmp_portal, original):
    write(tmp_portal, entry(original["REV-AUTHOR"]).replace("      reason:", "      why: x\n      reason:")
          + "- {rule: REV-AUTHOR, by: chen.xiuying, reason: x, date: 2026-11-20}\n")
    assert rules_of(findings_of(tmp_portal), "ACCEPT-") == ["ACCEPT-INVALID", "ACCEPT-INVALID", "ACCEPT-INVALID"]


def test_broken_yaml_is_a_finding(tmp_portal, original):
    write(tmp_portal, "- file: [unclosed\n")
    assert rules_of(findings_of(tmp_portal), "ACCEPT-") == ["ACCEPT-INVALID"]


def test_entry_for_a_deleted_file_is_stale(tmp_portal, original):
    gone = dataclasses.replace(original["REV-AUTHOR"], path="content/news/gone.md")
    write(tmp_portal, entry(gone))
    assert "ACCEPT-STALE" in rules_of(findings_of(tmp_portal))


def test_partial_and_single_check_runs_do_not_call_other_entries_stale(tmp_portal, original):
    other = "content/news/2026-06-04-other.md"
    (tmp_portal / other).write_text(item_text("news"), encoding="utf-8")
    write(tmp_portal, entry(original["REV-AUTHOR"]))
    # a run over the other file only knows nothing of ITEM's findings
    assert findings_of(tmp_portal, [str(tmp_portal / other)]) == []
    # the wording check alone does not produce REV-AUTHOR: its entry is not stale for that run
    assert rules_of(findings_of(tmp_portal, None, [wording])) == ["WORD-JIEZHI"]


def test_the_demo_file_documents_itself(demo_root):
    text = (demo_root / "accepted.yml").read_text(encoding="utf-8")
    assert "审核" in text and "fingerprint" in text and "ACCEPT-STALE" in text
