"""portal publish and portal rollback on real builds of a small portal in a real git repo."""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from portal import cli
from site_build import manifest as mf
from site_build import publish

from .conftest import Run, git

PAGE = "disaster/fang-xun.html"
NEW_PAGE = "disaster/di-zhen.html"


def add_item(root: Path, write_item: Callable[..., Path], valid_item: str, commit: bool = True) -> None:
    text = valid_item.replace("市应急管理局召开全市防汛工作部署会", "市地震办开展地震应急演练").replace(
        "2026-06-03 16:30", "2026-11-20 10:00")
    write_item("disaster/2026-11-20-di-zhen.md", text)
    if commit:
        git(root, "add", ".")
        git(root, "commit", "-q", "-m", "新稿件")


def events(to: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (to / publish.LOG).read_text(encoding="utf-8").splitlines()]


def live(to: Path) -> str:
    release = publish.Layout(to).live()
    assert release is not None
    return release


def files_of(to: Path, release: str) -> dict[str, mf.Entry]:
    return mf.read(to / "releases" / release / "manifest.json")[0].files


def two_releases(run_portal: Run, site_repo: Path, to: Path, write_item: Callable[..., Path],
                 valid_item: str) -> tuple[str, str]:
    """Publish, add an item, publish again: the ids of both releases (the second is live)."""
    run_portal("publish", "--to", to)
    first = live(to)
    add_item(site_repo, write_item, valid_item)
    run_portal("publish", "--to", to)
    return first, live(to)


def test_publish_builds_a_release_with_its_manifest_and_switches_current(
        run_portal: Run, site_repo: Path, tmp_path: Path) -> None:
    to = tmp_path / "www"
    status, out, err = run_portal("publish", "--to", to)
    assert status == 0, err
    head = git(site_repo, "rev-parse", "HEAD").strip()
    release = live(to)
    assert release == f"20261122-120000-{head[:7]}"
    assert os.readlink(to / "current") == "site"
    assert f"已发布版本 {release}：2 篇稿件" in out
    assert "市应急管理局召开全市防汛工作部署会" in (to / "current" / PAGE).read_text(encoding="utf-8")
    # the manifest lies outside the web root and records every file of the site
    manifest, sha = mf.read(to / "releases" / release / "manifest.json")
    assert not list((to / "current").rglob("manifest.json"))
    assert (manifest.release, manifest.commit, manifest.dirty, manifest.items) == (release, head, False, 2)
    assert manifest.time == "2026-11-22T12:00:00+08:00"
    assert manifest.files == mf.scan(to / "current") and PAGE in manifest.files
    assert manifest.files[PAGE] == mf.hash_file(to / "current" / PAGE)
    logged = events(to)
    assert [e["event"] for e in logged] == ["release", "apply", "publish"]
    assert logged[0]["manifest_sha256"] == sha and logged[0]["items"] == 2
    assert logged[2] == {"event": "publish", "time": "2026-11-22T12:00:00+08:00", "release": release, "previous": None}


def test_second_publish_switches_to_a_new_release_and_keeps_the_old(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    assert run_portal("publish", "--to", to)[0] == 0
    first = live(to)
    add_item(site_repo, write_item, valid_item)
    status, out, _ = run_portal("publish", "--to", to)
    second = live(to)
    assert status == 0 and second != first and f"上一版本 {first}" in out
    assert (to / "current" / NEW_PAGE).is_file()
    assert NEW_PAGE not in files_of(to, first) and NEW_PAGE in files_of(to, second)
    # the journal names what the second release changed: the new page among them, the old page not
    changed = {op.path for op in publish.read_journal(publish.Layout(to), second)[0]}
    assert NEW_PAGE in changed and PAGE not in changed and "disaster/index.html" in changed
    assert publish.Layout(to).ordered() == [first, second]


def test_only_the_committed_tree_is_published_and_what_is_left_out_is_named(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    """An untracked item and an uncommitted edit never went through review: publish the commit without them."""
    to = tmp_path / "www"
    head = git(site_repo, "rev-parse", "HEAD").strip()
    add_item(site_repo, write_item, valid_item, commit=False)  # untracked
    fang_xun = site_repo / "content" / "disaster" / "2026-06-03-fang-xun.md"
    fang_xun.write_text(fang_xun.read_text(encoding="utf-8").replace("部署会", "部署会（未审改动）"), encoding="utf-8")
    status, out, err = run_portal("publish", "--to", to)
    assert status == 0, err
    assert live(to) == f"20261122-120000-{head[:7]}"
    assert "工作区有 2 个文件与提交" in err and "不会发布" in err
    assert "content/disaster/2026-11-20-di-zhen.md（未纳入 Git 的文件）" in err
    assert "content/disaster/2026-06-03-fang-xun.md（未提交的改动）" in err
    assert not (to / "current" / NEW_PAGE).exists()
    assert "未审改动" not in (to / "current" / PAGE).read_text(encoding="utf-8")
    assert "已发布版本" in out and "2 篇稿件" in out
    manifest = mf.read(to / "releases" / live(to) / "manifest.json")[0]
    assert (manifest.commit, manifest.dirty) == (head, False)
    assert run_portal("publish", "--to", to)[0] == 0  # the same second and commit: still a new release
    assert live(to) == f"20261122-120000-{head[:7]}-2"


def test_publish_takes_main_or_the_given_commit(run_portal: Run, site_repo: Path, tmp_path: Path,
                                                write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    first = git(site_repo, "rev-parse", "HEAD").strip()
    git(site_repo, "switch", "-q", "-c", "review/x")
    add_item(site_repo, write_item, valid_item)  # committed on a review branch, not on main
    status, _, err = run_portal("publish", "--to", to)
    assert status == 0 and live(to) == f"20261122-120000-{first[:7]}"
    assert f"发布的是 main（提交 {first[:7]}）" in err and not (to / "current" / NEW_PAGE).exists()
    second = git(site_repo, "rev-parse", "HEAD").strip()
    assert run_portal("publish", "--to", to, "--commit", "review/x")[0] == 0
    assert live(to) == f"20261122-120000-{second[:7]}" and (to / "current" / NEW_PAGE).is_file()
    status, _, err = run_portal("publish", "--to", to, "--commit", "mian")
    assert status == 1 and "--commit“mian”不是本仓库中的提交或分支" in err


def test_a_plain_folder_outside_git_is_published_with_a_warning(
        tmp_portal: Path, write_item: Callable[..., Path], valid_item: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    write_item("disaster/2026-06-03-fang-xun.md", valid_item)
    to = tmp_path / "www"
    assert cli.main(["--root", str(tmp_portal), "publish", "--to", str(to)]) == 0
    assert "不是 Git 仓库" in capsys.readouterr().err
    assert live(to) == "20261122-120000-worktree"
    assert mf.read(to / "releases" / live(to) / "manifest.json")[0].dirty


def test_retention_keeps_the_newest_and_never_the_live_one_away(run_portal: Run, tmp_path: Path) -> None:
    to = tmp_path / "www"
    for _ in range(3):
        assert run_portal("publish", "--to", to, "--keep", "2")[0] == 0
    layout = publish.Layout(to)
    first = "20261122-120000-" + layout.ordered()[0].split("-")[2]
    assert layout.ordered() == [f"{first}-2", f"{first}-3"]
    assert not (to / "releases" / first).exists()
    assert [e["release"] for e in events(to) if e["event"] == "remove"] == [first]
    # after a rollback the live release is the oldest: pruning to one release keeps it and the newest
    assert run_portal("rollback", "--dir", to)[0] == 0
    assert publish.prune(layout, 1) == []
    assert layout.ordered() == [f"{first}-2", f"{first}-3"] and layout.live() == f"{first}-2"


def test_keep_must_be_positive(run_portal: Run, tmp_path: Path) -> None:
    status, _, err = run_portal("publish", "--to", tmp_path / "www", "--keep", "0")
    assert status == 1 and "--keep 应至少为 1" in err


def test_rollback_to_previous_and_named_release(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    first, second = two_releases(run_portal, site_repo, to, write_item, valid_item)
    status, out, _ = run_portal("rollback", "--dir", to)
    assert status == 0 and live(to) == first and f"由 {second} 改为 {first}" in out
    assert not (to / "current" / NEW_PAGE).exists()
    assert events(to)[-1] == {"event": "rollback", "time": "2026-11-22T12:00:00+08:00", "release": first,
                              "previous": second}
    status, _, err = run_portal("rollback", "--dir", to)
    assert status == 1 and f"在用版本 {first} 之前没有保留的版本" in err
    status, out, _ = run_portal("rollback", "--dir", to, "--list")
    assert out.splitlines() == [f"{first}  （在用）", second]
    assert run_portal("rollback", "--dir", to, "--to", second)[0] == 0 and live(to) == second
    status, _, err = run_portal("rollback", "--dir", to, "--to", second[:-1])
    assert status == 1 and f"版本“{second[:-1]}”不存在" in err and f"是否想写“{second}”" in err
    status, _, err = run_portal("rollback", "--dir", to, "--to", second)
    assert status == 1 and "已经是在用版本" in err


def test_rollback_refuses_a_tampered_release(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    first, second = two_releases(run_portal, site_repo, to, write_item, valid_item)
    # the column index differs between the releases: the first's version is an object of its own in the store
    obj = publish.Layout(to).object(files_of(to, first)["disaster/index.html"].sha256)
    obj.chmod(0o644)
    obj.write_text("<h1>被篡改</h1>", encoding="utf-8")
    status, _, err = run_portal("rollback", "--dir", to)
    assert status == 1 and f"版本 {first} 的文件与其清单不一致（修改 1、新增 0、缺失 0" in err
    assert live(to) == second


def test_rollback_before_any_publish(run_portal: Run, tmp_path: Path) -> None:
    (tmp_path / "www").mkdir()
    status, _, err = run_portal("rollback", "--dir", tmp_path / "www")
    assert status == 1 and "还没有发布过任何版本" in err


@pytest.mark.parametrize("args", [(), ("--list",)])
def test_rollback_of_a_folder_that_does_not_exist_creates_nothing(
        run_portal: Run, tmp_path: Path, args: tuple[str, ...]) -> None:
    status, _, err = run_portal("rollback", "--dir", tmp_path / "nowhere" / "www", *args)
    assert status == 1 and "不存在" in err
    assert not (tmp_path / "nowhere").exists()


def test_a_second_publish_at_the_same_time_is_refused(run_portal: Run, tmp_path: Path) -> None:
    to = tmp_path / "www"
    with publish.locked(publish.Layout(to)):
        status, _, err = run_portal("publish", "--to", to)
        assert status == 1 and f"另一个发布或回滚正在进行（进程 {os.getpid()}" in err
        assert run_portal("rollback", "--dir", to)[0] == 1
    assert not (to / "current").exists()
    assert run_portal("publish", "--to", to)[0] == 0


def test_a_check_error_publishes_nothing(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    to = tmp_path / "www"
    run_portal("publish", "--to", to)
    first = live(to)
    write_item("disaster/2026-11-21-cuo-wu.md", valid_item.replace("author: [", "author: [nobody, "))
    git(site_repo, "add", ".")
    git(site_repo, "commit", "-q", "-m", "有错误的稿件")
    status, _, err = run_portal("publish", "--to", to)
    assert status == 1 and "构建未通过检查" in err and "nobody" in err and "在用网站保持不变" in err
    assert live(to) == first
    assert sorted(p.name for p in (to / "releases").iterdir()) == [first]


def test_a_refused_first_publish_creates_nothing(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    write_item("disaster/2026-11-21-cuo-wu.md", valid_item.replace("author: [", "author: [nobody, "))
    git(site_repo, "add", ".")
    git(site_repo, "commit", "-q", "-m", "有错误的稿件")
    status, _, err = run_portal("publish", "--to", tmp_path / "new" / "www")
    assert status == 1 and "构建未通过检查" in err
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    assert run_portal("publish", "--to", tmp_path / "empty")[0] == 1
    assert list((tmp_path / "empty").iterdir()) == []


def test_current_must_be_a_link(run_portal: Run, tmp_path: Path) -> None:
    to = tmp_path / "www"
    (to / "current").mkdir(parents=True)
    status, _, err = run_portal("publish", "--to", to)
    assert status == 1 and "不是符号链接" in err


def test_an_exported_tree_is_published_under_the_given_commit(run_portal: Run, site_repo: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The server's hook publishes `git archive` output, which is no git work tree: --commit names the commit."""
    head = git(site_repo, "rev-parse", "HEAD").strip()
    export = tmp_path / "export"
    export.mkdir()
    archive = subprocess.run(["git", "-C", str(site_repo), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
    to = tmp_path / "www"
    assert cli.main(["--root", str(export), "publish", "--to", str(to), "--commit", head]) == 0
    assert live(to) == f"20261122-120000-{head[:7]}"
    assert mf.read(to / "releases" / live(to) / "manifest.json")[0].commit == head
    capsys.readouterr()
    assert cli.main(["--root", str(export), "publish", "--to", str(to), "--commit", "main"]) == 1
    assert "--commit 应为 Git 提交号" in capsys.readouterr().err


def test_a_defaced_live_site_is_not_carried_into_the_next_release(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    """The next build starts from the private base, never from the served files: a defacement is not built on,
    the new manifest still records the published bytes (so verify-site keeps reporting it), and --full rewrites it."""
    to = tmp_path / "www"
    run_portal("publish", "--to", to)
    (to / "current" / PAGE).write_text("<h1>此页已被篡改</h1>", encoding="utf-8")
    (to / "current" / "evil.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    add_item(site_repo, write_item, valid_item)
    assert run_portal("publish", "--to", to)[0] == 0
    assert "此页已被篡改" not in (to / "base" / PAGE).read_text(encoding="utf-8")
    status, out, _ = run_portal("verify-site", to)
    assert status == 1 and f"被修改：{PAGE}" in out and "新增：evil.html" in out
    assert run_portal("publish", "--to", to, "--full")[0] == 0
    assert not (to / "current" / "evil.html").exists()
    assert "此页已被篡改" not in (to / "current" / PAGE).read_text(encoding="utf-8")
    assert run_portal("verify-site", to)[0] == 0


def test_a_portal_in_a_subfolder_and_a_publish_dir_inside_the_repository(
        site_repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """The portal is one folder of a larger repository; the publish directory lies in the work tree, untracked."""
    outer = tmp_path_factory.mktemp("outer")
    subprocess.run(["cp", "-a", str(site_repo), str(outer / "portal")], check=True)
    subprocess.run(["rm", "-rf", str(outer / "portal" / ".git")], check=True)
    git(outer, "init", "-q", "-b", "main")
    git(outer, "add", ".")
    git(outer, "commit", "-q", "-m", "门户在子目录中")
    head = git(outer, "rev-parse", "HEAD").strip()
    to = outer / "portal" / "www"
    for _ in range(2):
        capsys.readouterr()
        assert cli.main(["--root", str(outer / "portal"), "publish", "--to", str(to)]) == 0
        assert "工作区有" not in capsys.readouterr().err  # its own releases are not "left out"
    assert live(to) == f"20261122-120000-{head[:7]}-2"
    assert (to / "current" / PAGE).is_file() and not (to / "current" / "portal").exists()


def test_a_detached_head_publishes_itself_not_a_stale_main(
        run_portal: Run, site_repo: Path, tmp_path: Path, write_item: Callable[..., Path], valid_item: str) -> None:
    """A CI job checks out the pushed commit detached; a local main left from an earlier job is stale."""
    stale = git(site_repo, "rev-parse", "HEAD").strip()
    add_item(site_repo, write_item, valid_item)
    pushed = git(site_repo, "rev-parse", "HEAD").strip()
    git(site_repo, "checkout", "-q", "--detach", pushed)
    git(site_repo, "branch", "-f", "main", stale)
    to = tmp_path / "www"
    status, _, err = run_portal("publish", "--to", to)
    assert status == 0, err
    assert live(to) == f"20261122-120000-{pushed[:7]}" and (to / "current" / NEW_PAGE).is_file()


def test_a_committed_link_out_of_the_repository_is_refused(run_portal: Run, site_repo: Path, tmp_path: Path) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("服务器上的文件", encoding="utf-8")
    os.symlink(secret, site_repo / "content" / "disaster" / "files.txt")
    git(site_repo, "add", ".")
    git(site_repo, "commit", "-q", "-m", "指向仓库之外的链接")
    status, _, err = run_portal("publish", "--to", tmp_path / "www")
    assert status == 1 and "无法导出提交" in err and "符号链接" in err
    assert not (tmp_path / "www").exists()
