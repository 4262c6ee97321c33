"""Build the public site into a directory, all or nothing.

`build_site` loads the portal, runs every check and refuses to build when one reports an
error. It writes into a temporary directory next to `out` and renames it into place, so
`out` is either the old site or the complete new one, never half of each.
"""
from __future__ import annotations

import dataclasses
import html
import os
import shutil
import tempfile
from pathlib import Path

from checks import runner
from portal import model
from portal.errors import Finding, has_error


@dataclasses.dataclass
class BuildResult:
    out: Path  # the site directory
    pages: list[str]  # every page of the site, as a URL path relative to the site root ("news/x/")
    written: list[str]  # files (relative to out) this build wrote; all of them for a full build
    findings: list[Finding]  # what the checks reported (errors mean nothing was built)
    incremental: bool = False

    @property
    def ok(self) -> bool:
        return not has_error(self.findings)


def build_site(root: Path, out: Path, *, incremental_from: Path | None = None) -> BuildResult:
    """Build the portal at `root` into `out`. On a check error, return the findings and leave `out` alone."""
    root, out = Path(root).resolve(), Path(out).resolve()
    portal, findings = model.load_or_findings(root)
    if portal is not None:
        findings = runner.run(portal)
    if portal is None or has_error(findings):
        return BuildResult(out, [], [], findings)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        pages = _write_simple(portal, tmp)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return BuildResult(out, pages, written, findings)


def _write_simple(portal: model.Portal, dest: Path) -> list[str]:
    """Placeholder renderer (replaced by site_build.pages + the MkDocs shell)."""
    pages = []
    for article in portal.articles:
        if not article.is_public():
            continue
        page = dest / article.url / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<!doctype html><title>{html.escape(article.title)}</title>", encoding="utf-8")
        pages.append(article.url)
    (dest / "index.html").write_text("<!doctype html><title>首页</title>", encoding="utf-8")
    return ["", *sorted(pages)]


def _swap(tmp: Path, out: Path) -> None:
    """Put the finished tmp in place of out: two renames, the old copy removed last."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
