"""The worker processes of a full build end with the process that started them, even when it is killed
with SIGKILL (no cleanup runs in it): a killed build leaves no process behind holding memory, files or
the pipes of whoever started it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

# a build whose two workers never finish loading: each writes its process id, then waits
PARENT = """
import os, sys, time
from pathlib import Path
from site_build import parallel

if sys.argv[1] == "poll":  # as where prctl does not exist: the workers look at their parent themselves
    parallel.PR_SET_PDEATHSIG = -1

class Stuck:
    def __init__(self, path):
        self.path = Path(path)

    def load(self):
        self.path.write_text(str(os.getpid()))
        time.sleep(3600)

pool = parallel.Pool([Stuck(p) for p in sys.argv[2:]], fork=True)
pool.load()
"""


def running(pid: int) -> bool:
    """Whether the process exists and has not ended (a zombie waiting for its new parent has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_for(condition, seconds: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll `condition` until it holds (True) or `seconds` have passed (False); not a timing assertion."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("how", ["prctl", "poll"])
def test_workers_end_when_the_build_is_killed(tmp_path: Path, how: str) -> None:
    marks = [tmp_path / "a.pid", tmp_path / "b.pid"]
    parent = subprocess.Popen([sys.executable, "-c", PARENT, how, *map(str, marks)], cwd=REPO)
    workers: list[int] = []
    try:
        assert wait_for(lambda: all(m.exists() and m.read_text() for m in marks)), "the workers did not start"
        workers = [int(m.read_text()) for m in marks]
        assert all(running(pid) for pid in workers) and parent.pid not in workers
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert wait_for(lambda: not any(running(pid) for pid in workers)), "a worker outlived its killed parent"
    finally:
        parent.kill()
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
