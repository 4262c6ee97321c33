"""Everything an item publishes is scanned, findings point at the right line and column,
and a mention in running text is not a marking: the seeds and the demo portal pass."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from checks import secrecy
from portal import model
from tests.checks_secrecy.conftest import secrecy_findings
from tests.checks_secrecy.test_evasion import set_words
from tests.conftest import REPO, SEEDS

Found = Callable[[], list]


def where(findings: list) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in findings]


def test_title_with_a_bracketed_marking(item: Callable[..., Path], findings: Found) -> None:
    item(title="【内部资料】2026年第3期工作简报")
    found = findings()
    assert where(found) == [("SEC-INTERNAL", 2, 9)]
    f = found[0]
    assert f.path == "content/news/2026-06-03-fang-xun.md" and f.severity == "error" and f.category == "secrecy"
    assert f.message.startswith("内部标志（内部资料、注意保存、仅供参阅……）：“内部资料”（front-matter 字段 title）。涉密不上网")
    assert f.format().startswith("content/news/2026-06-03-fang-xun.md:2:9: SEC-INTERNAL [错误] ")


def test_title_that_mentions_internal_material_passes(item: Callable[..., Path], findings: Found) -> None:
    item(title="关于加强内部资料管理和保守国家秘密工作的通知")
    assert findings() == []


def test_every_front_matter_value_is_scanned(item: Callable[..., Path], findings: Found) -> None:
    item(tags="[防汛, 内部资料]", source="云江市应急管理局（内部文件）",
         summary="|\n  会议部署了防汛工作。\n  秘密★1年",
         reprint='{site: 机密★1年, url: "https://www.gov.cn/x", time: 2026-06-03}')
    # the line of the key, the column where the text starts on it; a block scalar's lines below its key
    assert where(findings()) == [("SEC-INTERNAL", 4, 18), ("SEC-INTERNAL", 13, 12),
                                 ("SEC-MARKING", 16, 3), ("SEC-MARKING", 17, 17)]


def test_yaml_escapes_do_not_hide_a_marking(item: Callable[..., Path], findings: Found) -> None:
    item(title='"\\u5185\\u90e8\\u8d44\\u6599"')  # "内部资料" written as escapes
    assert where(findings()) == [("SEC-INTERNAL", 2, 8)]


def test_body_links_images_and_tables(item: Callable[..., Path], findings: Found) -> None:
    # what the page shows is scanned: link text, an image's alt text, an autolink, a table cell;
    # an HTML comment is not published (the build removes it), so its text is not a finding
    item(body="正文第一段。\n"
              "<!-- 秘密★1年 -->\n"
              "详见[内部资料](files/a.pdf)。\n"
              "[内部资料](files/b.pdf)\n"
              "![机密★10年](files/c.png)\n"
              "<https://example.org/绝密★长期/>\n"
              "| 项目 | 密级 |\n|---|---|\n| 防汛预案 | 秘密 |\n"
              "\n（此件不公开）\n")
    assert where(findings()) == [("SEC-INTERNAL", 17, 2), ("SEC-MARKING", 18, 3),
                                 ("SEC-MARKING", 19, 22), ("SEC-LEVEL", 22, 10), ("SEC-NOT-PUBLIC", 24, 2)]


def test_marking_on_the_first_line_like_a_paper_document(item: Callable[..., Path], findings: Found) -> None:
    item(body="000123\n机密★1年\n特急\n\n云江市应急管理局关于……的通知\n")
    assert where(findings()) == [("SEC-MARKING", 15, 1)]


def test_file_name_is_scanned(tmp_portal: Path, item: Callable[..., Path], findings: Found) -> None:
    set_words(tmp_portal, "[江盾行动, jiangdun]")
    item(rel="news/2026-06-03-jiangdun-yanlian.md")
    found = findings()
    assert where(found) == [("SEC-WORDLIST", 1, 1)] and "（文件名）" in found[0].message


def test_running_text_about_secrecy_passes(item: Callable[..., Path], findings: Found) -> None:
    item(body="严格执行《中华人民共和国保守国家秘密法》，涉密信息一律不得上网，秘密级以上信息不得在网站发布。\n\n"
              "标注“内部资料”“注意保存”“此件不公开”字样的材料，以及涉及工作秘密的信息不得公开发布。\n\n"
              "**机密**文件管理按有关规定执行。对“密级：秘密”的文件，如本文件属秘密级以上，应退回起草科室。\n\n"
              "下列信息不得公开：\n\n1. 内部资料\n2. 带密级的文件\n")
    assert findings() == []


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_each_seed_as_an_item_has_no_secrecy_finding(item: Callable[..., Path], findings: Found, seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    title = text.strip().split("\n", 1)[0][:60].replace(":", "：")
    item(body=text, title=title)
    assert findings() == []


def test_seed_text_as_title_summary_and_tags_passes(item: Callable[..., Path], findings: Found) -> None:
    lines = [line for seed in sorted(SEEDS.glob("*.txt")) for line in seed.read_text(encoding="utf-8").split("\n")
             if any(w in line for w in ("密", "內部", "内部", "不得", "公開", "公开"))]
    assert len(lines) > 20
    item(tags="[" + ", ".join(f'"{line[:30]}"' for line in lines) + "]")
    assert findings() == []


def test_the_demo_portal_has_no_secrecy_finding() -> None:
    portal = model.load(REPO)
    assert len(portal.articles) > 50
    assert [f for a in portal.articles for f in secrecy.check(portal, a)] == []


def test_given_paths_check_only_those_items(tmp_portal: Path, item: Callable[..., Path]) -> None:
    item(title="内部资料")
    item(rel="news/2026-06-04-other.md")
    assert where(secrecy_findings(tmp_portal, [str(tmp_portal / "content/news/2026-06-04-other.md")])) == []
    assert len(secrecy_findings(tmp_portal, [str(tmp_portal / "content/news/2026-06-03-fang-xun.md")])) == 1


def test_an_item_full_of_markings_lists_at_most_a_hundred(item: Callable[..., Path], findings: Found) -> None:
    item(body="".join(f"第{i}段：\n\n（此件不公开）\n\n秘密★{i}年\n\n" for i in range(1, 160)))
    found = findings()
    assert len(found) == secrecy.MOST + 1
    assert "超过 100 处" in found[-1].message and found[-1].severity == "error"


def test_a_long_text_is_scanned_in_segments_with_the_same_hits(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = secrecy.ruleset()
    lines = ["会议部署了防汛工作。", "秘密★1年", "| 项目 | 密级 |", "| 防汛预案 | 秘密 |", "（此件不公开）",
             "一段很长的正文" * 40 + "内部资料" + "继续的正文" * 40, "内部资料"]
    text = "\n".join(lines * 30)
    whole = [(h.rule.id, h.start, h.end) for h in rules.scan(text)]
    monkeypatch.setattr(secrecy, "SEGMENT", 700)
    cut = [(h.rule.id, h.start, h.end) for h, *_ in secrecy.scan_texts(rules, [text])]
    assert len(text) > 10 * 700 and whole and cut == whole
