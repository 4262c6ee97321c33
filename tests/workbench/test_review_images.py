"""Pictures in the reviewer's "page as published": the item's image is served from the review branch in the
mirror (never the working tree) to people allowed to review the item, with its type, nosniff and a CSP that runs
nothing; a file the page does not link, a path out of files/, or a person not on the item gets nothing; and in
chromium the picture loads under the workbench's own CSP."""
from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import BODY, LiveServer, World, item_fields, new_draft, password, save
from .test_browser import CHROMIUM, browser  # noqa: F401 - `browser` is a fixture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
REVIEWER = "wu.guoqing"  # 初审 of the item


def picture(colour: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def upload(c: Any, pk: int, name: str, data: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from workbench.models import Draft

    r = c.post(f"/drafts/{pk}/", {"action": "upload", "version": Draft.objects.get(pk=pk).version, "title": "现场照片",
                                  "file": SimpleUploadedFile(name, data, "image/png")})
    assert r.status_code == 302


def submitted(world: World, c: Any, pk: int, title: str, body: str) -> tuple[str, str]:
    from workbench.models import Draft

    fields = item_fields(title, body)
    assert save(c, pk, fields).status_code == 302
    r = save(c, pk, fields, action="submit", password=password("sun.lixin"))
    assert r.status_code == 302, r.content.decode()[:3000]
    draft = Draft.objects.get(pk=pk)
    return draft.submitted_branch, draft.path


def image_url(world: World, branch: str, path: str) -> str:
    page = world.client(REVIEWER).get("/review/", {"branch": branch, "path": path}).content.decode()
    found = re.search(r'<img [^>]*src="([^"]+)"', page)
    assert found, page[:3000]
    return html.unescape(found.group(1))


@pytest.fixture(scope="module")
def item(world: World) -> tuple[str, str, bytes]:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    first = picture((200, 40, 40))
    upload(c, pk, "xianchang.png", first)
    body = BODY + "\n![活动现场](files/xianchang.png)\n"
    branch, path = submitted(world, c, pk, f"带图片的稿件{world.unique()}", body)
    return branch, path, first


def test_the_picture_is_served_from_the_review_branch(world: World, item: tuple[str, str, bytes]) -> None:
    branch, path, first = item
    url = image_url(world, branch, path)
    assert url.startswith("/review/file/?") and "xianchang.png" in url
    r = world.client(REVIEWER).get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png" and r.content == first
    assert r["X-Content-Type-Options"] == "nosniff"
    csp = r["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert r["Content-Disposition"].startswith("inline")
    for person in ("sun.lixin", "xu.chunyan", "chen.xiuying"):  # the informant, a later reviewer, the office
        assert world.client(person).get(url).status_code == 200, person

    # the working tree is never read: a file written there (not in git) is not served
    loose = Path(world.demo.work) / "content" / "news" / "files" / "xianchang.png"
    loose.parent.mkdir(parents=True, exist_ok=True)
    loose.write_bytes(picture((0, 0, 0)))
    try:
        assert world.client(REVIEWER).get(url).content == first
    finally:
        loose.unlink()


def test_a_new_version_of_the_picture_is_the_one_shown(world: World) -> None:
    c = world.client("sun.lixin")
    pk = new_draft(c)
    upload(c, pk, "tu.png", picture((10, 120, 10)))
    body = BODY + "\n![图](files/tu.png)\n"
    branch, path = submitted(world, c, pk, f"图片将更换的稿件{world.unique()}", body)
    r = c.get("/items/revise/", {"branch": branch, "path": path})
    again = int(re.search(r"/drafts/(\d+)/", r["Location"]).group(1))
    second = picture((10, 10, 200), (50, 20))
    upload(c, again, "tu.png", second)
    r = save(c, again, item_fields(f"图片将更换的稿件{world.unique()}", body), action="submit",
             password=password("sun.lixin"))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert world.client(REVIEWER).get(image_url(world, branch, path)).content == second


def test_files_are_refused_to_others_and_outside_the_page(world: World, item: tuple[str, str, bytes]) -> None:
    branch, path, _ = item
    url = image_url(world, branch, path)
    assert world.client("du.xiaoming").get(url).status_code == 403  # an informant of the department, not on it
    assert world.client().get(url).status_code == 302  # signed out: to the login page
    base = {"branch": branch, "path": path}
    for other in ("roster.yml", path, "content/news/files/../../../roster.yml", "content/news/files/missing.png",
                  "content/news/files/xianchang.PNG", ""):
        r = world.client(REVIEWER).get("/review/file/", base | {"file": other})
        assert r.status_code == 404, other
        assert "<img" not in r.content.decode() and "没有链接这个文件" in r.content.decode()
    r = world.client(REVIEWER).get("/review/file/", {"branch": "review/none/x", "path": path, "file": "x"})
    assert r.status_code == 404
    r = world.client(REVIEWER).get("/review/file/", {"branch": branch, "path": "content/news/none.md", "file": "x"})
    assert r.status_code == 404


@pytest.mark.skipif(not CHROMIUM.exists(), reason="没有 /usr/bin/chromium")
def test_the_picture_loads_in_the_browser(world: World, live: LiveServer, browser: Any,  # noqa: F811
                                          item: tuple[str, str, bytes]) -> None:
    branch, path, _ = item
    context = browser.new_context(locale="zh-CN")  # the pages' own CSP applies: no bypass here
    page = context.new_page()
    page.goto(f"{live.url}/login/")
    page.fill("#id_username", REVIEWER)
    page.fill("#id_password", password(REVIEWER))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/")
    page.goto(f"{live.url}/review/?branch={branch}&path={path}")
    page.wait_for_function("() => { const i = document.querySelector('.preview img'); return i && i.complete; }")
    size = page.evaluate("() => { const i = document.querySelector('.preview img'); return [i.naturalWidth, i.naturalHeight]; }")
    assert size == [40, 30]
    assert page.get_attribute(".preview img", "alt") == "活动现场"
    context.close()
