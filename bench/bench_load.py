"""Load and validate a generated portal of N items (issue: under 5 s for 10,000 items).

    .venv/bin/python -m bench.bench_load --items 10000
"""
from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from portal import model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "portal", args.items)
        size = sum(p.stat().st_size for p in (root / "content").rglob("*.md"))
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            portal = model.load(root)
            times.append(time.perf_counter() - start)
        assert len(portal.articles) == args.items and not portal.findings, portal.findings[:3]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items={args.items} bytes={size / 1e6:.1f}MB load+validate: median {statistics.median(times):.2f}s "
          f"(min {min(times):.2f}s, max {max(times):.2f}s) peak RSS {rss:.0f}MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
