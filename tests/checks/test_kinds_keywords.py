"""checks/kinds.py finds which rule keywords occur in a text in one pass: exactly the keywords that
`in` finds, also where keywords overlap or contain one another."""
from __future__ import annotations

import random

import pytest

from checks import kinds


def naive(text: str, words: list[str]) -> set[str]:
    return {w for w in words if w in text}


WORDS = [["请示", "示报", "报告", "请示报告", "告", "报", "请批示", "批示"], ["aa", "aaa", "ab", "ba", "b"], []]


@pytest.mark.parametrize("words", WORDS)
def test_overlapping_keywords_are_all_found(words: list[str]) -> None:
    rng = random.Random(len(words))
    alphabet = "".join(sorted({c for w in words for c in w})) + "x，\n" or "x"
    index = kinds.keyword_index(words)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert kinds.keywords_in(text, index) == naive(text, words), text


def test_the_rules_keywords_are_found_as_with_in() -> None:
    compiled = kinds.compiled()
    words = sorted({k for r in compiled.rules for k in r.keywords})
    rng = random.Random(16)
    pieces = words + ["市人民政府", "现将有关情况报告如下", "，", "。", "\n", "安全生产"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        assert kinds.keywords_in(text, (compiled.keywords, compiled.within)) == naive(text, words), text
