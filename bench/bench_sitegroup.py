"""A site group (集约化平台) in miniature: many portals, each an independent job on a few runners.

    .venv/bin/python -m bench.bench_sitegroup --sites 8 --items 2000 --runners 2 [--dir DIR]

Each site is its own generated portal in its own git repository. A job is what a CI runner does for
one portal after a merge into main: `portal publish --to <its publish directory>` (a full build the
first time, incremental afterwards), then `portal changes --since <the release last uploaded>
--format tsv` and the upload of the listed files from the store into the site's prefix of an object
storage (here a local folder standing in for the bucket), the deletions, and the marker of the
uploaded release. `--runners R` jobs run at a time, each a new process (as on a runner).

Round 1 publishes every site from scratch (a full rebuild of the group); round 2 adds one item to
every site and publishes again (the daily case). At the end every site's bucket prefix is compared
file by file with its live site. Printed: per job wall and CPU time (the job's process and every
process it waited for), files and bytes uploaded, and the group's total; the README extrapolates
these to 600 sites. Needs only git; everything stays under --dir (default a temporary folder).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from portal import clock
from site_build import manifest as mf
from site_build import publish

ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
MARKER = ".portal-release"  # in the bucket prefix: the release it holds


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, env={**os.environ, **ENV}, capture_output=True)


def _portal(*args: str | Path) -> str:
    done = subprocess.run([sys.executable, "-m", "portal", *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"portal {' '.join(map(str, args))} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def job(site: Path, www: Path, bucket: Path) -> None:
    """One runner's job for one portal: publish, then upload what changed since the bucket's release."""
    _portal("--root", site, "publish", "--to", www)
    marker = bucket / MARKER
    since = ["--since", marker.read_text(encoding="utf-8").strip()] if marker.is_file() else []
    uploaded = size = deleted = 0
    for line in _portal("changes", "--dir", www, *since, "--format", "tsv").splitlines():
        action, path, *source = line.split("\t")
        target = bucket / path
        if action == "put":
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source[0], target)
            uploaded += 1
            size += target.stat().st_size
        else:
            target.unlink(missing_ok=True)
            deleted += 1
    bucket.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{publish.Layout(www).live()}\n", encoding="utf-8")
    print(f"{uploaded} {size} {deleted}")


def _run_round(sites: list[Path], work: Path, runners: int) -> list[dict[str, float]]:
    """Run one job per site, `runners` at a time; per job: wall, cpu, files, bytes, deleted."""
    pending = list(sites)
    running: dict[int, tuple[subprocess.Popen[str], float, Path]] = {}
    results: list[dict[str, float]] = []
    while pending or running:
        while pending and len(running) < runners:
            site = pending.pop(0)
            proc = subprocess.Popen([sys.executable, "-m", "bench.bench_sitegroup", "--job", str(site),
                                     str(work / "www" / site.name), str(work / "bucket" / site.name)],
                                    stdout=subprocess.PIPE, text=True)
            running[proc.pid] = (proc, time.perf_counter(), site)
        pid, status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        proc, start, site = running.pop(pid)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out = proc.stdout.read() if proc.stdout else ""
        if proc.returncode != 0:
            raise SystemExit(f"job for {site.name} failed ({proc.returncode})")
        files, size, deleted = (int(x) for x in out.split()[-3:])
        results.append({"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                        "files": files, "bytes": size, "deleted": deleted})
    return results


def _summary(label: str, results: list[dict[str, float]], wall: float) -> None:
    cpu = [r["cpu"] for r in results]
    print(f"{label}: {len(results)} jobs in {wall:.1f} s (load {os.getloadavg()[0]:.1f}); per job wall median "
          f"{statistics.median(r['wall'] for r in results):.1f} s, CPU median {statistics.median(cpu):.1f} s "
          f"(min {min(cpu):.1f}, max {max(cpu):.1f}), uploaded median "
          f"{statistics.median(r['files'] for r in results):.0f} files / "
          f"{statistics.median(r['bytes'] for r in results) / 1e6:.1f} MB, deleted "
          f"{statistics.median(r['deleted'] for r in results):.0f}; total CPU {sum(cpu):.1f} s", flush=True)


def _add_one(site: Path, n: int) -> None:
    items = sorted((site / "content" / "news").glob("*.md"))
    text = items[0].read_text(encoding="utf-8")
    text = re.sub(r"(?m)^date: .*$", f"date: {clock.now() - dt.timedelta(minutes=10):%Y-%m-%d %H:%M}", text, count=1)
    text = re.sub(r"(?m)^title: (.*)$", rf"title: 第{n}站新增稿件 \1", text, count=1)
    items[0].with_name(f"{clock.now():%Y-%m-%d}-group-new-{n}.md").write_text(text, encoding="utf-8")
    _git(site, "add", "-A", ".")
    _git(site, "commit", "-q", "-m", "one new item")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--items", type=int, default=2000, help="items per site")
    parser.add_argument("--runners", type=int, default=2, help="jobs at a time")
    parser.add_argument("--dir", type=Path, help="keep everything here (default: a temporary folder)")
    parser.add_argument("--job", nargs=3, type=Path, metavar=("SITE", "WWW", "BUCKET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job:
        job(*args.job)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or Path(tmp)
        sites = []
        start = time.perf_counter()
        for i in range(args.sites):
            site = work / "sites" / f"site-{i:03d}"
            if not (site / ".git").is_dir():
                shutil.rmtree(site, ignore_errors=True)
                generate(site, args.items, seed=i)
                _git(site, "init", "-q", "-b", "main")
                _git(site, "add", "-A", ".")
                _git(site, "commit", "-q", "-m", "bench")
            sites.append(site)
        print(f"{args.sites} sites of {args.items} items ready in {time.perf_counter() - start:.0f} s; "
              f"{args.runners} runners, {os.cpu_count()} cores", flush=True)
        shutil.rmtree(work / "www", ignore_errors=True)
        shutil.rmtree(work / "bucket", ignore_errors=True)
        start = time.perf_counter()
        first = _run_round(sites, work, args.runners)
        _summary("round 1, every site built and uploaded in full", first, time.perf_counter() - start)
        for i, site in enumerate(sites):
            _add_one(site, i)
        start = time.perf_counter()
        second = _run_round(sites, work, args.runners)
        _summary("round 2, one item added to every site", second, time.perf_counter() - start)
        for site in sites:
            live = mf.scan(work / "www" / site.name / "current")
            bucket = mf.scan(work / "bucket" / site.name)
            bucket.pop(MARKER, None)
            diff = mf.compare(live, bucket)
            if not diff.clean:
                raise SystemExit(f"{site.name}: the bucket differs from the live site: {diff.as_dict()}")
        print("every bucket prefix equals its live site, file for file")
        per_item = statistics.median(r["cpu"] for r in first) / args.items
        print(f"full job CPU per item: {per_item * 1000:.2f} ms; daily job CPU median "
              f"{statistics.median(r['cpu'] for r in second):.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
