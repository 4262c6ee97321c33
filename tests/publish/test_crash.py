"""A publish killed at any point leaves the old release live and complete, on disk and over HTTP."""
from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from site_build import manifest as mf
from site_build import publish

from .conftest import Run
from .test_publish import NEW_PAGE, PAGE, add_item, live

Serve = Callable[[Path], contextlib.AbstractContextManager[str]]


@pytest.mark.parametrize("point", publish.BEFORE_APPLY)
def test_a_crash_before_applying_leaves_the_old_site_live(
        point: str, run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path],
        valid_item: str, serve: Serve) -> None:
    www = tmp_path / "www"
    assert run_portal("publish", "--to", www)[0] == 0
    old = live(www)
    add_item(site_repo, write_item, valid_item)
    env = {**os.environ, publish.CRASH_ENV: point}
    crashed = subprocess.run([sys.executable, "-m", "portal", "--root", str(site_repo), "publish", "--to", str(www)],
                             env=env, capture_output=True, text=True, start_new_session=True)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert live(www) == old
    assert not (www / "current" / NEW_PAGE).exists() and (www / "current" / PAGE).is_file()
    status, out, _ = run_portal("verify-site", www)
    assert status == 0 and f"版本 {old}" in out
    with serve(www / "current") as url:
        status, out, _ = run_portal("verify-site", "--url", url, "--dir", www)
    assert status == 0 and "核验通过" in out
    # the next publish clears what the dead one left and goes live
    assert run_portal("publish", "--to", www)[0] == 0
    assert live(www) != old and (www / "current" / NEW_PAGE).is_file()
    assert not [p.name for p in (www / "releases").iterdir() if p.name.startswith(".")]
    assert not list(www.glob(".current.*"))
    assert run_portal("verify-site", www)[0] == 0


@pytest.mark.parametrize("point", publish.WHILE_APPLYING)
def test_a_crash_while_applying_leaves_whole_files_and_the_next_publish_finishes_it(
        point: str, run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path],
        valid_item: str) -> None:
    www = tmp_path / "www"
    assert run_portal("publish", "--to", www)[0] == 0
    old = live(www)
    add_item(site_repo, write_item, valid_item)
    env = {**os.environ, publish.CRASH_ENV: point}
    crashed = subprocess.run([sys.executable, "-m", "portal", "--root", str(site_repo), "publish", "--to", str(www)],
                             env=env, capture_output=True, text=True, start_new_session=True)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    layout = publish.Layout(www)
    pending = layout.pending()
    assert live(www) == old and pending is not None and pending != old
    # every file on the live site is whole: the old release's bytes or the new one's
    releases = [mf.read(layout.manifest(r))[0].files for r in (old, pending)]
    for path, entry in mf.scan(www / "current").items():
        assert any(files.get(path) == entry for files in releases), path
    status, out, _ = run_portal("verify-site", www)
    assert status == 1 and f"版本 {pending} 的发布在写入在用网站的途中中断" in out
    # the next publish finishes it first, then publishes (nothing new here: a release equal to it)
    assert run_portal("publish", "--to", www)[0] == 0
    assert layout.pending() is None and (www / "current" / NEW_PAGE).is_file()
    assert run_portal("verify-site", www)[0] == 0


def test_mid_build_crash_dies_while_the_release_is_partial(
        site_repo: Path, tmp_path: Path) -> None:
    """The 'mid-build' point really kills the build: no manifest, nothing renamed, not in the log."""
    www = tmp_path / "www"
    env = {**os.environ, publish.CRASH_ENV: "mid-build"}
    crashed = subprocess.run([sys.executable, "-m", "portal", "--root", str(site_repo), "publish", "--to", str(www)],
                             env=env, capture_output=True, text=True, start_new_session=True)
    assert crashed.returncode == -signal.SIGKILL
    partial = [p for p in (www / "releases").iterdir()]
    assert len(partial) == 1 and partial[0].name.endswith(".partial")
    assert not list(partial[0].rglob("manifest.json")) and any(p.is_file() for p in partial[0].rglob("*"))
    assert not (www / "current").exists() and not (www / "manifests.log").exists()


def test_readers_during_publishes_see_a_whole_release(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str,
        serve: Serve) -> None:
    """Pages fetched while publishes run are each exactly as in one of the releases, never absent or partial."""
    www = tmp_path / "www"
    run_portal("publish", "--to", www)
    paths = ["index.html", PAGE]
    seen: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def read(url: str) -> None:
        while not stop.is_set():
            for path in paths:
                try:
                    with urllib.request.urlopen(url + path, timeout=10) as response:
                        seen.append((path, response.status, hashlib.sha256(response.read()).hexdigest()))
                except urllib.error.HTTPError as exc:
                    seen.append((path, exc.code, ""))

    with serve(www / "current") as url:
        reader = threading.Thread(target=read, args=(url,))
        reader.start()
        try:
            add_item(site_repo, write_item, valid_item)
            for _ in range(3):
                assert run_portal("publish", "--to", www)[0] == 0
        finally:
            stop.set()
            reader.join()
    releases = publish.Layout(www).ordered()
    allowed = {(p, mf.read(www / "releases" / r / "manifest.json")[0].files[p].sha256) for r in releases for p in paths}
    assert seen and all(status == 200 and (path, sha) in allowed for path, status, sha in seen)
