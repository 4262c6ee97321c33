"""定时发布 from the informant's form: a box next to the publication date writes `scheduled: true`, a date that
is not later than now is refused with a message, the submission carries it to the review branch (the checks pass
it) and the box shows the item as it is; `scheduled` written otherwise by hand is kept for the checks to name."""
from __future__ import annotations

import re

from .conftest import World, item_fields, new_draft, password, save

LATER = "2026-12-01T09:00"  # the tests' clock is 2026-11-22 12:00 (Beijing)


def test_the_form_schedules_an_item_and_submits_it(world: World) -> None:
    from workbench.models import Draft
    from workbench.services import server

    c = world.client("sun.lixin")
    pk = new_draft(c)
    page = c.get(f"/drafts/{pk}/").content.decode()
    box = re.search(r'<input type="checkbox" name="scheduled"[^>]*>', page)
    assert box and "checked" not in box.group(0)
    assert '<label class="check" for="id_scheduled">' in page

    title = f"消防安全培训报名通知{world.unique()}"
    fields = item_fields(title, "12月1日起接受报名，名额有限。\n", date=LATER, scheduled="on")
    r = save(c, pk, fields)
    assert r.status_code == 302, r.content.decode()[:2000]
    draft = Draft.objects.get(pk=pk)
    assert "\ndate: 2026-12-01 09:00\nscheduled: true\n" in draft.text
    page = c.get(f"/drafts/{pk}/").content.decode()
    assert re.search(r'<input type="checkbox" name="scheduled"[^>]*checked', page)
    preview = c.post(f"/drafts/{pk}/preview/", {"version": draft.version, **fields}).json()
    assert not [f for f in preview["findings"] if f["field"] == "date"], preview["findings"]

    r = save(c, pk, fields, action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, r.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.submitted_branch
    srv = server()
    srv.refresh(force=True)
    text = (srv.read(f"refs/heads/{draft.submitted_branch}", draft.path) or b"").decode()
    assert "scheduled: true" in text and "date: 2026-12-01 09:00" in text

    # unticking it on the branch's item takes it out again
    r = c.get(f"/items/revise/?branch={draft.submitted_branch}&path={draft.path}")
    assert r.status_code == 302
    again = int(re.search(r"/drafts/(\d+)/", r["Location"]).group(1))
    page = c.get(f"/drafts/{again}/").content.decode()
    assert re.search(r'<input type="checkbox" name="scheduled"[^>]*checked', page)
    unticked = {k: v for k, v in fields.items() if k != "scheduled"}
    assert save(c, again, unticked).status_code == 302
    assert "scheduled" not in Draft.objects.get(pk=again).text


def test_a_scheduled_date_must_be_later_than_now(world: World) -> None:
    from workbench.models import Draft

    c = world.client("sun.lixin")
    pk = new_draft(c)
    before = Draft.objects.get(pk=pk).text
    r = save(c, pk, item_fields("定时发布日期已过的稿件", "正文。\n", date="2026-11-21T10:00", scheduled="on"))
    assert r.status_code == 200
    page = r.content.decode()
    assert "定时发布的发布日期须晚于现在（2026-11-22 12:00）" in page
    assert Draft.objects.get(pk=pk).text == before  # nothing saved


def test_a_later_date_without_the_box_is_named_by_the_checks(world: World) -> None:
    from workbench.models import Draft

    c = world.client("sun.lixin")
    pk = new_draft(c)
    fields = item_fields("未勾选定时发布的稿件", "正文。\n", date=LATER)
    assert save(c, pk, fields).status_code == 302
    preview = c.post(f"/drafts/{pk}/preview/", {"version": Draft.objects.get(pk=pk).version, **fields}).json()
    assert any("scheduled: true" in f["message"] for f in preview["findings"]), preview["findings"]


def test_scheduled_written_by_hand_is_kept_for_the_checks() -> None:
    from workbench import items

    text = "---\ntitle: 标题\ndate: 2026-12-01 09:00\nscheduled: 是\n---\n正文\n"
    fields = items.decompose(text, "content/news/2026-12-01-a.md")
    assert fields.scheduled is False and fields.extra["scheduled"] == "是"
    assert "scheduled: 是" in items.compose(fields)
    fields = items.decompose(text.replace("scheduled: 是", "scheduled: true"), "content/news/2026-12-01-a.md")
    assert fields.scheduled is True and "scheduled" not in fields.extra
    assert items.compose(fields).count("scheduled: true") == 1
