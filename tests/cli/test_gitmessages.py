"""git and ssh failures explained in Chinese, the original line kept: real git and ssh-keygen runs."""
from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal import cli, gitmessages

ENV = {**os.environ, "GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "t@localhost", "GIT_COMMITTER_NAME": "测试",
       "GIT_COMMITTER_EMAIL": "t@localhost", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
       "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, start_new_session=True)  # no terminal, as under portal


def commit(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text, encoding="utf-8")
    run("git", "-C", repo, "add", name)
    assert run("git", "-C", repo, "commit", "-q", "-m", text).returncode == 0


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    run("git", "init", "-q", "-b", "main", work)
    commit(work, "a.md", "第一版\n")
    return work


def explained(stderr: str, *needles: str) -> str:
    """The explanation of real output: it keeps the text and adds a 说明 holding each needle."""
    text = gitmessages.explain(stderr)
    assert text.startswith(stderr)
    notes = text[len(stderr):]
    for needle in needles:
        assert needle in notes, notes
    return notes


@pytest.mark.parametrize(("pattern", "chinese", "sample"), gitmessages.MESSAGES, ids=lambda v: str(v)[:30])
def test_every_entry_explains_its_own_sample_and_keeps_the_line(pattern: str, chinese: str, sample: str) -> None:
    (line, note), = gitmessages.explanations(f"some preamble\n{sample}\n")
    assert line == sample.strip()
    # its sample is explained by this entry, not by an earlier one
    first = next(p for p, _, _ in gitmessages.MESSAGES if __import__("re").search(p, sample.strip()))
    assert first == pattern
    assert "{" not in note and note.startswith(chinese.split("{")[0])


def test_text_without_git_messages_is_left_alone() -> None:
    assert gitmessages.explain("稿件有 2 个错误") == "稿件有 2 个错误"


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_ssh_keygen_missing_key_and_passphrase(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("内容", encoding="utf-8")
    missing = run("ssh-keygen", "-Y", "sign", "-n", "git", "-f", tmp_path / "nokey", tmp_path / "f")
    assert missing.returncode != 0 and "Couldn't load public key" in missing.stderr
    explained(missing.stderr, "无法读取 SSH 密钥", str(tmp_path / "nokey"), "user.signingkey", "原文：Couldn't load")
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "口令secret", "-f", tmp_path / "key")
    locked = run("ssh-keygen", "-Y", "sign", "-n", "git", "-f", tmp_path / "key", tmp_path / "f")
    assert locked.returncode != 0 and "Enter passphrase" in locked.stderr
    explained(locked.stderr, "私钥设有口令", "ssh-add", "原文：Enter passphrase")


def test_push_declined_by_the_pre_receive_hook(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "server.git"
    run("git", "init", "-q", "--bare", "-b", "main", bare)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho '审核门禁未通过' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    push = run("git", "-C", repo, "push", bare, "main")
    assert push.returncode != 0 and "pre-receive hook declined" in push.stderr
    notes = explained(push.stderr, "审核门禁（pre-receive 钩子）拒绝了这次推送", "remote:", "服务器上的内容没有改变")
    assert "服务器拒绝更新" not in notes  # one explanation per line: the specific one


def test_push_rejected_as_non_fast_forward(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "server.git"
    run("git", "clone", "-q", "--bare", repo, bare)
    other = tmp_path / "other"
    run("git", "clone", "-q", bare, other)
    commit(other, "a.md", "同事的改动\n")
    assert run("git", "-C", other, "push", "-q", "origin", "main").returncode == 0
    commit(repo, "a.md", "我的改动\n")
    push = run("git", "-C", repo, "push", bare, "main")
    assert push.returncode != 0 and "[rejected]" in push.stderr
    explained(push.stderr, "服务器上的分支已有你本地没有的提交", "git pull --rebase")


def test_merge_conflict(repo: Path) -> None:
    run("git", "-C", repo, "switch", "-q", "-c", "review/x")
    commit(repo, "a.md", "审核分支的改动\n")
    run("git", "-C", repo, "switch", "-q", "main")
    commit(repo, "a.md", "主分支的改动\n")
    merge = run("git", "-C", repo, "merge", "review/x")
    assert merge.returncode != 0
    explained(merge.stdout, "合并冲突：a.md", "<<<<<<<", "自动合并失败")


class _NeedsPassword(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def _server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NeedsPassword)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/portal.git"
    finally:
        server.shutdown()
        server.server_close()


def test_https_remote_asking_for_a_password(repo: Path) -> None:
    with _server() as url:
        fetch = run("git", "-C", repo, "-c", "credential.helper=", "fetch", url)
    assert fetch.returncode != 0 and "could not read Username" in fetch.stderr
    explained(fetch.stderr, "需要用户名和密码，但无法在终端中询问", "127.0.0.1")


def test_the_cli_explains_a_git_failure_under_its_own_message(
        tmp_portal: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                 "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL"):
        monkeypatch.setenv(name, ENV[name])
    run("git", "init", "-q", "-b", "main", tmp_portal)
    run("git", "-C", tmp_portal, "add", ".")
    run("git", "-C", tmp_portal, "commit", "-q", "-m", "门户")
    run("git", "-C", tmp_portal, "remote", "add", "origin", tmp_portal / "nowhere.git")
    assert cli.main(["--root", str(tmp_portal), "queue", "--person", "sun.lixin"]) == 1
    err = capsys.readouterr().err
    assert "does not appear to be a git repository" in err  # the original, for the administrator
    assert "说明：“" in err and "不是 Git 仓库或远程仓库名" in err and "git remote -v" in err
