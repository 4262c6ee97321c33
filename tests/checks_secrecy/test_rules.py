"""checks/rules/secrecy.yml: every rule's samples behave, and a broken rules file names the rule at fault."""
from __future__ import annotations

import pytest

from checks import secrecy
from portal.errors import PortalError

RULES = secrecy.ruleset()
SAMPLES = [(r.id, s, True) for r in RULES.rules for s in r.match] + \
          [(r.id, s, False) for r in RULES.rules for s in r.no_match]


@pytest.mark.parametrize(("rule_id", "sample", "hit"), SAMPLES, ids=[f"{r}-{'match' if h else 'no'}-{i}"
                                                                    for i, (r, _, h) in enumerate(SAMPLES)])
def test_sample(rule_id: str, sample: str, hit: bool) -> None:
    found = {h.rule.id for h in RULES.scan(sample, overlapping=True)}
    assert (rule_id in found) is hit, (sample, found)


def test_sample_errors_is_empty_for_the_shipped_rules() -> None:
    assert secrecy.sample_errors(RULES) == []


def test_rules_cover_the_required_markings() -> None:
    ids = {r.id for r in RULES.rules}
    assert {"SEC-MARKING", "SEC-LEVEL", "SEC-LABEL", "SEC-STATEMENT", "SEC-INTERNAL", "SEC-NOT-PUBLIC"} <= ids
    assert all(r.match and r.no_match and r.description for r in RULES.rules)


RULE = """\
rules:
  - id: SEC-TEST
    description: 测试
    severity: error
    pattern: '内部资料'
    keywords: [内部资料]
    context: standalone
    samples:
      match: [内部资料]
      no_match: [内部资料管理办法]
"""


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    description: 测试\n", "", "SEC-TEST: 缺少 description"),
    ("pattern: '内部资料'", "pattern: '内部(资料'", "SEC-TEST: pattern 不是有效的正则表达式"),
    ("context: standalone", "context: somewhere", "SEC-TEST: context 应为"),
    ("severity: error", "severity: fatal", "SEC-TEST: severity 应为"),
    ("      no_match: [内部资料管理办法]\n", "", "SEC-TEST: samples 应含 match"),
    ("keywords: [内部资料]", "keywords: [內部資料]", "SEC-TEST: 关键词“內部資料”不是规范化形式，应写成“内部资料”"),
    ("match: [内部资料]", "match: [密级: 秘密]", "SEC-TEST: samples.match 第 1 项应为非空文本"),
    ("    context: standalone\n", "    context: standalone\n    star: true\n", "SEC-TEST: star: true 的规则须用 (?P<level>"),
    ("    severity: error\n", "    severity: error\n    regex: x\n", "SEC-TEST: 未知字段 regex"),
])
def test_a_broken_rule_is_named(old: str, new: str, message: str) -> None:
    assert old in RULE
    with pytest.raises(PortalError) as exc:
        secrecy.Ruleset(RULE.replace(old, new))
    assert str(exc.value).startswith(message), str(exc.value)


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(PortalError, match="^SEC-TEST: 规则 id 重复"):
        secrecy.Ruleset(RULE + RULE.partition("rules:\n")[2])


def test_a_sample_that_misbehaves_is_reported() -> None:
    wrong = secrecy.Ruleset(RULE.replace("no_match: [内部资料管理办法]", "no_match: [【内部资料】]"))
    assert wrong.rules[0].no_match == ("【内部资料】",)
    assert secrecy.sample_errors(wrong) == ["SEC-TEST: 不应命中却命中了：'【内部资料】'"]


def test_a_broken_rules_file_is_a_clear_error_not_a_traceback(tmp_portal, valid_item, write_item, monkeypatch,
                                                               tmp_path, capsys) -> None:
    write_item("news/2026-06-03-fang-xun.md", valid_item)
    broken = tmp_path / "secrecy.yml"
    broken.write_text(RULE.replace("context: standalone", "context: nowhere"), encoding="utf-8")
    monkeypatch.setattr(secrecy, "RULES_FILE", broken)
    secrecy._ruleset.cache_clear()
    try:
        assert secrecy.main(["--root", str(tmp_portal)]) == 1
    finally:
        secrecy._ruleset.cache_clear()
    assert "SEC-TEST: context 应为" in capsys.readouterr().err
