"""A full build in several worker processes writes exactly the bytes of a build in one, reports exactly
its findings, and still publishes only files whose checked bytes it has."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from checks import runner
from portal import model
from portal.errors import PortalError
from site_build import parallel, render, state
from site_build.build import build_site
from tests.conftest import people_for
from tests.site.conftest import PDF, item, tree, write

SUBJECTS = ["防汛抗旱", "森林防火", "安全生产", "地震应急", "危险化学品", "应急演练"]


def portal_of_many(root: Path) -> Path:
    """The mini portal plus 40 items over four columns, one column with an unreferenced file, accepted.yml
    with a stale entry: warnings in several chunks, and items whose pages and words differ."""
    from tests.site.conftest import mini_portal

    mini_portal(root)
    columns = [("news", "宣教科", "新闻"), ("disaster", "防汛抗旱科", "动态"), ("notices", "局办公室", "通知"),
               ("permits", "危化科", "公告")]
    for i in range(40):
        column, dept, kind = columns[i % len(columns)]
        subject = SUBJECTS[i % len(SUBJECTS)]
        body = f"第{i}篇：{subject}工作有序开展，各单位密切配合。\n\n下一步将持续推进{subject}各项工作。"
        if column == "permits" and i % 8 == 3:
            body += "\n\n详见[名单](files/ming-dan.pdf)。"
        write(root, f"{column}/2026-{1 + i % 10:02d}-{10 + i % 18:02d}-item-{i:02d}.md",
              item(f"{subject}工作简报（{i}）", f"2026-{1 + i % 10:02d}-{10 + i % 18:02d} {8 + i % 9:02d}:00",
                   department=dept, kind=kind, body=body))
    (root / "content/permits/files").mkdir(parents=True, exist_ok=True)
    shutil.copy(PDF, root / "content/permits/files/ming-dan.pdf")
    (root / "content/permits/files/wei-yin-yong.txt").write_text("没有稿件引用的文件\n", encoding="utf-8")
    person = people_for("局办公室")["office"]
    (root / "accepted.yml").write_text(
        "accepted:\n"
        f"  - {{file: content/news/2026-01-10-item-00.md, rule: WORD-JIEZHI, fingerprint: 0123456789abcdef, by: {person},"
        " reason: 测试用的过期记录, date: 2026-11-01}\n", encoding="utf-8")
    return root


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PORTAL_NOW", "2026-11-22T12:00:00+08:00")
    return portal_of_many(tmp_path / "portal")


def build_with(root: Path, out: Path, workers: int, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(parallel.ENV, str(workers))
    return build_site(root, out)


def test_any_number_of_workers_writes_the_bytes_of_one(many: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    one = build_with(many, tmp_path / "one", 1, monkeypatch)
    assert one.ok, [f.format() for f in one.findings]
    rules = {f.rule for f in one.findings}
    assert {"ATT-UNREFERENCED", "ACCEPT-STALE"} <= rules  # warnings from the column kept whole and from accepted.yml
    assert one.findings == runner.check_paths(many)[1]  # what `portal check` reports
    for n, part_min in ((2, 0), (3, 0), (7, 0), (1, 4), (2, 4)):  # part_min 4: a chunk is checked in parts
        monkeypatch.setattr(parallel, "PART_MIN", part_min or parallel.PART_MIN)
        name = f"n{n}-{part_min}"
        result = build_with(many, tmp_path / name, n, monkeypatch)
        assert result.ok and result.findings == one.findings
        assert result.pages == one.pages and result.items == one.items == 43
        a, b = tree(tmp_path / "one"), tree(tmp_path / name)
        assert sorted(a) == sorted(b)
        assert [rel for rel in a if a[rel] != b[rel]] == []
        assert state.load(tmp_path / name) == state.load(tmp_path / "one")
    assert (tmp_path / "n3-0/permits/files/ming-dan.pdf").read_bytes() == PDF.read_bytes()  # checked in a worker


def test_chunks_split_items_evenly_but_never_a_column_with_files(many: Path) -> None:
    config = model.load_config(many)
    findings: list = []
    files = model._content_files(many, findings)
    chunks = parallel.split(config, files, findings, 3)
    assert sorted(f for c in chunks for f in c.files) == sorted(files)
    holding = [c for c in chunks if any(f.startswith("content/permits/") for f in c.files)]
    assert len(holding) == 1  # permits/files/ has files: its items stay together
    for column in ("content/news/", "content/notices/"):  # no files/ folder: split freely
        assert len([c for c in chunks if any(f.startswith(column) for f in c.files)]) >= 1
    assert max(len(c.files) for c in chunks) - min(len(c.files) for c in chunks) <= 12
    assert not any(c.complete for c in chunks)
    assert parallel.split(config, files, findings, 1)[0].complete


def test_an_error_in_a_worker_stops_the_build_with_the_same_findings(many: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (many / "content/news/2026-01-10-item-00.md").write_text(
        item("缺少审核人的稿件", "2026-01-10 08:00", department="宣教科", kind="新闻").replace("  初审", "  #初审")
        .replace("reviewers: ", "reviewer: "), encoding="utf-8")
    write(many, "notices/2026-09-01-mi-mi.md", item("内部通知", "2026-09-01 09:00", department="局办公室", kind="通知",
                                                    body="本文件属于机密★1年，不得公开。"))
    (many / "content/disaster/readme.txt").write_text("不是稿件\n", encoding="utf-8")
    expected = runner.check_paths(many)[1]
    assert {"FILE-NOT-MARKDOWN"} <= {f.rule for f in expected} and sum(f.severity == "error" for f in expected) >= 3
    for n in (1, 3, 30):
        if n == 30:  # in parts
            monkeypatch.setattr(parallel, "PART_MIN", 4)
        result = build_with(many, tmp_path / f"site{n}", n, monkeypatch)
        assert not result.ok
        assert result.findings == expected
        assert not (tmp_path / f"site{n}").exists()


def test_a_file_changed_after_the_workers_checked_it_is_not_published(many: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_with(many, tmp_path / "site", 2, monkeypatch).ok
    before = tree(tmp_path / "site")
    copy = render.copy_files

    def change_then_copy(out, root, entries):  # type: ignore[no-untyped-def]
        pdf = root / "content/permits/files/ming-dan.pdf"
        pdf.write_bytes(pdf.read_bytes() + b"\n% added after the checks\n")
        copy(out, root, entries)

    monkeypatch.setattr(render, "copy_files", change_then_copy)
    monkeypatch.setenv(parallel.ENV, "2")
    with pytest.raises(PortalError, match="未经本次检查"):
        build_site(many, tmp_path / "site")
    assert tree(tmp_path / "site") == before  # the site that was there is left as it was
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.new-")]


def test_incremental_after_a_parallel_full_build_equals_a_full_build(many: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_with(many, tmp_path / "v1", 3, monkeypatch).ok
    write(many, "news/2026-11-20-xin-gao.md", item("全市开展冬春火灾防控工作", "2026-11-20 10:00", department="宣教科",
                                                   kind="新闻", body="冬春火灾防控工作全面启动。"))
    (many / "content/notices/2026-07-16-item-06.md").unlink()
    result = build_site(many, tmp_path / "v2", incremental_from=tmp_path / "v1")
    assert result.ok and result.incremental
    full = build_with(many, tmp_path / "full", 2, monkeypatch)
    assert full.ok and not full.incremental
    a, b = tree(tmp_path / "v2"), tree(tmp_path / "full")
    assert sorted(a) == sorted(b)
    assert [rel for rel in a if a[rel] != b[rel]] == []


def test_a_build_in_a_server_thread_does_not_fork(many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fork() copies only the calling thread: in a process with other threads the build stays in one process."""
    seen: list[tuple[int, bool]] = []

    class Spy(parallel.Pool):
        def __init__(self, chunks, fork):  # type: ignore[no-untyped-def]
            seen.append((len(chunks), fork))
            super().__init__(chunks, fork)

    monkeypatch.setattr(parallel, "Pool", Spy)
    monkeypatch.setenv(parallel.ENV, "3")
    results = []
    thread = threading.Thread(target=lambda: results.append(build_site(many, tmp_path / "site")))
    thread.start()
    thread.join()
    assert results[0].ok and seen == [(1, False)]
    assert build_site(many, tmp_path / "forked").ok and seen[-1] == (3, True)
    a, b = tree(tmp_path / "site"), tree(tmp_path / "forked")
    assert sorted(a) == sorted(b) and [rel for rel in a if a[rel] != b[rel]] == []
