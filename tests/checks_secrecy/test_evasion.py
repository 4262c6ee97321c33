"""Markings written to slip past a naive search are still found: Traditional characters, full-width
forms, spaces, zero-width characters and punctuation between the characters, other stars for ★."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from checks import normalize, secrecy
from portal.errors import Finding

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
PUNCTUATION = ["·", ".", "-", "、", "_", "/", "，", "|", "~", "*", "…", "'"]


def set_words(root: Path, words: str) -> None:
    """Replace the demo's secrecy.forbidden_words in the portal's columns.yml."""
    path = root / "columns.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  forbidden_words:")
    path.write_text(text[:start] + f"  forbidden_words: {words}" + text[text.index("\n", start):], encoding="utf-8")


def spread(word: str, sep: str) -> str:
    return sep.join(word)


VARIANTS = [
    # Traditional characters (OpenCC t2s)
    ("機密★10年", "SEC-MARKING"), ("祕密★1年", "SEC-MARKING"), ("絕密★長期", "SEC-MARKING"),
    ("內部資料", "SEC-INTERNAL"), ("內部傳閱", "SEC-INTERNAL"), ("僅供參閱", "SEC-INTERNAL"),
    ("此件不予公開", "SEC-NOT-PUBLIC"), ("密級：機密", "SEC-LABEL"), ("本文件屬祕密級", "SEC-STATEMENT"),
    # full-width forms (NFKC)
    ("秘密★１年", "SEC-MARKING"), ("机密★１０年", "SEC-MARKING"), ("（内部资料）", "SEC-INTERNAL"),
    ("㊙密★1年", "SEC-MARKING"),
    # spaces, including the ideographic space and tabs
    ("秘 密 ★ 1 年", "SEC-MARKING"), ("内 部 资 料", "SEC-INTERNAL"), ("内　部　资　料", "SEC-INTERNAL"),
    ("内\t部\t资\t料", "SEC-INTERNAL"), ("此 件 不 公 开", "SEC-NOT-PUBLIC"),
    # other stars in place of ★
    ("秘密☆1年", "SEC-MARKING"), ("秘密＊1年", "SEC-MARKING"), ("秘密*1年", "SEC-MARKING"),
    ("秘密✱1年", "SEC-MARKING"), ("机密☆", "SEC-MARKING"), ("机密✱", "SEC-MARKING"), ("机密＊", "SEC-MARKING"),
    # HTML markup between the characters
    ("内<b>部</b>资料", "SEC-INTERNAL"), ("机<span>密</span>★1年", "SEC-MARKING"),
    # all at once
    ("機\u200b密 ☆ １０年", "SEC-MARKING"), ("內·部\u200b資　料", "SEC-INTERNAL"),
]
VARIANTS += [(spread("内部资料", z), "SEC-INTERNAL") for z in ZERO_WIDTH]
VARIANTS += [(spread("秘密", z) + "★" + z + "1年", "SEC-MARKING") for z in ZERO_WIDTH]
VARIANTS += [(spread("内部资料", p), "SEC-INTERNAL") for p in PUNCTUATION]
VARIANTS += [(spread("工作秘密", p), "SEC-INTERNAL") for p in PUNCTUATION]


@pytest.mark.parametrize(("text", "rule"), VARIANTS, ids=[repr(t) for t, _ in VARIANTS])
def test_variant_is_found(text: str, rule: str) -> None:
    hits = secrecy.ruleset().scan(text, overlapping=True)
    assert rule in {h.rule.id for h in hits}, hits


@pytest.mark.parametrize(("text", "rule"), VARIANTS[:12], ids=[repr(t) for t, _ in VARIANTS[:12]])
def test_variant_in_an_item_is_reported_on_its_line(item: Callable[..., Path], findings: Callable[[], list[Finding]],
                                                    text: str, rule: str) -> None:
    path = item(body=f"第一段正文。\n\n{text}\n\n第三段正文。\n")
    line = path.read_text(encoding="utf-8").split("\n").index(text) + 1
    column = len(text) - len(text.lstrip("（")) + 1
    assert [(f.rule, f.line, f.column, f.category) for f in findings() if f.rule == rule] == [(rule, line, column, "secrecy")]


def test_a_variant_hidden_in_a_sentence_is_still_a_mention() -> None:
    for text in ("標註“內部資料”字樣的材料同樣不得發布", "涉及 工作 秘密 的信息不得公开发布", "載有秘密級以上信息的計算機不得上網"):
        assert secrecy.ruleset().scan(text) == [], text


@pytest.mark.parametrize("text", [
    "秘 密 ★ 1 年", "機密★1年", "内\u200b部资料", "內部資料\u3000注意保存", "<b>内</b>部资料 <!-- 工作秘密 -->",
    "㊙⼈民ＡＢＣ１２３", "e\u0301t\u00e9", "🌟emoji 🟊 ok", "line1\nline2\n\n", "", "★☆*＊", "< not a tag >",
    "内部[^1]资料 [^注释] [^ x] [^", "[^1]: 秘密★1年",
    Path(__file__).read_text(encoding="utf-8"),
])
def test_vectorised_normalisation_agrees_with_the_reference(text: str) -> None:
    norm = normalize.normalizer()
    compact, index = norm.mapped(text)
    assert norm.compact(text) == compact
    assert norm.mapped_slowly(text) == (compact, index)
    assert len(index) == len(compact) and index == sorted(set(index))
    for ch, i in zip(compact, index, strict=True):
        assert norm.compact(text[i]) == ch or text[i] == ch, (ch, text[i])
    assert compact.count("\n") == text.count("\n")


def test_the_seeds_normalise_consistently() -> None:
    from tests.conftest import SEEDS

    norm = normalize.normalizer()
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        assert norm.compact(text) == norm.mapped(text)[0]
        assert norm.mapped(text) == norm.mapped_slowly(text)


def test_every_bmp_character_normalises_as_the_reference() -> None:
    norm = normalize.normalizer()
    text = "".join(chr(c) for c in range(0x20, 0x10000) if not 0xD800 <= c < 0xE000)
    assert norm.mapped(text) == norm.mapped_slowly(text)


def test_forbidden_words_survive_evasion_anywhere(tmp_portal: Path, item: Callable[..., Path],
                                                  findings: Callable[[], list[Finding]]) -> None:
    set_words(tmp_portal, "[江盾行动, Skynet]")
    item(body="此次演练代号为江 盾 行 動，参演单位……\n\n系统名称：ＳＫＹＮＥＴ。另见 skynet 与 SkyNet。\n",
         title="关于“江盾\u200b行动”演练的报道")
    got = [(f.rule, f.line, f.message.split("（原文")[0]) for f in findings()]
    word = "SEC-WORDLIST"
    prefix = "出现本单位规定不得发布的词语（columns.yml 的 secrecy.forbidden_words）："
    assert got == [(word, 2, f"{prefix}“江盾行动”"), (word, 14, f"{prefix}“江盾行动”"),
                   (word, 16, f"{prefix}“Skynet”"), (word, 16, f"{prefix}“Skynet”"), (word, 16, f"{prefix}“Skynet”")]
    assert [f.column for f in findings() if f.line == 16] == [6, 16, 25]


def test_a_sheet_full_of_markings_reports_each_one() -> None:
    rows = ["秘密", "内部资料　注意保存", "涉密信息不得上网，秘密级以上信息", "（此件不公开）"] * 2000
    hits = secrecy.ruleset().scan("\n".join(rows))
    assert sorted({h.rule.id for h in hits}) == ["SEC-INTERNAL", "SEC-LEVEL", "SEC-NOT-PUBLIC"]
    assert len(hits) == 4 * 2000


def test_a_marking_in_a_very_long_line_is_judged_by_its_neighbourhood() -> None:
    sentence = "各单位要严格落实信息发布保密审查制度，确保涉密信息不上网。" * 40
    rules = secrecy.ruleset()
    assert rules.scan(sentence + "标注“内部资料”的材料不得上网。" + sentence) == []
    assert [h.rule.id for h in rules.scan(sentence + "【内部资料】" + sentence)] == ["SEC-INTERNAL"]
    assert [h.rule.id for h in rules.scan(sentence + "机密★1年" + sentence)] == ["SEC-MARKING"]


@pytest.mark.parametrize(("text", "rule"), [
    ("内部[^1]资料", "SEC-INTERNAL"),  # a footnote reference inside the word
    ("秘密[^a]★[^b]1年", "SEC-MARKING"),
    ("内部资料[^1]", "SEC-INTERNAL"),  # a footnote reference after a marking is no word
    ("[^1]: 内部资料", "SEC-INTERNAL"),  # a footnote's text
    ("\u3000" * 1000 + "内部资料", "SEC-INTERNAL"),  # padding wider than the window read around a hit
    ("内部资料" + "\u3000" * 1000 + "。", "SEC-INTERNAL"),
])
def test_footnote_markers_and_padding_do_not_hide_a_marking(text: str, rule: str) -> None:
    assert rule in {h.rule.id for h in secrecy.ruleset().scan(text, overlapping=True)}


def test_a_marking_spread_over_a_long_run_is_found_and_shown_by_its_ends() -> None:
    text = "秘" + " " * 100_000 + "密★1年"
    [hit] = secrecy.ruleset().scan(text)
    assert hit.rule.id == "SEC-MARKING" and (hit.start, hit.end) == (0, len(text))
    assert len(hit.text) <= secrecy.MAX_SHOWN + 1 and hit.text.startswith("秘") and hit.text.endswith("密★1年")


def test_many_markings_on_one_long_line_are_each_judged() -> None:
    rules = secrecy.ruleset()
    assert len(rules.scan("【内部资料】" * 20_000)) == 20_000
    assert rules.scan("涉密信息不得上网，秘密级以上信息不得上网。" * 5_000) == []
    quoted = "标注“秘密★1年”“机密★10年”的文件，" * 5_000
    assert rules.scan(quoted) == []
    table = "| 密级 | 保密期限 |\n" + "| 秘密 | 10年 |\n" * 5_000 + "| 项目 | 密级 |\n| 防汛预案 | 秘密 |\n"
    assert [(h.rule.id, h.text) for h in rules.scan(table)] == [("SEC-LEVEL", "秘密")]
