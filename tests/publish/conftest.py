"""Fixtures for publishing: a small portal in a real git repo, the portal CLI, a loopback web server."""
from __future__ import annotations

import contextlib
import functools
import http.server
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal import cli

GIT_ENV = {
    "GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "test@localhost",
    "GIT_COMMITTER_NAME": "测试", "GIT_COMMITTER_EMAIL": "test@localhost",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
}
SECOND_TITLE = "市防汛抗旱指挥部启动台风防御四级应急响应"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def site_repo(tmp_portal: Path, write_item: Callable[..., Path], valid_item: str,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    """A portal of two items, committed to a fresh git repository."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    write_item("disaster/2026-06-03-fang-xun.md", valid_item)
    second = valid_item.replace("市应急管理局召开全市防汛工作部署会", SECOND_TITLE).replace("2026-06-03 16:30", "2026-07-10 09:00")
    write_item("disaster/2026-07-10-tai-feng.md", second)
    git(tmp_portal, "init", "-q", "-b", "main")
    git(tmp_portal, "add", ".")
    git(tmp_portal, "commit", "-q", "-m", "两篇稿件")
    return tmp_portal


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_portal(site_repo: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `portal --root <site_repo> ARGS...` in this process: (exit status, stdout, stderr)."""
    def run(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        status = cli.main(["--root", str(site_repo), *map(str, args)])
        out, err = capsys.readouterr()
        return status, out, err

    return run


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    """Serve `folder` (a path, followed anew on every request, as nginx does) on 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def serve() -> Callable[[Path], contextlib.AbstractContextManager[str]]:
    return _serve
