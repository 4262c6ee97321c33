"""The findings cache of `portal check`: the same findings as a full run, reading only what changed."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checks import cache, runner
from portal import model
from tests.conftest import REPO

LONG_AGO = time.time() - 3600


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo portal whose files were all written an hour ago."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "portal"
    root.mkdir()
    for name in ("columns.yml", "roster.yml", "calendar.yml", "accepted.yml"):
        shutil.copy(REPO / name, root / name)
    # no policy columns: checks/policy.py (CROSS) would read their items on every run (tests/checks/test_policy.py)
    columns = (root / "columns.yml").read_text(encoding="utf-8")
    (root / "columns.yml").write_text(re.sub(r"(?m)^    (policy|requires_interpretation): .*\n", "", columns), encoding="utf-8")
    shutil.copytree(REPO / "content", root / "content")
    for item in (root / "content" / "interpretations").glob("*.md"):  # interprets: only in policy columns
        item.write_text(re.sub(r"(?m)^interprets: .*\n", "", item.read_text(encoding="utf-8")), encoding="utf-8")
    _age(root)
    return root


def _age(root: Path) -> None:
    for path in root.rglob("*"):
        os.utime(path, (LONG_AGO, LONG_AGO))


def _edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (LONG_AGO + 60, LONG_AGO + 60))  # changed, and not within RACY seconds of the next run


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = model.parse_article

    def counting(config, rel, data):  # type: ignore[no-untyped-def]
        seen.append(rel)
        return real(config, rel, data)

    monkeypatch.setattr(model, "parse_article", counting)
    return seen


def _same(root: Path) -> list[tuple[str, int, int, str, str, str]]:
    """Run cached and uncached; both must give the same findings, messages included."""
    _, full = runner.check_paths(root)
    _, cached = runner.check_paths(root, cached=True)
    assert [(*_key(f), f.message) for f in cached] == [(*_key(f), f.message) for f in full]
    return [(*_key(f), f.message) for f in cached]


def _key(f):  # type: ignore[no-untyped-def]
    return f.path, f.line, f.column, f.rule, f.severity


def test_second_run_reads_no_item_and_says_the_same(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _same(portal)
    seen = _parses(monkeypatch)
    _, again = runner.check_paths(portal, cached=True)
    assert seen == [] and [(*_key(f), f.message) for f in again] == first


def test_a_changed_item_is_read_again_and_its_new_finding_shows(portal: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _same(portal)
    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    _edit(item, item.read_text(encoding="utf-8") + "\n本文件密级：秘密★1年\n")
    seen = _parses(monkeypatch)
    findings = _same(portal)
    assert seen.count(item.relative_to(portal).as_posix()) == 2  # the uncached run and the cached one
    assert len(seen) - 2 == len(list((portal / "content").rglob("*.md"))) - 1  # the full run read the others
    assert any(f[0].endswith(item.name) and f[3] == "SEC-MARKING" for f in findings)
    seen.clear()
    runner.check_paths(portal, cached=True)
    assert seen == []


def test_items_in_other_columns_are_not_read(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.check_paths(portal, cached=True)
    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    _edit(item, item.read_text(encoding="utf-8").replace("---\n", "---\nsummary: 新的摘要\n", 1))
    seen = _parses(monkeypatch)
    runner.check_paths(portal, cached=True)
    assert seen == [item.relative_to(portal).as_posix()]


def test_a_linked_file_that_changes_rechecks_its_item(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(portal)
    xlsx = portal / "content" / "budget" / "files" / "2026-bumen-yusuan.xlsx"
    xlsx.write_bytes(b"not a spreadsheet at all")
    os.utime(xlsx, (LONG_AGO + 60, LONG_AGO + 60))
    findings = _same(portal)
    assert any(f[0].startswith("content/budget/") and f[4] == "error" and f[3] == "ATT-MISMATCH" for f in findings)


def test_files_no_item_links_and_removed_items(portal: Path) -> None:
    _same(portal)
    stray = portal / "content" / "news" / "files" / "stray.txt"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("无人引用", encoding="utf-8")
    _age(portal)
    assert any(f[0].endswith("stray.txt") and f[3] == "ATT-UNREFERENCED" for f in _same(portal))
    owner = next(p for p in (portal / "content" / "budget").glob("*.md") if "2026-bumen-yusuan.xlsx" in p.read_text())
    owner.unlink()
    assert any(f[0].endswith("2026-bumen-yusuan.xlsx") and f[3] == "ATT-UNREFERENCED" for f in _same(portal))


def test_config_change_and_broken_cache(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(portal)
    roster = portal / "roster.yml"
    _edit(roster, roster.read_text(encoding="utf-8").replace("name: 孙立新", "name: 孙立鑫"))
    seen = _parses(monkeypatch)
    runner.check_paths(portal, cached=True)
    assert len(seen) == len(list((portal / "content").rglob("*.md")))  # every item read again
    cache.location(portal.resolve()).write_text("{not json", encoding="utf-8")
    _same(portal)  # a cache that cannot be read is ignored


def test_a_file_written_just_now_is_not_trusted_next_time(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    item.write_text(item.read_text(encoding="utf-8"), encoding="utf-8")  # mtime: now
    runner.check_paths(portal, cached=True)
    seen = _parses(monkeypatch)
    runner.check_paths(portal, cached=True)
    assert seen == [item.relative_to(portal).as_posix()]


def test_an_item_is_read_again_once_its_future_date_comes(portal: Path) -> None:
    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    config = model.load_config(portal)
    article, _ = model.parse_article(config, item.relative_to(portal).as_posix(), item.read_bytes())
    assert article is not None
    now = dt.datetime(2026, 11, 22, 12, tzinfo=model.clock.CST)
    assert cache._until(article, now) == dt.datetime(2026, 11, 23, tzinfo=model.clock.CST).timestamp()
    article.meta["reprint"] = {"time": "2026-11-22 15:30"}
    assert cache._until(article, now) == dt.datetime(2026, 11, 22, 15, 30, tzinfo=model.clock.CST).timestamp()


def test_portal_check_uses_it_and_no_cache_turns_it_off(portal: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from portal import cli

    monkeypatch.chdir(portal)
    assert cli.main(["check"]) == 0
    assert cache.location(portal.resolve()).is_file()
    seen = _parses(monkeypatch)
    assert cli.main(["check"]) == 0 and seen == []
    items = len([p for p in (portal / "content").rglob("*.md") if "files" not in p.parts])
    assert f"检查通过：{items} 篇稿件" in capsys.readouterr().out.splitlines()[-1]
    assert cli.main(["check", "--no-cache"]) == 0 and len(seen) == len(list((portal / "content").rglob("*.md")))


def _all_items(root: Path) -> int:
    return len(list((root / "content").rglob("*.md")))


def test_a_rule_file_changed_means_every_item_is_checked_again(portal: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "source"
    for package in cache.PACKAGES:
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "SOURCE", source)
    first = _same(portal)
    seen = _parses(monkeypatch)
    runner.check_paths(portal, cached=True)
    assert seen == []
    rules = source / "checks" / "rules" / "wording.yml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    _, again = runner.check_paths(portal, cached=True)
    assert len(seen) == _all_items(portal)  # the rules are the checks' version: nothing is reused
    assert [(*_key(f), f.message) for f in again] == first


def test_a_removed_item_takes_its_findings_away(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    _edit(item, item.read_text(encoding="utf-8") + "\n本文件密级：秘密★1年\n")
    rel = item.relative_to(portal).as_posix()
    assert any(f[0] == rel for f in _same(portal))
    item.unlink()
    seen = _parses(monkeypatch)
    findings = _same(portal)
    assert not any(f[0] == rel for f in findings)
    assert rel not in seen


@pytest.mark.parametrize("damage", ["garbage", "wrong types", "a folder", "empty"])
def test_a_damaged_cache_means_a_full_check(portal: Path, damage: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    first = _same(portal)
    for path in (cache.location(portal.resolve()), cache._items_location(portal.resolve())):
        if damage == "garbage":
            path.write_bytes(b"\x00\xff{not json" * 100)
        elif damage == "wrong types":
            data = cache._load(path)
            assert data
            for key in ("rows", "items", "cross"):
                if key in data:
                    data[key] = {"x": [["content/a.md", "one"]]} if key != "rows" else [["content/a.md"], 7]
            cache._save(path, data, binary=path.suffix == ".items")
        elif damage == "a folder":
            path.unlink()
            path.mkdir()
        else:
            path.write_bytes(b"")
    seen = _parses(monkeypatch)
    _, again = runner.check_paths(portal, cached=True)
    assert [(*_key(f), f.message) for f in again] == first
    assert len(seen) == _all_items(portal)  # nothing trusted: every item read again
    assert "Traceback" not in capsys.readouterr().err


def test_checked_on_several_processes_the_findings_are_the_same(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    _edit(item, item.read_text(encoding="utf-8") + "\n本文件密级：秘密★1年\n")
    forks: list[int] = []
    real = cache._fork

    def counting(*args):  # type: ignore[no-untyped-def]
        forks.append(len(args[1]))
        return real(*args)

    monkeypatch.setattr(cache, "_fork", counting)
    monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    _, serial = runner.check_paths(portal)  # model.load and every check in this process
    for workers in ("3", "2", "1"):
        monkeypatch.setenv(cache.WORKERS_ENV, workers)
        _, parallel = runner.check_paths(portal, cached=True, reuse=False)
        assert [(*_key(f), f.message, f.match) for f in parallel] == [(*_key(f), f.message, f.match) for f in serial]
    assert len(forks) == 3 and all(n > 0 for n in forks)  # two workers, then one, then none
    assert any(f.rule == "SEC-MARKING" for f in serial)


def test_a_worker_that_fails_leaves_its_items_to_the_main_process(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    monkeypatch.setenv(cache.WORKERS_ENV, "2")
    _, serial = runner.check_paths(portal)
    monkeypatch.setattr(cache, "_collect", lambda child: (cache.os.waitpid(child[0], 0), None)[1])
    _, parallel = runner.check_paths(portal, cached=True, reuse=False)
    assert [(*_key(f), f.message) for f in parallel] == [(*_key(f), f.message) for f in serial]


def test_a_warm_run_imports_neither_the_model_nor_the_checks(portal: Path, tmp_path: Path) -> None:
    program = ("import sys; from checks import runner; p, found = runner.check_paths(sys.argv[1], cached=True); "
               "heavy = [m for m in ('yaml', 'numpy', 'mistune', 'nh3', 'portal.model', 'portal.config', "
               "'checks.secrecy', 'checks.kinds', 'checks.accepted') if m in sys.modules]; "
               "print(p.items, len(found), heavy)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    cold = subprocess.run([sys.executable, "-c", program, str(portal)], env=env, capture_output=True, text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", program, str(portal)], env=env, capture_output=True, text=True, check=True)
    items = len([p for p in (portal / "content").rglob("*.md") if "files" not in p.parts])
    assert cold.stdout.split()[:2] == warm.stdout.split()[:2] == [str(items), str(len(runner.check_paths(portal)[1]))]
    assert warm.stdout.strip().endswith("[]"), warm.stdout
    assert "numpy" in cold.stdout or "portal.model" in cold.stdout


def test_a_symbolic_link_under_content_is_never_trusted(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (portal / "content" / "news" / "link.md").symlink_to(portal / "roster.yml")
    first = _same(portal)
    assert any(f[3] == "FILE-SYMLINK" for f in first)
    assert not cache.location(portal.resolve()).exists()  # no summary of a portal the fast listing cannot see
    _same(portal)


def test_a_news_item_edited_does_not_rerun_the_policy_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "portal"
    root.mkdir()
    for name in ("columns.yml", "roster.yml", "calendar.yml", "accepted.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "content", root / "content")
    _age(root)
    _same(root)
    policy_items = {p.relative_to(root).as_posix() for c in ("documents", "interpretations")
                    for p in (root / "content" / c).glob("*.md")}
    assert policy_items
    news = sorted((root / "content" / "news").glob("*.md"))[0]
    _edit(news, news.read_text(encoding="utf-8") + "\n补充一句。\n")
    seen = _parses(monkeypatch)
    runner.check_paths(root, cached=True)
    assert seen == [news.relative_to(root).as_posix()]
    doc = sorted((root / "content" / "documents").glob("*.md"))[0]
    _edit(doc, doc.read_text(encoding="utf-8") + "\n补充一句。\n")
    seen.clear()
    runner.check_paths(root, cached=True)
    assert set(seen) == policy_items  # the policy check reads its columns again
    seen.clear()
    _same(root)


def test_a_hook_of_one_check_keeps_its_own_findings(portal: Path) -> None:
    from checks import secrecy

    item = sorted((portal / "content" / "news").glob("*.md"))[0]
    _edit(item, item.read_text(encoding="utf-8") + "\n本文件密级：秘密★1年\n")
    _, only = runner.check_paths(portal, None, [secrecy], cached=True)  # portal-check-secrecy on columns.yml
    assert only and {f.category for f in only} <= {"secrecy", "file", "fields"}
    _same(portal)  # every check's findings, not the secrecy hook's
    _, again = runner.check_paths(portal, None, [secrecy], cached=True)
    assert again == only


def test_a_hook_on_a_policy_item_reads_only_the_policy_items_that_changed(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from portal import policy

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "portal"
    root.mkdir()
    for name in ("columns.yml", "roster.yml", "calendar.yml", "accepted.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "content", root / "content")
    _age(root)
    docs = sorted((root / "content" / "documents").glob("*.md"))
    reads: list[str] = []
    real = policy.read_fact
    monkeypatch.setattr(policy, "read_fact", lambda rel, data: (reads.append(rel), real(rel, data))[1])

    def hook(path: Path) -> list[tuple[str, str]]:
        monkeypatch.setattr(policy, "_READ", {})  # a new process
        reads.clear()
        _, found = runner.check_paths(root, [str(path)], cached=True)
        return [(f.path, f.rule) for f in found]

    first = hook(docs[0])
    assert len(reads) >= len(docs) - 1  # the other items of the policy columns, read once ...
    assert hook(docs[0]) == first and reads == []  # ... and not again while they are unchanged
    text = docs[1].read_text(encoding="utf-8")
    number = re.search(r'index_number: "(.*)"', docs[0].read_text(encoding="utf-8"))
    assert number
    _edit(docs[1], re.sub(r'index_number: ".*"', f'index_number: "{number.group(1)}"', text))
    assert (docs[0].relative_to(root).as_posix(), "POLICY-INDEX-DUP") in hook(docs[0])
    assert reads == [docs[1].relative_to(root).as_posix()]
    cache._facts_location(root.resolve()).write_bytes(cache.MAGIC + b"\x00garbage")
    assert (docs[0].relative_to(root).as_posix(), "POLICY-INDEX-DUP") in hook(docs[0])


def test_cache_files_of_portals_not_checked_for_a_month_are_deleted(portal: Path) -> None:
    folder = cache.location(portal.resolve()).parent
    folder.mkdir(parents=True)
    stale, recent = folder / "0123456789abcdef01234567.json", folder / "76543210fedcba9876543210.items"
    for path in (stale, recent):
        path.write_text("{}", encoding="utf-8")
    os.utime(stale, (time.time() - 40 * 86400,) * 2)
    os.utime(recent, (time.time() - 20 * 86400,) * 2)
    runner.check_paths(portal, cached=True)
    assert not stale.exists() and recent.exists() and cache.location(portal.resolve()).exists()
