"""checks/rulefile.py: one format for every rules file, errors that name the rule, the file and the line,
and a rule's severity taken from the data."""
from __future__ import annotations

import shutil

import pytest

from checks import kinds, rulefile, wording
from portal.errors import ERROR, WARNING, PortalError

from .conftest import item_text

RULE = """\
rules:
  - id: TEST-BUSHU
    description: “部署”误写为“布署”
    severity: warning
    keywords: [布署]
    pattern: '布署'
    allow: ['原文如此']
    replace: 部署
    samples:
      match: [会议对下一步工作进行了安排布署]
      no_match: [会议对下一步工作进行了安排部署, 布署（原文如此）]
"""


def test_a_rule_in_the_common_format() -> None:
    rules, settings = rulefile.parse("test.yml", "advice: 改正\n" + RULE)
    (rule,) = rules
    assert (rule.id, rule.severity, rule.keywords, rule.line) == ("TEST-BUSHU", WARNING, ("布署",), 3)
    assert rule.match == ("会议对下一步工作进行了安排布署",)
    assert rule.no_match == ("会议对下一步工作进行了安排部署", "布署（原文如此）")
    assert rule.data == {"replace": "部署"} and settings == {"advice": "改正"}
    assert rulefile.sample_errors(rule) == []


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    description: “部署”误写为“布署”\n", "", "TEST-BUSHU: 缺少 description"),
    ("    severity: warning\n", "", "TEST-BUSHU: severity 应为 error 或 warning"),
    ("severity: warning", "severity: notice", "TEST-BUSHU: severity 应为 error 或 warning"),
    ("pattern: '布署'", "pattern: '布(署'", "TEST-BUSHU: pattern 不是有效的正则表达式"),
    ("allow: ['原文如此']", "allow: ['原文(如此']", "TEST-BUSHU: allow 不是有效的正则表达式"),
    ("keywords: [布署]", "keywords: 布署", "TEST-BUSHU: keywords 应为文本列表"),
    ("match: [会议对下一步工作进行了安排布署]", "match: []", "TEST-BUSHU: samples.match 应为非空文本列表"),
    # the old format, samples at the top of the rule
    ("    samples:\n      match: [会议对下一步工作进行了安排布署]\n      no_match:",
     "    match: [会议对下一步工作进行了安排布署]\n    no_match:", "TEST-BUSHU: samples 应含 match"),
])
def test_a_broken_rule_names_the_rule_the_file_and_the_line(old: str, new: str, message: str) -> None:
    assert old in RULE
    with pytest.raises(PortalError) as exc:
        rulefile.parse("test.yml", RULE.replace(old, new))
    assert str(exc.value).startswith(message), str(exc.value)
    assert str(exc.value).endswith("（test.yml 第 2 行）"), str(exc.value)


def test_duplicate_ids_and_a_missing_id() -> None:
    with pytest.raises(PortalError, match=r"^TEST-BUSHU: 规则 id 重复（test.yml 第 12 行）$"):
        rulefile.parse("test.yml", RULE + RULE.partition("rules:\n")[2])
    with pytest.raises(PortalError, match=r"^第 1 条规则: 缺少 id（test.yml 第 2 行）$"):
        rulefile.parse("test.yml", RULE.replace("  - id: TEST-BUSHU\n    description", "  - description"))


def test_a_sample_that_misbehaves_is_reported() -> None:
    (rule,), _ = rulefile.parse("test.yml", RULE.replace("布署（原文如此）", "布署"))
    assert rulefile.sample_errors(rule) == ["TEST-BUSHU: 不应命中却命中了：'布署'"]


@pytest.fixture
def rules_dir(tmp_path, monkeypatch):
    """A copy of checks/rules that a test may change, read instead of the real one."""
    folder = tmp_path / "rules"
    shutil.copytree(rulefile.RULES_DIR, folder)
    monkeypatch.setattr(rulefile, "RULES_DIR", folder)
    caches = (rulefile._document, rulefile.ruleset, wording._windows)
    for cache in caches:
        cache.cache_clear()
    yield folder
    for cache in caches:
        cache.cache_clear()


def test_the_severity_of_a_finding_is_the_rules(run_checks, rules_dir) -> None:
    item = {"content/news/2026-06-03-item.md": item_text("news", body="会议对下一步工作进行了安排布署。")}
    assert [f.severity for f in run_checks(item, wording)] == [WARNING]
    path = rules_dir / "wording.yml"
    text = path.read_text(encoding="utf-8")
    at = text.index("  - id: WORD-BUSHU")
    path.write_text(text[:at] + text[at:].replace("severity: warning", "severity: error", 1), encoding="utf-8")
    rulefile._document.cache_clear()
    rulefile.ruleset.cache_clear()
    wording._windows.cache_clear()
    assert [(f.rule, f.severity) for f in run_checks(item, wording)] == [("WORD-BUSHU", ERROR)]


def test_a_broken_rules_file_is_a_message_from_the_hook(tmp_portal, rules_dir, capsys) -> None:
    item = tmp_portal / "content/news/2026-06-03-item.md"
    item.parent.mkdir(parents=True, exist_ok=True)
    item.write_text(item_text("news"), encoding="utf-8")
    path = rules_dir / "kinds.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("    severity: error\n", "", 1), encoding="utf-8")
    assert kinds.main(["--root", str(tmp_portal)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("portal: KIND-TITLE-QINGSHI: severity 应为 error 或 warning"), err
    assert "kinds.yml 第" in err and "Traceback" not in err
