"""`portal build` and the plain `mkdocs build` with the plugin."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal import cli
from site_build import build as build_module
from site_build import state
from tests.site.conftest import item, tree, write


def portal(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_build_then_incremental_build(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = portal(mini, capsys, "build")
    assert status == 0 and "完整构建" in out and "3 篇稿件" in out
    assert (mini / "site/disaster/fang-xun.html").is_file() and state.path_for(mini / "site").is_file()
    write(mini, "disaster/2026-11-20-di-zhen.md", item("全市开展地震应急疏散演练", "2026-11-20 10:00"))
    status, out, _ = portal(mini, capsys, "build")
    assert status == 0 and "增量构建" in out and "4 篇稿件" in out
    status, out, _ = portal(mini, capsys, "build", "--full")
    assert status == 0 and "完整构建" in out


def test_build_refuses_on_a_check_error(mini: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "www"
    assert portal(mini, capsys, "build", "--out", str(out_dir))[0] == 0
    before = tree(out_dir)
    write(mini, "disaster/2026-11-21-mi.md", item("内部通报", "2026-11-21 09:00", body="秘密★1年\n\n内部通报正文。"))
    status, out, err = portal(mini, capsys, "build", "--out", str(out_dir))
    assert status == 1
    assert "content/disaster/2026-11-21-mi.md:" in out and "[错误]" in out
    assert "未构建网站" in err and "保持原样" in err
    assert tree(out_dir) == before


def test_commands_are_registered() -> None:
    assert "build" in cli.COMMANDS and "serve" in cli.COMMANDS
    help_text = cli.build_parser().format_help()
    assert "build" in help_text and "serve" in help_text


def own_mkdocs_yml(root: Path) -> None:
    """Give the portal an mkdocs.yml of its own: the packaged one, with absolute theme paths."""
    package = Path(build_module.__file__).parent
    (root / "mkdocs.yml").write_text(
        (package / "mkdocs.yml").read_text(encoding="utf-8")
        .replace("docs_dir: docs", f"docs_dir: {package / 'docs'}")
        .replace("custom_dir: overrides", f"custom_dir: {package / 'overrides'}"), encoding="utf-8")


def test_plain_mkdocs_build_with_the_plugin(mini: Path, tmp_path: Path) -> None:
    """The plugin works from its entry point in an ordinary `mkdocs build`, with the same result."""
    own_mkdocs_yml(mini)
    mkdocs = Path(sys.executable).parent / "mkdocs"
    done = subprocess.run([str(mkdocs), "build", "-q", "-f", str(mini / "mkdocs.yml"), "-d", str(tmp_path / "plain")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert build_module.build_site(mini, tmp_path / "ours").ok
    assert tree(tmp_path / "plain") == tree(tmp_path / "ours")


def test_plain_mkdocs_build_refuses_on_a_check_error(mini: Path, tmp_path: Path) -> None:
    write(mini, "disaster/2026-11-21-bad.md", item("部门写错", "2026-11-21 09:00")
          .replace('department: "防汛抗旱科"', 'department: "防汛抗早科"'))
    own_mkdocs_yml(mini)
    done = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "-q", "-f", str(mini / "mkdocs.yml"),
                           "-d", str(tmp_path / "plain")], capture_output=True, text=True)
    assert done.returncode != 0
    assert "检查未通过，未构建网站" in done.stderr and "2026-11-21-bad.md" in done.stderr


def test_portal_logic_does_not_depend_on_mkdocs() -> None:
    """pages, shell, search, render, and the published view with its markup, must survive a move to
    Material's successor."""
    package = Path(build_module.__file__).parent
    for path in [package / f"{name}.py" for name in ("pages", "shell", "search", "render")] + \
            [package.parent / "portal" / f"{name}.py" for name in ("markup", "view")]:
        source = path.read_text(encoding="utf-8")
        name = path.stem
        assert "import mkdocs" not in source and "from mkdocs" not in source, name


def test_serve_previews_and_rebuilds_on_change(mini: Path) -> None:
    """`portal serve` on 127.0.0.1: the site, then a new item appears without restarting."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "portal", "--root", str(mini), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def fetch(path: str, deadline: float) -> str:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as r:
                    return r.read().decode("utf-8")
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)

    try:
        assert "<title>云江市应急管理局</title>" in fetch("", time.monotonic() + 120)
        assert "市应急管理局召开全市防汛工作部署会" in fetch("disaster/fang-xun.html", time.monotonic() + 10)
        write(mini, "disaster/2026-11-20-di-zhen.md", item("全市开展地震应急疏散演练", "2026-11-20 10:00"))
        assert "全市开展地震应急疏散演练" in fetch("disaster/di-zhen.html", time.monotonic() + 120)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "预览地址：http://127.0.0.1:" in out
