"""Load and validate a generated portal of N items (issue: under 5 s for 10,000 items).

    .venv/bin/python -m bench.bench_load --items 10000
    .venv/bin/python -m bench.bench_load --items 100000 --dir /tmp/p100k   # generate once, reuse later

Prints wall and CPU time (median of --runs) and the peak memory of one load: each run drops the previous
portal first. On a busy machine the CPU time is the figure to compare between sizes; the load average is
printed with it.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from portal import model


def measure(root: Path, items: int, runs: int) -> str:
    size = sum(p.stat().st_size for p in (root / "content").rglob("*.md"))
    walls, cpus = [], []
    portal = None
    for _ in range(runs):
        portal = None
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        portal = model.load(root)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        assert len(portal.articles) == items and not portal.findings, portal.findings[:3]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"items={items} bytes={size / 1e6:.1f}MB load+validate: median {statistics.median(walls):.2f}s "
            f"(min {min(walls):.2f}s, max {max(walls):.2f}s) CPU median {statistics.median(cpus):.2f}s "
            f"peak RSS {rss:.0f}MB (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="generate the portal here once and reuse it (default: a temp dir)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PORTAL_NOW", "2026-11-22T12:00:00+08:00")  # the generated dates stay in the past
    if args.dir is not None:
        if not (args.dir / "content").is_dir():
            generate(args.dir, args.items)
        print(measure(args.dir, args.items, args.runs))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "portal", args.items)
        print(measure(root, args.items, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
