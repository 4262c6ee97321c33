"""Publishing one change to a generated portal of N items: add, edit and withdraw one item; verify; roll back.

    .venv/bin/python -m bench.bench_publish --items 10000 [--portal DIR] [--compare]

Generates N items in a git repository (or reuses `--portal`, a repository made by an earlier run,
whose commits it extends), publishes it once (a full build), then commits and publishes, one at a
time: a new item (the newest), an edit of an older item's body, and the withdrawal of an item.
Each publish reads the changed blobs from git, builds incrementally into an empty folder, stores
and applies the changed files; the times printed are the whole `publish()` call. Then
`portal verify-site` of the live site and `portal rollback` to the previous release. With
`--compare`, a full build of the last commit is compared file by file with the live site.
The load average is printed with each step (other work on the machine slows every figure).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import generate
from portal import clock
from site_build import manifest as mf
from site_build import publish, verify
from site_build.build import build_site

ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}


def _timed(label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    load = os.getloadavg()[0]
    print(f"{label}: {time.perf_counter() - start:.2f}s (load {load:.1f})", flush=True)
    return result


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, env={**os.environ, **ENV},
                          capture_output=True, text=True).stdout


def _commit(root: Path, message: str) -> None:
    _git(root, "add", "-A", ".")
    _git(root, "commit", "-q", "-m", message)


def _items(root: Path) -> list[Path]:
    return sorted((root / "content" / "news").glob("*.md"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--portal", type=Path, help="a generated portal in a git repository to reuse")
    parser.add_argument("--compare", action="store_true", help="compare the live site with a full build at the end")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.portal
        if root is None:
            root = generate(Path(tmp) / "portal", args.items)
            _git(root, "init", "-q", "-b", "main")
            _commit(root, "bench")
        www = Path(tmp) / "www"
        first = _timed("publish, first (full build)", publish.publish, root, www)
        print(f"site: {first.files} files, {first.items} items")
        items = _items(root)
        # a new item, the newest of the site
        text = items[0].read_text(encoding="utf-8")
        newest = f"{clock.now() - dt.timedelta(minutes=10):%Y-%m-%d %H:%M}"
        text = re.sub(r"(?m)^date: .*$", f"date: {newest}", text, count=1)
        text = re.sub(r"(?m)^title: (.*)$", r"title: 新增稿件 \1", text, count=1)
        new = items[0].with_name(f"{clock.now():%Y-%m-%d}-bench-new-{os.getpid()}.md")
        new.write_text(text, encoding="utf-8")
        _commit(root, "one new item")
        done = _timed("publish, one item added", publish.publish, root, www)
        print(f"  files written or deleted: {len(done.changed)}")
        # an edit of an older item's body
        old = items[len(items) // 2]
        old.write_text(old.read_text(encoding="utf-8") + "\n补充说明：本文有更新。\n", encoding="utf-8")
        _commit(root, "one item edited")
        done = _timed("publish, one item edited", publish.publish, root, www)
        print(f"  files written or deleted: {len(done.changed)}")
        # a withdrawal
        gone = items[len(items) // 3]
        _git(root, "rm", "-q", str(gone.relative_to(root)))
        _commit(root, "one item withdrawn")
        done = _timed("publish, one item withdrawn", publish.publish, root, www)
        print(f"  files written or deleted: {len(done.changed)}")
        located = verify.locate(www)
        report = _timed("verify-site DIR (sha256 of every file)", verify.verify_dir, located, www / "current")
        assert report.ok, report.text()[-2000:]
        _timed("rollback to the previous release", publish.rollback, www)
        _timed("rollback to the last release again", publish.rollback, www, done.release)
        if args.compare:
            full = _timed("full build of the same commit (for comparison)", build_site, publish.Layout(www).root
                          / publish.SOURCE, Path(tmp) / "full")
            assert full.ok
            diff = mf.compare(mf.scan(Path(tmp) / "full"), mf.scan(www / "current"))
            print(f"live site == full build: {diff.clean} "
                  f"(changed {len(diff.changed)}, added {len(diff.added)}, missing {len(diff.missing)})")
            print(diff.as_dict() if not diff.clean else "", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items={args.items} peak RSS {rss:.0f}MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
