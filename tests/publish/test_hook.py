"""The server's post-receive hook (portal server install) publishes main with portal publish."""
from __future__ import annotations

import subprocess
from pathlib import Path

from site_build import manifest as mf

from .conftest import Run, git
from .test_publish import PAGE, live


def test_a_push_to_main_publishes_a_release_named_after_the_commit(
        run_portal: Run, site_repo: Path, tmp_path: Path) -> None:
    bare, www = tmp_path / "server.git", tmp_path / "www"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    status, _, err = run_portal("server", "install", bare, "--publish-dir", www)
    assert status == 0, err
    push = subprocess.run(["git", "-C", str(site_repo), "push", "-q", str(bare), "main"], capture_output=True, text=True)
    assert push.returncode == 0, push.stderr
    assert "portal publish" in push.stderr and "成功" in push.stderr
    head = git(site_repo, "rev-parse", "HEAD").strip()
    assert live(www) == f"20261122-120000-{head[:7]}"
    assert (www / "current" / PAGE).is_file()
    assert mf.read(www / "releases" / live(www) / "manifest.json")[0].commit == head
    assert run_portal("verify-site", www)[0] == 0
