"""The YAML editor behind the configuration forms, on the project's own columns.yml and roster.yml: only the
edited entry's lines change, comments and every other line stay, the result loads with portal.config.load."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.config import COLUMN_KEYS, PERSON_KEYS, ConfigError
from portal.config import load as load_config
from workbench import yamledit

REPO = Path(__file__).resolve().parents[2]
COLUMNS = (REPO / "columns.yml").read_text(encoding="utf-8")
ROSTER = (REPO / "roster.yml").read_text(encoding="utf-8")
OPTIONAL = ("description", "keywords", "reprint_sources", "home", "scoring", "group")
PERSON_OPTIONAL = ("title", "oversees", "key", "handle")


def changed(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines), by a plain line diff that does not treat frequent lines as junk."""
    import difflib

    removed, added = [], []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(),
                                                      autojunk=False).get_opcodes():
        if tag != "equal":
            removed += old.splitlines()[a1:a2]
            added += new.splitlines()[b1:b2]
    return removed, added


def loads(tmp_path: Path, columns: str = COLUMNS, roster: str = ROSTER) -> None:
    (tmp_path / "columns.yml").write_text(columns, encoding="utf-8")
    (tmp_path / "roster.yml").write_text(roster, encoding="utf-8")
    load_config(tmp_path)


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line]


def test_changing_fields_of_one_column_changes_only_their_lines(tmp_path: Path) -> None:
    new = yamledit.set_fields(COLUMNS, "columns", ("id", "headlines"),
                              {"title": "头条新闻（要闻）", "cycle": "weekly", "kinds": ["新闻", "动态"],
                               "deadline": {"working_days": 2}, "home": True}, COLUMN_KEYS, OPTIONAL)
    removed, added = changed(COLUMNS, new)
    assert removed == ["    title: 头条新闻", "    cycle: biweekly", "    kinds: [新闻, 动态, 图片]", "    deadline: {hours: 24}"]
    assert added == ["    title: 头条新闻（要闻）", "    cycle: weekly", "    kinds: [新闻, 动态]",
                     "    deadline: {working_days: 2}"]
    assert comments(new) == comments(COLUMNS)
    loads(tmp_path, columns=new)
    config = load_config(tmp_path)
    assert config.columns["headlines"].title == "头条新闻（要闻）" and config.columns["headlines"].deadline.working_days == 2
    assert config.columns["news"] == load_config(REPO).columns["news"]


def test_unchanged_values_leave_the_text_as_it_was() -> None:
    same = yamledit.set_fields(COLUMNS, "columns", ("id", "news"),
                               {"title": "动态要闻", "home": True, "deadline": {"hours": 24}, "scoring": ""},
                               COLUMN_KEYS, OPTIONAL)
    assert same == COLUMNS
    assert yamledit.set_fields(ROSTER, "departments", ("id", "宣教科"), {"name": "宣传教育科"}, ("id", "name")) == ROSTER


def test_new_optional_field_goes_in_key_order_and_a_cleared_one_loses_its_line(tmp_path: Path) -> None:
    new = yamledit.set_fields(COLUMNS, "columns", ("id", "news"),
                              {"reprint_sources": [], "home": False, "group": "新闻中心", "scoring": "regular"},
                              COLUMN_KEYS, OPTIONAL)
    removed, added = changed(COLUMNS, new)
    assert removed[0].startswith("    reprint_sources: [人民日报") and removed[1:] == ["    home: true"]
    assert added == ["    scoring: regular", "    group: 新闻中心"]
    block = new.split("  - id: news\n", 1)[1].split("  - id: headlines", 1)[0]
    assert block.splitlines()[-3:] == ["    deadline: {hours: 24}", "    scoring: regular", "    group: 新闻中心"]
    loads(tmp_path, columns=new)


def test_a_new_column_is_written_like_its_neighbours(tmp_path: Path) -> None:
    new = yamledit.append_entry(COLUMNS, "columns", {
        "id": "safety-week", "title": "安全生产月", "description": "", "keywords": ["安全生产月"], "type": "专题专栏",
        "inspection": "other", "departments": ["宣教科", "综合科"], "cycle": "yearly", "kinds": ["动态", "新闻"],
        "chain": "三审", "deadline": {"hours": 48}, "reprint_sources": [], "home": False, "scoring": "", "group": ""},
        COLUMN_KEYS, OPTIONAL)
    removed, added = changed(COLUMNS, new)
    assert removed == []
    assert added == ["  - id: safety-week", "    title: 安全生产月", "    keywords: [安全生产月]", "    type: 专题专栏",
                     "    inspection: other", "    departments: [宣教科, 综合科]", "    cycle: yearly",
                     "    kinds: [动态, 新闻]", "    chain: 三审", "    deadline: {hours: 48}"]
    # after the last column and before the reports section's comment, which stays where it was
    assert new.index("  - id: safety-week") < new.index("# 报表（portal report）")
    assert new.index("id: powers") < new.index("id: safety-week")
    loads(tmp_path, columns=new)
    assert list(load_config(tmp_path).columns)[-1] == "safety-week"


def test_roster_person_and_departments(tmp_path: Path) -> None:
    new = yamledit.set_fields(ROSTER, "people", ("id", "zhao.xuemei"),
                              {"name": "赵雪梅", "department": "宣教科", "title": "", "roles": ["unit_head", "informant"],
                               "oversees": []}, PERSON_KEYS, PERSON_OPTIONAL)
    new = yamledit.set_fields(new, "departments", ("id", "综合科"), {"name": "安委办综合协调科（安委办）"}, ("id", "name"))
    new = yamledit.append_entry(new, "departments", {"id": "新闻中心", "name": "新闻中心"}, ("id", "name"))
    removed, added = changed(ROSTER, new)
    assert removed == ["  - {id: 综合科, name: 安委办综合协调科}", "    department: 局办公室", "    title: 办公室副主任（分管信息）",
                       "    roles: [unit_head]"]
    assert added == ["  - {id: 综合科, name: 安委办综合协调科（安委办）}", "  - {id: 新闻中心, name: 新闻中心}",
                     "    department: 宣教科", "    roles: [unit_head, informant]"]
    # the key line (signing keys are the people pages' business) is untouched
    key = next(line for line in ROSTER.splitlines() if "AAAAIDV6YEg6" in line)
    assert key in new.splitlines()
    loads(tmp_path, roster=new)
    person = load_config(tmp_path).people["zhao.xuemei"]
    assert person.department == "宣教科" and person.roles == ("unit_head", "informant") and person.title == ""


def test_block_style_and_trailing_comments_are_kept(tmp_path: Path) -> None:
    text = ("columns:  # 栏目\n"
            "  - id: a\n"
            "    title: 甲  # 名称\n"
            "    kinds:\n"
            "      - 新闻\n"
            "      - 动态   # 常用\n"
            "    # 下面是时限\n"
            "    deadline: {hours: 24}\n"
            "  - id: b\n"
            "    title: 乙\n")
    new = yamledit.set_fields(text, "columns", ("id", "a"), {"title": "甲栏目", "kinds": ["动态", "图片"]},
                              COLUMN_KEYS, OPTIONAL)
    assert new == ("columns:  # 栏目\n"
                   "  - id: a\n"
                   "    title: 甲栏目  # 名称\n"
                   "    kinds:\n"
                   "      - 动态\n"
                   "      - 图片   # 常用\n"
                   "    # 下面是时限\n"
                   "    deadline: {hours: 24}\n"
                   "  - id: b\n"
                   "    title: 乙\n")


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "a: b", "# 不是注释", "[列表]", "{映射}", "'单引号'", '"双引号"', "yes", "null", "123",
    "- 破折号", "&锚点", "*别名", "!标签", "%指令", "@at", "`反引号`", "｛全角｝", "  前后空格  ", "",
])
def test_any_text_round_trips_as_text(value: str) -> None:
    new = yamledit.set_fields(COLUMNS, "columns", ("id", "news"), {"description": value, "group": value},
                              COLUMN_KEYS, ())
    data = yaml.safe_load(new)
    news = data["columns"][0]
    assert news["description"] == value and news["group"] == value
    assert data["columns"][1:] == yaml.safe_load(COLUMNS)["columns"][1:]


def test_bad_values_are_found_by_the_loader_with_chinese_messages(tmp_path: Path) -> None:
    new = yamledit.set_fields(COLUMNS, "columns", ("id", "news"),
                              {"departments": ["宣传科"], "cycle": "dayly", "chain": "四审"}, COLUMN_KEYS, OPTIONAL)
    with pytest.raises(ConfigError) as caught:
        loads(tmp_path, columns=new)
    rules = {f.rule: f for f in caught.value.findings}
    assert {"CFG-DEPT-UNKNOWN", "CFG-CYCLE", "CFG-CHAIN-UNKNOWN"} <= set(rules)
    assert "宣教科" in rules["CFG-DEPT-UNKNOWN"].message and "daily" in rules["CFG-CYCLE"].message
    lines = yamledit.field_lines(new, "columns", 0)
    assert lines["departments"][0] == rules["CFG-DEPT-UNKNOWN"].line
    assert lines["cycle"][0] == rules["CFG-CYCLE"].line


def test_an_entry_that_is_not_there_or_a_broken_file_is_an_edit_error() -> None:
    with pytest.raises(yamledit.EditError, match="没有"):
        yamledit.set_fields(COLUMNS, "columns", ("id", "no-such"), {"title": "x"}, COLUMN_KEYS)
    with pytest.raises(yamledit.EditError, match="YAML"):
        yamledit.set_fields("columns: [\n", "columns", ("id", "a"), {"title": "x"}, COLUMN_KEYS)
    with pytest.raises(yamledit.EditError, match="列表"):
        yamledit.set_fields("columns: {a: 1}\n", "columns", ("id", "a"), {"title": "x"}, COLUMN_KEYS)



def test_crlf_files_stay_crlf() -> None:
    text = COLUMNS.replace("\n", "\r\n")
    new = yamledit.set_fields(text, "columns", ("id", "hot"), {"cycle": "daily", "group": "新闻"}, COLUMN_KEYS, OPTIONAL)
    assert "\n" not in new.replace("\r\n", "")
    assert new.replace("\r\n", "\n") == yamledit.set_fields(COLUMNS, "columns", ("id", "hot"),
                                                            {"cycle": "daily", "group": "新闻"}, COLUMN_KEYS, OPTIONAL)
    added = yamledit.append_entry(ROSTER.replace("\n", "\r\n"), "departments", {"id": "甲", "name": "甲科"}, ("id", "name"))
    assert "  - {id: 甲, name: 甲科}\r\n" in added and "\n" not in added.replace("\r\n", "")


def test_a_column_written_as_one_flow_mapping_and_explicit_defaults() -> None:
    text = ("columns:\n"
            "  - {id: a, title: 甲, kinds: [新闻], home: false}   # 一行写完的栏目\n"
            "  - id: b\n"
            "    title: 乙\n"
            "    home: false\n")
    new = yamledit.set_fields(text, "columns", ("id", "a"), {"title": "甲栏目", "home": True}, COLUMN_KEYS, OPTIONAL)
    assert new.splitlines()[1] == "  - {id: a, title: 甲栏目, kinds: [新闻], home: true}   # 一行写完的栏目"
    assert new.splitlines()[2:] == text.splitlines()[2:]
    # an explicit `home: false` that stays false stays as written; made true it is changed in place
    assert yamledit.set_fields(text, "columns", ("id", "b"), {"home": False}, COLUMN_KEYS, OPTIONAL) == text
    assert yamledit.set_fields(text, "columns", ("id", "b"), {"home": True}, COLUMN_KEYS, OPTIONAL).endswith(
        "    title: 乙\n    home: true\n")
