"""The report over a generated portal of N items with a year of review history in git.

    .venv/bin/python -m bench.bench_report --items 10000

Writes the items with bench.generate, then one review branch per item with `git fast-import`
(submission, the four approvals -- every tenth item rejected once at the secrecy stage and
resubmitted -- and the merge into main at the item's date, all in the format of review/FORMAT.md),
then times `portal report` as a user runs it: for the whole year and for the last full month.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.generate import generate
from portal import clock, model

STAGES = (("初审", 20), ("保密审查", 14), ("复审", 8), ("终审", 3))  # stage, hours before publication


def _stamp(when: dt.datetime) -> str:
    return f"{int(when.timestamp())} +0800"


def _commit(out: list[bytes], ref: str, mark: int, when: dt.datetime, message: str, parents: list[int],
            files: Sequence[tuple[int, str]] = ()) -> None:
    data = message.encode()
    out.append(f"commit {ref}\nmark :{mark}\ncommitter 信息员 <bench@localhost> {_stamp(when)}\n"
               f"data {len(data)}\n".encode() + data + b"\n")
    if parents:
        out.append(f"from :{parents[0]}\n".encode() + b"".join(f"merge :{p}\n".encode() for p in parents[1:]))
    out.append(b"".join(f"M 100644 :{blob} {path}\n".encode() for blob, path in files) + b"\n")


def history(root: Path) -> int:
    """One merged review branch per item, in date order; return the number of commits."""
    portal = model.load(root)
    articles = sorted((a for a in portal.articles if a.date), key=lambda a: (a.date, a.path))
    out: list[bytes] = []
    mark = 1
    first = articles[0].date
    assert first is not None
    start = first - dt.timedelta(days=2)
    config_files = []
    for name in ("columns.yml", "roster.yml"):
        data = (root / name).read_bytes()
        out.append(f"blob\nmark :{mark}\ndata {len(data)}\n".encode() + data + b"\n")
        config_files.append((mark, name))
        mark += 1
    _commit(out, "refs/heads/main", mark, start, "门户配置\n", [], config_files)
    main, commits = mark, 1
    mark += 1
    for i, a in enumerate(articles):
        when = a.date
        assert when is not None
        data = (root / a.path).read_bytes()
        blob, sha = mark, hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        out.append(f"blob\nmark :{blob}\ndata {len(data)}\n".encode() + data + b"\n")
        branch = f"review/{a.authors[0]}/{when:%Y%m%d-%H%M%S}-{a.slug}"
        submit = f"报送：{a.title}（共 1 篇）\n\nPortal-Action: submit\nPortal-Informant: {a.authors[0]}\n"
        head = mark + 1
        _commit(out, "refs/heads/bench-review", head, when - dt.timedelta(hours=24), submit, [main], [(blob, a.path)])
        mark, commits = head + 1, commits + 1
        for stage, hours in STAGES:
            decisions = [("approve", stage)]
            if stage == "保密审查" and i % 10 == 0:
                decisions = [("reject", stage), ("submit", ""), ("approve", stage)]
            for j, (action, sid) in enumerate(decisions):
                t = when - dt.timedelta(hours=hours) + dt.timedelta(minutes=10 * j)
                if action == "submit":
                    message = submit
                else:
                    message = (f"审核：{sid} {'通过' if action == 'approve' else '退回'}（1 篇）\n\n意见。\n\n"
                               f"Portal-Action: {action}\nPortal-Stage: {sid}\nPortal-Reviewer: {a.reviewers.get(sid, '')}\n"
                               f"Portal-Item: {a.path} {sha}\n")
                _commit(out, "refs/heads/bench-review", mark, t, message, [head])
                head, mark, commits = mark, mark + 1, commits + 1
        merge = f"发布：合并 {branch}\n\nPortal-Action: merge\nPortal-Branch: {branch}\n"
        _commit(out, "refs/heads/main", mark, when, merge, [main, head], [(blob, a.path)])
        main, mark, commits = mark, mark + 1, commits + 1
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(out), check=True)
    subprocess.run(["git", "-C", str(root), "update-ref", "-d", "refs/heads/bench-review"], check=True)
    subprocess.run(["git", "-C", str(root), "reset", "-q"], check=True)
    return commits


def timed(root: Path, out: Path, *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of portal and git together) of one `portal report` run."""
    env = {**os.environ, "PORTAL_NOW": clock.now().isoformat()}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-m", "portal", "--root", str(root), "report", "--out", str(out), *args],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - begin
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="报表基准测试")
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("PORTAL_NOW", "2026-11-22T12:00:00+08:00")
    now = clock.now()
    year = (f"{(now - dt.timedelta(days=365)).date()}", f"{now.date()}")
    last_month = (now.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "portal", Path(tmp) / "out"
        begin = time.perf_counter()
        generate(root, args.items)
        commits = history(root)
        print(f"（负载 {os.getloadavg()[0]:.1f}，{os.cpu_count()} 核）")
        print(f"生成 {args.items} 篇稿件与 {commits} 个提交的审核历史：{time.perf_counter() - begin:.1f} s")
        cases = {f"全年 {year[0]}—{year[1]}（html）": ["--from", year[0], "--to", year[1]],
                 "全年（json）": ["--from", year[0], "--to", year[1], "--format", "json"],
                 f"上月 {last_month}（html）": ["--period", last_month]}
        for title, case in cases.items():
            runs = [timed(root, out, *case) for _ in range(args.runs)]
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            print(f"portal report {title}：中位数 {statistics.median(walls):.2f} s（最快 {min(walls):.2f} s，"
                  f"CPU {statistics.median(cpus):.2f} s，{args.runs} 次）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
