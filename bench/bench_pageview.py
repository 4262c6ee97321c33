"""What a reader downloads on a first visit, in Debian's chromium, on generated portals.

    .venv/bin/python -m bench.bench_pageview --items 10000 100000

For each size: generate the portal (bench.generate), build it (`build_site`, full), serve it on
127.0.0.1 and open, each in a fresh browser context (empty cache), the home page, a column page, an
item page, the search page, and searches: the most common two-character words (应急, 安全), a phrase
of three and of five characters, a four-character phrase whose characters are all common but never
adjacent in this text (检查组织), a rare word (one item's number) and a word that is nowhere. Every
response is counted (headers + body as chromium reports them, uncompressed, like the test server sends
them) and, for what gzip would save, the gzip -6 size of each body. Also: whether any request asked for
a sitemap, how many scripts were loaded, the result count the page shows, and the machine's load.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import tempfile
import threading
import time
from pathlib import Path

from bench.generate import generate
from site_build.build import build_site

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def pages(site: Path, items: int) -> dict[str, str]:
    column = max((d for d in site.iterdir() if (d / "rss.xml").is_file()), key=lambda d: len(list(d.glob("*.html")))).name
    item = sorted(p.name for p in (site / column).glob("*.html") if not p.name.startswith("index"))[0]
    views = {"首页": "", "栏目页": f"{column}/", "稿件页": f"{column}/{item}", "搜索页": "search/"}
    for query in ("应急", "安全", "应急管", "应急管理局", "检查组织", str(items // 2 + 7), "量子纠缠"):
        views[f"搜索“{query}”"] = f"search/?q={query}"
    return views


def measure(base: str, site: Path, items: int) -> dict[str, dict[str, object]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[str, object]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, path in pages(site, items).items():
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            seen: list[object] = []
            tab.on("response", lambda r, into=seen: into.append(r))  # type: ignore[call-overload]
            tab.goto(base + path)
            if path.startswith("search/"):
                tab.wait_for_selector("#portal-search[data-state=done]", timeout=120000)
            tab.wait_for_load_state("networkidle")
            shown = tab.locator(".portal-search__status").inner_text() if path.startswith("search/?") else ""
            raw = packed = 0
            urls = []
            for r in seen:
                sizes = r.request.sizes()  # type: ignore[attr-defined]
                body = r.body() if r.status == 200 else b""  # type: ignore[attr-defined]
                raw += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                packed += len(gzip.compress(body, 6)) + sizes["responseHeadersSize"]
                urls.append(r.url)  # type: ignore[attr-defined]
            out[name] = {"requests": len(urls), "bytes": raw, "gzip_bytes": packed,
                         "sitemap_requests": sum("sitemap" in u for u in urls),
                         "scripts": sum(u.endswith(".js") for u in urls), **({"status": shown} if shown else {})}
            context.close()
        browser.close()
    return out


def run(items: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "portal", items)
        started = time.perf_counter()
        result = build_site(root, Path(tmp) / "site")
        built = time.perf_counter() - started
        assert result.ok, [f.format() for f in result.findings][:5]
        site = Path(tmp) / "site"
        sitemap = (site / "sitemap.xml").stat().st_size
        index = sum(p.stat().st_size for p in (site / "search").rglob("*") if p.is_file())
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            load = os.getloadavg()[0]
            views = measure(f"http://127.0.0.1:{server.server_address[1]}/", site, items)
        finally:
            server.shutdown()
            server.server_close()
    return {"items": items, "build_s": round(built, 1), "load_1min": [round(load, 1), round(os.getloadavg()[0], 1)],
            "sitemap_xml_bytes": sitemap, "search_index_bytes": index, "views": views}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="读者首次访问各类页面下载的字节数")
    parser.add_argument("--items", type=int, nargs="+", default=[10000])
    args = parser.parse_args(argv)
    for n in args.items:
        print(json.dumps(run(n), ensure_ascii=False, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
