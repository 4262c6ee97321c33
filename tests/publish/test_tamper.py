"""A page of the live site written in place: no kept release changes with it, and rollback restores a clean one."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from site_build import publish

from .conftest import Run, git
from .test_publish import PAGE, add_item, live

DEFACED = "<h1>此页已被篡改</h1>".encode()


def _three_releases(run_portal: Run, site_repo: Path, to: Path, write_item: Callable[..., Path],
                    valid_item: str) -> list[str]:
    run_portal("publish", "--to", to)
    add_item(site_repo, write_item, valid_item)
    run_portal("publish", "--to", to)
    item = site_repo / "content" / "disaster" / "2026-11-20-di-zhen.md"
    item.write_text(item.read_text(encoding="utf-8").replace("演练", "培训"), encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "改稿")
    assert run_portal("publish", "--to", to)[0] == 0
    releases = publish.Layout(to).ordered()
    assert len(releases) == 3 and live(to) == releases[-1]
    return releases


def _write_in_place(path: Path, data: bytes) -> None:
    """What a defacer's editor or script does: open the existing file for writing, same inode."""
    inode = path.stat().st_ino
    with path.open("r+b") as f:
        f.truncate(0)
        f.write(data)
    assert path.stat().st_ino == inode


def test_a_page_written_in_place_changes_only_the_live_release_and_rollback_restores_a_clean_one(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    first, second, third = _three_releases(run_portal, site_repo, to, write_item, valid_item)
    # the page did not change between the releases: an incremental build carried it over each time
    pages = [(to / "releases" / r / "site" / PAGE).read_bytes() for r in (first, second, third)]
    assert pages[0] == pages[1] == pages[2]
    stylesheet = next(p.relative_to(to / "current").as_posix() for p in (to / "current").rglob("*.css"))
    _write_in_place(to / "current" / PAGE, DEFACED)
    _write_in_place(to / "current" / stylesheet, b"body{display:none}")

    status, out, _ = run_portal("verify-site", to)
    assert status == 1 and f"被修改：{PAGE}" in out and f"被修改：{stylesheet}" in out
    assert f"portal rollback --dir {to}" in out
    # the kept releases hold their own copies: they still match their manifests
    for release in (first, second):
        assert (to / "releases" / release / "site" / PAGE).read_bytes() == pages[0]
        assert run_portal("verify-site", to / "releases" / release)[0] == 0

    status, out, err = run_portal("rollback", "--dir", to)
    assert status == 0, err
    assert live(to) == second and f"由 {third} 改为 {second}" in out
    assert run_portal("verify-site", to)[0] == 0
    assert (to / "current" / PAGE).read_bytes() == pages[0]
    assert run_portal("verify-site", to / "releases" / first)[0] == 0
    # the defaced release is still refused, by name
    status, _, err = run_portal("rollback", "--dir", to, "--to", third)
    assert status == 1 and "修改 2" in err and live(to) == second


def test_no_file_of_a_release_shares_its_inode(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    _three_releases(run_portal, site_repo, to, write_item, valid_item)
    shared = [p for p in (to / "releases").rglob("*") if p.is_file() and os.lstat(p).st_nlink > 1]
    assert shared == []


def test_unshare_gives_a_linked_file_its_own_copy_with_the_same_bytes_and_mode(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    (old / "news").mkdir(parents=True)
    (old / "news" / "a.html").write_bytes("<p>原文</p>".encode() * 1000)
    (old / "news" / "a.html").chmod(0o644)
    (new / "news").mkdir(parents=True)
    os.link(old / "news" / "a.html", new / "news" / "a.html")
    (new / "index.html").write_text("首页", encoding="utf-8")
    assert publish.unshare(new) == 1
    _write_in_place(new / "news" / "a.html", DEFACED)
    assert (old / "news" / "a.html").read_bytes() == "<p>原文</p>".encode() * 1000
    assert (new / "news" / "a.html").stat().st_mode & 0o777 == 0o644
    assert publish.unshare(new) == 0
    assert sorted(p.name for p in new.rglob("*")) == ["a.html", "index.html", "news"]
