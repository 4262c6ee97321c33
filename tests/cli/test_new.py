"""Interactive `portal new` in a real pseudo-terminal: every column listed, Chinese names, reviewers, Ctrl-D/Ctrl-C."""
from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from portal import cli, model

PROMPT = re.compile(r"[^\n]*：$")  # input()'s prompt: the last line, ending in a full-width colon


class Session:
    def __init__(self, output: str, status: int) -> None:
        self.output, self.status = output, status

    @property
    def prompts(self) -> list[str]:
        return re.findall(r"^([^\n：]*?)(?: \[[^\]]*\])?：", self.output, re.MULTILINE)


def drive(root: Path, answers: Iterable[str | bytes], *args: str) -> Session:
    """Run `portal new ARGS` on a real terminal and answer each prompt in turn.

    A str answer is typed followed by Enter; bytes are sent as they are (b"\\x04" is Ctrl-D, b"\\x03" Ctrl-C).
    """
    import pty

    pending = list(answers)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the portal command on the terminal
        os.chdir(root)
        os.environ["COLUMNS"] = "100"
        os.execv(sys.executable, [sys.executable, "-m", "portal", "new", *args])
    output = b""
    since = 0
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        text = output[since:].decode("utf-8", "replace").replace("\r\n", "\n")
        if pending and PROMPT.search(text):
            answer = pending.pop(0)
            if isinstance(answer, bytes):
                _wait_until_reading(pid)
            os.write(fd, answer if isinstance(answer, bytes) else (answer + "\n").encode())
            since = len(output)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return Session(output.decode("utf-8", "replace").replace("\r\n", "\n"), os.waitstatus_to_exitcode(status))


def _wait_until_reading(pid: int) -> None:
    """Wait until the child sleeps in its read of the terminal, as it does long before a person presses a key.

    A Ctrl-C that lands between Python printing the prompt and starting read() is only seen at the next key
    (CPython checks for signals when read() is interrupted), a race no person at a keyboard can hit.
    """
    wchan = Path(f"/proc/{pid}/wchan")
    for _ in range(500):
        with contextlib.suppress(OSError):
            if wchan.read_text() in ("wait_woken", "n_tty_read"):
                return
        time.sleep(0.01)


def created(root: Path) -> list[Path]:
    return sorted((root / "content").rglob("*.md"))


def test_a_clerk_finishes_an_item_by_chinese_names_and_numbers(tmp_portal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = drive(tmp_portal, [
        "应急科普",          # the column by its Chinese title
        "夏季防溺水安全提示",
        "",                 # kind: the default, 科普
        "",                 # department: the column's only one
        "孙立新",            # author by name
        "2",                # importance by number: 重要
        "1",                # 初审: the only unit head of 宣教科, by number
        "徐春燕",            # 保密审查 by name
        "li.xiaoming",      # 复审 by id
        "1", "1", "1", "1",  # any further stages: the first person offered
    ])
    assert session.status == 0, session.output
    # every one of the 25 columns is offered, by Chinese title, numbered
    for title in ("动态要闻", "应急科普", "权责清单", "“放管服”改革", "安委会工作"):
        assert re.search(rf"\d+\. {re.escape(title)}", session.output), title
    assert "栏目（共 25 个），可输入编号、名称或 id" in session.output
    assert "重要程度，可输入编号、名称或 id\n  1. 一般  2. 重要  3. 重大" in session.output
    # each stage offers only the people who may sign it, by name: 初审 of 宣教科 is its unit head
    stage = session.output.split("初审人", 2)[1]  # from its list to its prompt
    assert "吴国庆（wu.guoqing）" in stage and "孙立新" not in stage and "徐春燕" not in stage
    (path,) = created(tmp_portal)
    item = path.read_text(encoding="utf-8")
    assert path.parent.name == "science" and 'title: "夏季防溺水安全提示"' in item
    assert "type: 科普" in item and "author: [sun.lixin]" in item and "importance: 重要" in item
    assert "初审: wu.guoqing" in item and "保密审查: xu.chunyan" in item and "复审: li.xiaoming" in item
    # the clerk's item passes every check as written
    capsys.readouterr()
    assert cli.main(["--root", str(tmp_portal), "check"]) == 0, capsys.readouterr().out


def test_column_by_number_or_id_and_a_wrong_answer_is_asked_again(tmp_portal: Path) -> None:
    session = drive(tmp_portal, ["应急可普", "99", "1", "防汛工作动态", "", "", "sun.lixin, 周玉兰", "", "", "", "", ""])
    assert session.status == 0, session.output
    assert "没有“应急可普”。是否想输入“应急科普”？" in session.output
    assert "没有“99”。请输入 1–25 的编号" in session.output
    (path,) = created(tmp_portal)
    item = path.read_text(encoding="utf-8")
    assert path.parent.name == "news" and "author: [sun.lixin, zhou.yulan]" in item
    # Enter takes the only person who may sign a stage; with two (终审: the office) it leaves the stage empty
    portal, _ = model.load_or_findings(tmp_portal)
    assert portal is not None
    assert portal.articles[0].reviewers["初审"] == "wu.guoqing" and portal.articles[0].reviewers["终审"] == ""
    assert "请填写正文和审核人（终审）" in session.output


def test_the_column_given_on_the_command_line_is_not_asked(tmp_portal: Path) -> None:
    session = drive(tmp_portal, ["标题", "", "", "sun.lixin", "", "", "", "", ""], "科普")
    assert session.status == 1 and "没有栏目“科普”" in session.output
    session = drive(tmp_portal, ["安全用电常识", "", "", "sun.lixin", "", "", "", "", ""], "应急科普")
    assert session.status == 0, session.output
    assert "栏目（" not in session.output and created(tmp_portal)[0].parent.name == "science"


@pytest.mark.parametrize(("answers", "status", "message"), [
    ([b"\x04"], 1, "已取消，未创建稿件"),                      # Ctrl-D at the column
    (["news", "标题", b"\x04"], 1, "已取消，未创建稿件"),       # Ctrl-D later on
    (["news", b"\x03"], 130, "已取消（Ctrl-C），未创建稿件"),   # Ctrl-C
    (["news", "标题", "", "", "sun.lixin", "", b"\x03"], 130, "已取消（Ctrl-C），未创建稿件"),
])
def test_ctrl_d_and_ctrl_c_end_cleanly(tmp_portal: Path, answers: list[str | bytes], status: int,
                                       message: str) -> None:
    session = drive(tmp_portal, answers)
    assert session.status == status and message in session.output, session.output[-400:]
    assert "内部错误" not in session.output and "Traceback" not in session.output
    assert created(tmp_portal) == []


def test_without_a_terminal_the_column_may_be_its_chinese_title(
        tmp_portal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--root", str(tmp_portal), "new", "应急科普", "--title", "冬季防火常识"]) == 0
    (path,) = created(tmp_portal)
    assert path.parent.name == "science"
    assert cli.main(["--root", str(tmp_portal), "new", "应急可普", "--title", "冬季防火常识"]) == 1
    err = capsys.readouterr().err
    assert "没有栏目“应急可普”。是否想写“应急科普”？" in err and "应急科普（science）" in err
    assert cli.main(["--root", str(tmp_portal), "new"]) == 1  # stdin is no terminal here: nothing to ask
    assert "请给出栏目和标题" in capsys.readouterr().err
