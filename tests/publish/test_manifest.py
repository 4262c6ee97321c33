"""The manifest: every file's size and sha256, compared file by file."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from portal.errors import PortalError
from site_build import manifest as mf


def make_site(root: Path) -> Path:
    (root / "news" / "a").mkdir(parents=True)
    (root / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    (root / "news" / "a" / "index.html").write_bytes(b"<p>a</p>")
    (root / "files").mkdir()
    (root / "files" / "附件.pdf").write_bytes(b"%PDF-1.4")
    return root


def test_scan_records_every_file_with_size_and_sha256(tmp_path: Path) -> None:
    files = mf.scan(make_site(tmp_path))
    assert sorted(files) == ["files/附件.pdf", "index.html", "news/a/index.html"]
    assert files["news/a/index.html"] == mf.Entry(8, hashlib.sha256(b"<p>a</p>").hexdigest())


def test_compare_lists_changed_added_and_missing(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    before = mf.scan(site)
    assert mf.compare(before, mf.scan(site)).clean
    (site / "index.html").write_text("<h1>首页!</h1>", encoding="utf-8")
    (site / "news" / "a" / "index.html").unlink()
    (site / "news" / "b.html").write_text("new", encoding="utf-8")
    os.symlink("../index.html", site / "files" / "link.html")
    diff = mf.compare(before, mf.scan(site))
    assert (diff.changed, diff.added, diff.missing) == (["index.html"], ["files/link.html", "news/b.html"],
                                                       ["news/a/index.html"])


def test_same_size_different_content_is_a_change(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    before = mf.scan(site)
    (site / "news" / "a" / "index.html").write_bytes(b"<p>b</p>")
    assert mf.compare(before, mf.scan(site)).changed == ["news/a/index.html"]


def test_write_and_read_round_trip(tmp_path: Path) -> None:
    manifest = mf.Manifest("20261122-120000-abcdef1", "abcdef1" * 5 + "ab", False, "2026-11-22T12:00:00+08:00", 2,
                           mf.scan(make_site(tmp_path / "site")))
    sha = mf.write(tmp_path / "manifest.json", manifest)
    assert mf.read(tmp_path / "manifest.json") == (manifest, sha)
    assert sha == hashlib.sha256((tmp_path / "manifest.json").read_bytes()).hexdigest()


@pytest.mark.parametrize("data", [b"{", b'{"release": "x"}', b'{"release": "x", "time": "t", "files": [{"path": 1}]}',
                                  b"\xff\xfe"])
def test_a_damaged_manifest_is_a_clear_error(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "manifest.json").write_bytes(data)
    with pytest.raises(PortalError, match="发布清单无法读取"):
        mf.read(tmp_path / "manifest.json")


def test_a_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PortalError, match="无法读取发布清单"):
        mf.read(tmp_path / "manifest.json")
