"""calendar.yml: the State Council's schedule for a year chinesecalendar does not know yet.

The 2027 dates below are test data (the mechanism), not the official 2027 arrangement.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from portal.cli import main
from portal.errors import PortalError
from reports import workdays
from tests.reports.conftest import item

D = dt.date
CALENDAR_2027 = """\
years:
  2027:
    source: 测试数据（非真实安排）
    holidays: [2027-01-01 ~ 2027-01-03, 2027-02-08 ~ 2027-02-14]
    workdays: [2027-01-09, 2027-02-20]
"""


def write_calendar(root: Path, text: str = CALENDAR_2027) -> None:
    (root / "calendar.yml").write_text(text, encoding="utf-8")


def test_without_the_file_a_year_the_package_lacks_cannot_be_judged(tmp_portal: Path) -> None:
    workdays.configure(tmp_portal)
    with pytest.raises(workdays.CalendarGap) as exc:
        workdays.is_workday(D(2027, 1, 4))
    assert "calendar.yml" in str(exc.value) and "2027" in str(exc.value) and "无法判定" in str(exc.value)


@pytest.mark.parametrize("day, expected", [
    (D(2027, 1, 1), False),  # holiday (a Friday)
    (D(2027, 1, 4), True),   # an ordinary Monday
    (D(2027, 1, 9), True),   # a moved Saturday (调休上班)
    (D(2027, 1, 10), False),  # an ordinary Sunday
    (D(2027, 2, 10), False),  # inside a range
    (D(2027, 2, 20), True),
    (D(2026, 2, 16), False),  # 2026 still comes from the package
])
def test_the_file_covers_the_year(tmp_portal: Path, day: dt.date, expected: bool) -> None:
    write_calendar(tmp_portal)
    workdays.configure(tmp_portal)
    assert workdays.is_workday(day) is expected
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)  # across the years, over the holiday


def test_the_package_wins_for_the_years_it_knows(tmp_portal: Path) -> None:
    write_calendar(tmp_portal, "years:\n  2026:\n    holidays: [2026-03-02]\n")
    workdays.configure(tmp_portal)
    assert workdays.is_workday(D(2026, 3, 2)) is True


@pytest.mark.parametrize("text, message", [
    ("years:\n  2027:\n    holidays: [2027-02-30]\n", "calendar.yml:2"),
    ("years:\n  2027:\n    holidays: [2028-01-01]\n", "不在 2027 年"),
    ("years:\n  2027:\n    workdays: [2027-01-09]\n", "holidays"),
    ("years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-01]\n", "同时写在"),
    ("years:\n  2027:\n    holidays: [2027-02-14 ~ 2027-02-08]\n", "结束日期早于开始日期"),
    ("years: [2027]\n", "years"),
    ("years:\n  2027: {holidays: [2027-01-01]\n", "YAML"),
])
def test_mistakes_are_explained(tmp_portal: Path, text: str, message: str) -> None:
    write_calendar(tmp_portal, text)
    with pytest.raises(PortalError) as exc:
        workdays.configure(tmp_portal)
    assert message in str(exc.value)


def january_2027(root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict:
    monkeypatch.setenv("PORTAL_NOW", "2027-02-01T00:00:00+08:00")
    for day in ("2027-01-04", "2027-01-05"):
        path = root / "content" / "news" / f"{day}-a.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item(f"动态{day}", f"{day} 09:00", event_date=f"{day} 08:00"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["--root", str(root), "report", "--period", "2027-01", "--format", "json", "--out", str(out)]) == 0
    return json.loads((out / "report-2027-01.json").read_text(encoding="utf-8"))


def test_a_report_of_a_year_covered_only_by_the_file(tmp_portal: Path, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    write_calendar(tmp_portal)
    data = january_2027(tmp_portal, monkeypatch, tmp_path)
    news = next(c for c in data["columns"] if c["id"] == "news")
    # January 2027: 21 weekdays, less 1 January (holiday), plus Saturday 9 January = 21 working days; 2 have items
    assert len(news["missed"]) == 19 and news["note"] == ""
    assert not any("无法判定" in w for w in data["warnings"])


def test_a_report_without_the_year_says_which_file_to_fill(tmp_portal: Path, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = january_2027(tmp_portal, monkeypatch, tmp_path)
    news = next(c for c in data["columns"] if c["id"] == "news")
    assert news["missed"] == [] and "calendar.yml" in news["note"]
    assert any("无法判定" in w and "calendar.yml" in w for w in data["warnings"])
    assert "calendar.yml" in capsys.readouterr().out
