"""A page of the live site written in place: no kept release changes with it, and rollback restores a clean one."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from site_build import manifest as mf
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


def _stored(to: Path, release: str, path: str) -> bytes:
    """The bytes a kept release holds for `path`: its store object."""
    manifest = mf.read(to / "releases" / release / "manifest.json")[0]
    return publish.Layout(to).object(manifest.files[path].sha256).read_bytes()


def test_a_page_written_in_place_changes_only_the_live_site_and_rollback_restores_a_clean_one(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    first, second, third = _three_releases(run_portal, site_repo, to, write_item, valid_item)
    # the page did not change between the releases: one object in the store, and a copy of it on the live site
    pages = [_stored(to, r, PAGE) for r in (first, second, third)]
    assert pages[0] == pages[1] == pages[2] == (to / "current" / PAGE).read_bytes()
    stylesheet = next(p.relative_to(to / "current").as_posix() for p in (to / "current").rglob("*.css"))
    _write_in_place(to / "current" / PAGE, DEFACED)
    _write_in_place(to / "current" / stylesheet, b"body{display:none}")

    status, out, _ = run_portal("verify-site", to)
    assert status == 1 and f"被修改：{PAGE}" in out and f"被修改：{stylesheet}" in out
    assert f"portal rollback --dir {to}" in out
    # the kept releases' files are in the store, untouched
    for release in (first, second, third):
        assert _stored(to, release, PAGE) == pages[0]
    for release in (first, second):  # a release that is not live is checked in the store
        status, out, _ = run_portal("verify-site", to / "releases" / release)
        assert status == 0 and "store" in out

    status, out, err = run_portal("rollback", "--dir", to)
    assert status == 0, err
    assert live(to) == second and f"由 {third} 改为 {second}" in out
    assert run_portal("verify-site", to)[0] == 0  # the tampered files were restored too
    assert (to / "current" / PAGE).read_bytes() == pages[0]
    assert run_portal("verify-site", to / "releases" / first)[0] == 0
    # the release that was live when the site was defaced is clean in the store: going back to it is fine
    assert run_portal("rollback", "--dir", to, "--to", third)[0] == 0
    assert live(to) == third and run_portal("verify-site", to)[0] == 0


def test_no_file_of_the_live_site_shares_its_inode(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    _three_releases(run_portal, site_repo, to, write_item, valid_item)
    assert run_portal("rollback", "--dir", to)[0] == 0
    shared = [p for p in (to / "site").rglob("*") if p.is_file() and os.lstat(p).st_nlink > 1]
    assert shared == []
    # and every store object is read-only
    assert all(p.stat().st_mode & 0o222 == 0 for p in (to / "store").rglob("*") if p.is_file())
