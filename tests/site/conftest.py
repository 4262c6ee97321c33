"""Fixtures for the site build: small portals of our own in temp dirs, built with the real MkDocs + Material."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_build.build import BuildResult, build_site
from tests.conftest import REPO, people_for

NOW = "2026-11-22T12:00:00+08:00"
PDF = REPO / "content" / "permits" / "files" / "2026-chunjie-yanhua-baozhu-lingshou-xuke-mingdan.pdf"
SCRIPT_TITLE = "<script>alert('标题')</script>防汛“测试”&演练"


def item(title: str, date: str, department: str = "防汛抗旱科", kind: str = "动态", body: str = "正文。",
         **extra: object) -> str:
    """A valid item of the demo roster (三审 chain); `extra` adds front-matter keys (JSON is valid YAML)."""
    p = people_for(department)
    fm = {"title": title, "date": date, "source": f"云江市应急管理局{department}", "department": department,
          "type": kind, "author": [p["informant"]],
          "reviewers": {"初审": p["unit_head"], "保密审查": p["secrecy"], "复审": p["leader"], "终审": p["office"]},
          **extra}
    lines = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fm.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def write(root: Path, rel: str, text: str) -> Path:
    path = root / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def mini_portal(root: Path) -> Path:
    """A portal with one item of every kind the site treats differently."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("columns.yml", "roster.yml"):
        shutil.copy(REPO / name, root / name)
    (root / "content" / "disaster" / "files").mkdir(parents=True)
    shutil.copy(PDF, root / "content" / "disaster" / "files" / "ming-dan.pdf")
    write(root, "disaster/2026-06-03-fang-xun.md", item(
        "市应急管理局召开全市防汛工作部署会", "2026-06-03 16:30", doc_number="云应急发〔2026〕12号",
        summary="部署汛期防汛物资储备与值班值守", tags=["防汛", "部署会"],
        attachments=[{"file": "files/ming-dan.pdf", "title": "防汛物资储备名单"}],
        body="6月3日，市应急管理局召开全市防汛工作部署会，部署防汛抗旱物资储备与值班值守工作。\n\n"
             "详见[名单](files/ming-dan.pdf)。"))
    write(root, "disaster/2026-07-10-tai-feng.md", item(
        SCRIPT_TITLE, "2026-07-10 09:00", summary="<b>台风</b>防御",
        body="台风“梅花”逼近，<script>alert(1)</script><img src=\"https://www.yunjiang.gov.cn/a.png\" alt=\"台风路径图\" onerror=\"alert(2)\">"
             "[点我](javascript:alert(3)) <a href=\"javascript:alert(4)\" onclick=\"alert(5)\">链接</a>"
             "<!-- 内部备注：不要公开 --> <iframe src=\"https://example.com\"></iframe>地震应急演练。"))
    write(root, "news/2026-09-28-zhuan-zai.md", item(
        "应急管理部部署中秋国庆假期安全防范工作", "2026-09-28 10:15", department="宣教科", kind="新闻", source="应急管理部",
        reprint={"site": "应急管理部", "url": "https://www.mem.gov.cn/xw/202609/t20260927_531208.shtml",
                 "time": "2026-09-28 10:15"},
        event_date="2026-09-27 18:00",
        body="应急管理部部署中秋国庆假期安全防范工作，要求强化森林防火。"))
    write(root, "disaster/2026-08-01-cao-gao.md", item(
        "草稿：不应出现在网站上", "2026-08-01 09:00", draft=True, body="草稿正文，含独特词语草稿专用词。"))
    write(root, "disaster/2026-12-01-ding-shi.md", item(
        "定时发布：十二月的通知", "2026-12-01 09:00", scheduled=True, body="定时发布的正文，含独特词语定时专用词。"))
    return root


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return mini_portal(tmp_path / "portal")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildResult]]:
    """The mini portal, built once for a module: (site directory, result)."""
    base = tmp_path_factory.mktemp("built")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTAL_NOW", NOW)
        root = mini_portal(base / "portal")
        result = build_site(root, base / "site")
    assert result.ok, [f.format() for f in result.findings]
    yield base / "site", result


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def tree(site: Path) -> dict[str, bytes]:
    """Every file of a site, by relative path."""
    out = {}
    for dirpath, _, files in os.walk(site):
        for name in files:
            path = Path(dirpath) / name
            out[path.relative_to(site).as_posix()] = path.read_bytes()
    return out
