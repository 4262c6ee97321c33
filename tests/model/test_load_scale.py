"""Loading many items: the collector paused during the load changes nothing in the result, and an
item keeps its file in two parts (head and body) that give back exactly the file."""
from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

import pytest

from bench.generate import generate
from portal import model


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as patch:  # the module's fixture runs before the per-test fixed now
        patch.setenv("PORTAL_NOW", "2026-11-22T12:00:00+08:00")
        return generate(tmp_path_factory.mktemp("scale") / "portal", 60)


def test_load_equals_parsing_each_file_alone(generated):
    portal = model.load(generated)
    assert len(portal.articles) == 60 and portal.findings == []
    for article in portal.articles:
        alone, findings = model.parse_article(portal.config, article.path, (generated / article.path).read_bytes())
        assert findings == [] and alone is not None
        assert dataclasses.asdict(article) == dataclasses.asdict(alone)


def test_text_is_the_whole_file_and_body_its_end(generated):
    for article in model.load(generated).articles:
        written = (generated / article.path).read_text(encoding="utf-8")
        assert article.text == written
        assert article.head.startswith("---\n") and article.text.endswith(article.body)
        assert article.head.count("\n") + 1 == article.body_line
        line = article.line_of("title")
        assert article.text.split("\n")[line - 1] == f"title: {article.title}"


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_is_left_as_it_was(generated, enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        model.load(generated)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_collector_is_back_after_an_error(tmp_path, write_item, tmp_portal, monkeypatch):
    write_item("disaster/2026-06-03-fang-xun.md", "---\ntitle: x\n---\n")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(model, "parse_article", broken)
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        model.load(tmp_portal)
    assert gc.isenabled()


def test_body_line_of_an_item_with_a_blank_line_after_the_fence(tmp_portal, write_item, valid_item):
    text = valid_item.replace("---\n6月3日", "---\n\n\n6月3日")
    write_item("disaster/2026-06-03-fang-xun.md", text)
    (article,) = model.load(tmp_portal).articles
    assert article.text == text
    assert article.body.startswith("\n\n6月3日")
    assert text.split("\n")[article.body_line - 1] == ""
