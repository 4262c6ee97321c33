"""Each way around the chain, attempted for real and refused by the gate and by the server's pre-receive hook."""
from __future__ import annotations

from pathlib import Path

from review import records

from .conftest import CHAIN, OUTSIDER, World, git, item_text, roster_text

ITEM = "content/news/2026-11-21-xuan-chuan.md"


def refused(world: World, branch: str, rule: str) -> str:
    """The gate refuses the branch with `rule`, and so does the server when the merge is pushed by hand."""
    before = git(world.bare, "rev-parse", "main").stdout
    gate = world.gate(branch)
    assert gate.code == 1 and rule in gate.out, gate.out + gate.err
    push = world.push_merge(branch)
    assert push.returncode != 0 and rule in push.stderr, push.stderr
    assert "拒绝推送 main" in push.stderr
    assert git(world.bare, "rev-parse", "main").stdout == before
    return gate.out


def approve_until(world: World, branch: str, last: str) -> None:
    for stage, person in CHAIN.items():
        if stage == last:
            return
        result = world.approve(person, branch, stage)
        assert result.code == 0, result.err


def test_unsigned_approval(world: World) -> None:
    branch = world.submit()
    world.forge(branch, "初审", "wu.guoqing", sign=False)
    out = refused(world, branch, "REVIEW-UNSIGNED")
    assert "初审" in out


def test_wrong_key(world: World) -> None:
    branch = world.submit()
    world.forge(branch, "初审", "wu.guoqing", key="xu.chunyan")
    out = refused(world, branch, "REVIEW-WRONG-KEY")
    assert "xu.chunyan 的密钥" in out


def test_key_not_in_roster(world: World) -> None:
    branch = world.submit()
    world.forge(branch, "初审", "wu.guoqing", key=OUTSIDER)
    refused(world, branch, "REVIEW-UNKNOWN-KEY")


def test_tampered_signature(world: World) -> None:
    branch = world.submit()
    sha = world.forge(branch, "初审", "wu.guoqing", push=False)
    work = world.clone(OUTSIDER)
    raw = git(work, "cat-file", "commit", sha).stdout.replace("初审意见", "初审意见（已改）")
    forged = git(work, "hash-object", "-w", "-t", "commit", "--stdin", input=raw).stdout.strip()
    assert world.push_forged(work, forged, branch).returncode != 0  # the server takes no badly signed decision
    refused(world, branch, "REVIEW-BAD-SIGNATURE")


def test_out_of_order(world: World) -> None:
    branch = world.submit()
    local = world.approve("li.xiaoming", branch, "复审")
    assert local.code == 1 and "还没轮到" in local.err
    world.forge(branch, "复审", "li.xiaoming")
    refused(world, branch, "REVIEW-ORDER")


def test_same_stage_twice(world: World) -> None:
    branch = world.submit()
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    again = world.approve("wu.guoqing", branch, "初审")
    assert again.code == 1 and "已由 wu.guoqing 签署" in again.err
    world.forge(branch, "初审", "wu.guoqing")
    refused(world, branch, "REVIEW-DUPLICATE")


def test_one_person_two_stages(world: World) -> None:
    chain = CHAIN | {"初审": "zhou.ke", "保密审查": "zhou.ke"}
    assert world.portal("sun.lixin", "submit").code == 1  # nothing to submit yet
    world.write("sun.lixin", ITEM, item_text(reviewers=chain))
    refused_locally = world.portal("sun.lixin", "submit", ITEM)
    assert refused_locally.code == 1 and "REV-DUPLICATE" in refused_locally.out  # the reviewer-field check
    branch = world.raw_submit("sun.lixin", ITEM, item_text(reviewers=chain))
    assert world.approve("zhou.ke", branch, "初审").code == 0
    local = world.approve("zhou.ke", branch, "保密审查")
    assert local.code == 1 and "同一人不能签署" in local.err
    world.forge(branch, "保密审查", "zhou.ke")
    refused(world, branch, "REVIEW-SAME-PERSON")


def test_author_approves_own_item(world: World) -> None:
    branch = world.raw_submit("sun.lixin", ITEM, item_text(author="wu.guoqing"))  # the checks refuse it locally
    local = world.approve("wu.guoqing", branch, "初审")
    assert local.code == 1 and "不能审核自己的稿件" in local.err
    world.forge(branch, "初审", "wu.guoqing")
    out = refused(world, branch, "REVIEW-SELF")
    assert "撰稿人" in out


def test_informant_approves_what_they_submitted(world: World) -> None:
    # zhou.ke is a unit head who submits an item written by sun.lixin and names himself for 初审
    branch = world.submit("zhou.ke", text=item_text(reviewers=CHAIN | {"初审": "zhou.ke"}))
    world.forge(branch, "初审", "zhou.ke")
    out = refused(world, branch, "REVIEW-SELF")
    assert "报送人" in out


def test_signed_submission_proves_the_informant(world: World) -> None:
    # zhou.ke writes the item and claims sun.lixin submitted it: his own key cannot sign for sun.lixin
    world.write("zhou.ke", ITEM, item_text(reviewers=CHAIN | {"初审": "zhou.ke"}))
    claimed = world.portal("zhou.ke", "submit", ITEM, "--as", "sun.lixin")
    assert claimed.code == 1 and "与 roster.yml 中 sun.lixin 的公钥不符" in claimed.err
    # made by hand with a trailer naming sun.lixin, signed by zhou.ke: the signature is the informant
    work = world.clone("zhou.ke")
    branch = "review/zhou.ke/20261122-120000-claimed"
    git(work, "checkout", "-q", "-b", branch, "origin/main")
    git(work, "add", ITEM)
    git(work, "commit", "-q", "-S", "-m", records.submit_message("claimed", 1, "sun.lixin"))
    git(work, "push", "-q", "origin", branch)
    local = world.approve("zhou.ke", branch, "初审")
    assert local.code == 1 and "报送人" in local.err
    world.forge(branch, "初审", "zhou.ke")
    refused(world, branch, "REVIEW-SELF")


def test_not_the_named_reviewer(world: World) -> None:
    branch = world.submit()
    local = world.approve("zhou.ke", branch, "初审")
    assert local.code == 1 and "不是本分支任何稿件指定的“初审”审核人" in local.err
    world.forge(branch, "初审", "zhou.ke")
    refused(world, branch, "REVIEW-NOT-REVIEWER")


def test_stale_after_content_change(world: World) -> None:
    branch = world.submit()
    approve_until(world, branch, "复审")
    world.write("sun.lixin", ITEM, item_text().replace("500余份", "600余份"))
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    # the later stages go on for the new content, but 初审 and 保密审查 approved the old one
    world.forge(branch, "复审", "li.xiaoming")
    world.forge(branch, "终审", "chen.xiuying")
    out = refused(world, branch, "REVIEW-STALE")
    assert "旧版本" in out
    show = world.portal("wu.guoqing", "show", branch, "--no-diff")
    assert "已过期" in show.out
    assert branch in world.portal("wu.guoqing", "queue").out


def test_approval_commit_that_changes_content(world: World) -> None:
    branch = world.submit()
    world.forge(branch, "初审", "wu.guoqing", change=(ITEM, item_text().replace("500", "5000")))
    refused(world, branch, "REVIEW-DECISION-CHANGES")


def test_rejection_stops_the_chain_until_the_item_changes(world: World) -> None:
    branch = world.submit()
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    rejected = world.portal("xu.chunyan", "reject", branch, "--stage", "保密审查", "--reason", "第二段涉及内部数据，请删除")
    assert rejected.code == 0, rejected.err
    assert "被退回" in world.portal("sun.lixin", "queue").out
    local = world.approve("li.xiaoming", branch, "复审")
    assert local.code == 1 and "退回" in local.err
    world.forge(branch, "复审", "li.xiaoming")
    out = refused(world, branch, "REVIEW-REJECTED")
    assert "第二段涉及内部数据" in out
    # the informant changes the item: the rejection is stale, and a new chain can be completed
    world.write("sun.lixin", ITEM, item_text().split("\n\n活动现场")[0] + "\n")
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    world.approve_all(branch)
    assert world.portal("chen.xiuying", "merge", branch).code == 0


def test_direct_push_to_main(world: World) -> None:
    work = world.clone("sun.lixin")
    world.write("sun.lixin", ITEM, item_text())
    git(work, "add", ITEM)
    git(work, "commit", "-q", "-m", "直接发布")
    push = git(work, "push", "origin", "main", check=False)
    assert push.returncode != 0 and "REVIEW-DIRECT-PUSH" in push.stderr
    gate = world.portal("sun.lixin", "gate", "--base", "origin/main", "--head", "main", "--update")
    assert gate.code == 1 and "REVIEW-DIRECT-PUSH" in gate.out


def test_rewriting_main_is_refused(world: World) -> None:
    branch = world.submit()
    world.approve_all(branch)
    assert world.portal("chen.xiuying", "merge", branch).code == 0
    work = world.clone(OUTSIDER)
    push = git(work, "push", "--force", "origin", "origin/main~1:refs/heads/main", check=False)
    assert push.returncode != 0 and "REVIEW-NOT-FAST-FORWARD" in push.stderr


def test_informant_adds_themselves_to_the_roster(world: World, keys: dict[str, Path]) -> None:
    """The roster and keys come from main: a person added in the same submission signs nothing."""
    ghost_key = " ".join(Path(f"{keys[OUTSIDER]}.pub").read_text().split()[:2])
    ghost = {"id": "ghost", "name": "ghost", "department": "宣教科", "roles": ["unit_head", "secrecy", "leader", "office"],
             "oversees": ["宣教科"], "key": ghost_key}
    world.write("sun.lixin", "roster.yml", roster_text(keys, [ghost]))
    chain = {"初审": "ghost", "保密审查": "xu.chunyan", "复审": "li.xiaoming", "终审": "chen.xiuying"}
    world.write("sun.lixin", ITEM, item_text(reviewers=chain))
    result = world.portal("sun.lixin", "submit", ITEM, "roster.yml")
    assert result.code == 0, result.err + result.out
    branch = git(world.clone("sun.lixin"), "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    world.forge(branch, "初审", "ghost", key=OUTSIDER)
    out = refused(world, branch, "REVIEW-UNKNOWN-KEY")
    assert "roster.yml: 初审: REVIEW-MISSING" in out  # the roster change needs the administrators' chain
    assert "FM-PERSON-UNKNOWN" in out  # and the item is read with main's roster, where ghost does not exist


def test_config_change_with_the_administrators_chain(world: World, keys: dict[str, Path]) -> None:
    extra = {"id": "new.person", "name": "新同事", "department": "宣教科", "roles": ["informant"]}
    world.write("du.xiaoming", "roster.yml", roster_text(keys, [extra]))
    assert world.portal("du.xiaoming", "submit", "roster.yml").code == 0
    branch = git(world.clone("du.xiaoming"), "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    local = world.approve("wu.guoqing", branch, "初审")
    assert local.code == 1
    assert world.approve("yang.zhiqiang", branch, "初审").code == 0
    assert world.approve("chen.xiuying", branch, "终审").code == 0
    merged = world.portal("yang.zhiqiang", "merge", branch)
    assert merged.code == 0, merged.out + merged.err


def test_withdrawal_needs_the_chain(world: World) -> None:
    branch = world.submit()
    world.approve_all(branch)
    assert world.portal("chen.xiuying", "merge", branch).code == 0
    work = world.clone("sun.lixin")
    git(work, "checkout", "-q", "main")
    git(work, "pull", "-q", "--ff-only")
    (work / ITEM).unlink()
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    withdrawal = git(work, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    out = refused(world, withdrawal, "REVIEW-MISSING")
    assert ITEM in out
    world.approve_all(withdrawal)
    git(work, "fetch", "-q", "origin")
    message = git(work, "log", "-1", "--format=%B", f"origin/{withdrawal}").stdout
    assert f"Portal-Item: {ITEM} {'0' * 40}" in message
    assert world.portal("chen.xiuying", "merge", withdrawal).code == 0
    assert not git(world.bare, "ls-tree", "main", ITEM).stdout


