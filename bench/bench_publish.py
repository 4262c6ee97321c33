"""Publishing one change to a generated portal of N items: add, edit and withdraw one item; verify; roll back.

    .venv/bin/python -m bench.bench_publish --items 10000 [--portal DIR [--www DIR]] [--compare] [--only-changes]

Generates N items in a git repository (or reuses `--portal`, a repository made by an earlier run,
whose commits it extends), publishes it once (a full build), then commits and publishes, one at a
time: a new item (the newest), an edit of an older item's body, and the withdrawal of an item.
Each publish reads the changed blobs from git, builds incrementally into an empty folder, stores
and applies the changed files; the times printed are the whole `publish()` call. Then
`portal verify-site` of the live site and `portal rollback` to the previous release. With
`--compare`, a full build of the last commit is compared file by file with the live site.
The load average is printed with each step (other work on the machine slows every figure).
`--www DIR` publishes into DIR and keeps it: a later run with the same `--portal` and `--www` starts
from the live release there (the first publish is then incremental too). `--only-changes` stops after
the add, edit and withdrawal (no verify or rollback; `--compare` still compares). A summary table ends the output:
wall and CPU time of this process, the 1-minute load before each step, and the files written.
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


ROWS: list[tuple[str, float, float, float, str]] = []  # label, wall, cpu, load before, files


def _timed(label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    files = str(len(result.changed)) if isinstance(result, publish.Published) else ""
    ROWS.append((label, wall, cpu, load, files))
    print(f"{label}: {wall:.2f}s, CPU {cpu:.2f}s (load {load:.1f})", flush=True)
    return result


def _summary(items: int) -> None:
    print(f"\n| {items:,} items | wall s | CPU s (this process) | load before | files written or deleted |")
    print("|---|---|---|---|---|")
    for label, wall, cpu, load, files in ROWS:
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {load:.1f} | {files} |")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, env={**os.environ, **ENV},
                          capture_output=True, text=True).stdout


def _commit(root: Path, message: str) -> None:
    _git(root, "add", "-A", ".")
    _git(root, "commit", "-q", "-m", message)


def _items(root: Path) -> list[Path]:
    return sorted((root / "content" / "news").glob("*.md"))


def _compare(www: Path, full: Path) -> None:
    """A full build of the live release's commit, compared file by file with the live site."""
    built = _timed("full build of the same commit (for comparison)", build_site, publish.Layout(www).root
                   / publish.SOURCE, full)
    assert built.ok
    diff = mf.compare(mf.scan(full), mf.scan(www / "current"))
    print(f"live site == full build: {diff.clean} "
          f"(changed {len(diff.changed)}, added {len(diff.added)}, missing {len(diff.missing)})")
    print(diff.as_dict() if not diff.clean else "", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--portal", type=Path, help="a generated portal in a git repository to reuse (made there if absent)")
    parser.add_argument("--compare", action="store_true", help="compare the live site with a full build at the end")
    parser.add_argument("--www", type=Path, help="the publish folder to use and keep (reused by a later run)")
    parser.add_argument("--only-changes", action="store_true", help="only add, edit and withdraw one item")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.portal
        if root is None or not root.exists():  # a new portal (kept at --portal when given)
            root = generate(root or Path(tmp) / "portal", args.items)
            _git(root, "init", "-q", "-b", "main")
            _commit(root, "bench")
        www = args.www or Path(tmp) / "www"
        label = "publish, first (full build)" if not (www / "current").exists() else "publish, first (from the kept release)"
        first = _timed(label, publish.publish, root, www)
        print(f"site: {first.files} files, {first.items} items")
        items = _items(root)
        # a new item, the newest of the site
        text = items[0].read_text(encoding="utf-8")
        newest = f"{clock.now() - dt.timedelta(minutes=10):%Y-%m-%d %H:%M}"
        text = re.sub(r"(?m)^date: .*$", f"date: {newest}", text, count=1)
        text = re.sub(r"(?m)^title: (.*)$", r"title: 新增稿件 \1", text, count=1)
        new = items[0].with_name(f"{clock.now():%Y-%m-%d}-bench-new-{time.time_ns()}.md")
        new.write_text(text, encoding="utf-8")
        _commit(root, "one new item")
        done = _timed("publish, one item added", publish.publish, root, www)
        print(f"  files written or deleted: {len(done.changed)}")
        # an edit of an older item's body
        old = items[len(items) // 2]
        old.write_text(old.read_text(encoding="utf-8") + f"\n补充说明（{time.time_ns()}）：本文有更新。\n", encoding="utf-8")
        _commit(root, "one item edited")
        done = _timed("publish, one item edited", publish.publish, root, www)
        print(f"  files written or deleted: {len(done.changed)}")
        # a withdrawal
        gone = items[len(items) // 3]
        _git(root, "rm", "-q", str(gone.relative_to(root)))
        _commit(root, "one item withdrawn")
        done = _timed("publish, one item withdrawn", publish.publish, root, www)
        print(f"  files written or deleted: {len(done.changed)}")
        if args.only_changes:
            if args.compare:
                _compare(www, Path(tmp) / "full")
            _summary(first.items)
            return 0
        located = verify.locate(www)
        report = _timed("verify-site DIR (sha256 of every file)", verify.verify_dir, located, www / "current")
        assert report.ok, report.text()[-2000:]
        _timed("rollback to the previous release", publish.rollback, www)
        _timed("rollback to the last release again", publish.rollback, www, done.release)
        if args.compare:
            _compare(www, Path(tmp) / "full")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items={args.items} peak RSS {rss:.0f}MB")
    _summary(args.items)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
