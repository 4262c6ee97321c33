"""The demo portal (云江市应急管理局): it passes every check and looks like a portal that is kept up."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import checks
from portal import clock, model

QUOTED = re.compile(r"《([^》]+)》")


@pytest.fixture
def demo(demo_root: Path) -> model.Portal:
    return model.load(demo_root)


def test_demo_has_no_findings(demo: model.Portal) -> None:
    findings = checks.run(demo)
    assert findings == [], "\n".join(f.format() for f in findings)


def test_demo_is_big_enough_and_fills_every_column(demo: model.Portal) -> None:
    assert len(demo.articles) >= 40
    empty = [c for c in demo.columns if not demo.in_column(c)]
    assert empty == []


def test_dates_lie_within_the_last_twelve_months(demo: model.Portal) -> None:
    now = clock.now()
    year_ago = now - dt.timedelta(days=365)
    for a in demo.articles:
        assert a.date is not None, a.path
        assert year_ago <= a.date <= now, a.path
        if a.event_date is not None:
            assert a.event_date <= a.date, a.path


def test_dates_mix_plain_days_and_times(demo: model.Portal) -> None:
    kinds = {a.date_has_time for a in demo.articles}
    assert kinds == {True, False}


def refers_to(interpretation: str, document: str) -> bool:
    """An interpretation names its document by its full title or by the 《name》 the title quotes."""
    return document in interpretation or bool(set(QUOTED.findall(interpretation)) & set(QUOTED.findall(document)))


@pytest.mark.parametrize(("interpretation", "document", "expected"), [
    ("《云江市应急物资储备库管理细则》解读", "云江市应急管理局关于同意《云江市应急物资储备库管理细则》的批复", True),
    ("一图读懂《2026年全市应急管理工作要点》", "关于印发《2026年全市应急管理工作要点》的通知", True),
    ("《云江市应急物资储备库管理细则》解读", "关于印发《2026年全市应急管理工作要点》的通知", False),
])
def test_refers_to(interpretation: str, document: str, expected: bool) -> None:
    assert refers_to(interpretation, document) is expected


def test_every_policy_document_has_its_interpretation(demo: model.Portal) -> None:
    interpretations = [a.title for a in demo.in_column("interpretations")]
    documents = demo.in_column("documents")
    assert documents
    missing = [d.title for d in documents if not any(refers_to(i, d.title) for i in interpretations)]
    assert missing == []


def test_every_consultation_is_also_announced_in_notices(demo: model.Portal) -> None:
    notices = {a.title for a in demo.in_column("notices")}
    calls = [a for a in demo.in_column("consultations") if a.title.startswith("关于公开征求")]
    assert calls
    assert [a.title for a in calls if a.title not in notices] == []


def test_attachments_exist_and_are_small(demo: model.Portal) -> None:
    attached = [(a.path, att.file) for a in demo.articles for att in a.attachments]
    assert {Path(f).suffix for _, f in attached} >= {".pdf", ".xlsx", ".docx"}
    for path, file in attached:
        full = demo.root / file
        assert full.is_file(), f"{path}: {file}"
        assert full.stat().st_size < 50_000, file
