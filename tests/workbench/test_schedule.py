"""定时发布: an item with a later date (`scheduled: true`) goes through the chain and is merged; it is not on the
published site before its time; `portal schedule` at its time publishes main again (the hook's own publish),
and running it again does nothing. The workbench's 定时发布 page lists it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CHAIN, REPO, World, decide, head_of, item_fields, new_draft, password, save

MERGED_AT = "2026-11-22T12:00:00+08:00"
BEFORE = "2026-11-25T08:59:00+08:00"
AT = "2026-11-25T09:00:00+08:00"
WHEN = "2026-11-25T09:00"


def schedule_cmd(world: World, now: str, *extra: str, server: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTAL_NOW": now}
    return subprocess.run([sys.executable, "-m", "portal", "--root", str(REPO), "schedule", "--server",
                           str(server or world.demo.server), *extra], capture_output=True, text=True, env=env, timeout=900)


def releases(world: World) -> list[str]:
    folder = Path(world.demo.published) / "releases"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def page_of(world: World, path: str) -> Path:
    from portal import model

    return Path(world.demo.published) / "current" / "news" / f"{model.slug_of(path)}.html"


def scheduled_item(world: World, title: str, monkeypatch: pytest.MonkeyPatch, when: str = WHEN) -> tuple[str, str]:
    """Written in the workbench with a later date and `scheduled: true`, approved by the whole chain, merged."""
    from workbench.models import Draft

    monkeypatch.setenv("PORTAL_NOW", MERGED_AT)
    c = world.client("sun.lixin")
    pk = new_draft(c)
    fields = item_fields(title, f"{title}，届时邀请市民参加。\n", date=when, event_date="2026-11-22", scheduled="on")
    assert save(c, pk, fields).status_code == 302
    draft = Draft.objects.get(pk=pk)
    assert "\nscheduled: true\n" in draft.text  # the form's 定时发布 box
    r = save(c, pk, fields, action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, r.content.decode()[:3000]
    draft.refresh_from_db()
    branch, path = draft.submitted_branch, draft.path
    assert branch
    for stage, person in CHAIN.items():
        assert decide(world, person, branch, path, stage).status_code == 302, stage
    r = world.client("chen.xiuying").post("/merge/do/", {"branch": branch, "head": head_of(world, branch)})
    assert r.status_code == 200, r.content.decode()[:3000]
    return branch, path


def test_a_scheduled_item_is_published_at_its_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    title = f"防灾减灾开放日活动预告{world.unique()}"
    _, path = scheduled_item(world, title, monkeypatch)
    assert releases(world), "the merge published main"
    assert (Path(world.demo.published) / "current" / "news" / "index.html").is_file()
    assert not page_of(world, path).exists()  # merged, but its time has not come

    # the 定时发布 page: column, title, time, who merged
    monkeypatch.setenv("PORTAL_NOW", BEFORE)
    page = world.client("chen.xiuying").get("/scheduled/").content.decode()
    assert title in page and "2026-11-25 09:00" in page and "动态要闻" in page and "待发布" in page
    assert "陈秀英" in page
    assert title in world.client("sun.lixin").get("/scheduled/").content.decode()  # 宣教科's own column

    before = releases(world)
    done = schedule_cmd(world, BEFORE)
    assert done.returncode == 0, done.stderr
    assert "没有到时间的定时稿件" in done.stdout
    assert releases(world) == before and not page_of(world, path).exists()

    done = schedule_cmd(world, AT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已重新发布 main" in done.stdout and title in done.stdout
    assert page_of(world, path).exists()
    assert title in page_of(world, path).read_text(encoding="utf-8")
    after = releases(world)
    assert len(after) >= len(before) and after != before

    again = schedule_cmd(world, "2026-11-25T09:10:00+08:00")  # every 10 minutes: nothing more to do
    assert again.returncode == 0 and "已重新发布" not in again.stdout
    assert releases(world) == after

    monkeypatch.setenv("PORTAL_NOW", "2026-11-25T09:10:00+08:00")
    page = world.client("chen.xiuying").get("/scheduled/").content.decode()
    assert title in page and "已发布" in page

    listed = schedule_cmd(world, AT, "--list")
    assert listed.returncode == 0 and title in listed.stdout


def test_schedule_errors_are_chinese(world: World, tmp_path: Path) -> None:
    done = schedule_cmd(world, AT, server=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "不是 git 仓库" in done.stderr
    bare = tmp_path / "empty.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    done = schedule_cmd(world, AT, server=bare)
    assert done.returncode != 0 and "没有 main 分支" in done.stderr
