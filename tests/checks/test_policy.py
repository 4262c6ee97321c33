"""Policy documents and their 解读: the model's fields, the rules' samples, the check, `portal index-number`."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from checks import policy as policy_check
from checks import rulefile, runner
from portal import cli, clock, config, model, policy

from .conftest import item_text, rules_of

DOC = "content/documents/2026-11-10-banfa.md"
DOC_TITLE = "关于印发《云江市有限空间作业安全管理办法》的通知"


def doc(**fields: object) -> str:
    base: dict[str, object] = {"title": DOC_TITLE, "type": "通知", "department": "法规科", "date": "2026-11-10 09:00",
                               "doc_number": "云应急发〔2026〕60号"}
    return item_text("documents", "各县（区）应急管理局：现将《办法》印发给你们。", **{**base, **fields})


def jiedu(interprets: str | None, **fields: object) -> str:
    base: dict[str, object] = {"title": "《云江市有限空间作业安全管理办法》政策解读", "type": "解读",
                               "department": "法规科", "date": "2026-11-10 10:00", "interprets": interprets}
    return item_text("interpretations", "近日，市应急管理局印发《云江市有限空间作业安全管理办法》（云应急发〔2026〕60号）。",
                     **{**base, **fields})


def policy_rules(findings: list) -> list[str]:  # type: ignore[type-arg]
    return rules_of(findings, ("POLICY-", "FM-INDEX", "FM-TOPIC", "FM-VALIDITY", "FM-INTERPRETS", "FM-DATE-INVALID"))


# ---------------------------------------------------------------- rules as data


@pytest.mark.parametrize("rule", rulefile.load("policy"), ids=lambda r: r.id)
def test_every_rule_finds_its_samples(rule: rulefile.Rule) -> None:
    assert rule.match and rule.no_match
    assert rulefile.sample_errors(rule) == []


# ---------------------------------------------------------------- the model's fields


@pytest.mark.parametrize(("fields", "expected"), [
    ({"index_number": "3310000017/2026-00001"}, []),
    ({"index_number": "3310000017/2026-01234"}, []),
    ({"index_number": "3310000017/2026-1"}, ["FM-INDEX-NUMBER"]),  # not five digits
    ({"index_number": "1234567890/2026-00001"}, ["FM-INDEX-NUMBER"]),  # another site's code
    ({"index_number": "2026-00001"}, ["FM-INDEX-NUMBER"]),
    ({"topic": "安全生产"}, []),
    ({"topic": "安全"}, ["FM-TOPIC"]),
    ({"issuer": "云江市应急管理局"}, []),
    ({"validity": "有效"}, []),
    ({"validity": "废止", "validity_date": "2026-11-01"}, []),
    ({"validity": "失效", "validity_date": "2027-01-01"}, []),
    ({"validity": "废止"}, ["FM-VALIDITY-DATE"]),
    ({"validity": "有效", "validity_date": "2026-11-01"}, ["FM-VALIDITY-DATE"]),
    ({"validity": "作废", "validity_date": "2026-11-01"}, ["FM-VALIDITY"]),
    ({"validity": "废止", "validity_date": "上个月"}, ["FM-DATE-INVALID"]),
    ({"interprets": "documents/2026-06-10-banfa.md"}, ["FM-INTERPRETS-COLUMN"]),  # only a 解读 names a document
])
def test_policy_fields_of_a_document(run_checks, fields: dict[str, object], expected: list[str]) -> None:
    with_index = {"index_number": "3310000017/2026-00009", **fields}
    findings = run_checks({DOC: doc(**with_index), "content/interpretations/2026-11-10-jiedu.md": jiedu(DOC)})
    assert policy_rules(findings) == expected
    for f in findings:  # the line of the field at fault, a message in Chinese with the way to fix it
        if f.rule in expected and f.rule != "FM-DATE-INVALID":
            key = next(k for k in fields if k in ("index_number", "topic", "validity", "validity_date", "interprets"))
            text = (Path(os.environ["PORTAL_TEST_ROOT"]) / DOC).read_text(encoding="utf-8").splitlines()
            assert text[f.line - 1].startswith(("validity", key)), (f.line, text)
            assert "请" in f.message


@pytest.fixture(autouse=True)
def _root_for_lines(tmp_portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_TEST_ROOT", str(tmp_portal))


def test_a_topic_written_wrongly_is_suggested(run_checks) -> None:
    findings = run_checks({DOC: doc(topic="安全生产管理")})
    (f,) = [f for f in findings if f.rule == "FM-TOPIC"]
    assert "是否想写“安全生产”" in f.message and "综合政务" in f.message


@pytest.mark.parametrize(("pattern", "problem"), [
    ("{site_code}/{year}-{seq:05d}", ""),
    ("{column}-{year}-{seq}", ""),
    ("{site_code}/{year}", "{seq}"),
    ("{site_code}/{year}-{seq}-{seq}", "{seq}"),
    ("{site}/{year}-{seq}", "未知的占位符"),
    ("{year:04d}-{seq}", "只有 {seq}"),
    ("{year}-{seq}}", "花括号"),
])
def test_index_patterns(pattern: str, problem: str) -> None:
    found = config.index_pattern_problem(pattern)
    assert (problem in found and bool(found)) if problem else found == ""


@pytest.mark.parametrize(("old", "new", "rule", "key"), [
    ('  index_number: "{site_code}/{year}-{seq:05d}"', '  index_number: "{site_code}/{year}"', "CFG-INDEX-PATTERN",
     "index_number"),
    ("    type: 政策解读\n", "    type: 政策解读\n    requires_interpretation: true\n", "CFG-VALUE",
     "requires_interpretation"),
    ("    policy: interpretation ", "    policy: explanation ", "CFG-VALUE", "policy"),
    ("  grace_days: 5 ", "  grace_days: -1 ", "CFG-TYPE", "grace_days"),
    ("  topics: [", "  topics: [安全生产, ", "CFG-DUPLICATE", "topics"),
])
def test_policy_settings_are_validated(tmp_portal: Path, old: str, new: str, rule: str, key: str) -> None:
    path = tmp_portal / "columns.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.load(tmp_portal)
    (f,) = err.value.findings
    assert f.rule == rule and f.path == "columns.yml"
    assert path.read_text(encoding="utf-8").splitlines()[f.line - 1].strip().startswith(key)


def test_validity_today() -> None:
    now = dt.datetime(2026, 11, 22, 12, tzinfo=clock.CST)
    day = dt.datetime(2026, 12, 1, tzinfo=clock.CST)
    assert policy.validity_at("有效", None, now) == ("有效", "有效")
    assert policy.validity_at("废止", day, now) == ("有效", "有效（2026-12-01起废止）")
    assert policy.validity_at("废止", day, day) == ("废止", "废止（2026-12-01起）")
    assert policy.validity_at("失效", day, day + dt.timedelta(days=30)) == ("失效", "失效（2026-12-01起）")


# ---------------------------------------------------------------- the check


def test_a_document_paired_with_its_interpretation_passes(run_checks) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009"),
                           "content/interpretations/2026-11-10-jiedu.md": jiedu(DOC)})
    assert findings == [], [f.format() for f in findings]


@pytest.mark.parametrize("named", [DOC, "documents/2026-11-10-banfa.md", "/content/documents/2026-11-10-banfa.md",
                                   "documents/banfa.html", "3310000017/2026-00009", "./documents/2026-11-10-banfa.md",
                                   "https://yjj.yunjiang.gov.cn/documents/banfa.html", "documents\\2026-11-10-banfa.md"])
def test_a_document_is_named_by_path_address_or_index_number(run_checks, named: str) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009"),
                           "content/interpretations/2026-11-10-jiedu.md": jiedu(named)})
    assert policy_rules(findings) == []


def test_a_document_without_interpretation_is_flagged_after_the_grace_period(run_checks) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009")})
    (f,) = [f for f in findings if f.rule == "POLICY-INTERPRETATION-MISSING"]
    assert f.severity == "warning" and f.line == 2 and "5 天" in f.message and "interprets" in f.message


@pytest.mark.parametrize("fields", [
    {"date": "2026-11-20 09:00"},  # published 2 days ago: the 解读 may still come (grace 5 days)
    {"title": "云江市应急管理局关于同意《云江市有限空间作业安全管理办法》的批复", "type": "批复"},  # not a 政策性文件
    {"draft": True},  # not published
])
def test_no_interpretation_is_required_yet_or_at_all(run_checks, fields: dict[str, object]) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009", **fields)})
    assert "POLICY-INTERPRETATION-MISSING" not in rules_of(findings)


def test_an_interpretation_not_yet_published_does_not_count(run_checks) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009"),
                           "content/interpretations/2026-11-10-jiedu.md": jiedu(DOC, draft=True)})
    assert "POLICY-INTERPRETATION-MISSING" in rules_of(findings)


def test_the_grace_period_is_the_columns(run_checks, tmp_portal: Path) -> None:
    path = tmp_portal / "columns.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    requires_interpretation: true", "    requires_interpretation: true\n    interpretation_grace_days: 30", 1),
        encoding="utf-8")
    assert "POLICY-INTERPRETATION-MISSING" not in rules_of(run_checks({DOC: doc(index_number="3310000017/2026-00009")}))


def test_a_column_that_requires_none(run_checks, tmp_portal: Path) -> None:
    path = tmp_portal / "columns.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("    requires_interpretation: true", "", 1), encoding="utf-8")
    assert "POLICY-INTERPRETATION-MISSING" not in rules_of(run_checks({DOC: doc(index_number="3310000017/2026-00009")}))


@pytest.mark.parametrize(("named", "rule", "severity"), [
    ("documents/2026-11-11-bu-cun-zai.md", "POLICY-TARGET-MISSING", "error"),
    ("3310000017/2026-00077", "POLICY-TARGET-MISSING", "error"),
    ("news/2026-11-10-xinwen.md", "POLICY-TARGET-NOT-POLICY", "error"),
    ("interpretations/2026-11-09-other.md", "POLICY-TARGET-NOT-POLICY", "error"),
    ("documents/2026-11-09-draft.md", "POLICY-TARGET-WITHDRAWN", "warning"),
    ("documents/2026-11-30-later.md", "POLICY-TARGET-WITHDRAWN", "warning"),
])
def test_an_interpretation_whose_document_is_missing_or_withdrawn(run_checks, named: str, rule: str,
                                                                  severity: str) -> None:
    files = {
        "content/news/2026-11-10-xinwen.md": item_text("news", title="全市开展有限空间作业安全检查", date="2026-11-10 08:00"),
        "content/interpretations/2026-11-09-other.md": jiedu(None, title="另一篇解读", date="2026-11-09 10:00"),
        "content/documents/2026-11-09-draft.md": doc(title="关于印发《撤下的办法》的通知", draft=True),
        "content/documents/2026-11-30-later.md": doc(title="关于印发《定时的办法》的通知", date="2026-11-30 09:00",
                                                     scheduled=True),
        "content/interpretations/2026-11-10-jiedu.md": jiedu(named),
    }
    findings = [f for f in run_checks(files) if f.path.endswith("2026-11-10-jiedu.md") and f.rule.startswith("POLICY-")]
    assert [(f.rule, f.severity) for f in findings] == [(rule, severity)]
    assert findings[0].line == jiedu(named).splitlines().index(f"interprets: {named}") + 1


def test_an_interpretation_that_names_no_document(run_checks) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009"),
                           "content/interpretations/2026-11-10-jiedu.md": jiedu(None)})
    (f,) = [f for f in findings if f.rule == "POLICY-INTERPRETS-MISSING"]
    assert "《云江市有限空间作业安全管理办法》" in f.message and "云应急发〔2026〕60号" in f.message


def test_index_numbers_are_unique(run_checks) -> None:
    findings = run_checks({DOC: doc(index_number="3310000017/2026-00009"),
                           "content/documents/2026-11-11-other.md": doc(title="关于印发《另一个办法》的通知",
                                                                        index_number="3310000017/2026-00009"),
                           "content/interpretations/2026-11-10-jiedu.md": jiedu(DOC)})
    dups = [f for f in findings if f.rule == "POLICY-INDEX-DUP"]
    assert sorted(f.path for f in dups) == [DOC, "content/documents/2026-11-11-other.md"]
    assert all(f.severity == "error" for f in dups)


def test_a_document_without_index_number(run_checks) -> None:
    findings = run_checks({DOC: doc(), "content/interpretations/2026-11-10-jiedu.md": jiedu(DOC)})
    (f,) = [f for f in findings if f.rule == "POLICY-INDEX-MISSING"]
    assert f.severity == "warning" and f"portal index-number {DOC}" in f.message


def test_one_item_checked_alone_sees_the_others(run_checks, tmp_portal: Path) -> None:
    """pre-commit passes only the staged item: the check reads the other policy items from disk."""
    files = {DOC: doc(index_number="3310000017/2026-00009"), "content/interpretations/2026-11-10-jiedu.md": jiedu(DOC)}
    assert run_checks(files) == []
    assert run_checks({}, paths=[str(tmp_portal / DOC)]) == []
    (tmp_portal / "content/interpretations/2026-11-10-jiedu.md").unlink()
    assert "POLICY-INTERPRETATION-MISSING" in rules_of(run_checks({}, paths=[str(tmp_portal / DOC)]))


def test_the_cached_portal_check_sees_a_new_interpretation(tmp_portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """checks/cache.py runs this check on every run (CROSS): a 解读 added clears its document's finding."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_portal / ".cache"))
    (tmp_portal / "content/documents").mkdir(parents=True)
    (tmp_portal / DOC).write_text(doc(index_number="3310000017/2026-00009"), encoding="utf-8")
    old = dt.datetime.now().timestamp() - 3600
    os.utime(tmp_portal / DOC, (old, old))
    _, first = runner.check_paths(tmp_portal, cached=True)
    _, again = runner.check_paths(tmp_portal, cached=True)
    assert rules_of(first) == rules_of(again) == ["POLICY-INTERPRETATION-MISSING"]
    (tmp_portal / "content/interpretations").mkdir()
    (tmp_portal / "content/interpretations/2026-11-10-jiedu.md").write_text(jiedu(DOC), encoding="utf-8")
    _, cached = runner.check_paths(tmp_portal, cached=True)
    _, full = runner.check_paths(tmp_portal)
    assert cached == full == []


def test_an_interpretation_missing_passes_the_time_it_is_due(run_checks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_NOW", "2026-11-14T09:00:00+08:00")
    assert "POLICY-INTERPRETATION-MISSING" not in rules_of(run_checks({DOC: doc(index_number="3310000017/2026-00009")}))
    monkeypatch.setenv("PORTAL_NOW", "2026-11-15T09:00:00+08:00")
    assert "POLICY-INTERPRETATION-MISSING" in rules_of(run_checks({}))


def test_audit_lists_them(run_checks, tmp_portal: Path) -> None:
    run_checks({DOC: doc(index_number="3310000017/2026-00009"),
                "content/interpretations/2026-11-12-jiedu.md": jiedu("documents/2026-11-11-none.md", date="2026-11-12 10:00")})
    portal = model.load(tmp_portal)
    found = policy_check.audit(portal, clock.now())
    assert sorted((f.path, f.rule) for f in found) == [
        (DOC, "POLICY-INTERPRETATION-MISSING"),
        ("content/interpretations/2026-11-12-jiedu.md", "POLICY-TARGET-MISSING")]


# ---------------------------------------------------------------- portal index-number


def test_index_numbers_are_written_once_and_never_shift(tmp_portal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_portal / "content/documents"
    docs.mkdir(parents=True)
    (docs / "2026-03-01-a.md").write_text(doc(title="关于印发《甲办法》的通知", date="2026-03-01 09:00"), encoding="utf-8")
    (docs / "2026-05-01-b.md").write_text(doc(title="关于印发《乙办法》的通知", date="2026-05-01 09:00"), encoding="utf-8")
    before = (docs / "2026-05-01-b.md").read_text(encoding="utf-8")
    assert cli.main(["--root", str(tmp_portal), "index-number"]) == 0
    assert "3310000017/2026-00002" in capsys.readouterr().out
    portal = model.load(tmp_portal)
    assert {a.slug: a.index_number for a in portal.articles} == {"a": "3310000017/2026-00001", "b": "3310000017/2026-00002"}
    after = (docs / "2026-05-01-b.md").read_text(encoding="utf-8")
    assert after.replace('index_number: "3310000017/2026-00002"\n', "") == before  # one line added, nothing else
    # an older document added later gets the next number: the others keep theirs
    (docs / "2026-01-15-c.md").write_text(doc(title="关于印发《丙办法》的通知", date="2026-01-15 09:00"), encoding="utf-8")
    (docs / "2025-12-30-d.md").write_text(doc(title="关于印发《丁办法》的通知", date="2025-12-30 09:00"), encoding="utf-8")
    assert policy.assign(tmp_portal, [str(docs / "2026-01-15-c.md")]) == [
        ("content/documents/2026-01-15-c.md", "3310000017/2026-00003")]
    assert policy.assign(tmp_portal) == [("content/documents/2025-12-30-d.md", "3310000017/2025-00001")]
    assert policy.assign(tmp_portal) == []
    numbers = {a.slug: a.index_number for a in model.load(tmp_portal).articles}
    assert numbers == {"a": "3310000017/2026-00001", "b": "3310000017/2026-00002", "c": "3310000017/2026-00003",
                       "d": "3310000017/2025-00001"}
    assert (docs / "2026-05-01-b.md").read_text(encoding="utf-8") == after


def test_a_column_pattern_and_a_deleted_lower_number_is_not_reused(tmp_portal: Path) -> None:
    path = tmp_portal / "columns.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    requires_interpretation: true", '    requires_interpretation: true\n    index_number: "YJ-{column}-{year}-{seq}"', 1),
        encoding="utf-8")
    docs = tmp_portal / "content/documents"
    docs.mkdir(parents=True)
    for n in (1, 2):
        (docs / f"2026-03-0{n}-x{n}.md").write_text(doc(title=f"关于印发《办法{n}》的通知", date=f"2026-03-0{n} 09:00"),
                                                    encoding="utf-8")
    assert [n for _, n in policy.assign(tmp_portal)] == ["YJ-documents-2026-1", "YJ-documents-2026-2"]
    (docs / "2026-03-01-x1.md").unlink()
    (docs / "2026-03-05-x3.md").write_text(doc(title="关于印发《办法3》的通知", date="2026-03-05 09:00"), encoding="utf-8")
    assert [n for _, n in policy.assign(tmp_portal)] == ["YJ-documents-2026-3"]


def test_the_demo_documents_are_numbered_and_paired(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(demo_root / "content", root / "content")
    for name in ("columns.yml", "roster.yml"):
        shutil.copy(demo_root / name, root / name)
    portal = model.load(root)
    docs = [a for a in portal.articles if a.column == "documents"]
    assert docs and all(a.index_number and a.topic and a.issuer for a in docs)
    assert policy.assign(root) == []
    links = policy.links(portal)
    assert all(links.interpretations(a.path, clock.now()) for a in docs)


def test_facts_read_from_disk_are_the_models(demo_root: Path, tmp_path: Path) -> None:
    """A build reads the other policy items' front-matter only (policy.read_fact): the same facts as the model's."""
    root = tmp_path / "facts"
    shutil.copytree(demo_root / "content", root / "content")
    for name in ("columns.yml", "roster.yml"):
        shutil.copy(demo_root / name, root / name)
    (root / "content/documents/2026-11-20-odd.md").write_text(doc(
        title="  关于印发《办法》的通知 ", date="2026-11-20", draft=True, validity="失效", validity_date="2027-01-01 08:00",
        index_number=" 3310000017/2026-00099"), encoding="utf-8")
    portal = model.load(root)
    loaded = {a.path: policy.fact_of(a) for a in portal.articles if policy.is_policy_column(portal.config, a.column)}
    assert len(loaded) >= 12 and policy.scan(portal.config) == loaded
    assert policy.links(model.load(root, [str(root / "content/documents/2026-11-20-odd.md")])).facts == loaded
