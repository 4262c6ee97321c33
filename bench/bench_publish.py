"""Publishing and verifying a generated portal of N items: what the release, manifest and switch cost.

    .venv/bin/python -m bench.bench_publish --items 2000

Times a plain build_site into a directory, then `portal publish` twice from a git repository (the
second after one new item is committed; the difference from a plain incremental build is what
publishing adds: git archive of the commit, giving every carried-over file its own inode, manifest,
sync, switch), then `portal verify-site` on disk and over HTTP (http.server on 127.0.0.1, 8 requests
at a time).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.generate import generate
from site_build import manifest as mf
from site_build import publish, verify
from site_build.build import build_site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - start:.2f}s", flush=True)
    return result


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "portal", args.items)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", ".")
        _git(root, "commit", "-q", "-m", "bench")
        _timed("build_site (no publish)", build_site, root, Path(tmp) / "plain")
        www = Path(tmp) / "www"
        first = _timed("portal publish (first)", publish.publish, root, www)
        size = sum(e.size for e in mf.scan(first.site).values())
        print(f"site: {first.files} files, {size / 1e6:.0f} MB")
        _timed("manifest scan (sha256 of every file)", mf.scan, first.site)
        new = next((root / "content" / "news").glob("*.md"))
        new.with_name("2026-11-22-bench-new-item.md").write_bytes(new.read_bytes())
        _git(root, "add", ".")
        _git(root, "commit", "-q", "-m", "one new item")
        with tempfile.TemporaryDirectory(dir=tmp) as export:
            _timed("git archive of the commit (export)", publish._export, root,  # noqa: SLF001
                   subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                  check=True).stdout.strip(), Path(export))
        _timed("build_site incremental, one new item (no publish)", build_site, root, Path(tmp) / "plain2",
               incremental_from=Path(tmp) / "plain")
        _timed("portal publish (one new item)", publish.publish, root, www)
        linked = Path(tmp) / "linked"
        shutil.copytree(www / "current", linked, copy_function=os.link)
        copied = _timed("unshare: an own copy of every hard-linked file", publish.unshare, linked)
        print(f"unshared files: {copied}")
        shutil.rmtree(linked)
        located = verify.locate(www)
        report = _timed("verify-site DIR", verify.verify_dir, located, www / "current")
        assert report.ok
        with _serve(www / "current") as url:
            report = _timed("verify-site --url --new", verify.verify_url, located, url, new=True)
        assert report.ok, report.text()[-2000:]
        print(f"new pages confirmed live: {len(report.confirmed)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items={args.items} peak RSS {rss:.0f}MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
