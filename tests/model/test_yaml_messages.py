"""Front-matter mistakes typical of Chinese input get a Chinese message on the line (and column) of the
mistake, naming the character and the fix, through `portal check`. What is right stays right."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from portal.cli import main

ITEM = "content/disaster/2026-06-03-fang-xun.md"
ENGLISH = re.compile(r"\b(while|found|expected|could not|mapping|scalar|token)\b")


def findings(root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    code = main(["--root", str(root), "check", "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "内部错误" not in captured.err
    found = json.loads(captured.out) if captured.out.strip() else []
    assert code == (1 if any(f["severity"] == "error" for f in found) else 0)
    return found


def edit(item: str, old: str, new: str) -> str:
    assert old in item, old
    return item.replace(old, new, 1)


# (name, old, new, rule, line, column, words the message must hold)
MISTAKES = [
    ("full-width colon after title", "title: ", "title：", "FM-YAML", 2, 6, ["全角冒号", "“: ”"]),
    ("full-width colon after a middle key", "department: ", "department：", "FM-YAML", 5, 11, ["全角冒号"]),
    ("full-width colon in a nested block", "  复审: ", "  复审：", "FM-YAML", 11, 5, ["全角冒号"]),
    ("full-width colon and space", "type: ", "type：　", "FM-YAML", 6, 5, ["全角冒号"]),
    ("full-width space indentation", "  初审: ", "\u3000\u3000初审: ", "FM-YAML", 9, 1, ["全角空格", "半角空格"]),
    ("full-width space in a nested key", "  终审: ", "  \u3000终审: ", "FM-YAML", 12, 3, ["全角空格"]),
    ("tab indentation", "  初审: ", "\t初审: ", "FM-YAML", 9, 1, ["制表符", "空格"]),
    ("tab after spaces", "  保密审查: ", "  \t保密审查: ", "FM-YAML", 10, 3, ["制表符"]),
    ("double quotes inside double quotes", "title: 市应急管理局召开全市防汛工作部署会",
     'title: "市应急管理局召开"全市防汛"工作部署会"', "FM-YAML", 2, 17, ["双引号", "中文引号"]),
    ("single quotes inside single quotes", "title: 市应急管理局召开全市防汛工作部署会",
     "title: '关于'防汛'的通知'", "FM-YAML", 2, 11, ["单引号"]),
    ("unclosed quote", "title: 市应急管理局召开全市防汛工作部署会", 'title: "市应急管理局召开全市防汛工作部署会',
     "FM-YAML", 2, 8, ["引号没有闭合"]),
    ("full-width comma in a list", "author: [", "author: [zhang.san，", "FM-YAML", 7, 19, ["全角", "“，”", "“, ”"]),
    ("ideographic comma in a list", "type: 动态\n", "type: 动态\ntags: [防汛、安全]\n", "FM-YAML", 7, 10, ["“、”"]),
    ("Chinese quotes around list items", "type: 动态\n", "type: 动态\ntags: [“防汛”, “安全”]\n", "FM-YAML", 7, 8, ["中文引号"]),
    ("full-width brackets for a list", "type: 动态\n", "type: 动态\ntags: 【防汛，安全】\n", "FM-YAML", 7, 7, ["全角括号", "【】"]),
    ("full-width opening bracket for an author", "author: [", "author: 【", "FM-YAML", 7, 9, ["全角括号"]),
    ("full-width square brackets", "type: 动态\n", "type: 动态\ntags: ［防汛, 安全］\n", "FM-YAML", 7, 7, ["全角括号"]),
    ("em dash for a list item", "type: 动态\n", "type: 动态\ntags:\n  — 防汛\n", "FM-YAML", 8, 3, ["“- ”", "—"]),
    ("no space after the colon", "source: ", "source:", "FM-YAML", 4, 7, ["冒号后缺少空格"]),
    ("invisible control character", "title: 市", "title: 市\x07", "FM-YAML", 2, 9, ["U+0007", "控制字符"]),
    ("backspace pasted from Word", "title: 市", "title: 市\x08应急", "FM-YAML", 2, 9, ["U+0008", "退格符"]),
    ("missing closing ---", "---\n6月", "6月", "FM-UNCLOSED", 13, 1, ["---", "第 13 行之前"]),
    ("missing closing --- before a heading", "---\n6月", "\n# 会议情况\n\n6月", "FM-UNCLOSED", 14, 1, ["第 14 行之前"]),
    ("closing --- typed as em dashes", "---\n6月", "——\n6月", "FM-UNCLOSED", 13, 1, ["——", "---"]),
    ("closing --- typed full-width", "---\n6月", "－－－\n6月", "FM-UNCLOSED", 13, 1, ["－－－"]),
    ("closing with four dashes", "---\n6月", "----\n6月", "FM-UNCLOSED", 13, 1, ["----"]),
    ("opening --- typed as em dashes", "---\ntitle", "———\ntitle", "FM-MISSING", 1, 1, ["———", "---"]),
    ("blank line before ---", "---\ntitle", "\n---\ntitle", "FM-MISSING", 1, 1, ["空行"]),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[c[0] for c in MISTAKES])
def test_typing_mistakes_are_named_where_they_are(tmp_portal, write_item, valid_item, capsys, case):
    _, old, new, rule, line, column, words = case
    write_item("disaster/2026-06-03-fang-xun.md", edit(valid_item, old, new))
    found = findings(tmp_portal, capsys)
    (f,) = [f for f in found if f["path"] == ITEM]  # one clear finding, not a cascade
    assert (f["rule"], f["line"], f["column"]) == (rule, line, column), f
    for word in words:
        assert word in f["message"], (word, f["message"])
    assert "请" in f["message"] and not ENGLISH.search(f["message"]), f["message"]
    assert "是否想写" not in f["message"]


SYNTAX = [
    # other YAML mistakes: a Chinese message, on the line (libyaml's own wording never shown alone)
    ("colon in a value", "title: 市应急管理局召开", "title: 通知: 市应急管理局召开", 2),
    ("unclosed flow list", "author: [", "author: [[", 7),
    ("bad indentation", "  复审: ", "    复审: ", 11),
    ("list item in a mapping", "type: 动态\n", "type: 动态\n- 防汛\n", 7),
    ("undefined alias", "type: 动态\n", "type: 动态\ntags: *nothing\n", 7),
    ("value starting with @", "type: 动态\n", "type: 动态\nsummary: @市应急管理局\n", 7),
    ("value starting with a backquote", "type: 动态\n", "type: 动态\nsummary: `代码`\n", 7),
    ("unknown tag", "type: 动态\n", "type: 动态\nsummary: !!python/object:os.system x\n", 7),
    ("bad escape", "title: 市应急管理局召开全市防汛工作部署会", 'title: "C:\\文件"', 2),
    ("second document", "type: 动态\n", "type: 动态\n--- x\n", 7),
    ("value that does not fit its tag", "type: 动态\n", "type: 动态\nsummary: !!int 十二\n", 7),
    ("impossible tagged date", "type: 动态\n", "type: 动态\nsummary: !!timestamp 2026-13-45\n", 7),
]


@pytest.mark.parametrize("case", SYNTAX, ids=[c[0] for c in SYNTAX])
def test_other_syntax_errors_are_chinese(tmp_portal, write_item, valid_item, capsys, case):
    _, old, new, line = case
    write_item("disaster/2026-06-03-fang-xun.md", edit(valid_item, old, new))
    (f,) = [f for f in findings(tmp_portal, capsys) if f["path"] == ITEM]
    assert f["rule"] == "FM-YAML" and f["line"] == line, f
    assert "请" in f["message"] and not ENGLISH.search(f["message"]), f["message"]


RIGHT = [
    # what looks like a mistake but is right: it loads and passes
    ("full-width colon inside a value", "title: 市应急管理局召开全市防汛工作部署会", "title: 防汛会议：部署汛期工作"),
    ("title starting with 【】", "title: 市应急管理局召开全市防汛工作部署会", "title: 【防汛】市应急管理局召开全市防汛工作部署会"),
    ("full-width comma inside a quoted list item", "type: 动态\n", 'type: 动态\ntags: ["防汛，抗旱", 汛期]\n'),
    ("full-width comma in a plain value", "title: 市应急管理局召开全市防汛工作部署会", "title: 防汛、抗旱工作部署会召开"),
    ("Chinese quotes in a title", "title: 市应急管理局召开全市防汛工作部署会", "title: 市应急管理局召开“防汛”工作部署会"),
    ("quoted quotes", "title: 市应急管理局召开全市防汛工作部署会", "title: '市应急管理局召开\"防汛\"工作部署会'"),
    ("doubled single quote", "title: 市应急管理局召开全市防汛工作部署会", "title: '市应急管理局召开''防汛''工作部署会'"),
    ("multi-line summary with a full-width colon", "type: 动态\n", "type: 动态\nsummary: 会议要求\n  各单位：做好值守\n"),
    ("block text indented with full-width spaces", "type: 动态\n", "type: 动态\nsummary: |\n  　　会议要求各单位做好值守。\n"),
    ("trailing spaces after the opening ---", "---\ntitle", "---  \ntitle"),
    ("tab after the colon", "type: 动态", "type:\t动态"),
]


@pytest.mark.parametrize("case", RIGHT, ids=[c[0] for c in RIGHT])
def test_what_is_right_stays_right(tmp_portal, write_item, valid_item, capsys, case):
    _, old, new = case
    write_item("disaster/2026-06-03-fang-xun.md", edit(valid_item, old, new))
    assert [f for f in findings(tmp_portal, capsys) if f["severity"] == "error"] == []


def test_config_files_get_the_same_messages(tmp_portal, capsys):
    path = tmp_portal / "roster.yml"
    text = path.read_text(encoding="utf-8")
    old = "departments:"
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, "departments：", 1), encoding="utf-8")
    assert main(["--root", str(tmp_portal), "check"]) == 1
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert f"roster.yml:{line}:" in out and "全角冒号" in out and "Traceback" not in out, out


@pytest.mark.parametrize(("old", "new"), [("source:", "ｓｏｕｒｃｅ:"), ("source:", "source\u3000:")])
def test_full_width_characters_in_a_key_are_named(tmp_portal, write_item, valid_item, capsys, old, new):
    write_item("disaster/2026-06-03-fang-xun.md", edit(valid_item, old, new))
    found = {f["rule"]: f for f in findings(tmp_portal, capsys)}
    unknown = found["FM-UNKNOWN-KEY"]
    assert unknown["line"] == 4 and "全角" in unknown["message"] and "“source”" in unknown["message"]


def test_a_full_width_colon_in_an_earlier_value_is_not_blamed(tmp_portal, write_item, valid_item, capsys):
    item = edit(valid_item, "type: 动态\n", "type: 动态\nsummary: 会议要求\n  各单位：做好值守\n\n\n")
    write_item("disaster/2026-06-03-fang-xun.md", edit(item, "  复审: ", "    复审: "))
    (f,) = [f for f in findings(tmp_portal, capsys) if f["path"] == ITEM]
    assert f["rule"] == "FM-YAML" and f["line"] == 15 and "全角冒号" not in f["message"], f
