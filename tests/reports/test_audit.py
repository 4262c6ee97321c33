"""portal audit over hand-made sites: every page's metadata and links, freshness from PubDate, fake dates from git."""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest

from portal import model
from portal.cli import main
from reports import audit, site
from site_build.pages import item_url
from tests.reports.conftest import GitPortal, item


def page(title: str, meta: dict[str, str], links: list[str] = ()) -> str:  # type: ignore[assignment]
    metas = "".join(f'<meta name="{k}" content="{escape(v)}">\n' for k, v in meta.items())
    body = "".join(f'<a href="{escape(u)}">链接</a>\n' for u in links)
    return (f"<!DOCTYPE html>\n<html><head>\n<meta charset=\"utf-8\">\n{metas}<title>{escape(title)}</title>\n"
            f'<link rel="stylesheet" href="/assets/site.css">\n</head><body>\n{body}</body></html>\n')


def make_site(portal: model.Portal, dest: Path) -> Path:
    """A site the way the inspection wants it: metadata on every page, every link resolving."""
    s = portal.config.site
    ident = {"SiteName": s.name, "SiteDomain": s.domain, "SiteIDCode": s.id_code}
    files = {"assets/site.css": "body{}",
             "index.html": page(s.name, ident, [f"{c}/" for c in portal.columns] + ["https://www.gov.cn/", "#top"])}
    for c in portal.columns.values():
        items = [a for a in portal.in_column(c.id) if a.is_public()]
        files[f"{c.id}/index.html"] = page(c.title, {**ident, "ColumnName": c.title, "ColumnDescription": c.description,
                                                     "ColumnKeywords": ",".join(c.keywords), "ColumnType": c.type},
                                           ["../", *(f"{a.slug}.html" for a in items)])
        for a in items:
            files[item_url(a)] = page(a.title, {
                **ident, "ArticleTitle": a.title, "PubDate": model.format_when(a.date, a.date_has_time),  # type: ignore[arg-type]
                "ContentSource": a.source, "ColumnName": c.title, "ColumnType": c.type, "Keywords": c.title,
                "Author": a.department, "Description": a.title, "Image": f"https://{s.domain}/logo.png",
                "Url": f"https://{s.domain}/{item_url(a)}"}, ["./", "../", f"https://{s.domain}/{c.id}/"])
    for rel, text in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")
    return dest


def rules(findings: list) -> list[tuple[str, str]]:
    return sorted((f.path, f.rule) for f in findings)


def test_the_demo_site_passes(demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = make_site(model.load(demo_root), tmp_path / "site")
    assert main(["--root", str(demo_root), "audit", "--site", str(built)]) == 0
    err = capsys.readouterr().err
    assert "自查结论：合格" in err


@pytest.mark.parametrize("url, target", [
    ("../", "index.html"), ("a/", "news/a/index.html"), ("/news/", "news/index.html"),
    ("https://yjj.yunjiang.gov.cn/news/a/?x=1#p", "news/a/index.html"), ("//yjj.yunjiang.gov.cn/", "index.html"),
    ("a/%E5%9B%BE.png", "news/a/图.png"), ("../../../etc/passwd", "../../etc/passwd"),
    ("https://www.gov.cn/", None), ("mailto:a@b.cn", None), ("javascript:void(0)", None), ("#top", None),
    ("?page=2", None), ("data:image/png;base64,AA", None),
])
def test_which_links_are_internal(url: str, target: str | None) -> None:
    assert site.target("news/index.html", url, "yjj.yunjiang.gov.cn") == target


@pytest.fixture
def flawed(git_portal: GitPortal) -> GitPortal:
    """Items committed on given days; two are dated after the commit that added them."""
    git_portal.commit("2026-11-20 10:00", "真实", {"content/news/2026-11-20-zhenshi.md": item("真实日期", "2026-11-20 09:00")})
    git_portal.commit("2026-11-15 10:00", "伪造", {"content/news/2026-11-21-weizao.md": item("日期晚于入库", "2026-11-21 09:00")})
    git_portal.commit("2026-11-18 08:00", "同日", {"content/news/2026-11-18-tongri.md": item("只写日期", "2026-11-18")})
    git_portal.commit("2026-11-18 08:00", "次日", {"content/news/2026-11-19-ciri.md": item("日期为次日", "2026-11-19")})
    git_portal.commit("2026-11-15 10:00", "定时", {"content/news/2026-11-21-dingshi.md": item(
        "定时发布", "2026-11-21 09:00", scheduled="true")})
    return git_portal


def test_fake_dates_undated_items_metadata_and_dead_links(flawed: GitPortal, tmp_path: Path) -> None:
    portal = model.load(flawed.root)
    built = make_site(portal, tmp_path / "site")
    home = built / "index.html"
    home.write_text(home.read_text(encoding="utf-8").replace(
        "<body>\n", '<body>\n<a href="/news/nothing/">死链</a>\n<img src="../outside.png">\n<a href="https://www.gov.cn/x">外链</a>\n'),
        encoding="utf-8")
    zhenshi = built / "news/zhenshi.html"
    zhenshi.write_text(zhenshi.read_text(encoding="utf-8").replace('<meta name="SiteIDCode" content="3310000017">\n', ""),
                       encoding="utf-8")
    tongri = built / "news/tongri.html"
    tongri.write_text(tongri.read_text(encoding="utf-8").replace('<meta name="PubDate" content="2026-11-18">\n', ""),
                      encoding="utf-8")
    column = built / "notices/index.html"
    column.write_text(column.read_text(encoding="utf-8").replace('<meta name="ColumnType"', '<meta name="X"'),
                      encoding="utf-8")
    result = audit.audit(portal, built)
    errors = [(f.path, f.rule) for f in result.findings if f.severity == "error"]
    assert sorted(set(errors) - {("index.html", "AUDIT-VETO")}) == [
        ("content/news/2026-11-19-ciri.md", "AUDIT-DATE-FAKE"),
        ("content/news/2026-11-21-weizao.md", "AUDIT-DATE-FAKE"),
        ("index.html", "AUDIT-LINK-BROKEN"),
        ("news/tongri.html", "AUDIT-UNDATED"),
        ("news/zhenshi.html", "AUDIT-META-MISSING"),
        ("notices/index.html", "AUDIT-META-MISSING"),
    ]
    broken = sorted((f.line, f.match) for f in result.findings if f.rule == "AUDIT-LINK-BROKEN")
    assert broken == [(10, "/news/nothing/"), (11, "../outside.png")]  # the lines of the two tags
    fake = next(f for f in result.findings if f.path.endswith("weizao.md"))
    assert fake.line == 3 and "2026-11-15 10:00" in fake.message
    assert [f.match for f in result.findings if f.path == "notices/index.html" and f.severity == "error"] == ["ColumnType"]
    # only news has items: 24 empty columns are a veto
    assert result.inspection.counts["empty"] == 24 and result.failed


def test_freshness_comes_from_the_pages(flawed: GitPortal, tmp_path: Path) -> None:
    portal = model.load(flawed.root)
    built = make_site(portal, tmp_path / "site")
    news = next(r for r in audit.audit(portal, built).columns if r.id == "news")
    assert news.age_days == 1  # the scheduled item of the 21st is public now, as is the one dated the 21st
    for rel in ("news/weizao.html", "news/dingshi.html"):
        (built / rel).unlink()
    news = next(r for r in audit.audit(portal, built).columns if r.id == "news")
    assert news.age_days == 2
    missing = [f for f in audit.audit(portal, built).findings if f.rule == "AUDIT-ITEM-MISSING"]
    assert len(missing) == 2


def test_stale_column_from_pages(flawed: GitPortal, tmp_path: Path) -> None:
    flawed.commit("2026-11-01 10:00", "旧会议", {"content/meetings/2026-11-07-huiyi.md": item("十五天前的会议", "2026-11-07 09:00")})
    portal = model.load(flawed.root)
    result = audit.audit(portal, make_site(portal, tmp_path / "site"))
    stale = [f for f in result.findings if f.rule == "AUDIT-COLUMN-STALE"]
    assert [(f.path, f.severity) for f in stale] == [("meetings/index.html", "warning")]
    assert "15 天未更新" in stale[0].message


def test_cli_exit_codes_and_json(flawed: GitPortal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = make_site(model.load(flawed.root), tmp_path / "site")
    assert main(["--root", str(flawed.root), "audit", "--site", str(built), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] and data["pages"] == 1 + 25 + 5
    assert {f["rule"] for f in data["findings"]} >= {"AUDIT-DATE-FAKE", "AUDIT-VETO", "AUDIT-COLUMN-EMPTY"}
    assert main(["--root", str(flawed.root), "audit", "--site", str(tmp_path / "nowhere")]) == 1
    assert "portal build" in capsys.readouterr().err


def test_outside_git_fake_dates_cannot_be_checked(write_item, tmp_portal: Path, tmp_path: Path) -> None:
    write_item("news/2026-11-20-a.md", item("甲", "2026-11-20 09:00"))
    portal = model.load(tmp_portal)
    result = audit.audit(portal, make_site(portal, tmp_path / "site"))
    assert ("content", "AUDIT-NO-GIT") in rules(result.findings)


def test_the_real_build_of_the_demo_passes_the_audit(demo_root: Path, tmp_path: Path) -> None:
    from site_build.build import build_site

    built = build_site(demo_root, tmp_path / "site")
    assert built.ok, [f.format() for f in built.findings]
    portal = model.load(demo_root)
    result = audit.audit(portal, built.out)
    # every page, MkDocs' 404.html included, carries the site's metadata
    assert [f.format() for f in result.findings if f.severity == "error"] == []
    assert not [f for f in result.findings if f.rule in ("AUDIT-ITEM-MISSING", "AUDIT-COLUMN-MISSING")]
    assert result.pages > len(portal.articles) and not result.inspection.failed


@pytest.fixture
def reviewed(git_portal: GitPortal) -> GitPortal:
    """Items that went through review: submitted on a review branch, merged into main later."""
    cases = {  # name: (date, submitted, merged, scheduled)
        "exact": ("2026-11-12 15:00", "2026-11-10 09:00", "2026-11-12 15:00", False),  # dated at its publication
        "sameminute": ("2026-11-12 16:07", "2026-11-10 09:00", "2026-11-12 16:07:45", False),
        "sameday": ("2026-11-12", "2026-11-10 09:00", "2026-11-12 15:00", False),
        "written": ("2026-11-09 18:00", "2026-11-10 09:00", "2026-11-12 15:00", False),  # within 24 h of submission
        "backdated": ("2026-10-30 17:00", "2026-11-03 09:00", "2026-11-03 15:00", False),
        "backdated-day": ("2026-11-01", "2026-11-03 09:00", "2026-11-03 15:00", False),  # 1 Nov 24:00 < 2 Nov 09:00
        "postdated": ("2026-11-13 09:00", "2026-11-10 09:00", "2026-11-12 15:00", False),
        "scheduled": ("2026-11-13 09:00", "2026-11-10 09:00", "2026-11-12 15:00", True),
    }
    for name, (date, submitted, merged, scheduled) in cases.items():
        rv = git_portal.branch(f"review/sun.lixin/{name}")
        extra = {"scheduled": "true"} if scheduled else {}
        rv.submit(submitted, {f"content/news/2026-11-01-{name}.md": item(name, date, **extra)})
        rv.approve_all([submitted] * 4)
        rv.merge(merged)
    return git_portal


def test_fake_dates_compare_with_the_real_publication_and_the_submission(reviewed: GitPortal, tmp_path: Path) -> None:
    portal = model.load(reviewed.root)
    result = audit.audit(portal, make_site(portal, tmp_path / "site"))
    fake = {f.path.removeprefix("content/news/2026-11-01-").removesuffix(".md"): f
            for f in result.findings if f.rule == "AUDIT-DATE-FAKE"}
    assert sorted(fake) == ["backdated", "backdated-day", "postdated"]
    assert "倒填" in fake["backdated"].message and "2026-11-03 09:00" in fake["backdated"].message
    assert "2026-11-12 15:00" in fake["postdated"].message  # the merge, not the submission of the 10th


def test_the_tolerance_is_configured(reviewed: GitPortal, tmp_path: Path) -> None:
    text = (reviewed.root / "columns.yml").read_text(encoding="utf-8")
    (reviewed.root / "columns.yml").write_text(text.replace("date_tolerance_hours: 24", "date_tolerance_hours: 120"),
                                               encoding="utf-8")
    portal = model.load(reviewed.root)
    result = audit.audit(portal, make_site(portal, tmp_path / "site"))
    assert [f.path for f in result.findings if f.rule == "AUDIT-DATE-FAKE"] == ["content/news/2026-11-01-postdated.md"]


def test_a_publish_directory_audits_only_the_live_release(demo_root: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    portal = model.load(demo_root)
    pub = tmp_path / "pub"
    old = make_site(portal, pub / "releases" / "20261101-000000-aaaaaaa" / "site")
    (old / "news" / "broken.html").write_text('<html><head></head><body><a href="/nowhere/">x</a></body></html>',
                                              encoding="utf-8")
    (pub / "releases" / "20261122-000000-bbbbbbb").mkdir(parents=True)
    assert main(["--root", str(demo_root), "audit", "--site", str(pub)]) == 1
    assert "还没有在用版本" in capsys.readouterr().err
    live = make_site(portal, pub / "releases" / "20261122-000000-bbbbbbb" / "site")
    (pub / "current").symlink_to("releases/20261122-000000-bbbbbbb/site")
    assert main(["--root", str(demo_root), "audit", "--site", str(pub), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pages"] == len(site.pages(live)) and data["findings"] == []
    assert data["site"] == str(live.resolve())
