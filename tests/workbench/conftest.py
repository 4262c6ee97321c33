"""One demo workbench per test session: a throwaway portal, its bare server repository with the hooks,
accounts with known passwords and fresh keys, Django set up against them (test client and a real server)."""
from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-11-22T12:00:00+08:00"
CHAIN = {"初审": "wu.guoqing", "保密审查": "xu.chunyan", "复审": "li.xiaoming", "终审": "chen.xiuying"}
SECRECY_OK = {"Portal-Secrecy-Classified": "否", "Portal-Secrecy-Timing": "是", "Portal-Secrecy-Format": "是"}


def password(person: str) -> str:
    return f"pw-{person}-2026"


@dataclasses.dataclass
class World:
    demo: Any
    counter: int = 0

    def client(self, person: str | None = None, csrf: bool = False) -> Any:
        from django.contrib.auth.models import User
        from django.test import Client

        c = Client(enforce_csrf_checks=csrf)
        if person:  # the password itself is tried by the login tests; here it would only cost Argon2 time
            c.force_login(User.objects.get(username=person))
        return c

    def unique(self) -> int:
        self.counter += 1
        return self.counter


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    os.environ["PORTAL_NOW"] = NOW
    os.environ.setdefault("PORTAL_WEB_HOSTS", "127.0.0.1,localhost,testserver")
    folder = tmp_path_factory.mktemp("workbench") / "demo"
    os.environ["PORTAL_WEB_SITE_URL"] = "/site/"
    os.environ["PORTAL_WEB_SITE_DIR"] = str(folder / "published")
    from workbench import setup

    demo = setup.make_demo(REPO, folder, {p: password(p) for p in setup.DEMO_PEOPLE})
    yield World(demo)


@pytest.fixture(autouse=True)
def _fresh_throttle(request: pytest.FixtureRequest) -> None:
    if "world" not in request.fixturenames:
        return  # the unit tests need no demo
    request.getfixturevalue("world")
    from workbench.models import FailedLogin

    FailedLogin.objects.all().delete()


def item_fields(title: str, body: str, **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "column": "news", "title": title, "date": "2026-11-21T10:00", "event_date": "2026-11-21",
        "source": "云江市应急管理局宣传教育科", "department": "宣教科", "kind": "动态", "importance": "一般",
        "authors": ["sun.lixin"], "summary": "", "tags": "", "doc_number": "", "body": body,
    }
    data |= {f"reviewer_{stage}": person for stage, person in CHAIN.items()}
    data |= extra
    return data


BODY = "11月21日，市应急管理局在云江广场开展安全生产月宣传咨询活动，发放宣传资料500余份。\n\n活动现场设置了应急救援装备展示区。\n"


def new_draft(client: Any) -> int:
    r = client.post("/items/new/", {"column": "news"})
    assert r.status_code == 302, r.content.decode()[:500]
    return int(re.search(r"/drafts/(\d+)/", r["Location"]).group(1))


def save(client: Any, pk: int, data: dict[str, Any], action: str = "save", **extra: str) -> Any:
    from workbench.models import Draft

    version = Draft.objects.get(pk=pk).version
    return client.post(f"/drafts/{pk}/", {"version": version, "action": action, **data, **extra})


def submit_item(world: World, title: str, body: str = BODY, person: str = "sun.lixin") -> tuple[str, str]:
    """A new item written and submitted through the workbench; (branch, path)."""
    from workbench.models import Draft

    c = world.client(person)
    pk = new_draft(c)
    r = save(c, pk, item_fields(title, body, authors=[person]))
    assert r.status_code == 302, r.content.decode()[:2000]
    r = save(c, pk, item_fields(title, body, authors=[person]), action="submit", password=password(person))
    assert r.status_code == 302, _messages(r)
    draft = Draft.objects.get(pk=pk)
    assert draft.submitted_branch
    return draft.submitted_branch, draft.path


def _messages(r: Any) -> str:
    text = r.content.decode()
    return " ".join(re.findall(r'<p class="msg[^"]*"[^>]*>(.*?)</p>', text, re.S)) or text[:3000]


def head_of(world: World, branch: str) -> str:
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    return srv.mirror.must_rev(f"refs/heads/{branch}")


def decide(world: World, person: str, branch: str, path: str, stage: str, action: str = "approve",
           opinion: str = "同意", **extra: str) -> Any:
    data = {"branch": branch, "path": path, "stage": stage, "head": head_of(world, branch), "action": action,
            "opinion": opinion, "password": password(person)}
    if stage == "保密审查":
        data |= SECRECY_OK
    data |= extra
    return world.client(person).post("/review/decide/", data)


@dataclasses.dataclass
class LiveServer:
    url: str


@pytest.fixture(scope="session")
def live(world: World) -> Iterator[LiveServer]:
    """The workbench served by waitress on 127.0.0.1 in a thread, as `portal web` serves it."""
    from waitress.server import create_server

    from workbench.wsgi import application

    server = create_server(application, host="127.0.0.1", port=0, threads=6)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{port}")
    server.close()
