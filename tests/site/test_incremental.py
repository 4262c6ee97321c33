"""Incremental builds write exactly the bytes of a full build, and only what changed."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_build.build import build_site
from site_build.state import path_for
from tests.site.conftest import item, tree, write


def same_as_full(root: Path, incremental: Path, tmp_path: Path) -> None:
    full = build_site(root, tmp_path / "full-check")
    assert full.ok and not full.incremental
    a, b = tree(incremental), tree(tmp_path / "full-check")
    assert sorted(a) == sorted(b)
    assert [rel for rel in a if a[rel] != b[rel]] == []


@pytest.fixture
def first(mini: Path, tmp_path: Path) -> Path:
    result = build_site(mini, tmp_path / "v1")
    assert result.ok and not result.incremental
    return tmp_path / "v1"


def test_new_item_rewrites_only_its_page_lists_feeds_and_search(mini: Path, first: Path, tmp_path: Path) -> None:
    write(mini, "disaster/2026-11-20-di-zhen.md", item("全市开展地震应急疏散演练", "2026-11-20 10:00",
                                                       body="全市中小学开展地震应急疏散演练。"))
    result = build_site(mini, tmp_path / "v2", incremental_from=first)
    assert result.ok and result.incremental and result.items == 4
    assert "disaster/di-zhen.html" in result.written
    assert {"disaster/index.html", "rss.xml", "disaster/rss.xml", "sitemap.xml", "search/index.json"} <= set(result.written)
    assert "disaster/fang-xun.html" not in result.written and "news/index.html" not in result.written
    assert "index.html" not in result.written  # 防灾减灾 is not on the home page
    assert not any(rel.startswith("assets/") for rel in result.written)
    assert (first / "disaster/fang-xun.html").read_bytes() == (tmp_path / "v2/disaster/fang-xun.html").read_bytes()
    assert not (first / "disaster/di-zhen.html").exists()  # the previous site is left as it was
    same_as_full(mini, tmp_path / "v2", tmp_path)


def test_edit_withdraw_and_attachment_change(mini: Path, first: Path, tmp_path: Path) -> None:
    reprint = mini / "content/news/2026-09-28-zhuan-zai.md"
    reprint.write_text(reprint.read_text(encoding="utf-8").replace("森林防火", "森林草原防火"), encoding="utf-8")
    (mini / "content/disaster/2026-07-10-tai-feng.md").unlink()  # 撤稿
    (mini / "content/disaster/files/ming-dan.pdf").write_bytes(
        (mini / "content/disaster/files/ming-dan.pdf").read_bytes() + b"\n% second edition\n")
    result = build_site(mini, tmp_path / "v2", incremental_from=first)
    assert result.ok and result.incremental
    assert "disaster/tai-feng.html" in result.removed
    assert {"news/zhuan-zai.html", "disaster/files/ming-dan.pdf"} <= set(result.written)
    assert "森林草原防火" in (tmp_path / "v2/news/zhuan-zai.html").read_text(encoding="utf-8")
    same_as_full(mini, tmp_path / "v2", tmp_path)


def test_item_turned_draft_disappears(mini: Path, first: Path, tmp_path: Path) -> None:
    path = mini / "content/disaster/2026-06-03-fang-xun.md"
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    result = build_site(mini, tmp_path / "v2", incremental_from=first)
    assert result.incremental and "disaster/fang-xun.html" in result.removed
    assert "disaster/files/ming-dan.pdf" in result.removed  # no public page links to it any more
    same_as_full(mini, tmp_path / "v2", tmp_path)


def test_scheduled_item_appears_with_the_first_build_after_its_time(
        mini: Path, first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not (first / "disaster/ding-shi.html").exists()
    monkeypatch.setenv("PORTAL_NOW", "2026-12-01T09:05:00+08:00")
    result = build_site(mini, tmp_path / "v2", incremental_from=first)
    assert result.incremental and "disaster/ding-shi.html" in result.written
    assert "定时发布：十二月的通知" in (tmp_path / "v2/disaster/index.html").read_text(encoding="utf-8")
    same_as_full(mini, tmp_path / "v2", tmp_path)


def test_many_changes_in_place(mini: Path, tmp_path: Path) -> None:
    """`portal build` builds over its own output: 45 items, pages 1-3 of a column, then more and fewer."""
    for n in range(45):
        write(mini, f"disaster/2026-10-{n % 28 + 1:02d}-x{n}.md", item(f"第{n}号防汛简报", f"2026-10-{n % 28 + 1:02d} 08:{n:02d}"))
    site = tmp_path / "site"
    assert build_site(mini, site, incremental_from=site).incremental is False  # nothing to start from
    assert (site / "disaster/index_3.html").is_file()
    for n in range(0, 45, 2):
        (mini / f"content/disaster/2026-10-{n % 28 + 1:02d}-x{n}.md").unlink()
    write(mini, "disaster/2026-05-01-early.md", item("五月的旧稿补发", "2026-05-01 08:00"))  # in the middle
    result = build_site(mini, site, incremental_from=site)
    assert result.incremental and "disaster/index_3.html" in result.removed
    same_as_full(mini, site, tmp_path)


def test_changed_configuration_means_a_full_build(mini: Path, first: Path, tmp_path: Path) -> None:
    columns = mini / "columns.yml"
    columns.write_text(columns.read_text(encoding="utf-8").replace("0000-8800123", "0000-8800999"), encoding="utf-8")
    result = build_site(mini, tmp_path / "v2", incremental_from=first)
    assert result.ok and not result.incremental
    assert "0000-8800999" in (tmp_path / "v2/disaster/fang-xun.html").read_text(encoding="utf-8")


def test_a_site_changed_since_its_state_means_a_full_build(mini: Path, first: Path, tmp_path: Path) -> None:
    (first / "sitemap.xml").write_text("<urlset/>", encoding="utf-8")
    assert not build_site(mini, tmp_path / "v2", incremental_from=first).incremental
    path_for(first).unlink()
    assert not build_site(mini, tmp_path / "v3", incremental_from=first).incremental


def test_error_leaves_the_site_as_it_was(mini: Path, first: Path, tmp_path: Path) -> None:
    before = tree(first)
    write(mini, "disaster/2026-11-21-bad.md", item("部门写错的稿件", "2026-11-21 09:00").replace(
        "department: \"防汛抗旱科\"", "department: \"防汛抗早科\""))
    for incremental_from in (first, None):
        result = build_site(mini, first, incremental_from=incremental_from)
        assert not result.ok and result.written == []
        assert [f.rule for f in result.findings if f.severity == "error"] == ["FM-DEPT-UNKNOWN"]
        assert tree(first) == before
    assert sorted(p.name for p in first.parent.iterdir() if p.name.startswith(".v1")) == [".v1.build"]


def test_hard_links_are_never_written_through(mini: Path, first: Path, tmp_path: Path) -> None:
    page = first / "disaster/index.html"
    before = page.read_bytes()
    write(mini, "disaster/2026-11-20-di-zhen.md", item("全市开展地震应急疏散演练", "2026-11-20 10:00"))
    build_site(mini, tmp_path / "v2", incremental_from=first)
    assert page.read_bytes() == before
    shutil.rmtree(tmp_path / "v2")
    assert page.read_bytes() == before


def test_never_replaces_the_portal_or_a_folder_it_did_not_build(mini: Path, tmp_path: Path) -> None:
    from portal.errors import PortalError

    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "工作总结.docx").write_bytes(b"not a site")
    for out in (mini, mini.parent, mini / "content", mini / "content" / "site", mine):
        with pytest.raises(PortalError):
            build_site(mini, out)
    assert (mine / "工作总结.docx").read_bytes() == b"not a site"
    assert (mini / "content" / "disaster" / "2026-06-03-fang-xun.md").is_file()
    assert build_site(mini, tmp_path / "empty").ok  # a new or empty folder is fine
