"""The search index alone: how long it takes to build and to patch, and how big it is, on generated portals.

    .venv/bin/python -m bench.bench_search --items 10000 100000

For each size: generate the portal (bench.generate), read each item's title and body text (the Markdown
body with line breaks as spaces: the same kind and amount of text the build gives the index), then time
`search.build` (every term found with numpy, every file encoded), write the files, and time `search.patch`
for one new item (appended: only its terms' shards) and for one withdrawn item, the newest and one in the middle (every later number changes),
checking each patch against a fresh build byte for byte. Medians of --runs runs; the machine's load is shown.
For comparison, in the same run: index v3 (commit 5db2481, bigrams only, pure Python: one set of words
per item, then a dict of lists), read from git.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import types
from pathlib import Path

from bench.generate import generate
from site_build import search
from site_build.pages import Entry


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


def previous_index() -> types.ModuleType:
    """site_build/search.py as of index v3 (commit 5db2481), for a side-by-side figure."""
    source = subprocess.run(["git", "show", "5db2481:site_build/search.py"], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout
    module = types.ModuleType("search_v3")
    exec(compile(source.replace("from .pages import Entry", "from site_build.pages import Entry"), "search_v3", "exec"),
         module.__dict__)
    return module


def write(site: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


def timed(runs: int, fn):  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def run(items: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "portal", items)
        entries, texts = read(root)
        titles = {e.column: e.column for e in entries}
        load = os.getloadavg()[0]
        order = search.publication_order(entries)
        build_s, files = timed(runs, lambda: search.build(order, lambda e: texts[e.url], titles))
        v3 = previous_index()
        v3_s, v3_files = timed(1, lambda: v3.build(order, lambda e: v3.terms(texts[e.url][0] + "\n" + texts[e.url][1])
                                                   | v3.title_terms(texts[e.url][0]), titles))
        site = Path(tmp) / "site"
        write(site, files)
        old_urls = [e.url for e in order]
        new = Entry("content/news/new.md", "news/new.html", "news", "新增稿件应急演练", "2099-01-01T00:00:00+08:00",
                    "2099-01-01", "", ())
        texts[new.url] = (new.title, "市应急管理局组织开展防汛应急演练，检验预案。")
        added_order = [*order, new]
        add_s, added = timed(runs, lambda: search.patch(site, old_urls, added_order, {new.url: texts[new.url]}, titles))
        expected = search.build(added_order, lambda e: texts[e.url], titles)
        assert all(expected[rel] == data for rel, data in added.items())
        assert all((site / rel).read_bytes() == data for rel, data in expected.items() if rel not in added)
        withdrawn = {}
        for name, gone in (("newest", order[-1]), ("middle", order[len(order) // 2])):
            fewer = [e for e in order if e is not gone]
            remove_s, removed = timed(1, lambda fewer=fewer: search.patch(site, old_urls, fewer, {}, titles))
            expected = search.build(fewer, lambda e: texts[e.url], titles)
            assert all(expected[rel] == data for rel, data in removed.items())
            assert all((site / rel).read_bytes() == data for rel, data in expected.items() if rel not in removed)
            assert not set(search.obsolete(site, removed)) & set(expected)
            withdrawn[f"withdraw_{name}_s"] = round(remove_s, 2)
            withdrawn[f"withdraw_{name}_files"] = len(removed)
    return {"items": items, "load_1min": [round(load, 1), round(os.getloadavg()[0], 1)],
            "build_s": round(build_s, 2), "v3_build_s": round(v3_s, 2), "v3_bytes": sum(map(len, v3_files.values())),
            "files": len(files), "bytes": sum(map(len, files.values())),
            "largest_file": max(map(len, files.values())),
            "add_one_s": round(add_s, 3), "add_one_files": len(added), **withdrawn}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="搜索索引的构建与增量更新时间、大小")
    parser.add_argument("--items", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for n in args.items:
        print(json.dumps(run(n, args.runs), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
