"""The full site build side by side with Hugo building the same Markdown, and full = incremental at scale.

    .venv/bin/python -m bench.bench_build --items 2000 10000 30000 100000 [--runs 3] [--compare 100000]

Needs Debian's `hugo` (apt-get install hugo). For each size, in one run, on the same generated
content (bench/generate.py), every step a child process of its own, `--runs` times (the median
is reported):
- Hugo: the same content/ with a minimal layout (navigation of the sections, paginated lists of
  20, one page per item), written into a temp dir; Hugo uses every core;
- `portal build --full`: every check, MkDocs + Material shells, every page, feeds, sitemap, search
  index, in PORTAL_BUILD_WORKERS processes (default: one per core; site_build/parallel.py).
Memory: the peak of the process tree's summed proportional set size (PSS, shared pages counted once
over the processes sharing them), sampled every 50 ms from /proc, and the largest single process's
peak RSS (getrusage of the waited child).
At the `--compare` sizes (default: the largest), goal 5: after adding, editing and withdrawing an
item, an incremental build from the full build equals a new full build byte for byte.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.generate import generate

NOW = "2026-11-22T12:00:00+08:00"
HUGO_CONFIG = """baseURL = "https://example.org/"
languageCode = "zh-cn"
title = "bench"
contentDir = "{content}"
disableKinds = ["taxonomy", "term"]
paginate = 20
"""
HUGO_NAV = '<nav>{{ range .Site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav>'
HUGO_SINGLE = ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
               '<meta name="PubDate" content="{{ .Date.Format "2006-01-02 15:04" }}"></head><body>' + HUGO_NAV +
               '<h1>{{ .Title }}</h1><p>信息来源：{{ .Params.source }} 发布日期：{{ .Date.Format "2006-01-02 15:04" }}</p>'
               "{{ .Content }}</body></html>\n")
HUGO_LIST = ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>'
             + HUGO_NAV + '<ul>{{ range (.Paginate .Pages.ByDate.Reverse).Pages }}<li><a href="{{ .RelPermalink }}">'
             '{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul></body></html>\n')


def _children(pid: int) -> list[int]:
    """pid and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += parents.get(p, [])
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def child(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a command: wall seconds, CPU seconds, peak summed PSS of its process tree, peak RSS of one process (MB)."""
    start = time.monotonic()
    proc = subprocess.Popen(args, env={**os.environ, "PORTAL_NOW": NOW, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], sum(_pss_kb(p) for p in _children(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if status != 0:
        raise SystemExit(f"失败：{' '.join(args)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return {"s": wall, "cpu": usage.ru_utime + usage.ru_stime, "tree_mb": peak[0] / 1024, "rss_mb": usage.ru_maxrss / 1024}


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    """Times: the median of the runs; memory: the highest peak."""
    return {key: max(r[key] for r in runs) if key.endswith("_mb") else statistics.median(r[key] for r in runs)
            for key in runs[0]}


def hugo_site(work: Path, content: Path) -> Path:
    site = work / "hugo"
    (site / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(HUGO_CONFIG.format(content=content), encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (site / "layouts" / "index.html").write_text(HUGO_LIST, encoding="utf-8")
    return site


def portal_cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "portal", "--root", str(root), *args]


def change_items(root: Path) -> None:
    """Publish one new item, edit one, withdraw one: what an incremental build has to get right."""
    news = sorted((root / "content" / "news").glob("*.md"))
    lines = ["date: 2026-11-22 11:30" if ln.startswith("date:") else
             "title: 市应急管理局部署全市冬春火灾防控工作" if ln.startswith("title:") else ln
             for ln in news[0].read_text(encoding="utf-8").splitlines()]
    (root / "content" / "news" / "2026-11-22-dong-chun-huo-zai.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    edited = news[len(news) // 2]
    edited.write_text(edited.read_text(encoding="utf-8").replace("坚决防范", "坚决防范和遏制", 1) + "\n补充一段说明。\n",
                      encoding="utf-8")
    news[-1].unlink()


def same_tree(a: Path, b: Path) -> list[str]:
    """Files that differ between two directories (missing on either side, or other bytes)."""
    def files(top: Path) -> set[str]:
        return {(Path(d) / n).relative_to(top).as_posix() for d, _, names in os.walk(top) for n in names}

    left, right = files(a), files(b)
    out = sorted(left ^ right)
    for rel in sorted(left & right):
        if (a / rel).read_bytes() != (b / rel).read_bytes():
            out.append(rel)
    return out


def progress(n: int, step: str, value: object) -> None:
    """Each step as it ends (stderr), so that a long run shows what it has measured so far."""
    print(json.dumps({"items": n, step: value, "load": os.getloadavg()[0]}, ensure_ascii=False), file=sys.stderr, flush=True)


def measure(n: int, work: Path, runs: int, compare: bool) -> dict[str, object]:
    root = work / "portal"
    os.environ["PORTAL_NOW"] = NOW
    generate(root, n)
    row: dict[str, object] = {"items": n}
    site = hugo_site(work, root / "content")
    hugo_runs, full_runs = [], []
    for _ in range(runs):  # alternate, so that a change in the machine's load hits both alike
        shutil.rmtree(work / "hugo-out", ignore_errors=True)
        hugo_runs.append(child(["hugo", "--quiet", "-s", str(site), "-d", str(work / "hugo-out")]))
        progress(n, "hugo", hugo_runs[-1])
        shutil.rmtree(work / "live", ignore_errors=True)
        full_runs.append(child(portal_cmd(root, "build", "--full", "--out", str(work / "live"))))
        progress(n, "full", full_runs[-1])
    row["hugo"], row["full"] = median(hugo_runs), median(full_runs)
    row["load"] = os.getloadavg()[0]
    row["pages"] = sum(1 for p in (work / "live").rglob("*.html"))
    if compare:
        change_items(root)
        row["incremental"] = child(portal_cmd(root, "build", "--out", str(work / "live")))
        progress(n, "incremental", row["incremental"])
        row["full_again"] = child(portal_cmd(root, "build", "--full", "--out", str(work / "full")))
        progress(n, "full_again", row["full_again"])
        row["differ"] = same_tree(work / "live", work / "full")
        progress(n, "differ", row["differ"])
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="网站构建基准测试（与 Hugo 对比）")
    parser.add_argument("--items", type=int, nargs="+", default=[2000, 10000, 30000, 100000])
    parser.add_argument("--runs", type=int, default=3, help="每项运行 N 次取中位数（默认 3）")
    parser.add_argument("--compare", type=int, nargs="*", help="在这些规模上核对增量构建与完整构建逐字节相同（默认最大规模）")
    parser.add_argument("--keep", type=Path, help="把生成的门户与网站留在此目录（默认用临时目录并删除）")
    args = parser.parse_args(argv)
    if shutil.which("hugo") is None:
        raise SystemExit("需要 Hugo：apt-get install hugo")
    compare = set(args.compare if args.compare is not None else [max(args.items)])
    rows = []
    for n in args.items:
        work = (args.keep / str(n)) if args.keep else Path(tempfile.mkdtemp(prefix=f"bench-build-{n}-"))
        try:
            rows.append(measure(n, work, args.runs, n in compare))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    version = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1]
    workers = os.environ.get("PORTAL_BUILD_WORKERS") or f"{len(os.sched_getaffinity(0))}（每核一个）"
    print(f"机器：{os.cpu_count()} 核；Hugo {version}；portal 构建进程数 {workers}；各 {args.runs} 次取中位数")
    print("| 稿件数 | Hugo | `portal build --full` | 倍数 | CPU（Hugo / portal） | 每篇 CPU（Hugo / portal） "
          "| 内存峰值 PSS 合计（Hugo / portal） | 比例 | 单进程最大 RSS（portal） | 负载 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        h, f = r["hugo"], r["full"]
        assert isinstance(h, dict) and isinstance(f, dict)
        n = int(r["items"])  # type: ignore[call-overload]
        print(f"| {n:,} | {h['s']:.1f} s | {f['s']:.1f} s | {f['s'] / h['s']:.2f} | {h['cpu']:.0f} / {f['cpu']:.0f} s "
              f"| {1000 * h['cpu'] / n:.2f} / {1000 * f['cpu'] / n:.2f} ms "
              f"| {h['tree_mb']:,.0f} / {f['tree_mb']:,.0f} MB | {f['tree_mb'] / h['tree_mb']:.2f} | {f['rss_mb']:,.0f} MB "
              f"| {r['load']:.1f} |")
    for r in rows:
        if "differ" in r:
            inc, again, differ = r["incremental"], r["full_again"], r["differ"]
            assert isinstance(inc, dict) and isinstance(again, dict) and isinstance(differ, list)
            verdict = "逐字节相同" if not differ else f"{len(differ)} 个文件不同：{differ[:5]}"
            print(f"{r['items']:,} 篇，新增、修改、撤下各一篇后：增量构建 {inc['s']:.1f} s，完整构建 {again['s']:.1f} s，"
                  f"两者输出{verdict}")
    return 1 if any(r.get("differ") for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
