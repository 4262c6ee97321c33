"""The kinds check's scanner (`checks.kinds.scan`) on adversarial bodies: time and peak memory by size.

    .venv/bin/python -m bench.bench_kinds --sizes 1 4
    .venv/bin/python -m bench.bench_kinds --scale     # time per character at growing sizes, one process

Each case is a body of about N million characters, scanned in a fresh process (the median of --runs
scans, then the process's peak resident memory minus what it held before building the body):
- formulas: a forbidden formula on every line (……。妥否，请批示。), every one a hit;
- quoted: one line of quoted formulas (“妥否，请批示”), every one judged a mention;
- plain: ordinary text without any of the forms (the keyword pre-filter);
- titles: short lines that look like titles (关于……的请示);
- near misses: one line of openers without their end (现将……, 请…… without 函复), the bounded gaps;
- dropped: half formulas spread over punctuation that normalisation drops (妥，，，否、、、……).
Time and memory should grow in proportion to the size (linear), whatever the case.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

UNITS = {
    "formulas": "为保障群众避险需要，拟在城区增设应急避难场所。妥否，请批示。\n",
    "quoted": "请示的结尾写作“妥否，请批示”，报告写作“特此报告”。",
    "plain": "市应急管理局召开全市防汛工作部署会，部署防汛物资储备与值班值守工作。\n",
    "titles": "关于增设应急避难场所的请示\n",
    "near misses": "现将有关情况请各单位认真研究落实",
    "dropped": "妥" + "，" * 40 + "否" + "、" * 40,
}

CHILD = """
import json, resource, statistics, sys, time
from checks import kinds
kinds.scan("", "妥否，请批示")
case, unit, size, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
body = unit * (size // len(unit))
built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times, hits = [], 0
for _ in range(runs):
    start = time.perf_counter()
    hits = len(kinds.scan("", body))
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"chars": len(body), "hits": hits, "seconds": statistics.median(times),
                  "body_mb": (built - before) / 1024, "scan_mb": (peak - built) / 1024}))
"""


def run(case: str, size: int, runs: int) -> dict[str, float]:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", CHILD, case, UNITS[case], str(size), str(runs)], cwd=root,
                         capture_output=True, text=True, check=True, env={"PYTHONPATH": str(root)})
    return dict(json.loads(out.stdout))


def scale(cases: list[str]) -> int:
    """Microseconds per character at growing sizes, in this process (the same load for all)."""
    import time

    from checks import kinds

    kinds.scan("", "妥否，请批示")
    print("| 输入 | 25 万 | 50 万 | 100 万 | 200 万 |（每字符 μs）")
    print("|---|---|---|---|---|")
    for case in cases:
        row = []
        for size in (250_000, 500_000, 1_000_000, 2_000_000):
            body = UNITS[case] * (size // len(UNITS[case]))
            start = time.perf_counter()
            kinds.scan("", body)
            row.append(f"{(time.perf_counter() - start) / len(body) * 1e6:.2f}")
        print(f"| {case} | {' | '.join(row)} |", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4], help="millions of characters")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="+", default=list(UNITS), choices=list(UNITS))
    parser.add_argument("--scale", action="store_true",
                        help="instead: time each case at 0.25, 0.5, 1 and 2 million characters in one process")
    args = parser.parse_args(argv)
    if args.scale:
        return scale(args.cases)
    print("| 输入 | 字符数 | 命中 | 用时（中位数） | 每百万字符 | 扫描峰值内存增量 |")
    print("|---|---|---|---|---|---|")
    for case in args.cases:
        for size in args.sizes:
            r = run(case, int(size * 1_000_000), args.runs)
            per = r["seconds"] / (r["chars"] / 1_000_000)
            print(f"| {case} | {r['chars']:,} | {r['hits']:,} | {r['seconds']:.2f} s | {per:.2f} s | "
                  f"{r['scan_mb']:.0f} MB |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
