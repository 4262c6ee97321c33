"""Incremental builds told what changed (as publishing is, from git) read only the touched columns' state
and still write exactly the bytes of a full build."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from site_build import state
from site_build.build import BuildResult, build_site
from tests.site.conftest import item, tree, write
from tests.site.test_policy_pages import DOC, JIEDU, doc, jiedu, policy_portal  # noqa: F401  (a fixture)


def same_as_full(root: Path, site: Path, tmp_path: Path) -> None:
    full = build_site(root, tmp_path / "full-check")
    assert full.ok and not full.incremental
    a, b = tree(site), tree(tmp_path / "full-check")
    assert sorted(a) == sorted(b)
    assert [rel for rel in a if a[rel] != b[rel]] == []
    shutil.rmtree(tmp_path / "full-check")
    shutil.rmtree(state.folder_for(tmp_path / "full-check"))


class Live:
    """A site kept up to date as publishing keeps it: each build writes only its delta, applied here."""

    def __init__(self, root: Path, tmp_path: Path) -> None:
        self.root, self.tmp, self.n = root, tmp_path, 0
        self.site = tmp_path / "live"
        assert build_site(root, self.site).ok

    def build(self, changed: list[str]) -> BuildResult:
        self.n += 1
        out = self.tmp / f"delta{self.n}"
        result = build_site(self.root, out, incremental_from=self.site, delta=True, changed=changed)
        assert result.ok and result.incremental, [f.format() for f in result.findings]
        for rel in result.written:
            (self.site / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / rel, self.site / rel)
        for rel in result.removed:
            (self.site / rel).unlink()
        state.copy(state.folder_for(out), state.folder_for(self.site))
        state.rewitness(self.site)
        return result


@pytest.fixture
def live(mini: Path, tmp_path: Path) -> Live:
    return Live(mini, tmp_path)


@pytest.fixture
def pieces_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The columns whose state pieces a build reads."""
    seen: list[str] = []
    original: Callable[[state.State, str], dict[str, Any]] = state.State.piece

    def piece(self: state.State, column: str) -> dict[str, Any]:
        if column not in self.pieces:
            seen.append(column)
        return original(self, column)

    monkeypatch.setattr(state.State, "piece", piece)
    return seen


def test_an_added_item_reads_and_writes_only_its_column(mini: Path, live: Live, tmp_path: Path,
                                                        pieces_read: list[str]) -> None:
    write(mini, "disaster/2026-11-20-di-zhen.md", item("全市开展地震应急疏散演练", "2026-11-20 10:00",
                                                       body="全市中小学开展地震应急疏散演练。"))
    result = live.build(["content/disaster/2026-11-20-di-zhen.md"])
    assert pieces_read == ["disaster"]
    assert {"disaster/di-zhen.html", "disaster/index.html", "disaster/rss.xml", "rss.xml", "sitemap.xml"} <= set(result.written)
    assert not any(rel.startswith("news/") for rel in result.written)
    assert "index.html" not in result.written  # 防灾减灾 is not on the home page
    assert result.items == 4
    same_as_full(mini, live.site, tmp_path)


def test_an_edited_body_rewrites_no_list(mini: Path, live: Live, tmp_path: Path, pieces_read: list[str]) -> None:
    path = mini / "content/news/2026-09-28-zhuan-zai.md"
    path.write_text(path.read_text(encoding="utf-8").replace("森林防火", "森林草原防火"), encoding="utf-8")
    result = live.build(["content/news/2026-09-28-zhuan-zai.md"])
    assert pieces_read == ["news"]
    assert "news/zhuan-zai.html" in result.written
    assert not {"news/index.html", "index.html", "rss.xml", "news/rss.xml", "sitemap.xml"} & set(result.written)
    same_as_full(mini, live.site, tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("应急管理部部署中秋", "应急管理部再次部署中秋"), encoding="utf-8")
    result = live.build(["content/news/2026-09-28-zhuan-zai.md"])  # a new title: the lists show it
    assert {"news/index.html", "index.html", "rss.xml", "news/rss.xml"} <= set(result.written)
    same_as_full(mini, live.site, tmp_path)


def test_first_item_of_an_empty_column(mini: Path, live: Live, tmp_path: Path) -> None:
    write(mini, "headlines/2026-11-21-tou-tiao.md", item("头条：全市安全生产大检查", "2026-11-21 08:00",
                                                         department="宣教科", kind="新闻"))
    result = live.build(["content/headlines/2026-11-21-tou-tiao.md"])
    assert {"headlines/tou-tiao.html", "headlines/index.html", "index.html"} <= set(result.written)
    assert "头条：全市安全生产大检查" in (live.site / "index.html").read_text(encoding="utf-8")
    same_as_full(mini, live.site, tmp_path)


def test_an_item_moved_between_columns(mini: Path, live: Live, tmp_path: Path) -> None:
    old = mini / "content/news/2026-09-28-zhuan-zai.md"
    write(mini, "headlines/2026-09-28-zhuan-zai.md", old.read_text(encoding="utf-8"))
    old.unlink()
    result = live.build(["content/headlines/2026-09-28-zhuan-zai.md", "content/news/2026-09-28-zhuan-zai.md"])
    assert "news/zhuan-zai.html" in result.removed and "headlines/zhuan-zai.html" in result.written
    assert "暂无信息" in (live.site / "news/index.html").read_text(encoding="utf-8")
    same_as_full(mini, live.site, tmp_path)


def test_the_last_item_of_a_column_withdrawn(mini: Path, live: Live, tmp_path: Path) -> None:
    (mini / "content/news/2026-09-28-zhuan-zai.md").unlink()
    result = live.build(["content/news/2026-09-28-zhuan-zai.md"])
    assert "news/zhuan-zai.html" in result.removed and result.items == 2
    assert "暂无信息" in (live.site / "news/index.html").read_text(encoding="utf-8")
    same_as_full(mini, live.site, tmp_path)
    write(mini, "news/2026-11-21-xin.md", item("新的动态", "2026-11-21 09:00", department="宣教科", kind="新闻"))
    live.build(["content/news/2026-11-21-xin.md"])  # and the column filled again
    same_as_full(mini, live.site, tmp_path)


def test_an_attachment_changed_alone(mini: Path, live: Live, tmp_path: Path) -> None:
    pdf = mini / "content/disaster/files/ming-dan.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% second edition\n")
    result = live.build(["content/disaster/files/ming-dan.pdf"])
    assert {"disaster/files/ming-dan.pdf", "disaster/fang-xun.html"} <= set(result.written)
    same_as_full(mini, live.site, tmp_path)


def test_a_scheduled_item_comes_due_with_no_change(mini: Path, live: Live, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, pieces_read: list[str]) -> None:
    write(mini, "news/2026-11-21-xin.md", item("新的动态", "2026-11-21 09:00", department="宣教科", kind="新闻"))
    live.build(["content/news/2026-11-21-xin.md"])
    del pieces_read[:]
    monkeypatch.setenv("PORTAL_NOW", "2026-12-01T09:05:00+08:00")
    result = live.build([])
    assert pieces_read == ["disaster"]  # the scheduled item's column, from the head's list of them
    assert "disaster/ding-shi.html" in result.written
    same_as_full(mini, live.site, tmp_path)


def test_many_items_over_pages_and_columns(mini: Path, live: Live, tmp_path: Path) -> None:
    names = []
    for n in range(45):
        names.append(f"disaster/2026-10-{n % 28 + 1:02d}-x{n}.md")
        write(mini, names[-1], item(f"第{n}号防汛简报", f"2026-10-{n % 28 + 1:02d} 08:{n:02d}"))
    live.build([f"content/{n}" for n in names])
    assert (live.site / "disaster/index_3.html").is_file()
    for name in names[::2]:
        (mini / "content" / name).unlink()
    write(mini, "disaster/2026-05-01-early.md", item("五月的旧稿补发", "2026-05-01 08:00"))
    result = live.build([f"content/{n}" for n in names[::2]] + ["content/disaster/2026-05-01-early.md"])
    assert "disaster/index_3.html" in result.removed
    same_as_full(mini, live.site, tmp_path)


def test_the_sitemap_spliced_equals_the_sitemap_written_whole(mini: Path) -> None:
    from portal import config
    from site_build import pages

    site = pages.Site(config.load(mini))
    urls = [("", ""), ("news/", ""), ("news/a&b.html", "2026-01-02"), ("news/防汛.html", "2026-03-01"),
            ("news/index_2.html", ""), ("news/z\"q.html", "2026-02-01"), ("disaster/<x>.html", "2026-05-05")]
    old = site.sitemap(urls)
    remove = {"news/a&b.html", "news/index_2.html"}
    add = [("news/a&c.html", "2026-06-01"), ("news/防汛.html", "2026-03-02"), ("a/", "")]
    after = [u for u in urls if u[0] not in remove | {"news/防汛.html"}] + add
    assert site.sitemap_patch(old, remove | {"news/防汛.html"}, add) == site.sitemap(after)
    assert site.sitemap_patch(old, {"news/missing.html"}, []) is None  # not in it: build it whole
    assert site.sitemap_patch(b"<urlset/>", set(), add) is None


def test_a_new_interpretation_rebuilds_its_document_in_a_column_not_touched(
        policy_portal: Path, tmp_path: Path, pieces_read: list[str]) -> None:  # noqa: F811
    live = Live(policy_portal, tmp_path)
    write(policy_portal, JIEDU, jiedu())
    result = live.build([f"content/{JIEDU}"])
    assert pieces_read == ["interpretations", "documents"]  # the document's column, for its page only
    assert {"interpretations/banfa-jiedu.html", "documents/banfa.html"} <= set(result.written)
    assert "documents/index.html" not in result.written
    same_as_full(policy_portal, live.site, tmp_path)
    write(policy_portal, DOC, doc(draft=True))  # the document taken down: its 解读 no longer links to it
    result = live.build([f"content/{DOC}"])
    assert "interpretations/banfa-jiedu.html" in result.written and "documents/banfa.html" in result.removed
    same_as_full(policy_portal, live.site, tmp_path)


def test_a_damaged_or_missing_piece_means_a_full_build(mini: Path, live: Live, tmp_path: Path) -> None:
    folder = state.folder_for(live.site)
    head = state.open_state(live.site)
    assert head is not None
    piece = folder / f"{head.head['pieces']['disaster']}.json"
    piece.write_bytes(piece.read_bytes().replace(b"fang-xun", b"fang-xuN"))
    write(mini, "disaster/2026-11-20-di-zhen.md", item("全市开展地震应急疏散演练", "2026-11-20 10:00"))
    result = build_site(mini, tmp_path / "again", incremental_from=live.site, delta=True,
                        changed=["content/disaster/2026-11-20-di-zhen.md"])
    assert result.ok and not result.incremental
    same_as_full(mini, tmp_path / "again", tmp_path)
    order = state.open_state(tmp_path / "again")
    assert order is not None
    (state.folder_for(tmp_path / "again") / f"{order.head['order'][0]}.json").unlink()
    result = build_site(mini, tmp_path / "third", incremental_from=tmp_path / "again", delta=True, changed=[])
    assert result.ok and not result.incremental
