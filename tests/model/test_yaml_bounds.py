"""YAML that would exhaust memory or crash the loader is refused with a rule id, a line and a Chinese fix,
through `portal check`; valid YAML (anchors, aliases, merge keys included) loads exactly as PyYAML loads it."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal import model, yamlfile
from portal.cli import main

ITEM = "content/disaster/2026-06-03-fang-xun.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


def check_json(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    code = main(["--root", str(root), "check", "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "内部错误" not in captured.err, captured.err
    return code, json.loads(captured.out) if captured.out.strip() else [], captured.err


def with_fields(item: str, fields: str) -> str:
    """The item with `fields` (YAML lines) added after `type:`; they start on line 7."""
    return item.replace("type: 动态\n", "type: 动态\n" + fields, 1)


def only_finding(root: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    code, findings, _ = check_json(root, capsys)
    assert code == 1
    (finding,) = [f for f in findings if f["path"] == ITEM]
    assert CJK.search(finding["message"]) and "请" in finding["message"], finding
    return finding


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: each level lists the previous one `width` times (9**9 strings if expanded)."""
    lines = ['lol0: &l0 "哈"']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_front_matter(tmp_portal, write_item, valid_item, capsys):
    bomb = alias_bomb()
    assert len(bomb.encode()) < 1000  # the 895-byte kind of input that used to take 6 GB
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, "summary: 摘要\n" + bomb))
    finding = only_finding(tmp_portal, capsys)
    assert finding["rule"] == "YAML-ALIAS-LIMIT"
    assert 9 <= finding["line"] <= 17  # on one of the lol lines
    assert str(yamlfile.ALIAS_LIMIT) in finding["message"] and "别名" in finding["message"]


def test_alias_bomb_in_roster(tmp_portal, capsys):
    path = tmp_portal / "roster.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + alias_bomb().replace("lol", "x_lol"), encoding="utf-8")
    assert main(["--root", str(tmp_portal), "check"]) == 1
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "roster.yml:" in err and "YAML-ALIAS-LIMIT" in err and "Traceback" not in err


@pytest.mark.parametrize("fields", [
    "tags: &t [防汛, *t]\n",
    "reprint: &r {site: 人民网, url: *r}\n",
    "reprint: &r\n  site: 人民网\n  more:\n    - *r\n",
])
def test_recursive_alias(tmp_portal, write_item, valid_item, capsys, fields):
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, fields))
    finding = only_finding(tmp_portal, capsys)
    assert finding["rule"] == "YAML-ALIAS-RECURSIVE" and finding["line"] in (7, 8, 10)
    assert "自身" in finding["message"]


@pytest.mark.parametrize(("fields", "line"), [
    ("? [a, b]\n: 值\n", 7),
    ("[a, b]: 值\n", 7),
    ("reprint:\n  {site: x}: 值\n", 8),
    ("tags:\n  - ? {a: 1}\n    : 2\n", 8),
])
def test_complex_keys(tmp_portal, write_item, valid_item, capsys, fields, line):
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, fields))
    finding = only_finding(tmp_portal, capsys)
    assert (finding["rule"], finding["line"]) == ("YAML-COMPLEX-KEY", line)
    assert "键不能是列表或映射" in finding["message"]


def test_front_matter_size_limit(tmp_portal, write_item, valid_item, capsys):
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, "summary: " + "防汛" * 12_000 + "\n"))
    finding = only_finding(tmp_portal, capsys)
    assert (finding["rule"], finding["line"]) == ("FM-TOO-LARGE", 1)
    assert "64 KB" in finding["message"] and "正文" in finding["message"]


def test_a_long_body_is_not_limited(tmp_portal, write_item, valid_item, capsys):
    write_item("disaster/2026-06-03-fang-xun.md", valid_item + "防汛物资储备到位。\n" * 20_000)
    code, findings, _ = check_json(tmp_portal, capsys)
    assert code == 0 and not [f for f in findings if f["severity"] == "error"]


@pytest.mark.parametrize(("fields", "line"), [
    ("tags: " + "[" * 100 + "]" * 100 + "\n", 7),  # flow nesting
    ("tags: " + "[" * 30_000 + "\n", 7),  # unclosed: refused before the parser sees it (quadratic in libyaml)
    ("summary: 摘要\ntags: " + "{a: " * 80 + "x" + "}" * 80 + "\n", 8),
    ("reprint:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), 8),  # block nesting
])
def test_deep_nesting(tmp_portal, write_item, valid_item, capsys, fields, line):
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, fields))
    finding = only_finding(tmp_portal, capsys)
    assert finding["rule"] == "YAML-TOO-DEEP" and line <= finding["line"] <= line + 70
    assert str(yamlfile.MAX_DEPTH) in finding["message"]


def test_brackets_in_plain_text_are_not_nesting(tmp_portal, write_item, valid_item, capsys):
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, "summary: 见附件[" + "[" * 90 + "\n"))
    code, findings, _ = check_json(tmp_portal, capsys)
    assert code == 0, findings


def test_config_file_size_limit(tmp_portal, capsys):
    path = tmp_portal / "columns.yml"
    path.write_text(path.read_text(encoding="utf-8") + "#" + "x" * (yamlfile.MAX_BYTES + 10) + "\n", encoding="utf-8")
    assert main(["--root", str(tmp_portal), "check"]) == 1
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "columns.yml:1:1: CFG-TOO-LARGE" in err and "1 MB" in err


@pytest.mark.parametrize(("entry", "what"), [
    ('"files/a\\0.pdf"', "控制字符"),
    ('"files/a\\x07.pdf"', "控制字符"),
    ('"files/通知\\u200b.pdf"', "控制字符"),
    ("/etc/passwd", "绝对路径"),
    ("files/../../../roster.yml", ".."),
    ('"files\\\\a.pdf"', "反斜杠"),
    ("{file: files/, title: 附件}", "没有文件名"),
    ('""', "空"),
])
def test_bad_attachment_names(tmp_portal, write_item, valid_item, capsys, entry, what):
    write_item("disaster/2026-06-03-fang-xun.md", with_fields(valid_item, f"attachments:\n  - {entry}\n"))
    code, findings, _ = check_json(tmp_portal, capsys)
    assert code == 1
    bad = [f for f in findings if f["rule"] == "FM-ATTACHMENT-NAME"]
    assert [(f["path"], f["line"]) for f in bad] == [(ITEM, 8)], findings
    assert what in bad[0]["message"] and "\x00" not in bad[0]["message"]


def test_portal_check_in_a_subprocess_never_crashes_on_bad_yaml(tmp_portal, write_item, valid_item):
    """The real command, as a clerk runs it: every case above at once, one finding each."""
    cases = {
        "bomb": alias_bomb(), "recursive": "tags: &t [a, *t]\n", "complex": "? [a, b]\n: 1\n",
        "deep": "tags: " + "[" * 5000 + "\n", "tag": "summary: !!python/object:os.system x\n",
        "timestamp": "summary: !!timestamp 2026-13-45\n", "binary": "summary: !!binary 说明\n",
    }
    for name, fields in cases.items():
        write_item(f"disaster/2026-06-03-{name}.md", with_fields(valid_item, fields))
    out = subprocess.run([sys.executable, "-m", "portal", "--root", str(tmp_portal), "check"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "内部错误" not in out.stderr
    for name in cases:
        assert f"content/disaster/2026-06-03-{name}.md:" in out.stdout, (name, out.stdout)


# ---------------------------------------------------------------- valid YAML loads as before

VALID = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: {d: true, e: null, f: 1.5}\n",
    "base: &base {site: 人民网, url: http://x}\nreprint:\n  <<: *base\n  url: http://y\n",
    "a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n  z: 4\n",
    "people: &p [zhang.san, li.si]\nauthor: *p\nreviewers: {初审: *p}\n",
    "title: 会议：部署防汛工作\nsummary: 第一段\n  说明：继续\ntags: [\"防汛，安全\", 汛期]\n",
    "title: 【重要】关于做好防汛工作的通知\ndate: 2026-06-03\nn: 0x1F\nx: ~\n",
    "text: |\n  　　第一段，首行缩进两个全角空格。\n  第二行\n",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_yaml_loads_as_pyyaml_loads_it(text):
    data, lines = yamlfile.load(text, list_keys=model.LIST_KEYS)
    assert data == yaml.load(text, Loader=yamlfile._Loader)  # noqa: S506 - our safe loader
    assert all(isinstance(v, int) and v >= 1 for v in lines.values())


def test_repository_yaml_loads_as_pyyaml_loads_it(demo_root):
    names = ["columns.yml", "roster.yml", "accepted.yml", *(f"checks/rules/{p.name}" for p in
                                                            (demo_root / "checks" / "rules").glob("*.yml"))]
    for name in names:
        text = (demo_root / name).read_text(encoding="utf-8")
        assert yamlfile.load(text)[0] == yaml.load(text, Loader=yamlfile._Loader), name  # noqa: S506
    for path in (demo_root / "content").rglob("*.md"):
        fm, _, _ = model.split_front_matter(path.read_text(encoding="utf-8"))
        if fm is not None:
            data, lines = yamlfile.load(fm, 2, model.FM_MAX_BYTES, model.LIST_KEYS)
            assert data == yaml.load(fm, Loader=yamlfile._Loader), path  # noqa: S506
            assert lines["title"] == 2


def test_aliases_within_the_limit_still_load():
    text = "a: &a [" + ", ".join(["x"] * 100) + "]\n" + "".join(f"b{i}: *a\n" for i in range(90))
    data, _ = yamlfile.load(text)
    assert len(data) == 91 and data["b89"] == ["x"] * 100


def test_a_bad_attachment_name_leaves_the_next_entry_where_it_is(tmp_portal, write_item, valid_item, capsys):
    write_item("disaster/2026-06-03-fang-xun.md",
               with_fields(valid_item, 'attachments:\n  - "files/a\\0.pdf"\n  - files/b.pdf\n'))
    code, found, _ = check_json(tmp_portal, capsys)
    assert code == 1
    by_rule = {f["rule"]: f for f in found}
    assert by_rule["FM-ATTACHMENT-NAME"]["line"] == 8
    missing = by_rule["ATT-MISSING"]  # the second entry, on its own line, under its own name
    assert missing["line"] == 9 and "files/b.pdf" in missing["message"] and "\x00" not in missing["message"]
