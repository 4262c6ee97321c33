"""The search index: terms, postings, files, and patching equal to a fresh build."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from site_build import search
from site_build.pages import Entry


@pytest.mark.parametrize(("text", "words"), [
    ("防汛抗旱", {"防汛", "汛抗", "抗旱", "防汛抗", "汛抗旱"}),
    ("防汛，抗旱", {"防汛", "抗旱"}),  # punctuation breaks a run: no 汛抗
    ("２０２６年ICP备案", {"2026", "icp", "备案"}),  # full-width digits fold; Latin words lower-cased
    ("火", set()),  # one character is no term: the search box asks for two
    ("地震 a 演练", {"地震", "a", "演练"}),
    ("x" * 40, set()),  # hashes and long tokens are not words
    ("Ｗｉ－Ｆｉ６", {"wi", "fi6"}),
])
def test_terms(text: str, words: set[str]) -> None:
    assert search.terms(text) == words


def reference(texts: list[search.Text]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, (title, body) in enumerate(texts):
        for t in search.terms(title + "\n" + body) | search.title_terms(title):
            out.setdefault(t, []).append(i)
    return out


def random_texts(n: int, seed: int) -> list[search.Text]:
    rng = random.Random(seed)
    alphabet = list("防汛抗旱应急管理检查组织安全生产演练") + list("ＡＢｃ１２ AbZ09 ，。\n\u3000𠀀\x00é")
    def text(k: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, k)))
    return [(text(12), text(300)) for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_postings_equal_the_reference(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "BATCH", 7)  # several batches, merged
    texts = random_texts(40, seed)
    found = {t: ids.tolist() for t, ids in search.postings(texts).items()}
    assert found == reference(texts)


@pytest.mark.parametrize("ids", [[0], [5, 6, 9], list(range(0, 3000, 2)), list(range(100)), [7, 100000]])
def test_postings_round_trip_as_gaps_or_bitmap(ids: list[int]) -> None:
    text = search.encode(np.array(ids))
    assert search.decode(text).tolist() == ids
    gaps = ",".join(str(b - a) for a, b in zip([0, *ids], ids, strict=False))
    assert len(text) <= len(gaps) and (text == gaps or text.startswith("="))


def test_shard_hash_is_fnv1a_over_code_points() -> None:
    assert search.term_hash("a") == 0xE40C292C  # FNV-1a 32 of the byte 0x61
    assert search.term_hash("#防汛") == search.term_hash("防汛")  # title terms share their term's shard


def entry(n: int, day: int, column: str = "news", year: int = 2026) -> Entry:
    return Entry(f"content/{column}/x{n}.md", f"{column}/x{n}.html", column, f"第{n}条<b>", f"{year}-10-{day:02d}T08:00:00+08:00",
                 f"{year}-10-{day:02d} 08:00", "", ())


def write(site: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


WORDS = ["防汛抗旱", "地震演练", "森林防火", "安全检查", "应急预案"]


def text_of(n: int) -> search.Text:
    common = "应急管理" * 3 if n % 2 else "检查"  # a long posting in half the items: a file of its own
    return f"第{n}条", WORDS[n % 5] + WORDS[n * 3 % 5] + str(n) + common


@pytest.mark.parametrize("change", ["append", "append-many", "insert", "remove", "edit", "nothing"])
def test_patch_equals_build(tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "LONG", 20)
    monkeypatch.setattr(search, "CHUNK", 4)
    titles = {"news": "动态要闻", "notices": "通知公告"}
    old = {n: entry(n, n % 27 + 1, "news" if n % 3 else "notices", 2025 + n % 2) for n in range(30)}
    old_order = search.publication_order(old.values())
    texts = {e.url: text_of(int(e.url.split("/x")[1][:-5])) for e in old_order}
    write(tmp_path, search.build(old_order, lambda e: texts[e.url], titles))
    new = dict(old)
    changed: set[str] = set()
    if change.startswith("append"):
        for n in range(30, 31 if change == "append" else 39):
            new[n] = entry(n, 28, "news", 2027)
            changed.add(new[n].url)
            texts[new[n].url] = text_of(n)
    elif change == "insert":
        new[31] = entry(31, 1)
        changed = {new[31].url}
        texts[new[31].url] = text_of(31)
    elif change == "remove":
        del new[4], new[17], new[3]  # notices x3: one fewer in 2025 too
    elif change == "edit":
        changed = {old[10].url}
        texts[old[10].url] = ("台风防御", "台风防御演练")
    order = search.publication_order(new.values())
    expected = search.build(order, lambda e: texts[e.url], titles)
    patch = search.patch(tmp_path, [e.url for e in old_order], order, {u: texts[u] for u in changed}, titles)
    for rel, data in patch.items():
        assert expected[rel] == data, rel
    gone = search.obsolete(tmp_path, patch)
    write(tmp_path, patch)
    for rel in gone:
        (tmp_path / rel).unlink()
    assert tree(tmp_path) == expected
    if change == "append":  # a new item rewrites only the shards of its own terms
        shards = {search.shard_path(search.shard_of(t)) for t in search.postings([texts["news/x30.html"]])}
        assert {r for r in patch if r.startswith("search/t/")} == shards
    if change == "nothing":
        assert not [r for r in patch if "/t/" in r or "/w/" in r]


def test_index_files(tmp_path: Path) -> None:
    order = search.publication_order([entry(0, 1), entry(1, 2), entry(2, 3, "notices", 2025), entry(3, 4)])
    files = search.build(order, lambda e: ("标题", "防汛 2026") if e.url != "notices/x2.html" else ("防汛", ""),
                         {"news": "<动态>", "notices": "通知"})
    assert json.loads(files["search/index.json"]) == {
        "v": 4, "shards": search.SHARDS, "chunk": search.CHUNK, "count": 4,
        "columns": [["news", "<动态>"], ["notices", "通知"]], "years": ["2026", "2025"]}
    assert order[0].url == "notices/x2.html"  # 2025 comes first in publication order
    shard = files[search.shard_path(search.shard_of("防汛"))].decode().splitlines()
    assert "#防汛 0" in shard and "防汛 =Dw==" in shard  # items 0-3: one byte 0x0f is shorter than 0,1,1,1
    assert search.decode("=Dw==").tolist() == [0, 1, 2, 3]
    assert "2026 1,1,1" in files[search.shard_path(search.shard_of("2026"))].decode().splitlines()
    assert json.loads(files["search/d/0.json"])[0] == ["notices/x2.html", "第2条<b>", "2025-10-03", "notices"]
    assert files[search.year_path("2025")] == b"0\n" and files[search.column_path("news")] == b"1,1,1\n"
    assert b"<" not in b"".join(files.values())  # JSON escapes it: no file holds markup


def test_a_long_posting_has_a_file_of_its_own_and_stays_small() -> None:
    n = 100_000
    ids = np.arange(0, n, dtype=np.int64)
    text = search.encode(ids)
    assert text.startswith("=") and len(text) <= n / 6 + 8  # the most common term of 100,000 items: 17 KB
    order = search.publication_order([entry(i, i % 27 + 1) for i in range(8000)])  # a 1 KB bitmap
    files = search.build(order, lambda e: ("", "应急"), {})
    assert files[search.shard_path(search.shard_of("应急"))] == "应急 >\n".encode()
    assert files[search.own_path("应急")].startswith(b"=")
    assert search.own_path("#应急") not in files  # no title holds it
