"""portal changes: what an uploader to object storage and a CDN must do between two releases."""
from __future__ import annotations

import json
from pathlib import Path

from .conftest import Run, git
from .test_publish import PAGE, live

ITEM = "content/disaster/2026-06-03-fang-xun.md"


def test_changes_follow_publish_withdraw_and_rollback(run_portal: Run, site_repo: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    assert run_portal("publish", "--to", www)[0] == 0
    first = live(www)
    # a first upload: every file of the live release, read from the store (never from the live site)
    status, out, _ = run_portal("changes", "--dir", www, "--format", "json")
    every = json.loads(out)
    assert status == 0 and every["since"] is None and every["release"] == first and every["delete"] == []
    paths = {f["path"] for f in every["put"]}
    assert {PAGE, "index.html", "sitemap.xml"} <= paths
    for f in every["put"]:
        assert Path(f["source"]).read_bytes() == (www / "current" / f["path"]).read_bytes()
    # withdrawing the item: its page is deleted, the pages that listed it are uploaded, nothing else
    git(site_repo, "rm", "-q", ITEM)
    git(site_repo, "commit", "-q", "-m", "撤稿")
    assert run_portal("publish", "--to", www)[0] == 0
    second = live(www)
    status, out, _ = run_portal("changes", "--dir", www, "--since", first, "--format", "tsv")
    rows = [line.split("\t") for line in out.splitlines()]
    assert status == 0 and ["delete", PAGE] in rows
    put = {r[1] for r in rows if r[0] == "put"}
    assert {"disaster/index.html", "sitemap.xml"} <= put and len(put) < len(paths) / 2
    # the CDN refreshes the changed addresses, a folder's index by its folder's address too
    status, out, _ = run_portal("changes", "--dir", www, "--since", first, "--format", "urls",
                                "--base-url", "https://yjj.example.gov.cn")
    assert f"https://yjj.example.gov.cn/{PAGE}" in out.splitlines()
    assert "https://yjj.example.gov.cn/disaster/" in out.splitlines()
    # after a rollback the live release is the first again: the uploader puts the page back
    assert run_portal("rollback", "--dir", www)[0] == 0
    status, out, _ = run_portal("changes", "--dir", www, "--since", second, "--format", "json")
    back = json.loads(out)
    assert back["release"] == first and PAGE in {f["path"] for f in back["put"]} and back["delete"] == []
    # nothing changed: nothing to do
    status, out, _ = run_portal("changes", "--dir", www, "--since", first)
    assert status == 0 and "上传 0 个文件，删除 0 个文件" in out


def test_changes_refuse_what_they_cannot_vouch_for(run_portal: Run, tmp_path: Path) -> None:
    www = tmp_path / "www"
    status, _, err = run_portal("changes", "--dir", www)
    assert status == 1 and "不是发布目录" in err and "Traceback" not in err
    assert run_portal("publish", "--to", www)[0] == 0
    status, _, err = run_portal("changes", "--dir", www, "--since", "20200101-000000-0000000")
    assert status == 1 and "没有保留版本 20200101-000000-0000000" in err
    status, _, err = run_portal("changes", "--dir", www, "--format", "urls")
    assert status == 1 and "--base-url" in err
    # a manifest changed after it was logged is refused, not listed
    head = www / "releases" / live(www) / "manifest.json"
    head.write_text(head.read_text(encoding="utf-8").replace('"items"', '"items" ', 1), encoding="utf-8")
    status, _, err = run_portal("changes", "--dir", www)
    assert status == 1 and "sha256" in err
