"""The search index alone: how long it takes to build and to patch, what a patch touches, and how big it is.

    .venv/bin/python -m bench.bench_search --items 10000 100000 [--dir /tmp/me] [--v4] [--check all]

For each size: generate the portal (bench.generate; kept under --dir and reused), read each item's title and
body text (the Markdown body with line breaks as spaces: the same kind and amount of text the build gives
the index), time `search.build` and write its files with a page for each item of the days the changes touch
(the patch reads the previous pages of the items it renumbers or removes). Then, each against that same
index, time `search.patch` and `search.obsolete` for: a new item (after the newest), an item added at the
start of a day in the middle (every item of that day renumbered), the newest, a middle and the oldest item
edited and withdrawn. Reported per change: wall and CPU seconds (median of --runs), the index files written
(those whose bytes change) and removed. --check all compares every patch with a fresh full build byte for
byte (--check some: the withdrawal in the middle only). --years 1 10 runs each size also with the same items
spread over 10 years (the generator spreads them over one: 274 a day at 100,000). --v4 adds, in the same run, index v4 (commit
9eb5f26: dense numbers in publication order) building and patching the same withdrawal and addition.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import html
import json
import os
import statistics
import subprocess
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import generate
from site_build import search
from site_build.pages import Entry

V4 = "9eb5f26"


def read(root: Path) -> tuple[list[Entry], dict[str, search.Text]]:
    entries, texts = [], {}
    for path in sorted((root / "content").glob("*/*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line and not line.startswith(" "))
        url = f"{path.parent.name}/{path.stem}.html"
        date = meta["date"].replace(" ", "T") + ":00+08:00"
        entries.append(Entry(str(path.relative_to(root)), url, path.parent.name, meta["title"], date, meta["date"], "", ()))
        texts[url] = (meta["title"], " ".join(body.split()))
    return entries, texts


def spread(entries: list[Entry], years: int) -> list[Entry]:
    """The same items published over `years` years instead of one (fewer a day), ending at the same time."""
    if years == 1:
        return entries
    dates = [dt.datetime.fromisoformat(e.date) for e in entries]
    end = max(dates)
    out = []
    for e, when in zip(entries, dates, strict=True):
        moved = end - (end - when) * years
        out.append(dataclasses.replace(e, date=moved.isoformat(), shown_date=f"{moved:%Y-%m-%d %H:%M}"))
    return out


def index_v4() -> types.ModuleType:
    """site_build/search.py as of index v4, for a side-by-side figure."""
    source = subprocess.run(["git", "show", f"{V4}:site_build/search.py"], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout
    module = types.ModuleType("search_v4")
    exec(compile(source.replace("from .pages import Entry", "from site_build.pages import Entry"), "search_v4", "exec"),
         module.__dict__)
    return module


def write(site: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


def page(site: Path, url: str, text: search.Text) -> None:
    """An item page as the previous site has it (the index reads its text only)."""
    (site / url).parent.mkdir(parents=True, exist_ok=True)
    (site / url).write_text(f"<main><h1>{html.escape(text[0])}</h1><div data-portal-body>{html.escape(text[1])}</div></main>",
                            encoding="utf-8")


def timed(runs: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of `runs` calls, and the last result."""
    walls, cpus, out = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), out


def text_in(texts: dict[str, search.Text], entry: Entry) -> search.Text:
    return texts[entry.url]


def changed_files(site: Path, files: dict[str, bytes]) -> int:
    return sum(1 for rel, data in files.items() if not (site / rel).is_file() or (site / rel).read_bytes() != data)


def run(items: int, runs: int, folder: Path, check: str, v4: bool, years: int = 1) -> dict[str, Any]:
    root = folder / f"portal-{items}"
    if not (root / "content").is_dir():
        generate(root, items)
    entries, texts = read(root)
    entries = spread(entries, years)
    titles = {e.column: e.column for e in entries}
    load = [round(os.getloadavg()[0], 1)]
    order = search.publication_order(entries)
    text_of = lambda e: texts[e.url]  # noqa: E731
    build_s, build_cpu, files = timed(1, lambda: search.build(order, text_of, titles))
    site = folder / f"site-{items}"
    subprocess.run(["rm", "-rf", str(site)], check=True)
    write(site, files)
    newest, middle, oldest = order[-1], order[len(order) // 2], order[0]
    first_of_day = next(e for e in order if e.date[:10] == middle.date[:10])
    for e in order:
        if e.date[:10] in {newest.date[:10], middle.date[:10], oldest.date[:10]}:
            page(site, e.url, texts[e.url])
    old_urls = [e.url for e in order]
    fresh = ("市应急管理局组织开展防汛应急演练", "市应急管理局组织开展防汛应急演练，检验预案，提升处置能力。台风防御。")
    after = Entry("content/news/new.md", "news/zz-new.html", newest.column, fresh[0], newest.date, newest.shown_date, "", ())
    before = Entry("content/news/old.md", "news/00-old.html", middle.column, fresh[0], first_of_day.date,
                   first_of_day.shown_date, "", ())
    changes: dict[str, tuple[list[Entry], dict[str, search.Text]]] = {
        "add_newest": ([*order, after], {after.url: fresh}),
        "add_start_of_middle_day": (search.publication_order([*order, before]), {before.url: fresh}),
    }
    for name, e in (("newest", newest), ("middle", middle), ("oldest", oldest)):
        changes[f"edit_{name}"] = (order, {e.url: (e.title, texts[e.url][1] + fresh[1])})
        changes[f"withdraw_{name}"] = ([x for x in order if x is not e], {})
    out: dict[str, Any] = {"items": items, "years": years, "build_s": round(build_s, 2), "build_cpu_s": round(build_cpu, 2),
                           "files": len(files), "bytes": sum(map(len, files.values())),
                           "largest_file": max(map(len, files.values())), "days": len(files["search/days.txt"].splitlines())}
    for name, (new_order, new_texts) in changes.items():
        wall, cpu, patch = timed(runs, functools.partial(search.patch, site, old_urls, new_order, new_texts, titles))
        gone = search.obsolete(site, patch)
        out[name] = {"s": round(wall, 3), "cpu_s": round(cpu, 3), "written": changed_files(site, patch), "removed": len(gone)}
        if check == "all" or check == "some" and name == "withdraw_middle":
            all_texts = {**texts, **new_texts}
            expected = search.build(new_order, functools.partial(text_in, all_texts), titles)
            assert all(expected[rel] == data for rel, data in patch.items()), name
            assert all((site / rel).read_bytes() == data for rel, data in expected.items() if rel not in patch), name
            assert not set(gone) & set(expected), name
            out[name]["equal_to_full_build"] = True
    if v4:
        old = index_v4()
        wall, cpu, v4_files = timed(1, lambda: old.build(order, text_of, titles))
        out["v4_build"] = {"s": round(wall, 2), "cpu_s": round(cpu, 2), "bytes": sum(map(len, v4_files.values()))}
        v4_site = folder / f"site-v4-{items}"
        subprocess.run(["rm", "-rf", str(v4_site)], check=True)
        write(v4_site, v4_files)
        del v4_files
        for name in ("add_newest", "withdraw_middle"):
            new_order, new_texts = changes[name]
            wall, cpu, patch = timed(1, functools.partial(old.patch, v4_site, old_urls, new_order, new_texts, titles))
            out[f"v4_{name}"] = {"s": round(wall, 3), "cpu_s": round(cpu, 3), "written": changed_files(v4_site, patch)}
        subprocess.run(["rm", "-rf", str(v4_site)], check=True)
    load.append(round(os.getloadavg()[0], 1))
    out["load_1min"] = load
    return out


def table(results: list[dict[str, Any]]) -> str:
    names = ["add_newest", "add_start_of_middle_day", "edit_newest", "edit_middle", "edit_oldest",
             "withdraw_newest", "withdraw_middle", "withdraw_oldest", "v4_add_newest", "v4_withdraw_middle"]
    lines = ["| change | " + " | ".join(f"{r['items']:,} items over {r['years']} year(s), {r['days']} days" for r in results) + " |",
             "|---|" + "---|" * len(results)]
    lines.append("| build | " + " | ".join(f"{r['build_s']} s (CPU {r['build_cpu_s']} s), {r['files']:,} files, "
                                           f"{r['bytes'] / 1e6:.1f} MB" for r in results) + " |")
    if all("v4_build" in r for r in results):
        lines.append("| v4 build | " + " | ".join(f"{r['v4_build']['s']} s (CPU {r['v4_build']['cpu_s']} s), "
                                                  f"{r['v4_build']['bytes'] / 1e6:.1f} MB" for r in results) + " |")
    for name in names:
        if all(name in r for r in results):
            lines.append(f"| {name} | " + " | ".join(
                f"{r[name]['s']} s (CPU {r[name]['cpu_s']} s), {r[name]['written']} written, {r[name].get('removed', 0)} removed"
                for r in results) + " |")
    lines.append("| load (1 min, before/after) | " + " | ".join(f"{r['load_1min']}" for r in results) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="搜索索引的构建与增量更新：时间、改写的文件数、大小")
    parser.add_argument("--items", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bench-search"), help="生成的门户与索引放在这里（重复使用）")
    parser.add_argument("--check", choices=["all", "some", "none"], default="some")
    parser.add_argument("--v4", action="store_true", help="同一次运行中对比索引 v4")
    parser.add_argument("--years", type=int, nargs="+", default=[1], help="稿件分布在几年中（生成的门户是 1 年；每天的篇数随之减少）")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.items:
        for years in args.years:
            results.append(run(n, args.runs, args.dir, args.check, args.v4, years))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
