"""The content model: every kind of bad input gets the right rule id and line, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import model
from portal.cli import main


def findings_of(root: Path) -> list[tuple[str, int, str]]:
    portal, findings = model.load_or_findings(root)
    return [(f.path, f.line, f.rule) for f in findings]


def test_valid_item_loads_into_typed_fields(tmp_portal, write_item, valid_item):
    write_item("disaster/2026-06-03-fang-xun.md", valid_item)
    portal = model.load(tmp_portal)
    assert portal.findings == []
    (a,) = portal.articles
    assert a.column == "disaster" and a.slug == "fang-xun"
    assert a.title == "市应急管理局召开全市防汛工作部署会"
    assert model.format_when(a.date) == "2026-06-03 16:30" and a.date_has_time
    assert a.department == "防汛抗旱科" and a.type == "动态" and a.importance == "一般"
    assert list(a.reviewers) == ["初审", "保密审查", "复审", "终审"]
    assert a.body.startswith("6月3日") and a.body_line == 14
    assert [s.id for s in portal.stages_for(a)] == ["初审", "保密审查", "复审", "终审"]


def replace(item: str, old: str, new: str) -> str:
    assert old in item
    return item.replace(old, new, 1)


BAD_FRONT_MATTER = [
    # (description, edit old -> new, rule, line)
    ("invalid YAML", ("title: 市", "title: [市"), "FM-YAML", 2),
    ("colon in value", ("title: 市应急管理局召开", "title: 通知: 市应急管理局召开"), "FM-YAML", 2),
    ("missing key", ("source: 云江市应急管理局防汛抗旱科\n", ""), "FM-REQUIRED", 2),
    ("misspelled key", ("source:", "sorce:"), "FM-UNKNOWN-KEY", 4),
    ("unknown key", ("type: 动态\n", "type: 动态\ncolour: red\n"), "FM-UNKNOWN-KEY", 7),
    ("duplicate key", ("type: 动态\n", "type: 动态\ntype: 新闻\n"), "FM-DUPLICATE-KEY", 7),
    ("wrong type", ("source: 云江市应急管理局防汛抗旱科", "source: [a, b]"), "FM-TYPE", 4),
    ("date not a date", ("date: 2026-06-03 16:30", "date: 六月三日"), "FM-DATE-INVALID", 3),
    ("impossible date", ("date: 2026-06-03 16:30", "date: 2026-02-30"), "FM-DATE-INVALID", 3),
    ("future date", ("date: 2026-06-03 16:30", "date: 2027-01-01"), "FM-DATE-FUTURE", 3),
    ("unknown department", ("department: 防汛抗旱科", "department: 防汛科"), "FM-DEPT-UNKNOWN", 5),
    ("unknown kind", ("type: 动态", "type: 快讯"), "FM-KIND-UNKNOWN", 6),
    ("unknown person", ("  复审: ", "  复审: nobody.x  # "), "FM-PERSON-UNKNOWN", 11),
    ("bad importance", ("type: 动态\n", "type: 动态\nimportance: 特急\n"), "FM-IMPORTANCE", 7),
    ("reviewers not a map", ("reviewers:\n", "reviewers: zhang\nx:\n"), "FM-TYPE", 8),
]


@pytest.mark.parametrize("case", BAD_FRONT_MATTER, ids=[c[0] for c in BAD_FRONT_MATTER])
def test_bad_front_matter(tmp_portal, write_item, valid_item, case):
    _, (old, new), rule, line = case
    write_item("disaster/2026-06-03-fang-xun.md", replace(valid_item, old, new))
    found = findings_of(tmp_portal)
    assert ("content/disaster/2026-06-03-fang-xun.md", line, rule) in found, found


def test_future_date_allowed_when_scheduled(tmp_portal, write_item, valid_item):
    item = replace(valid_item, "date: 2026-06-03 16:30", "date: 2026-12-01 09:00\nscheduled: true")
    write_item("disaster/2026-12-01-fang-xun.md", item)
    portal = model.load(tmp_portal)
    assert portal.findings == []
    assert not portal.articles[0].is_public()


BAD_FILES = [
    ("GBK", lambda item: item.encode("gbk"), "FILE-ENCODING", 2),
    ("BOM", lambda item: b"\xef\xbb\xbf" + item.encode(), "FILE-BOM", 1),
    ("CRLF", lambda item: item.replace("\n", "\r\n").encode(), "FILE-CRLF", 1),
    ("empty", lambda item: b"", "FILE-EMPTY", 1),
    ("blank", lambda item: b"\n  \n", "FILE-EMPTY", 1),
    ("no front-matter", lambda item: item.split("---\n", 2)[2].encode(), "FM-MISSING", 1),
    ("unclosed front-matter", lambda item: item.replace("---\n6月", "6月").encode(), "FM-UNCLOSED", 13),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_are_reported_and_left_untouched(tmp_portal, write_item, valid_item, case):
    _, make, rule, line = case
    data = make(valid_item)
    path = write_item("disaster/2026-06-03-fang-xun.md", data)
    assert ("content/disaster/2026-06-03-fang-xun.md", line, rule) in findings_of(tmp_portal)
    assert path.read_bytes() == data  # nothing rewritten behind the user's back


def test_unknown_column_non_markdown_and_bad_names(tmp_portal, write_item, valid_item):
    write_item("newz/2026-06-03-a.md", valid_item)
    write_item("disaster/notes.txt", "备忘")
    write_item("disaster/2026-06-03-防汛.md", valid_item)
    write_item("disaster/files/plan.pdf", b"%PDF-1.4")  # attachments folder: not an item
    found = {(p, r) for p, _, r in findings_of(tmp_portal)}
    assert ("content/newz/2026-06-03-a.md", "FM-COLUMN-UNKNOWN") in found
    assert ("content/disaster/notes.txt", "FILE-NOT-MARKDOWN") in found
    assert ("content/disaster/2026-06-03-防汛.md", "FILE-NAME") in found
    assert not any("files/plan.pdf" in p for p, _ in found)


def test_duplicate_slugs(tmp_portal, write_item, valid_item):
    write_item("disaster/2026-06-03-fang-xun.md", valid_item)
    write_item("disaster/2026-06-04-fang-xun.md", valid_item)
    write_item("news/2026-06-04-fang-xun.md", replace(valid_item, "type: 动态", "type: 新闻"))
    found = findings_of(tmp_portal)
    assert [f for f in found if f[2] == "FILE-SLUG-DUP"] == [("content/disaster/2026-06-04-fang-xun.md", 1, "FILE-SLUG-DUP")]
    # checking one file still sees its siblings
    portal, only = model.load_or_findings(tmp_portal, [str(tmp_portal / "content/disaster/2026-06-04-fang-xun.md")])
    assert [f.rule for f in only] == ["FILE-SLUG-DUP"]


def test_symlink_outside_repository(tmp_portal, tmp_path_factory, valid_item):
    outside = tmp_path_factory.mktemp("outside") / "secret.md"
    outside.write_text(valid_item, encoding="utf-8")
    (tmp_portal / "content" / "disaster").mkdir()
    os.symlink(outside, tmp_portal / "content" / "disaster" / "2026-06-03-link.md")
    os.symlink(outside.parent, tmp_portal / "content" / "disaster" / "linked-dir")
    found = {(p, r) for p, _, r in findings_of(tmp_portal)}
    assert ("content/disaster/2026-06-03-link.md", "FILE-SYMLINK") in found
    assert ("content/disaster/linked-dir", "FILE-SYMLINK") in found


CONFIG_ERRORS = [
    ("columns.yml", "role: unit_head", "role: unit_boss", "CFG-ROLE-UNKNOWN"),
    ("columns.yml", "departments: [宣教科]", "departments: [宣传科]", "CFG-DEPT-UNKNOWN"),
    ("columns.yml", "    cycle: daily", "    cycle: dayly", "CFG-CYCLE"),
    ("columns.yml", "chain: 三审\n", "chain: 四审\n", "CFG-CHAIN-UNKNOWN"),
    ("columns.yml", "SiteName: 云江市应急管理局", "SiteName: [云江", "CFG-YAML"),
    ("roster.yml", "roles: [director, leading_group]", "roles: [director, boss]", "CFG-ROLE-UNKNOWN"),
    ("roster.yml", "department: 局领导", "department: 局领导组", "CFG-DEPT-UNKNOWN"),
    ("roster.yml", "    oversees: [局办公室", "    overseas: [局办公室", "CFG-UNKNOWN-KEY"),
    ("columns.yml", "    home: true", "    hmoe: true", "CFG-UNKNOWN-KEY"),
    ("columns.yml", "  SiteIDCode:", "  SiteIdCode:", "CFG-UNKNOWN-KEY"),
    ("columns.yml", "chains:\n  三审:", "chanis:\n  三审:", "CFG-UNKNOWN-KEY"),
]


@pytest.mark.parametrize("case", CONFIG_ERRORS, ids=[c[3] + "-" + c[0] for c in CONFIG_ERRORS])
def test_config_errors_name_file_and_line(tmp_portal, case, capsys):
    name, old, new, rule = case
    path = tmp_portal / name
    text = path.read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["--root", str(tmp_portal), "check"]) == 1
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert f"{name}:{line}:" in err and rule in err, err
    assert "Traceback" not in err


def test_check_json_output(tmp_portal, write_item, valid_item, capsys):
    write_item("disaster/2026-06-03-fang-xun.md", replace(valid_item, "source:", "sorce:"))
    assert main(["--root", str(tmp_portal), "check", "--format", "json"]) == 1
    (finding,) = [f for f in json.loads(capsys.readouterr().out) if f["rule"] == "FM-UNKNOWN-KEY"]
    assert finding == {**finding, "path": "content/disaster/2026-06-03-fang-xun.md", "line": 4, "column": 1,
                       "category": "fields", "severity": "error"}
    assert "source" in finding["message"]  # suggests the right spelling


def test_check_given_paths_only(tmp_portal, write_item, valid_item, capsys):
    good = write_item("disaster/2026-06-03-fang-xun.md", valid_item)
    write_item("disaster/2026-06-04-bad.md", b"")
    assert main(["--root", str(tmp_portal), "check", str(good)]) == 0
    assert main(["--root", str(tmp_portal), "check"]) == 1
    capsys.readouterr()
    assert main(["--root", str(tmp_portal), "check", str(tmp_portal / "content/disaster/2026-06-05-typo.md")]) == 1
    assert "content/disaster/2026-06-05-typo.md:1:1: FILE-MISSING" in capsys.readouterr().out


def test_reviewer_of_the_wrong_shape_is_one_type_error(tmp_portal, write_item, valid_item):
    write_item("disaster/2026-06-03-fang-xun.md", valid_item.replace("  复审: ", "  复审: {a: b}  # ", 1))
    assert [r for _, _, r in findings_of(tmp_portal)] == ["FM-TYPE"]


def test_new_creates_template_for_the_chain(tmp_portal, capsys):
    assert main(["--root", str(tmp_portal), "new", "documents", "--title", "关于做好汛期安全防范工作的通知",
                 "--importance", "重要", "--author", "x.y"]) == 0
    (path,) = (tmp_portal / "content" / "documents").glob("*.md")
    assert path.name == "2026-11-22-guan-yu-zuo-hao-xun-qi-an-quan-fang-fan-gong-zuo.md"
    portal = model.load(tmp_portal)
    (a,) = portal.articles
    assert a.title == "关于做好汛期安全防范工作的通知" and a.type == "通知"
    assert a.source == "云江市应急管理局政策法规科" and a.department == "法规科"
    assert list(a.reviewers) == ["初审", "保密审查", "合法性审核", "复审", "终审", "审定"]
    # the template is complete but not yet filled in: check says what is missing
    assert {f.rule for f in portal.findings} == {"FM-PERSON-UNKNOWN"}
    # never overwrite
    before = path.read_bytes()
    assert main(["--root", str(tmp_portal), "new", "documents", "--title", "关于做好汛期安全防范工作的通知",
                 "--slug", path.stem[11:]]) == 1
    assert path.read_bytes() == before
    assert "已存在" in capsys.readouterr().err


def test_new_rejects_unknown_column(tmp_portal, capsys):
    assert main(["--root", str(tmp_portal), "new", "newz", "--title", "x"]) == 1
    assert "news" in capsys.readouterr().err


def test_python_dash_m_and_columns_table(demo_root):
    out = subprocess.run([sys.executable, "-m", "portal", "--root", str(demo_root), "columns"],
                         capture_output=True, text=True, check=True).stdout
    assert "动态要闻" in out and "每天" in out and "宣教科" in out
