"""The search index: terms, postings, files, and patching equal to a fresh build."""
from __future__ import annotations

import datetime as dt
import html
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


@pytest.mark.parametrize("items", [
    [(20000, 0)], [(20000, 5), (20000, 6), (20000, 9)], [(20000, i) for i in range(0, 300, 2)],
    [(20000, i) for i in range(100)], [(19000, 7), (20000, 100000)], [(d, i) for d in range(20000, 20400, 3) for i in range(0, 40, 5)],
])
def test_postings_round_trip_as_gaps_or_bitmaps_per_day(items: list[tuple[int, int]]) -> None:
    days, places = np.array([d for d, _ in items]), np.array([p for _, p in items])
    text = search.encode(days, places)
    back = search.decode(text)
    assert back[0].tolist() == days.tolist() and back[1].tolist() == places.tolist()
    for (day, body), first in zip(search.segments(text), sorted({d for d, _ in items}), strict=True):
        assert day == first
        local = [p for d, p in items if d == day]
        gaps = ":" + ".".join(str(b - a) for a, b in zip([0, *local], local, strict=False))
        assert len(body) <= len(gaps) and (body == gaps or body.startswith("="))  # the shorter of the two


def test_posting_format() -> None:
    assert search.encode(np.array([20000, 20000, 20000, 20002]), np.array([5, 30, 90, 0])) == "20000:5.25.60,2:0"
    assert search.encode(np.array([20000, 20001, 20001]), np.array([3, 0, 40])) == "20000:3,:0.40"  # next day: no delta
    assert search.encode(np.array([20000, 20000, 20000]), np.array([5, 6, 9])) == "20000=gJ"  # bits 5 | 0, 3: shorter
    assert search.encode(np.array([20000] * 6), np.arange(6)) == "20000=_"  # places 0-5: one character, all 6 bits
    assert search.day_number("2026-10-01T08:00:00+08:00") == 20727 and search.day_name(20727) == "2026-10-01"


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


def page(site: Path, url: str, text: search.Text) -> None:
    """An item's page as the site has it: the index reads only its text (a superset of what it indexed)."""
    (site / url).parent.mkdir(parents=True, exist_ok=True)
    (site / url).write_text(f"<main><h1>{html.escape(text[0])}</h1><div data-portal-body>{html.escape(text[1])}</div></main>"
                            "<footer>网站地图 联系我们</footer>", encoding="utf-8")


CHANGES = ["append", "append-many", "insert-same-day", "insert-new-day", "remove", "remove-newest", "remove-oldest",
           "remove-middle", "remove-whole-day", "edit", "edit-newest", "edit-oldest", "edit-date", "edit-column",
           "edit-title", "nothing", "page-missing"]


@pytest.mark.parametrize("change", CHANGES)
def test_patch_equals_build(tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "LONG", 20)
    monkeypatch.setattr(search, "CHUNK", 4)
    titles = {"news": "动态要闻", "notices": "通知公告"}
    old = {n: entry(n, n % 9 + 1, "news" if n % 3 else "notices", 2025 + n % 2) for n in range(60)}  # 3-4 items a day
    old_order = search.publication_order(old.values())
    texts = {e.url: text_of(int(e.url.split("/x")[1][:-5])) for e in old_order}
    write(tmp_path, search.build(old_order, lambda e: texts[e.url], titles))
    for url, text in texts.items():
        page(tmp_path, url, text)
    new = dict(old)
    changed: set[str] = set()
    by_url = {e.url: n for n, e in old.items()}
    middle, newest, oldest = by_url[old_order[len(old_order) // 2].url], by_url[old_order[-1].url], by_url[old_order[0].url]
    if change.startswith("append"):
        for n in range(60, 61 if change == "append" else 69):
            new[n] = entry(n, 28, "news", 2027)
            changed.add(new[n].url)
            texts[new[n].url] = text_of(n)
    elif change.startswith("insert"):
        new[100] = entry(100, 3 if change == "insert-same-day" else 20)  # x100 sorts before x11, x29, x47 of 2026-10-03
        changed = {new[100].url}
        texts[new[100].url] = text_of(100)
    elif change == "remove":
        del new[4], new[17], new[3]  # notices x3: one fewer in 2025 too
    elif change.startswith("remove-"):
        gone = {"newest": [newest], "oldest": [oldest], "middle": [middle],
                "whole-day": [n for n in old if old[n].date == old[5].date]}[change[7:]]
        for n in gone:
            del new[n]
    elif change.startswith("edit"):
        n = {"edit": 10, "edit-newest": newest, "edit-oldest": oldest}.get(change, 12)
        url = old[n].url
        if change == "edit-date":
            new[n] = entry(n, 25, old[n].column, 2026)
        elif change == "edit-column":
            new[n] = Entry(old[n].path, url, "notices" if old[n].column == "news" else "news", old[n].title, old[n].date,
                           old[n].shown_date, "", ())
        elif change == "edit-title":
            new[n] = Entry(old[n].path, url, old[n].column, "台风防御", old[n].date, old[n].shown_date, "", ())
        changed = {url}
        texts[url] = ("台风防御", "台风防御演练" + str(n))
    elif change == "page-missing":  # the previous page of a renumbered item is gone: every posting is looked at
        del new[middle]
        for n in old:
            (tmp_path / old[n].url).unlink()
    order = search.publication_order(new.values())
    expected = search.build(order, lambda e: texts[e.url], titles)
    patch = search.patch(tmp_path, [e.url for e in old_order], order, {u: texts[u] for u in changed}, titles)
    for rel, data in patch.items():
        assert expected[rel] == data, rel
        if rel not in ("search/index.json", "search/days.txt"):  # only the files that change
            assert not (tmp_path / rel).is_file() or (tmp_path / rel).read_bytes() != data, rel
    gone = search.obsolete(tmp_path, patch)
    assert not set(gone) & set(expected)
    write(tmp_path, patch)
    for rel in gone:
        (tmp_path / rel).unlink()
    assert tree(tmp_path / "search") == tree_of(expected)
    shards = {r for r in patch if r.startswith("search/t/")}
    if change == "append":  # a new item rewrites only the shards of its own terms
        assert shards <= {search.shard_path(search.shard_of(t)) for t in search.postings([texts["news/x60.html"]])}
        assert {r for r in patch if "/w/" in r} <= {search.own_path(t) for t in search.postings([texts["news/x60.html"]])}
    if change in ("remove-newest", "remove-middle", "edit"):  # one day redone: no more than the terms of its items
        day = {"remove-newest": old[newest], "remove-middle": old[middle], "edit": old[10]}[change].date[:10]
        near = search.postings([texts[e.url] for e in old_order if e.date[:10] == day] + [texts[u] for u in changed])
        assert shards <= {search.shard_path(search.shard_of(t)) for t in near}
        assert {r for r in patch if "/d/" in r} <= {f"search/d/{day}-{k}.json" for k in range(3)}
    if change == "nothing":
        assert set(patch) <= {"search/index.json", "search/days.txt"}


def tree_of(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel[len("search/"):]: data for rel, data in files.items()}


def test_index_files(tmp_path: Path) -> None:
    order = search.publication_order([entry(0, 1), entry(1, 2), entry(2, 3, "notices", 2025), entry(3, 4), entry(4, 4)])
    files = search.build(order, lambda e: ("标题", "防汛 2026") if e.url != "notices/x2.html" else ("防汛", ""),
                         {"news": "<动态>", "notices": "通知"})
    assert json.loads(files["search/index.json"]) == {
        "v": 5, "shards": search.SHARDS, "chunk": search.CHUNK, "count": 5,
        "columns": [["news", "<动态>"], ["notices", "通知"]], "years": ["2026", "2025"]}
    assert files["search/days.txt"] == b"2025-10-03 1\n2026-10-01 1\n2026-10-02 1\n2026-10-04 2\n"
    day = search.day_number("2025-10-03")
    shard = files[search.shard_path(search.shard_of("防汛"))].decode().splitlines()
    assert f"#防汛 {day}:0" in shard and f"防汛 {day}:0,363:0,:0,2=D" in shard  # 2026-10-04 places 0, 1: bits 0b11
    assert "2026 20727:0,:0,2=D" in files[search.shard_path(search.shard_of("2026"))].decode().splitlines()
    assert json.loads(files["search/d/2025-10-03-0.json"])[0] == ["notices/x2.html", "第2条<b>", "2025-10-03", "notices"]
    assert [r[0] for r in json.loads(files["search/d/2026-10-04-0.json"])] == ["news/x3.html", "news/x4.html"]
    assert files[search.column_path("notices")] == f"{day}:0\n".encode() and files[search.column_path("news")] == b"20727:0,:0,2=D\n"
    assert b"<" not in b"".join(files.values())  # JSON escapes it: no file holds markup


def test_a_long_posting_has_a_file_of_its_own_and_stays_small() -> None:
    order = search.publication_order([entry(i, i % 27 + 1) for i in range(8000)])  # about 300 items a day
    files = search.build(order, lambda e: ("", "应急"), {})
    assert files[search.shard_path(search.shard_of("应急"))] == "应急 >\n".encode()
    own = files[search.own_path("应急")]
    assert b"=" in own and len(own) <= 8000 / 6 + 27 * 8  # a bitmap: 6 items a byte, a few bytes a day
    assert search.own_path("#应急") not in files  # no title holds it


def test_patch_of_postings_over_many_days(tmp_path: Path) -> None:
    """Postings of hundreds of days (their day numbers found with numpy) patched in the middle."""
    def dated(n: int) -> Entry:
        when = (dt.date(2020, 1, 1) + dt.timedelta(days=n // 3 + n // 50)).isoformat()  # 3 a day, a day off now and then
        return Entry(f"content/news/y{n}.md", f"news/y{n}.html", "news", f"第{n}条", f"{when}T09:00:00+08:00", when, "", ())
    old = search.publication_order(dated(n) for n in range(1500))
    texts = {e.url: (e.title, "应急管理" + WORDS[int(e.url[6:-5]) % 5]) for e in old}
    write(tmp_path, search.build(old, lambda e: texts[e.url], {}))
    gone = old[len(old) // 2]
    page(tmp_path, gone.url, texts[gone.url])
    for e in old:
        if e.date[:10] == gone.date[:10]:
            page(tmp_path, e.url, texts[e.url])
    new = [e for e in old if e is not gone]
    patch = search.patch(tmp_path, [e.url for e in old], new, {}, {})
    expected = search.build(new, lambda e: texts[e.url], {})
    assert len(search.segments(expected[search.own_path("应急")].decode().strip())) > 64
    assert all(expected[rel] == data for rel, data in patch.items())
    assert all((tmp_path / rel).read_bytes() == data for rel, data in expected.items() if rel not in patch)


def test_an_index_of_another_version_is_not_patched(tmp_path: Path) -> None:
    order = search.publication_order([entry(0, 1), entry(1, 2)])
    files = search.build(order, lambda e: ("标题", "防汛"), {})
    files["search/index.json"] = files["search/index.json"].replace(b'"v":5', b'"v":4')
    write(tmp_path, files)
    with pytest.raises(ValueError, match="完整构建"):
        search.patch(tmp_path, [e.url for e in order], order[:1], {}, {})
