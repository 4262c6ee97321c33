"""What is checked is what is published: the checks and the build read one view of an item (portal/view.py).

Every way of linking a file is tried (reference-style, raw HTML in upper case, entities, percent-escapes,
backslashes, ./ forms): `portal check` reads the linked file, and the build publishes it only then. A file
that no page links, a symlink, and a marking hidden from the Markdown source but shown on the page are
tried through the check and the build alike.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal import model, view
from portal.errors import PortalError
from site_build.build import build_site
from site_build.render import Output
from tests.site.conftest import item, mini_portal, tree, write

SECRET = "云江市防汛物资储备库分布表\n秘密★1年\n".encode()
PUBLIC = "云江市防汛物资储备库（公开部分）\n".encode()
ITEM = "disaster/2026-06-05-lian-jie.md"


def _portal(tmp_path: Path, body: str, files: dict[str, bytes]) -> Path:
    root = mini_portal(tmp_path / "portal")
    for name, data in files.items():
        (root / "content" / "disaster" / "files" / name).write_bytes(data)
    write(root, ITEM, item("各种写法链接附件", "2026-06-05 10:00", body=body))
    return root


# every syntax that makes the page link content/disaster/files/x.txt
LINKS = [
    "[附件][1]\n\n[1]: files/x.txt",
    "[附件][ref]\n\n[REF]: <files/x.txt> \"标题\"",
    '<A HREF="files/x.txt">附件</A>',
    '<a href="&#102;iles/x.txt">附件</a>',
    '<a href="&#x66;&#x69;les&#47;x.txt">附件</a>',
    "[附件](files/%78.txt)",
    "[附件](./files/x.txt)",
    "[附件](files/./sub/../x.txt)",
    "[附件](../disaster/files/x.txt)",
    '<a href="files\\x.txt">附件</a>',
    '<a href=" files/x.txt?v=1#p2 ">附件</a>',
    "![图](files/x.txt)",
    '<img SRC="files/x.txt" alt="图">',
    "<blockquote cite=\"files/x.txt\">引文</blockquote>",
]


@pytest.mark.parametrize("body", LINKS)
def test_every_link_syntax_names_the_file(tmp_path: Path, body: str) -> None:
    root = _portal(tmp_path, body, {"x.txt": PUBLIC})
    portal = model.load(root, [str(root / "content" / ITEM)])
    (article,) = portal.articles
    assert [f.rel for f in view.of(article).files] == ["content/disaster/files/x.txt"]


@pytest.mark.parametrize("body", LINKS[:6])
def test_a_secret_file_linked_any_way_is_refused_by_check_and_build(tmp_path: Path, body: str) -> None:
    root = _portal(tmp_path, body, {"x.txt": SECRET})
    result = build_site(root, tmp_path / "site")
    assert not result.ok
    assert [(f.path, f.rule) for f in result.findings if f.severity == "error"] == \
        [("content/disaster/files/x.txt", "SEC-MARKING")]
    assert not (tmp_path / "site").exists()


def test_the_build_publishes_exactly_the_files_the_checks_read(tmp_path: Path) -> None:
    body = "[名单][1]\n\n<IMG SRC=\"files/tu.png\" alt=\"现场\">\n\n[1]: files/x.txt"
    png = (Path(__file__).parents[2] / "content").rglob("*.png")
    root = _portal(tmp_path, body, {"x.txt": PUBLIC, "unlinked.txt": PUBLIC})
    picture = next(png, None)
    if picture is not None:
        (root / "content/disaster/files/tu.png").write_bytes(picture.read_bytes())
    else:
        write(root, ITEM, item("各种写法链接附件", "2026-06-05 10:00", body="[名单][1]\n\n[1]: files/x.txt"))
    result = build_site(root, tmp_path / "site")
    assert result.ok, [f.format() for f in result.findings]
    published = {p for p in tree(tmp_path / "site") if "/files/" in p}
    expected = {"disaster/files/x.txt", "disaster/files/ming-dan.pdf"} | \
        ({"disaster/files/tu.png"} if picture is not None else set())
    assert published == expected  # the file no page links is not published
    checked = {p for p in view._CHECKED if "/content/" in p}
    assert {str((root / "content" / p).resolve()) for p in published} <= checked
    page = (tmp_path / "site" / "disaster" / "lian-jie.html").read_text(encoding="utf-8")
    assert 'href="files/x.txt"' in page


def test_a_file_changed_after_the_checks_is_not_published(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(PUBLIC)
    view.mark_checked(path)
    out = Output(tmp_path / "site")
    out.copy(path, "a.txt")
    assert (tmp_path / "site" / "a.txt").read_bytes() == PUBLIC
    path.write_bytes(SECRET)
    with pytest.raises(PortalError, match="未经本次检查"):
        out.copy(path, "b.txt")
    never = tmp_path / "never.txt"
    never.write_bytes(PUBLIC)
    with pytest.raises(PortalError):
        out.copy(never, "c.txt")
    assert not (tmp_path / "site" / "b.txt").exists() and not (tmp_path / "site" / "c.txt").exists()


@pytest.mark.parametrize("target, kind", [("../../roster.yml", "file"), ("../../.git", "dir"), ("x.txt", "file")])
def test_a_symlink_under_content_is_an_error_in_check_and_build(tmp_path: Path, target: str, kind: str) -> None:
    root = _portal(tmp_path, "[附件](files/link.txt)", {"x.txt": PUBLIC})
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    os.symlink(target, root / "content/disaster/files/link.txt", target_is_directory=kind == "dir")
    result = build_site(root, tmp_path / "site")
    assert not result.ok and not (tmp_path / "site").exists()
    rules = {f.rule for f in result.findings if f.severity == "error"}
    assert "FILE-SYMLINK" in rules
    assert any("符号链接" in f.message for f in result.findings)


def test_a_symlinked_column_folder_is_an_error(tmp_path: Path) -> None:
    root = mini_portal(tmp_path / "portal")
    os.symlink(root / "content" / "disaster", root / "content" / "copy")
    portal, findings = model.load_or_findings(root)
    assert [(f.path, f.rule) for f in findings if f.rule == "FILE-SYMLINK"] == [("content/copy", "FILE-SYMLINK")]


HIDDEN_MARKINGS = [
    "秘&#23494;&#9733;1年",  # entities
    "秘<!-- 注释 -->密★1年",  # an HTML comment inside
    "<ruby>秘<rt>mì</rt>密<rt>mì</rt></ruby>★1年",  # ruby annotations
    "内部\n资料\n\n正文。",  # split over lines
    '![秘密★1年](https://www.yunjiang.gov.cn/a.png)',  # alt text
    '<img src="https://www.yunjiang.gov.cn/a.png" ALT="内部资料">',
    '[通知](https://www.yunjiang.gov.cn/ "秘密★1年")',  # a link title
    "正文[^1]。\n\n[^1]: 秘密★1年",  # a footnote
    "内部[^1]资料\n\n[^1]: 说明。",  # a footnote reference inside a marking
    '<table summary="内部资料"><tr><td>正文</td></tr></table>',  # an attribute the sanitiser keeps
]


@pytest.mark.parametrize("body", HIDDEN_MARKINGS)
def test_a_marking_shown_on_the_page_is_found_whatever_hides_it_in_the_source(tmp_path: Path, body: str) -> None:
    root = _portal(tmp_path, body, {})
    result = build_site(root, tmp_path / "site")
    errors = [f for f in result.findings if f.severity == "error"]
    assert not result.ok and errors and all(f.path == f"content/{ITEM}" for f in errors), \
        [f.format() for f in result.findings]
    assert {f.rule for f in errors} <= {"SEC-MARKING", "SEC-INTERNAL", "SEC-LEVEL"}


def test_what_the_page_does_not_show_is_not_a_finding(tmp_path: Path) -> None:
    root = _portal(tmp_path, "正文。<!-- 内部资料 注意保存 -->\n\n<script>var a = '秘密★1年';</script>", {})
    result = build_site(root, tmp_path / "site")
    assert result.ok, [f.format() for f in result.findings]
    page = (tmp_path / "site" / "disaster" / "lian-jie.html").read_text(encoding="utf-8")
    assert "内部资料" not in page and "秘密★1年" not in page


def test_a_reference_link_to_a_missing_file_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    root = _portal(tmp_path, "[附件][1]\n\n[1]: files/missing.pdf", {})
    result = build_site(root, tmp_path / "site")
    lines = (root / "content" / ITEM).read_text(encoding="utf-8").splitlines()
    assert [(f.rule, lines[f.line - 1]) for f in result.findings if f.severity == "error"] == \
        [("ATT-MISSING", "[1]: files/missing.pdf")]


def test_view_text_keeps_structure_for_the_checks(tmp_path: Path) -> None:
    body = ("# 标题\n\n第一行\n第二行\n\n- 甲\n- 乙\n\n1. 一\n2. 二\n\n> 引用\n\n"
            "| 密级 | 期限 |\n|---|---|\n| 秘密 | 10年 |\n")
    root = _portal(tmp_path, body, {})
    (article,) = model.load(root, [str(root / "content" / ITEM)]).articles
    v = view.of(article)
    assert v.text("body") == "# 标题\n第一行 第二行\n- 甲\n- 乙\n1. 一\n2. 二\n> 引用\n| 密级 | 期限 |\n| 秘密 | 10年 |"
    assert "第一行\n第二行" in v.text("body:lines")
    assert v.text("title") == "各种写法链接附件"


@pytest.mark.parametrize("target", ["files/a%00.txt", "files/%FF%FE.txt", "files/" + "长" * 300 + ".txt",
                                    "files/a\x00b.txt"])
def test_strange_link_targets_are_findings_not_crashes(tmp_path: Path, target: str) -> None:
    root = _portal(tmp_path, f"[附件][1]\n\n[1]: <{target}>", {})
    result = build_site(root, tmp_path / "site")
    assert not result.ok
    rules = {f.rule for f in result.findings if f.path == f"content/{ITEM}"}
    assert rules and rules <= {"ATT-MISSING", "ATT-TYPE", "FILE-BINARY"}


def test_a_long_body_is_rendered_in_pieces_with_the_same_links_and_text(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from portal import markup

    body = "[附件][1]\n\n" + "段落文字。\n\n" * 50 + "```\n代码\n\n秘密★1年\n```\n\n" + "段落。\n\n" * 50 + \
        "[1]: files/x.txt\n"
    root = _portal(tmp_path, body, {"x.txt": PUBLIC})
    (whole,) = model.load(root, [str(root / "content" / ITEM)]).articles
    monkeypatch.setattr(markup, "CHUNK", 100)
    assert len(markup.pieces(whole.body)) > 3
    assert all(piece.count("```") % 2 == 0 for piece in markup.pieces(whole.body))  # a fence is never cut
    (cut,) = model.load(root, [str(root / "content" / ITEM)]).articles
    assert [f.rel for f in view.of(cut).files] == ["content/disaster/files/x.txt"]
    assert view.of(cut).text("body").count("段落") == 100 and "秘密★1年" in view.of(cut).text("body")


def test_a_huge_paragraph_of_links_is_cut_and_every_link_still_found(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from portal import markup

    monkeypatch.setattr(markup, "CHUNK", 200)
    body = "".join(f"[附件{i}](files/x.txt)[另{i}](files/y{i % 7}.txt)\n" for i in range(60)) + "一" * 900 + "。尾"
    root = _portal(tmp_path, body, {})
    (article,) = model.load(root, [str(root / "content" / ITEM)]).articles
    assert len(markup.pieces(article.body)) > 5
    assert all(len(line) <= 200 for piece in markup.pieces(article.body) for line in piece.split("\n"))
    files = [f.rel for f in view.of(article).files]
    assert files == ["content/disaster/files/x.txt"] + [f"content/disaster/files/y{i}.txt" for i in range(7)]
    assert view.of(article).text("body").replace(" ", "").endswith("一" * 100 + "。尾")
