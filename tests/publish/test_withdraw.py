"""撤稿: deleting an item's file takes its page off the next release; git and the old release keep it."""
from __future__ import annotations

from pathlib import Path

from site_build import manifest as mf

from .conftest import Run, git
from .test_publish import PAGE, live

ITEM = "content/disaster/2026-06-03-fang-xun.md"
TITLE = "市应急管理局召开全市防汛工作部署会"


def mentions(site: Path, text: str) -> list[str]:
    """Files of the site whose text contains `text` (pages, feeds, sitemap, search index...)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*")
                  if p.is_file() and text.encode() in p.read_bytes())


def test_a_withdrawn_item_disappears_from_the_next_release(run_portal: Run, site_repo: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    run_portal("publish", "--to", www)
    before = live(www)
    assert PAGE in mentions(www / "current", TITLE)
    # its page, its column's index, the feeds and the sitemap name it
    assert {PAGE, "disaster/index.html", "disaster/rss.xml", "sitemap.xml"} <= set(mentions(www / "current", "fang-xun"))
    git(site_repo, "rm", "-q", ITEM)
    git(site_repo, "commit", "-q", "-m", "撤稿：市应急管理局召开全市防汛工作部署会")
    status, out, _ = run_portal("publish", "--to", www)
    assert status == 0 and "1 篇稿件" in out
    assert not (www / "current" / PAGE).exists()
    assert mentions(www / "current", "fang-xun") == [] and mentions(www / "current", TITLE) == []
    # the record stays: in git, and in the previous release, which can be put back
    assert TITLE in git(site_repo, "show", f"HEAD~1:{ITEM}")
    assert PAGE in mf.read(www / "releases" / before / "manifest.json")[0].files
    assert run_portal("verify-site", www)[0] == 0
    assert run_portal("rollback", "--dir", www)[0] == 0
    assert (www / "current" / PAGE).is_file()
