"""Reviewer fields: the right stages, qualified people, never the author, nobody twice."""
from __future__ import annotations

import pytest

from checks import reviewers

from .conftest import item_text, rules_of, signers

PATH = "content/news/2026-06-03-fang-xun.md"
OK = signers("宣教科", "news")  # 初审 wu.guoqing, 保密审查 xu.chunyan, 复审 li.xiaoming, 终审 chen.xiuying


def chain(**changes: str | None) -> dict[str, str]:
    out = dict(OK)
    for stage, person in changes.items():
        if person is None:
            out.pop(stage)
        else:
            out[stage] = person
    return out


CASES = [
    ("valid", {}, []),
    ("one stage missing", {"reviewers": chain(复审=None)}, ["REV-MISSING"]),
    ("stage left empty", {"reviewers": chain(初审="")}, ["REV-MISSING"]),
    ("stage of the important chain on an ordinary item", {"reviewers": chain(审定="wang.jianguo")}, ["REV-EXTRA"]),
    ("misspelt stage", {"reviewers": {**chain(复审=None), "复核": "li.xiaoming"}}, ["REV-EXTRA", "REV-MISSING"]),
    ("unit head of another department", {"reviewers": chain(初审="hu.hongxia")}, ["REV-ROLE"]),
    ("leader who does not oversee the department", {"reviewers": chain(复审="liu.haitao")}, ["REV-ROLE"]),
    ("secrecy reviewer of another department", {"reviewers": chain(保密审查="zhu.zhenhua")}, ["REV-ROLE"]),
    ("author reviews their own item", {"author": ["wu.guoqing"], "reviewers": chain()}, ["REV-AUTHOR"]),
    ("informant author as first reviewer", {"author": ["sun.lixin"], "reviewers": chain(初审="sun.lixin")},
     ["REV-AUTHOR", "REV-ROLE"]),
    ("one person signs two stages", {"reviewers": chain(复审="chen.xiuying")}, ["REV-DUPLICATE", "REV-ROLE"]),
    ("office signs twice", {"reviewers": chain(复审="yang.zhiqiang", 终审="yang.zhiqiang")},
     ["REV-DUPLICATE", "REV-ROLE"]),
    ("important item without 审定", {"importance": "重要", "reviewers": chain()}, ["REV-MISSING"]),
    ("important item, complete", {"importance": "重要"}, []),
    ("major item, complete", {"importance": "重大"}, []),
    ("major item without 集体审定", {"importance": "重大", "reviewers": {**chain(), "审定": "wang.jianguo"}},
     ["REV-MISSING"]),
    # the model's findings, not repeated here
    ("unknown person", {"reviewers": chain(初审="wu.guoqin")}, []),
    ("no reviewers at all", {"reviewers": None}, []),
]


@pytest.mark.parametrize(("fields", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reviewers(run_checks, fields, expected):
    findings = run_checks({PATH: item_text("news", **fields)}, reviewers)
    assert rules_of(findings, "REV-") == expected
    assert all(f.category == "fields" for f in findings if f.rule.startswith("REV-"))


def test_model_reports_unknown_people_and_missing_reviewers(run_checks):
    assert "FM-PERSON-UNKNOWN" in rules_of(run_checks({PATH: item_text("news", reviewers=chain(初审="nobody"))}))
    assert "FM-REQUIRED" in rules_of(run_checks({PATH: item_text("news", reviewers=None)}))


def test_missing_stage_names_who_could_sign(run_checks, tmp_portal):
    (f,) = run_checks({PATH: item_text("news", reviewers=chain(复审=None))}, reviewers)
    assert "“复审”（分管领导复审）" in f.message
    assert "李晓明（li.xiaoming）" in f.message and "刘海涛" not in f.message
    assert (tmp_portal / PATH).read_text(encoding="utf-8").splitlines()[f.line - 1] == "reviewers:"


def test_wrong_person_points_at_their_line_and_lists_eligible_people(run_checks, tmp_portal):
    (f,) = run_checks({PATH: item_text("news", reviewers=chain(初审="hu.hongxia"))}, reviewers)
    line = (tmp_portal / PATH).read_text(encoding="utf-8").splitlines()[f.line - 1]
    assert line.strip() == "初审: hu.hongxia" and f.column == line.index("hu.hongxia") + 1
    assert "须由宣教科的科室负责人签署" in f.message and "吴国庆（wu.guoqing）" in f.message


def test_extra_stage_of_higher_importance_suggests_importance(run_checks):
    (f,) = run_checks({PATH: item_text("news", reviewers=chain(审定="wang.jianguo"))}, reviewers)
    assert "importance" in f.message


def test_author_is_not_offered_as_a_signer_of_their_own_item(run_checks):
    (f,) = run_checks({PATH: item_text("news", author=["wu.guoqing"], reviewers=chain())}, reviewers)
    assert f.rule == "REV-AUTHOR"
    # wu.guoqing is 宣教科's only unit head: nobody else may sign, and the message says so
    assert "wu.guoqing）不能" not in f.message and "除撰稿人外" in f.message
