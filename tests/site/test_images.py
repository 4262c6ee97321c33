"""checks/images.py: external pictures and pictures without alt text are refused, read from the published view."""
from __future__ import annotations

from pathlib import Path

import pytest

from checks import images, rulefile
from portal import model
from tests.site.conftest import item, mini_portal, write

ITEM = "disaster/2026-10-01-tu-pian.md"


def findings(root: Path, body: str) -> list[tuple[str, str, int]]:
    path = write(root, ITEM, item("图片测试", "2026-10-01 09:00", body=body))
    portal = model.load(root, [str(path)])
    (article,) = portal.articles
    return [(f.rule, f.severity, f.line) for f in images.check(portal, article)]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mini_portal(tmp_path_factory.mktemp("img") / "portal")


@pytest.mark.parametrize("rule", rulefile.load("images"), ids=lambda r: r.id)
def test_rule_samples(rule: rulefile.Rule) -> None:
    assert rulefile.sample_errors(rule) == []
    assert rule.data.get("field") in ("src", "alt")


@pytest.mark.parametrize("body", [
    "台风现场：\n\n![台风现场](https://www.example.com/a.png)",
    '<IMG SRC="//cdn.example.com/t.gif" ALT="台风现场">',
    "![台风现场][p]\n\n[p]: http://example.com/x.jpg",
    '<img src="&#104;ttps://example.com/x.jpg" alt="台风现场">',
])
def test_an_external_picture_is_refused_however_written(root: Path, body: str) -> None:
    assert [(r, s) for r, s, _ in findings(root, body)] == [("IMG-EXTERNAL", "error")]


def test_a_picture_on_the_portals_own_government_domain_is_not_external(root: Path) -> None:
    assert images.own_hosts("yjj.yunjiang.gov.cn") in (("yjj.yunjiang.gov.cn", "yunjiang.gov.cn"),
                                                        ("yunjiang.gov.cn", "yjj.yunjiang.gov.cn"))
    assert findings(root, "![现场](https://yjj.yunjiang.gov.cn/a.png)") == []
    assert findings(root, "![现场](https://www.yunjiang.gov.cn/a.png)") == []
    for other in ("http://yjj.yunjiang.gov.cn/a.png", "https://yunjiang.gov.cn.evil.com/a.png",
                  "https://notyunjiang.gov.cn/a.png", "https://www.gov.cn/a.png"):
        assert [r for r, _, _ in findings(root, f"![现场]({other})")] == ["IMG-EXTERNAL"], other


@pytest.mark.parametrize("body", ["![](files/a.png)", '<img src="files/a.png">', '<img src="files/a.png" alt="　">'])
def test_a_picture_without_alt_text_is_refused(root: Path, body: str) -> None:
    (root / "content" / "disaster" / "files" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    found = findings(root, "正文。\n\n" + body)
    assert [(r, s) for r, s, _ in found] == [("IMG-ALT-MISSING", "error")]
    lines = (root / "content" / ITEM).read_text(encoding="utf-8").splitlines()
    assert "files/a.png" in lines[found[0][2] - 1]  # the line of the picture in the item file


def test_a_local_picture_with_alt_text_passes_and_a_file_name_is_a_warning(root: Path) -> None:
    assert findings(root, "![市应急管理局防汛部署会现场](files/a.png)") == []
    assert [(r, s) for r, s, _ in findings(root, "![IMG_2031.jpg](files/a.png)")] == [("IMG-ALT-MEANINGLESS", "warning")]


def test_pictures_in_code_or_comments_are_not_pictures(root: Path) -> None:
    assert findings(root, "`<img src=\"https://example.com/x.png\">`\n\n<!-- ![](https://example.com/y.png) -->") == []
