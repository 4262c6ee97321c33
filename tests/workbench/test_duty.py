"""值班读网 over HTTP: the demo's real server repository (hooks installed) and its real publish directory.

A page of the live site is written in place and a file deleted; the duty check lists both; the office
restores with one click (republish, then rollback), confirmed with the password; verify-site is clean again.
Informants see the page but cannot check or restore; a form without its CSRF token does nothing."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from site_build import publish

from .conftest import REPO, World, password

OFFICE = "chen.xiuying"
DEFACED = "<h1>此页已被篡改</h1>".encode()


def publish_dir(world: World) -> Path:
    return Path(world.demo.published)


def live_release(world: World) -> str:
    release = publish.Layout(publish_dir(world)).live()
    assert release
    return release


def pages(world: World) -> tuple[str, str]:
    """Two pages of the live site: one to deface, one to delete."""
    site = publish_dir(world) / "current"
    found = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html") if p.parent != site)
    assert len(found) >= 2
    return found[0], found[-1]


def deface(world: World) -> tuple[str, str, bytes, bytes]:
    changed, missing = pages(world)
    site = publish_dir(world) / "current"
    before, gone = (site / changed).read_bytes(), (site / missing).read_bytes()
    with (site / changed).open("r+b") as f:  # in place: the same inode, as a defacer's script writes it
        f.truncate(0)
        f.write(DEFACED)
    (site / missing).unlink()
    (site / "zhuanti" / "hei.html").parent.mkdir(exist_ok=True)
    (site / "zhuanti" / "hei.html").write_bytes(DEFACED)  # a page that was never published
    return changed, missing, before, gone


def check(world: World, person: str = OFFICE) -> str:
    c = world.client(person)
    r = c.post("/duty/check/")
    assert r.status_code == 302, r.content.decode()[:2000]
    page = c.get("/duty/")
    assert page.status_code == 200
    return page.content.decode()


def restore(world: World, method: str, **extra: str) -> Any:
    c = world.client(OFFICE)
    confirm = c.get(f"/duty/restore/?method={method}")
    assert confirm.status_code == 200, confirm.content.decode()[:2000]
    assert "再次输入你的登录密码" in confirm.content.decode()
    release = publish.Layout(publish_dir(world)).ordered()
    data = {"method": method, "confirm": "yes", "password": password(OFFICE)}
    if method == "rollback":
        found = re.search(r'name="release" value="([^"]*)"', confirm.content.decode())
        assert found
        data["release"] = found.group(1)
        assert data["release"] in release
    data |= extra
    return c.post("/duty/restore/", data)


def verify_clean(world: World) -> bool:
    proc = subprocess.run([sys.executable, "-m", "portal", "verify-site", str(publish_dir(world))],
                          capture_output=True, text=True, cwd=REPO)
    return proc.returncode == 0


def test_a_clean_site_is_reported_clean_with_the_last_publish(world: World) -> None:
    text = check(world)
    assert "核验通过" in text
    assert live_release(world) in text
    assert "网站自查" in text and "检查了" in text


def test_tampered_and_missing_files_are_listed_and_republish_restores_them(world: World) -> None:
    from workbench.models import Operation, SiteCheck

    changed, missing, before, gone = deface(world)
    try:
        text = check(world)
        assert "发现异常：修改 1，新增 1，缺失 1" in text
        assert '<td>zhuanti/hei.html</td><td class="late">新增（清单中没有）</td>' in text
        assert f"<td>{changed}</td><td class=\"late\">被修改</td>" in text
        assert f"<td>{missing}</td><td class=\"late\">缺失</td>" in text
        assert "/duty/restore/?method=republish" in text and "/duty/restore/?method=rollback" in text
        old = live_release(world)

        r = restore(world, "republish")
        assert r.status_code == 302, r.content.decode()[:2000]
    finally:
        if not verify_clean(world):  # leave the shared demo site clean for the other tests whatever happened
            hooks_republish(world)
    assert live_release(world) != old
    site = publish_dir(world) / "current"
    assert (site / changed).read_bytes() == before
    assert (site / missing).read_bytes() == gone
    assert not (site / "zhuanti" / "hei.html").exists()
    assert verify_clean(world)
    done = SiteCheck.objects.filter(kind="restore").first()
    assert done is not None and done.ok and "已重新发布" in done.summary, done.summary if done else ""
    op = Operation.objects.filter(action="restore").first()
    assert op is not None and op.actor == OFFICE and op.detail["method"] == "republish" and op.detail["verified"]
    page = world.client(OFFICE).get("/duty/").content.decode()
    assert "恢复记录" in page and "已重新发布" in page
    last = re.search(r'id="last-publish">(.*?)</dd>', page, re.S)
    assert last and "成功" in last.group(1) and live_release(world) in last.group(1)  # from the server's publish log


def hooks_republish(world: World) -> None:
    from review import hooks

    hooks.republish(Path(world.demo.server), full=True)


def test_rollback_goes_to_the_newest_clean_release(world: World) -> None:
    assert verify_clean(world)
    expected = live_release(world)
    hooks_republish(world)  # a new live release; the one before it is clean (a defacement changes only the live one)
    assert live_release(world) != expected
    changed, _, _, _ = deface(world)
    try:
        assert "发现异常" in check(world)
        r = restore(world, "rollback")
        assert r.status_code == 302
    finally:
        if not verify_clean(world):
            hooks_republish(world)
    assert live_release(world) == expected
    assert (publish_dir(world) / "current" / changed).read_bytes() != DEFACED
    assert verify_clean(world)
    assert "核验通过" in check(world)


def test_restore_needs_the_password_and_the_confirmation(world: World) -> None:
    before = live_release(world)
    r = restore(world, "republish", password="not-the-password")
    assert r.status_code == 403 and "密码不正确" in r.content.decode()
    r = restore(world, "republish", confirm="")
    assert r.status_code == 400 and "请勾选确认" in r.content.decode()
    r = world.client(OFFICE).post("/duty/restore/", {"method": "erase", "confirm": "yes", "password": password(OFFICE)})
    assert r.status_code == 409
    assert live_release(world) == before


def test_a_rollback_confirmed_for_a_release_that_is_no_longer_the_target_is_refused(world: World) -> None:
    before = live_release(world)
    r = world.client(OFFICE).post("/duty/restore/", {"method": "rollback", "release": "20000101-000000-0000000",
                                                     "confirm": "yes", "password": password(OFFICE)})
    assert r.status_code == 409
    assert live_release(world) == before


@pytest.mark.parametrize("person", ["sun.lixin", "wu.guoqing"])
def test_others_see_the_page_but_cannot_check_or_restore(world: World, person: str) -> None:
    c = world.client(person)
    page = c.get("/duty/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "值班读网" in text and "现在核验" not in text and "/duty/restore/" not in text
    before = live_release(world)
    assert c.get("/duty/restore/?method=republish").status_code == 403
    r = c.post("/duty/restore/", {"method": "republish", "confirm": "yes", "password": password(person)})
    assert r.status_code == 403 and "只有办公室或网站管理员" in r.content.decode()
    assert c.post("/duty/check/").status_code == 403
    assert live_release(world) == before


def test_restore_without_the_csrf_token_does_nothing(world: World) -> None:
    from workbench.models import Operation

    before, count = live_release(world), Operation.objects.filter(action="restore").count()
    c = world.client(OFFICE, csrf=True)
    r = c.post("/duty/restore/", {"method": "republish", "confirm": "yes", "password": password(OFFICE)})
    assert r.status_code == 403 and "CSRF" in r.content.decode()
    assert c.post("/duty/check/").status_code == 403
    assert live_release(world) == before
    assert Operation.objects.filter(action="restore").count() == count


def test_audit_findings_name_the_people_responsible(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.models import SiteCheck

    monkeypatch.setenv("PORTAL_NOW", "2027-09-01T12:00:00+08:00")  # months later: the news columns are stale
    text = check(world)
    assert 'id="stale-columns"' in text and 'id="audit-findings"' in text
    found = SiteCheck.objects.filter(kind="audit").order_by("-id").first()
    assert found is not None and not found.ok
    assert found.detail["columns"] and found.detail["findings"]
    config = _config()
    for row in found.detail["columns"]:
        column = next(c for c in config.columns.values() if c.title == row["title"])
        heads = [p.name for p in config.people.values()
                 if p.department in column.departments and "unit_head" in p.roles]
        assert row["responsible"] and all(any(h in r for r in row["responsible"]) for h in heads), (row, heads)
    news = next(row for row in found.detail["columns"] if row["title"] == config.columns["news"].title)
    assert any("吴国庆" in r for r in news["responsible"])  # 宣教科's 科室负责人, who signs its 初审
    stale = [f for f in found.detail["findings"] if f["rule"] == "AUDIT-COLUMN-STALE"]
    assert stale and all(f["responsible"] for f in stale)
    assert "吴国庆" in text


def _config() -> Any:
    from workbench.services import server

    return server().config()


def test_portal_duty_records_a_check_for_the_timer(world: World) -> None:
    from workbench.models import SiteCheck

    count = SiteCheck.objects.filter(kind="verify").count()
    env = {**os.environ, "PORTAL_WEB_DATA": str(world.demo.data), "PORTAL_WEB_SERVER": str(world.demo.server)}
    proc = subprocess.run([sys.executable, "-m", "portal", "duty"], capture_output=True, text=True, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "防篡改核验：核验通过" in proc.stdout and "网站自查：" in proc.stdout
    assert SiteCheck.objects.filter(kind="verify").count() == count + 1
    missing = subprocess.run([sys.executable, "-m", "portal", "duty"], capture_output=True, text=True, cwd=REPO,
                             env={k: v for k, v in env.items() if not k.startswith("PORTAL_WEB_")})
    assert missing.returncode == 1 and "--server" in missing.stderr and "Traceback" not in missing.stderr


def test_a_timer_that_stopped_is_pointed_out(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "核验通过" in check(world)
    c = world.client("sun.lixin")
    assert "可能没有运行" not in c.get("/duty/").content.decode()
    monkeypatch.setenv("PORTAL_NOW", "2026-11-22T15:30:00+08:00")  # three and a half hours later, no check since
    assert "最近一次核验已是 3 小时前" in c.get("/duty/").content.decode()


def test_the_site_administrator_may_restore_too(world: World) -> None:
    c = world.client("yang.zhiqiang")
    text = c.get("/duty/").content.decode()
    assert "现在核验" in text
    r = c.get("/duty/restore/?method=republish")
    assert r.status_code == 200 and "再次输入你的登录密码" in r.content.decode()


def test_nobody_signed_out_sees_the_duty_page_or_the_reports(world: World) -> None:
    c = world.client()
    for url in ("/duty/", "/duty/restore/?method=republish", "/reports/", "/reports/doc/", "/reports/file/?name=x"):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url
    assert c.post("/duty/check/").status_code == 302
