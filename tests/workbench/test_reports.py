"""The 通报 in the browser: the files are `portal report`'s own (the same bytes for the same commit and period),
sanitised when shown, downloadable in each format it writes, for a month or a quarter, readable by the office
and the heads but not by informants."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import World

OFFICE = "chen.xiuying"
MONTH, QUARTER = "2026-11", "2026-Q4"


def files(world: World, period: str) -> dict[str, str]:
    r = world.client(OFFICE).get(f"/reports/?period={period}")
    assert r.status_code == 200, r.content.decode()[:2000]
    found = re.findall(r'download>([^<]+)</a>（([^，]+)，', r.content.decode())
    assert found
    return dict(found)


def download(world: World, period: str, name: str) -> bytes:
    r = world.client(OFFICE).get(f"/reports/file/?period={period}&name={name}")
    assert r.status_code == 200
    assert "filename" in r["Content-Disposition"]
    return b"".join(r.streaming_content)


def test_the_month_is_shown_sanitised_with_every_format_portal_report_writes(world: World) -> None:
    r = world.client(OFFICE).get(f"/reports/?period={MONTH}")
    text = r.content.decode()
    assert "政务信息报送与网站栏目更新情况通报" in text and "<svg" in text  # the report with its charts
    assert "<style" not in text.split('class="report-view"')[1]  # its styles come from the scoped stylesheet
    assert "Content-Security-Policy" in r and "script-src 'self'" in r["Content-Security-Policy"]
    names = files(world, MONTH)
    assert set(names) == {f"report-{MONTH}.html", f"report-{MONTH}.json", f"tongbao-{MONTH}.html",
                          f"tongbao-{MONTH}.docx"} | {f"report-{MONTH}-{t}.csv" for t in
                                                      ("units", "columns", "items", "stages", "people")}


def test_downloads_are_the_files_portal_report_writes(world: World, tmp_path: Path) -> None:
    names = files(world, MONTH)
    clone = tmp_path / "main"
    subprocess.run(["git", "clone", "-q", str(world.demo.server), str(clone)], check=True)
    for fmt in ("json", "csv", "docx"):
        proc = subprocess.run([sys.executable, "-m", "portal", "--root", str(clone), "report", "--period", MONTH,
                               "--format", fmt, "--out", str(tmp_path / "out")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    data = json.loads(download(world, MONTH, f"report-{MONTH}.json"))
    cli = json.loads((tmp_path / "out" / f"report-{MONTH}.json").read_text(encoding="utf-8"))
    assert data["period"] == cli["period"] and data["units"] == cli["units"] and data["columns"] == cli["columns"]
    units = download(world, MONTH, f"report-{MONTH}-units.csv")
    assert units.startswith("\ufeff".encode())  # the BOM Excel needs, as portal report writes it
    rows = list(csv.DictReader(io.StringIO(units.decode("utf-8-sig"))))
    assert rows and {"rank", "name", "score"} <= set(rows[0])
    assert units == (tmp_path / "out" / f"report-{MONTH}-units.csv").read_bytes()
    word = download(world, MONTH, f"tongbao-{MONTH}.docx")
    with zipfile.ZipFile(io.BytesIO(word)) as z:  # a real Word file
        assert "word/document.xml" in z.namelist()
        assert "通报" in z.read("word/document.xml").decode("utf-8")
    page = download(world, MONTH, f"tongbao-{MONTH}.html")
    assert page.startswith(b"<!DOCTYPE html>") and "@page" in page.decode("utf-8")
    assert all(n for n in names.values())


def test_the_quarter_covers_three_months(world: World) -> None:
    names = files(world, QUARTER)
    stem = next(n for n in names if n.endswith(".json")).removesuffix(".json")
    data = json.loads(download(world, QUARTER, f"{stem}.json"))
    assert data["period"]["start"] == "2026-10-01" and data["period"]["end"] == "2026-12-31"


def test_the_printable_bulletin_runs_no_script(world: World) -> None:
    r = world.client(OFFICE).get(f"/reports/doc/?period={MONTH}")
    assert r.status_code == 200
    csp = r["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    text = r.content.decode()
    assert "@page" in text and "red-head" in text and "<script" not in text


def test_report_html_is_sanitised() -> None:
    from workbench import reportsview

    body = reportsview.sanitised_body('<html><body><h1 onclick="x()">通报</h1><script>alert(1)</script>'
                                      '<img src=x onerror=alert(2)><a href="javascript:alert(3)">链接</a>'
                                      '<svg viewBox="0 0 1 1"><rect width="1" height="1" fill="#c62828"/></svg>'
                                      '</body></html>')
    assert "script" not in body and "onclick" not in body and "onerror" not in body and "javascript" not in body
    assert "<h1>通报</h1>" in body and 'viewBox="0 0 1 1"' in body and 'fill="#c62828"' in body


def test_the_stylesheet_is_scoped_to_the_report() -> None:
    from workbench import reportsview

    css = reportsview.scoped_css("body{margin:0}\nh1,h2{color:red}table{width:100%}")
    assert css.splitlines() == [".report-view{margin:0}", ".report-view h1,.report-view h2{color:red}",
                                ".report-view table{width:100%}"]


@pytest.mark.parametrize("bad", ["2026-13", "2027-01", "2026-Q5", "last", "../../etc"])
def test_a_period_that_is_not_one_is_refused_with_a_message(world: World, bad: str) -> None:
    r = world.client(OFFICE).get(f"/reports/?period={bad}")
    assert r.status_code == 400 and "无法生成这一期的通报" in r.content.decode()


def test_a_file_not_written_by_the_report_is_not_served(world: World) -> None:
    c = world.client(OFFICE)
    assert c.get(f"/reports/file/?period={MONTH}&name=../../workbench.sqlite3").status_code == 404
    assert c.get(f"/reports/file/?period={MONTH}&name=secret_key").status_code == 404


def test_informants_cannot_read_the_bulletin_but_heads_can(world: World) -> None:
    c = world.client("sun.lixin")
    for url in ("/reports/", f"/reports/doc/?period={MONTH}", f"/reports/file/?period={MONTH}&name=report-{MONTH}.json"):
        assert c.get(url).status_code == 403
    assert "/reports/" not in c.get("/").content.decode()
    assert world.client("wu.guoqing").get(f"/reports/?period={MONTH}").status_code == 200  # 科室负责人


def test_cached_per_main_commit(world: World) -> None:
    from workbench import reportsview
    from workbench.services import server

    first = reportsview.folder_for(server(), "2026-10")
    again = reportsview.folder_for(server(), "2026-10")
    assert first == again and server().main_sha() in str(first)


def test_only_the_reports_of_the_newest_commits_are_kept(tmp_path: Path) -> None:
    import os

    from workbench import reportsview

    for n in range(8):
        folder = tmp_path / f"{n:040x}" / "2026-11"
        folder.mkdir(parents=True)
        os.utime(tmp_path / f"{n:040x}", (1_000_000 + n, 1_000_000 + n))
    reportsview.prune(tmp_path, f"{7:040x}", keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{n:040x}" for n in (5, 6, 7)]
