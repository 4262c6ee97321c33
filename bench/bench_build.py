"""The site build on generated portals, side by side with Hugo building the same Markdown.

    .venv/bin/python -m bench.bench_build --items 2000 10000 [--runs 1] [--pagefind]

Needs Debian's `hugo` (apt-get install hugo). For each size, in one run, every step in a child
process of its own (wall time, and peak RSS from wait4):
- Hugo: the same content/ with a minimal layout (navigation of the sections, paginated lists of
  20, one page per item), written into a temp dir;
- `portal build --full`: checks, MkDocs + Material shell, every page, feeds, sitemap, search index;
- publishing one new item: `build_site(root, new_dir, incremental_from=live)`, which is what
  `portal publish` does for a new release; and `portal build` over its own output (incremental,
  the old copy deleted at the end);
- sizes: the HTML of the site, and the bytes a reader downloads for one search (search page,
  script, index.json, one shard per word, the document chunks of the first ten results).
With --pagefind (needs `pip install 'pagefind[extended]'`), Pagefind indexes the built site too.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from site_build import search

NOW = "2026-11-22T12:00:00+08:00"
QUERIES = ("防汛", "应急演练", "危险化学品安全生产专项检查", "2026")
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


def child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command; (wall seconds, peak RSS in MB of that process)."""
    start = time.monotonic()
    proc = subprocess.Popen(args, env={**os.environ, "PORTAL_NOW": NOW, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"失败：{' '.join(args)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def best(runs: int, fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    results = [fn() for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def hugo(work: Path, content: Path, runs: int) -> tuple[float, float]:
    site = work / "hugo"
    (site / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(HUGO_CONFIG.format(content=content), encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (site / "layouts" / "index.html").write_text(HUGO_LIST, encoding="utf-8")

    def once() -> tuple[float, float]:
        shutil.rmtree(work / "hugo-out", ignore_errors=True)
        return child(["hugo", "--quiet", "-s", str(site), "-d", str(work / "hugo-out")])

    return best(runs, once)


def new_item(root: Path) -> None:
    """One more item in 动态要闻, dated just before the build: what publishing a new item means."""
    sample = sorted((root / "content" / "news").glob("*.md"))[0].read_text(encoding="utf-8")
    lines = ["date: 2026-11-22 11:30" if ln.startswith("date:") else
             "title: 市应急管理局部署全市冬春火灾防控工作" if ln.startswith("title:") else ln
             for ln in sample.splitlines()]
    (root / "content" / "news" / "2026-11-22-dong-chun-huo-zai.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def search_bytes(site: Path, query: str) -> int:
    """What a reader's browser fetches for one search (the page and script included)."""
    meta = json.loads((site / "search/index.json").read_bytes())
    total = sum((site / p).stat().st_size for p in ("search/index.html", "assets/portal-search.js", "search/index.json"))
    lists = []
    words = search.terms(query)
    for shard in sorted({search.shard_of(w) for w in words}):
        path = site / search.shard_path(shard)
        total += path.stat().st_size
        lines = dict(line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines())
        lists += [set(search._ids(lines[w])) for w in words if search.shard_of(w) == shard and w in lines]
    found = sorted(set.intersection(*lists), reverse=True)[:10] if len(lists) == len(words) else []
    for chunk in sorted({d // meta["chunk"] for d in found}):
        total += (site / f"search/d/{chunk}.json").stat().st_size
    return total


def material_page_ms(work: Path) -> tuple[float, float]:
    """(ms to render one page with Material's main.html, ms to fill a shell): why items are filled, not rendered."""
    from mkdocs.commands.build import build

    from site_build import shell
    from site_build.build import load_mkdocs

    generate(work / "small", 50)
    cfg = load_mkdocs(work / "small", work / "small-site")
    build(cfg)
    plugin = cfg.plugins["portal"]
    page = plugin.plan.items[0]
    start = time.monotonic()
    for _ in range(200):
        plugin.render_shell(cfg, page)
    render = (time.monotonic() - start) / 200 * 1000
    skeleton = plugin.shells[shell.key(page, plugin.own)]
    start = time.monotonic()
    for _ in range(2000):
        shell.fill(skeleton, page)
    return render, (time.monotonic() - start) / 2000 * 1000


def size_of(site: Path, suffix: str = "") -> tuple[int, int]:
    files = [p for p in site.rglob(f"*{suffix}") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def measure(n: int, work: Path, runs: int, pagefind: bool) -> dict[str, object]:
    root = work / "portal"
    os.environ["PORTAL_NOW"] = NOW
    generate(root, n)
    row: dict[str, object] = {"items": n}
    row["hugo_s"], row["hugo_mb"] = hugo(work, root / "content", runs)
    portal = [sys.executable, "-m", "portal", "--root", str(root)]

    def full() -> tuple[float, float]:
        shutil.rmtree(work / "live", ignore_errors=True)
        return child(portal + ["build", "--full", "--out", str(work / "live")])

    row["full_s"], row["full_mb"] = best(runs, full)
    row["pages"], row["html_bytes"] = size_of(work / "live", ".html")
    row["files"], row["site_bytes"] = size_of(work / "live")
    row["search_bytes"] = max(search_bytes(work / "live", q) for q in QUERIES)
    row["search_index_bytes"] = size_of(work / "live" / "search")[1]
    new_item(root)
    code = ("import sys; from pathlib import Path; from site_build.build import build_site; "
            "r = build_site(Path(sys.argv[1]), Path(sys.argv[2]), incremental_from=Path(sys.argv[3])); "
            "assert r.ok and r.incremental, r; print(len(r.written))")
    row["publish_s"], row["publish_mb"] = child([sys.executable, "-c", code, str(root), str(work / "release"),
                                                 str(work / "live")])
    row["inplace_s"], _ = child(portal + ["build", "--out", str(work / "live")])
    if pagefind:
        row["pagefind_s"], row["pagefind_mb"] = child([sys.executable, "-m", "pagefind", "--site", str(work / "live"),
                                                       "--output-path", str(work / "pagefind"), "--quiet"])
        row["pagefind_bytes"] = size_of(work / "pagefind")[1]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="网站构建基准测试（与 Hugo 对比）")
    parser.add_argument("--items", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--runs", type=int, default=1, help="每项取 N 次中最快的一次（默认 1）")
    parser.add_argument("--pagefind", action="store_true", help="同时用 Pagefind 为网站建索引，作为对比")
    parser.add_argument("--keep", type=Path, help="把生成的门户与网站留在此目录（默认用临时目录并删除）")
    args = parser.parse_args(argv)
    if shutil.which("hugo") is None:
        raise SystemExit("需要 Hugo：apt-get install hugo")
    rows = []
    for n in args.items:
        work = (args.keep / str(n)) if args.keep else Path(tempfile.mkdtemp(prefix=f"bench-build-{n}-"))
        try:
            rows.append(measure(n, work, args.runs, args.pagefind))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    print(f"机器：{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}；Hugo {subprocess.run(['hugo', 'version'], capture_output=True, text=True).stdout.split()[1]}")
    print("| 稿件数 | Hugo 完整构建 | portal build 完整构建 | 倍数（目标 ≤3） | 发布一篇新稿（增量） | 与 Hugo 之比（目标 ≤0.5） "
          "| portal build 原地增量 | 峰值内存（Hugo / portal） | HTML 页面 | HTML 总量 | 一次搜索下载 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        h, f, p = float(r["hugo_s"]), float(r["full_s"]), float(r["publish_s"])  # type: ignore[arg-type]
        print(f"| {r['items']} | {h:.1f} s | {f:.1f} s | {f / h:.2f} | {p:.2f} s | {p / h:.2f} | {float(r['inplace_s']):.2f} s "  # type: ignore[arg-type]
              f"| {float(r['hugo_mb']):.0f} / {float(r['full_mb']):.0f} MB | {r['pages']} | {int(r['html_bytes']) / 1e6:.0f} MB "  # type: ignore[call-overload]
              f"| {int(r['search_bytes']) / 1e3:.0f} KB |")  # type: ignore[call-overload]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PORTAL_NOW"] = NOW
        render, fill = material_page_ms(Path(tmp))
    print(f"一个稿件页：Material 的 main.html 渲染 {render:.2f} ms（10,000 页 {render * 10:.1f} s），填充外壳 {fill:.3f} ms")
    if args.pagefind:
        for r in rows:
            print(f"Pagefind（{r['items']} 篇）：{float(r['pagefind_s']):.1f} s，峰值 {float(r['pagefind_mb']):.0f} MB，"  # type: ignore[arg-type]
                  f"索引 {int(r['pagefind_bytes']) / 1e6:.1f} MB；本站索引 {int(r['search_index_bytes']) / 1e6:.1f} MB")  # type: ignore[call-overload]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
