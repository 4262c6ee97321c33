"""portal verify-site: a tampered page, an added file and a deleted file are each listed, on disk and over HTTP."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from site_build import manifest as mf

from .conftest import Run, git
from .test_publish import NEW_PAGE, PAGE, add_item, live

Serve = Callable[[Path], contextlib.AbstractContextManager[str]]
OTHER = "disaster/tai-feng.html"


@pytest.fixture
def www(run_portal: Run, tmp_path: Path) -> Path:
    to = tmp_path / "www"
    assert run_portal("publish", "--to", to)[0] == 0
    return to


def tamper(site: Path) -> None:
    """Deface a page, plant a file and delete a page."""
    (site / PAGE).write_text("<h1>此页已被篡改</h1>", encoding="utf-8")
    (site / "evil.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    (site / OTHER).unlink()


def test_an_untouched_site_passes(run_portal: Run, www: Path) -> None:
    for where in (www, www / "current", www / "releases" / live(www), www / "site"):
        status, out, _ = run_portal("verify-site", where)
        assert status == 0 and "核验通过" in out, where


@pytest.mark.parametrize("where", ["www", "www/current", "release"])
def test_changed_added_and_missing_files_are_each_listed(run_portal: Run, www: Path, where: str) -> None:
    tamper(www / "current")
    target = www / "releases" / live(www) if where == "release" else www.parent / where
    status, out, _ = run_portal("verify-site", target)
    assert status == 1
    assert f"被修改：{PAGE}" in out and "新增：evil.html（清单中没有此文件）" in out and f"缺失：{OTHER}" in out
    assert "发现异常：修改 1，新增 1，缺失 1。网页可能被篡改" in out


def test_json_report(run_portal: Run, www: Path) -> None:
    tamper(www / "current")
    status, out, _ = run_portal("verify-site", www, "--format", "json")
    report = json.loads(out)
    assert status == 1 and not report["ok"] and report["mode"] == "disk" and report["release"] == live(www)
    assert (report["changed"], report["added"], report["missing"]) == ([PAGE], ["evil.html"], [OTHER])


def test_a_planted_symlink_is_listed(run_portal: Run, www: Path) -> None:
    os.symlink("/etc/passwd", www / "current" / "passwd.html")
    os.symlink("/etc", www / "current" / "etc")
    status, out, _ = run_portal("verify-site", www)
    assert status == 1 and "新增：passwd.html" in out and "新增：etc（" in out


def test_a_copy_of_the_site_is_checked_with_manifest(run_portal: Run, www: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(www / "current", copy)
    manifest = www / "releases" / live(www) / "manifest.json"
    assert run_portal("verify-site", copy, "--manifest", manifest)[0] == 0
    (copy / PAGE).unlink()
    status, out, _ = run_portal("verify-site", copy, "--manifest", manifest)
    assert status == 1 and f"缺失：{PAGE}" in out
    status, _, err = run_portal("verify-site", copy)
    assert status == 1 and "找不到发布清单" in err and "--manifest" in err


def test_a_rewritten_manifest_is_caught_by_the_log(run_portal: Run, www: Path) -> None:
    """Whoever defaces a page and rewrites the manifest to match still differs from manifests.log."""
    tamper(www / "current")
    path = www / "releases" / live(www) / "manifest.json"
    manifest, _ = mf.read(path)
    manifest.files = mf.scan(www / "current")
    mf.write(path, manifest)
    status, out, _ = run_portal("verify-site", www)
    assert status == 1 and "清单异常：发布清单" in out and "清单被改动过" in out and "被修改" not in out


def test_a_forged_site_behind_current_is_caught(run_portal: Run, www: Path) -> None:
    forged = www / "forged"
    shutil.copytree(www / "site", forged)
    tamper(forged)
    (www / "current").unlink()
    os.symlink("forged", www / "current")
    status, out, _ = run_portal("verify-site", www)
    assert status == 1 and "指向 forged，不是 site" in out and f"被修改：{PAGE}" in out


def test_verify_needs_a_place(run_portal: Run) -> None:
    status, _, err = run_portal("verify-site")
    assert status == 1 and "请指定要核验的目录" in err


# --- over HTTP ---


def test_over_http_an_untouched_site_passes(run_portal: Run, www: Path, serve: Serve) -> None:
    with serve(www / "current") as url:
        status, out, _ = run_portal("verify-site", "--url", url, "--dir", www)
    assert status == 0 and "核验通过" in out and "通过 HTTP 无法列出服务器上多出的文件" in out


def test_over_http_changed_and_missing_pages_are_listed(run_portal: Run, www: Path, serve: Serve) -> None:
    tamper(www / "current")
    with serve(www / "current") as url:
        status, out, _ = run_portal("verify-site", "--url", url, "--dir", www)
        assert status == 1 and f"被修改：{PAGE}" in out and f"缺失：{OTHER}" in out and "evil.html" not in out
        status, out, _ = run_portal("verify-site", "--url", url, "--manifest",
                                    www / "releases" / live(www) / "manifest.json", "--format", "json")
    report = json.loads(out)
    assert (report["changed"], report["missing"], report["added_checked"]) == ([PAGE], [OTHER], False)


def test_over_http_new_pages_are_confirmed_live(
        run_portal: Run, www: Path, serve: Serve, site_repo: Path, write_item: Callable[..., Path],
        valid_item: str) -> None:
    first = live(www)
    add_item(site_repo, write_item, valid_item)
    run_portal("publish", "--to", www)
    with serve(www / "current") as url:
        status, out, _ = run_portal("verify-site", "--url", url, "--dir", www, "--new")
        assert status == 0 and f"与上一版本 {first} 相比新增或更新" in out
        assert f"  已上线：{NEW_PAGE}" in out and f"已上线：{PAGE}" not in out
        # a rollback is live at once: the server follows `current` on every request
        run_portal("rollback", "--dir", www)
        status, out, _ = run_portal("verify-site", "--url", url, "--dir", www)
        assert status == 0 and f"版本 {first}" in out


def test_over_http_a_page_not_yet_live_is_not_confirmed(
        run_portal: Run, www: Path, serve: Serve, site_repo: Path, write_item: Callable[..., Path],
        valid_item: str, tmp_path: Path) -> None:
    """The web server still serves the old copy (say, an rsync that did not run): the new page is missing."""
    stale = tmp_path / "stale"
    shutil.copytree(www / "current", stale)
    add_item(site_repo, write_item, valid_item)
    run_portal("publish", "--to", www)
    with serve(stale) as url:
        status, out, _ = run_portal("verify-site", "--url", url, "--dir", www, "--new", "--format", "json")
    report = json.loads(out)
    assert status == 1 and NEW_PAGE in report["new"] and NEW_PAGE not in report["confirmed"]
    assert NEW_PAGE in report["missing"]


def test_over_http_connection_refused_is_a_clear_error(run_portal: Run, www: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status, _, err = run_portal("verify-site", "--url", f"http://127.0.0.1:{port}/", "--dir", www)
    assert status == 1 and f"无法连接 http://127.0.0.1:{port}/：连接被拒绝" in err and "Traceback" not in err


def test_bad_url_and_new_without_url(run_portal: Run, www: Path) -> None:
    status, _, err = run_portal("verify-site", "--url", "127.0.0.1:8000", "--dir", www)
    assert status == 1 and "网址“127.0.0.1:8000”无效" in err
    status, _, err = run_portal("verify-site", www, "--new")
    assert status == 1 and "--new 须与 --url 合用" in err



def test_publish_confirms_its_new_pages_live(
        run_portal: Run, www: Path, serve: Serve, site_repo: Path, write_item: Callable[..., Path],
        valid_item: str, tmp_path: Path) -> None:
    add_item(site_repo, write_item, valid_item)
    with serve(www / "current") as url:
        status, out, _ = run_portal("publish", "--to", www, "--confirm-url", url)
    assert status == 0 and f"  已上线：{NEW_PAGE}" in out and "核验通过" in out
    stale = tmp_path / "stale"
    shutil.copytree(www / "current", stale)
    item = site_repo / "content" / "disaster" / "2026-11-20-di-zhen.md"
    item.write_text(item.read_text(encoding="utf-8").replace("演练", "培训"), encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "改稿")
    with serve(stale) as url:  # the web server still has the old copy
        status, out, _ = run_portal("publish", "--to", www, "--confirm-url", url)
    assert status == 1 and f"被修改：{NEW_PAGE}" in out and "已上线" not in out.replace("确认上线", "")
    status, _, err = run_portal("publish", "--to", www, "--confirm-url", "localhost")
    assert status == 1 and "网址“localhost”无效" in err


def test_over_http_a_server_that_never_answers_times_out(run_portal: Run, www: Path) -> None:
    with socket.socket() as s:  # listening, so the connection is accepted by the kernel, but never served
        s.bind(("127.0.0.1", 0))
        s.listen()
        url = f"http://127.0.0.1:{s.getsockname()[1]}/"
        status, _, err = run_portal("verify-site", "--url", url, "--dir", www, "--timeout", "0.2")
    assert status == 1 and "超时（0.2 秒）" in err and "--timeout" in err and "Traceback" not in err
