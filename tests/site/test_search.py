"""The search index: words, shards, and patching equal to a fresh build."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_build import search
from site_build.pages import Entry


@pytest.mark.parametrize(("text", "words"), [
    ("防汛抗旱", {"防汛", "汛抗", "抗旱"}),
    ("防汛，抗旱", {"防汛", "抗旱"}),  # punctuation breaks a run
    ("２０２６年ICP备案", {"2026", "icp", "备案"}),  # full-width digits fold; Latin words lower-cased
    ("火", set()),  # one character is no word: the search box asks for two
    ("地震 a 演练", {"地震", "a", "演练"}),
    ("x" * 40, set()),  # hashes and long tokens are not words
])
def test_words(text: str, words: set[str]) -> None:
    assert search.terms(text) == words


def test_shard_is_the_standard_crc32() -> None:
    assert search.shard_of("防汛") == 0x0e and search.shard_of("icp") == 0xe5  # zlib.crc32 of the UTF-8, mod 256


def entry(n: int, day: int) -> Entry:
    return Entry(f"content/news/x{n}.md", f"news/x{n}.html", "news", f"第{n}条", f"2026-10-{day:02d}T08:00:00+08:00",
                 f"2026-10-{day:02d} 08:00", "", ())


def write(site: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


WORDS = ["防汛抗旱", "地震演练", "森林防火", "安全检查", "应急预案"]


def words_of(n: int) -> set[str]:
    return search.terms(WORDS[n % 5] + WORDS[n * 3 % 5] + str(n))


@pytest.mark.parametrize("change", ["append", "insert", "remove", "edit"])
def test_patch_equals_build(tmp_path: Path, change: str) -> None:
    titles = {"news": "动态要闻"}
    old = {n: entry(n, n % 27 + 1) for n in range(30)}
    old_order = search.publication_order(old.values())
    write(tmp_path, search.build(old_order, lambda e: words_of(int(e.url[6:-5])), titles))
    new = dict(old)
    changed: set[int] = set()
    if change == "append":
        new[30] = entry(30, 28)
        changed = {30}
    elif change == "insert":
        new[31] = entry(31, 1)
        changed = {31}
    elif change == "remove":
        del new[4], new[17]
    else:
        changed = {9}
    order = search.publication_order(new.values())
    all_words = {e.url: words_of(int(e.url[6:-5])) for e in order}
    if change == "edit":
        all_words["news/x9.html"] = search.terms("台风防御")
    expected = search.build(order, lambda e: all_words[e.url], titles)
    patch = search.patch(tmp_path, [e.url for e in old_order], order, {f"news/x{n}.html": all_words[f"news/x{n}.html"]
                                                                        for n in changed}, titles)
    for rel, data in patch.items():
        assert expected[rel] == data, rel
    write(tmp_path, patch)
    for rel, data in expected.items():
        assert (tmp_path / rel).read_bytes() == data, rel
    if change == "append":  # a new item rewrites only the shards of its own words
        assert len([r for r in patch if r.startswith("search/t/")]) == len({search.shard_of(w) for w in all_words["news/x30.html"]})


def test_index_files(tmp_path: Path) -> None:
    order = search.publication_order([entry(0, 1), entry(1, 2), entry(2, 3), entry(3, 4)])
    files = search.build(order, lambda e: {"防汛", "2026"} if e.url != "news/x2.html" else {"防汛"}, {"news": "<动态>"})
    assert json.loads(files["search/index.json"]) == {"v": 3, "shards": 256, "chunk": 200, "count": 4}
    assert files[search.shard_path(search.shard_of("防汛"))] == "防汛 0,1,1,1\n".encode()
    assert files[search.shard_path(search.shard_of("2026"))] == b"2026 0,1,2\n"
    assert json.loads(files["search/d/0.json"])[2] == ["news/x2.html", "第2条", "2026-10-03", "<动态>"]
    assert b"<" not in b"".join(files.values())  # JSON escapes it: no file holds markup


def test_title_words_share_the_shard_of_their_word() -> None:
    order = search.publication_order([entry(0, 1), entry(1, 2)])
    files = search.build(order, lambda e: {"防汛"} | (search.title_terms("防汛演练") if e.url == "news/x0.html" else set()), {})
    assert search.shard_of("#防汛") == search.shard_of("防汛")
    assert files[search.shard_path(search.shard_of("防汛"))] == "#防汛 0\n防汛 0,1\n".encode()
    assert search.title_terms("防汛演练") == {"#防汛", "#汛演", "#演练"}
