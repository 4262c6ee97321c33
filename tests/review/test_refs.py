"""The server's pre-receive hook judges every ref, and identity comes from signatures only (real git, real keys)."""
from __future__ import annotations

from review import records
from site_build.publish import Layout

from .conftest import CHAIN, OUTSIDER, World, git, item_text

ITEM = "content/news/2026-11-21-xuan-chuan.md"


def server_main(world: World) -> str:
    return git(world.bare, "rev-parse", "main").stdout.strip()


def unreviewed_commit(world: World, person: str = OUTSIDER) -> str:
    """A commit on top of main adding an item that nobody reviewed (made in the person's clone, not pushed)."""
    work = world.clone(person)
    git(work, "checkout", "-q", "-B", "attack", "origin/main")
    world.write(person, "content/news/2026-11-22-wei-shen.md", item_text(title="未经审核的稿件"))
    return world.commit_signed(person, "直接发布", "content/news/2026-11-22-wei-shen.md", sign=False)


def test_a_symbolic_ref_to_main_is_no_way_around_the_gate(world: World) -> None:
    git(world.bare, "symbolic-ref", "refs/heads/master", "refs/heads/main")  # left by a rename
    before = server_main(world)
    sha = unreviewed_commit(world)
    push = git(world.clone(OUTSIDER), "push", "origin", f"{sha}:refs/heads/master", check=False)
    assert push.returncode != 0 and "符号引用" in push.stderr and "refs/heads/main" in push.stderr
    assert server_main(world) == before
    # the same commit pushed to main itself is judged as what it is
    push = git(world.clone(OUTSIDER), "push", "origin", f"{sha}:refs/heads/main", check=False)
    assert push.returncode != 0 and "REVIEW-DIRECT-PUSH" in push.stderr
    assert server_main(world) == before


def test_tags_and_other_names_are_refused(world: World) -> None:
    work = world.clone(OUTSIDER)
    sha = unreviewed_commit(world)
    for target, words in ((f"{sha}:refs/tags/v1", "不接受标签 v1"), (f"{sha}:refs/heads/master", "不接受 master"),
                          (f"{sha}:refs/heads/feature/x", "不接受 feature/x"), (f"{sha}:refs/notes/commits", "不接受"),
                          (f"{sha}:refs/heads/review/{OUTSIDER}/x", f"{OUTSIDER} 不在主分支的 roster.yml 中"),
                          (f"{sha}:refs/heads/review/sun.lixin", "审核分支应为 review/<人员id>/<名称>")):
        push = git(work, "push", "origin", target, check=False)
        assert push.returncode != 0 and words in push.stderr, (target, push.stderr)
        assert "Traceback" not in push.stderr
    assert git(world.bare, "for-each-ref", "--format=%(refname)").stdout.split() == ["refs/heads/main"]


def test_only_the_owner_puts_content_on_a_review_branch(world: World) -> None:
    branch = world.submit()
    before = git(world.bare, "rev-parse", branch).stdout.strip()
    # du.xiaoming signs a change and pushes it onto sun.lixin's branch
    work = world.clone("du.xiaoming")
    git(work, "checkout", "-q", "-B", "help", f"origin/{branch}")
    world.write("du.xiaoming", ITEM, item_text().replace("500余份", "800余份"))
    sha = world.commit_signed("du.xiaoming", records.submit_message("帮改", 1, "sun.lixin"), ITEM)
    push = git(work, "push", "origin", f"{sha}:refs/heads/{branch}", check=False)
    assert push.returncode != 0 and "由 du.xiaoming 签名" in push.stderr and "只有 sun.lixin 本人" in push.stderr
    # unsigned, whatever the trailer says
    git(work, "reset", "-q", "--hard", f"origin/{branch}")
    world.write("du.xiaoming", ITEM, item_text().replace("500余份", "900余份"))
    sha = world.commit_signed("du.xiaoming", records.submit_message("帮改", 1, "sun.lixin"), ITEM, sign=False)
    push = git(work, "push", "origin", f"{sha}:refs/heads/{branch}", check=False)
    assert push.returncode != 0 and "没有签名" in push.stderr and "git config user.signingkey" in push.stderr
    assert git(world.bare, "rev-parse", branch).stdout.strip() == before
    # the owner's own signed change goes on, and so does a reviewer's signed decision
    git(world.clone("sun.lixin"), "checkout", "-q", branch)
    world.write("sun.lixin", ITEM, item_text().replace("500余份", "600余份"))
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    assert world.approve("wu.guoqing", branch, "初审").code == 0


def test_an_administrator_may_add_to_a_review_branch(world: World) -> None:
    branch = world.submit()
    admin = world.clone("yang.zhiqiang")
    git(admin, "checkout", "-q", "-B", "fix", f"origin/{branch}")
    world.write("yang.zhiqiang", ITEM, item_text().replace("500余份", "550余份"))
    sha = world.commit_signed("yang.zhiqiang", records.submit_message("管理员修正", 1, "yang.zhiqiang"), ITEM)
    assert git(admin, "push", "origin", f"{sha}:refs/heads/{branch}", check=False).returncode == 0
    world.approve_all(branch)
    assert world.gate(branch).code == 0


def test_nobody_rewrites_or_deletes_a_review_branch_before_it_is_merged(world: World) -> None:
    branch = world.submit()
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    work = world.clone(OUTSIDER)
    git(work, "fetch", "-q", "origin")
    for args, words in ((("push", "--force", "origin", f"origin/{branch}~1:refs/heads/{branch}"), "不能改写或回退"),
                        (("push", "origin", f":refs/heads/{branch}"), "未合并的审核分支不能删除")):
        push = git(work, *args, check=False)
        assert push.returncode != 0 and words in push.stderr, push.stderr
    # the owner cannot rewrite it either: a new signed commit on an older base is still a rewrite
    own = world.clone("sun.lixin")
    git(own, "reset", "-q", "--hard", f"{branch}~0")
    git(own, "commit", "-q", "-S", "--amend", "-m", records.submit_message("改写", 1, "sun.lixin"))
    push = git(own, "push", "--force", "origin", f"HEAD:refs/heads/{branch}", check=False)
    assert push.returncode != 0 and "不能改写或回退" in push.stderr
    git(own, "reset", "-q", "--hard", f"origin/{branch}")
    for stage, person in list(CHAIN.items())[1:]:
        assert world.approve(person, branch, stage).code == 0
    assert world.portal("chen.xiuying", "merge", branch).code == 0
    git(work, "fetch", "-q", "origin")
    assert git(work, "push", "origin", f":refs/heads/{branch}", check=False).returncode == 0  # merged: may go


def test_a_main_that_never_went_through_the_hook_is_not_published(world: World) -> None:
    """A restore on the server moves main past the gate; the next merge's publish re-checks and refuses."""
    from portal import cli

    assert cli.main(["server", "install", str(world.bare), "--publish-dir", str(world.publish)]) == 0
    sha = unreviewed_commit(world)
    git(world.bare, "fetch", "-q", str(world.clone(OUTSIDER)), f"{sha}:refs/heads/main")  # no hook runs
    branch = world.submit()
    world.approve_all(branch)
    merged = world.portal("chen.xiuying", "merge", branch)
    assert merged.code == 1 and "服务器发布失败" in merged.err and "REVIEW-DIRECT-PUSH" in merged.err, merged.err
    log = (world.bare / "portal-publish.log").read_text(encoding="utf-8")
    assert "发布前复核" in log and "REVIEW-DIRECT-PUSH" in log
    assert not world.publish.exists() or not (world.publish / "current").exists()
    result = (world.bare / "portal-publish-result.json").read_text(encoding="utf-8")
    assert '"status": "refused"' in result
    # publishing by hand on the server re-checks the same way
    again = world.portal("chen.xiuying", "server", "publish", str(world.bare))
    assert again.code == 1 and "REVIEW-DIRECT-PUSH" in again.err
    assert not (world.publish / "current").exists()


def test_merge_reports_the_release_and_a_failed_publish(world: World) -> None:
    from portal import cli

    assert cli.main(["server", "install", str(world.bare), "--publish-dir", str(world.publish)]) == 0
    branch = world.submit()
    world.approve_all(branch)
    merged = world.portal("chen.xiuying", "merge", branch)
    assert merged.code == 0, merged.err
    release = Layout(world.publish).live()
    assert release
    assert f"服务器已发布：版本 {release}" in merged.out
    # the next publish fails (its target is not a directory): the merger is told why, and exit is non-zero
    blocked = world.root / "blocked"
    blocked.write_text("not a directory\n")
    git(world.bare, "config", "portal.publishdir", str(blocked))
    second = world.submit(rel="content/news/2026-11-22-di-er.md", text=item_text(title="第二次安全宣传咨询活动"))
    world.approve_all(second)
    failed = world.portal("chen.xiuying", "merge", second)
    assert failed.code == 1 and "已合并到 main" in failed.err and "服务器发布失败" in failed.err
    assert "portal publish 失败" in failed.err


def test_signatures_are_the_only_identity(world: World) -> None:
    # wu.guoqing (a unit head) writes an item on his own branch; sun.lixin merges it into his and submits
    wu = world.clone("wu.guoqing")
    git(wu, "checkout", "-q", "-b", "review/wu.guoqing/20261122-120000-draft", "origin/main")
    world.write("wu.guoqing", ITEM, item_text())
    world.commit_signed("wu.guoqing", records.submit_message("草稿", 1, "sun.lixin"), ITEM)
    git(wu, "push", "-q", "origin", "HEAD")
    sun = world.clone("sun.lixin")
    branch = "review/sun.lixin/20261122-120000-merged"
    git(sun, "fetch", "-q", "origin")
    git(sun, "checkout", "-q", "-b", branch, "origin/main")
    git(sun, "merge", "-q", "-S", "--no-ff", "-m", "合并草稿", "origin/review/wu.guoqing/20261122-120000-draft")
    push = git(sun, "push", "origin", branch, check=False)
    assert push.returncode != 0 and "由 wu.guoqing 签名" in push.stderr  # wu's content is not sun's to push
    local = world.approve("wu.guoqing", "review/wu.guoqing/20261122-120000-draft", "初审")
    assert local.code == 1 and "报送人" in local.err  # he signed the content: he cannot approve it
    world.forge("review/wu.guoqing/20261122-120000-draft", "初审", "wu.guoqing")
    gate = world.gate("review/wu.guoqing/20261122-120000-draft")
    assert gate.code == 1 and "REVIEW-SELF" in gate.out


def test_a_merge_that_brings_content_must_be_signed(world: World) -> None:
    branch = world.submit()
    work = world.clone("sun.lixin")
    # a merge commit whose tree changes the item (a "conflict resolution"), made without a signature
    world.write("sun.lixin", ITEM, item_text().replace("500余份", "700余份"))
    git(work, "add", ITEM)
    tree = git(work, "write-tree").stdout.strip()
    unsigned = git(work, "commit-tree", "-p", "HEAD", "-p", "origin/main", tree, input="合并 main").stdout.strip()
    push = world.push_forged(work, unsigned, branch)
    assert push.returncode != 0 and "没有签名" in push.stderr
    gate = world.gate(branch)
    assert gate.code == 1 and "REVIEW-UNSIGNED" in gate.out and unsigned[:10] in gate.out
    # signed by the owner it is his content like any other: accepted, and he is its informant
    signed = git(work, "-c", "gpg.format=ssh", "commit-tree", "-S", "-p", "HEAD", "-p", "origin/main", tree,
                 input="合并 main").stdout.strip()
    assert world.push_forged(work, signed, branch).returncode == 0
    world.approve_all(branch)
    assert world.gate(branch).code == 0


def test_an_unsigned_submission_is_refused_with_how_to_sign(world: World) -> None:
    work = world.clone("sun.lixin")
    git(work, "config", "--unset", "user.signingkey")
    world.write("sun.lixin", ITEM, item_text())
    result = world.portal("sun.lixin", "submit", ITEM)
    assert result.code == 1 and "没有配置签名密钥" in result.err and "git config user.signingkey" in result.err
    assert world.branch_of("sun.lixin") == "main"  # nothing committed, still where the user was
    # by hand, unsigned, with a trailer naming him: the server refuses the push, the gate the branch
    branch = "review/sun.lixin/20261122-120000-unsigned"
    git(work, "checkout", "-q", "-b", branch)
    world.commit_signed("sun.lixin", records.submit_message("未签名", 1, "sun.lixin"), ITEM, sign=False)
    sha = git(work, "rev-parse", "HEAD").stdout.strip()
    push = world.push_forged(work, sha, branch)
    assert push.returncode != 0 and "git config user.signingkey" in push.stderr
    gate = world.gate(branch)
    assert gate.code == 1 and f"{ITEM}: -: REVIEW-UNSIGNED" in gate.out and "portal submit" in gate.out
