"""What a chain covers and how long a rejection stands; malformed branches; the record; a new reviewer's rough edges."""
from __future__ import annotations

import json
import struct
import zlib

from review import records

from .conftest import CHAIN, World, git, item_text

ITEM = "content/news/2026-11-21-xuan-chuan.md"


def png(shade: int) -> bytes:
    """A real 2x2 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([shade, shade]) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png(40)


def with_picture(text: str, ref: str = "files/xian-chang.png") -> str:
    return text.replace("吸引了众多市民参与。", f"吸引了众多市民参与。\n\n![活动现场]({ref})\n")


def test_linked_picture_goes_with_the_item_and_its_chain(world: World) -> None:
    pic = "content/news/files/xian-chang.png"
    (world.clone("sun.lixin") / "content/news/files").mkdir(parents=True, exist_ok=True)
    (world.clone("sun.lixin") / pic).write_bytes(PNG)
    branch = world.submit(text=with_picture(item_text()))
    work = world.clone("sun.lixin")
    assert git(work, "ls-tree", "--name-only", f"origin/{branch}", pic).stdout.strip() == pic  # taken along
    world.approve_all(branch)
    git(work, "fetch", "-q", "origin")
    assert f"Portal-Item: {pic} " in git(work, "log", "-1", "--format=%B", f"origin/{branch}").stdout
    assert world.gate(branch).code == 0
    assert world.portal("chen.xiuying", "merge", branch).code == 0
    # later the picture alone is replaced: the item's own chain (with 保密审查) covers it, not 配置变更
    git(work, "checkout", "-q", "main")
    git(work, "pull", "-q", "--ff-only")
    (work / pic).write_bytes(png(200))
    assert world.portal("sun.lixin", "submit", pic).code == 0
    second = world.branch_of("sun.lixin")
    gate = world.gate(second)
    assert gate.code == 1 and f"{ITEM}: 保密审查: REVIEW-MISSING" in gate.out and "配置变更" not in gate.out
    world.approve_all(second)
    assert world.portal("chen.xiuying", "merge", second).code == 0


def test_a_rejection_stands_until_the_content_changes(world: World) -> None:
    branch = world.submit()
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    assert world.portal("xu.chunyan", "reject", branch, "--stage", "保密审查", "--reason", "含内部数据").code == 0
    # only the reviewer for 保密审查 is changed: the same text is still rejected
    chain = CHAIN | {"保密审查": "zhou.ke"}
    git(world.clone("sun.lixin"), "pull", "-q", "--ff-only")
    world.write("sun.lixin", ITEM, item_text(reviewers=chain))
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    assert world.approve("wu.guoqing", branch, "初审").code == 1  # locally: rejected, waiting for a change
    for stage, person in chain.items():
        world.forge(branch, stage, person)
    gate = world.gate(branch)
    assert gate.code == 1 and "REVIEW-REJECTED" in gate.out and "含内部数据" in gate.out
    assert world.push_merge(branch).returncode != 0
    # a change of the text clears it
    git(world.clone("sun.lixin"), "pull", "-q", "--ff-only")
    world.write("sun.lixin", ITEM, item_text(reviewers=chain).split("\n\n活动现场")[0] + "\n")
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    world.approve_all(branch, chain)
    assert world.portal("chen.xiuying", "merge", branch).code == 0


def test_a_rejection_stands_when_the_same_content_is_submitted_again_elsewhere(world: World) -> None:
    branch = world.submit()
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    assert world.portal("xu.chunyan", "reject", branch, "--stage", "保密审查", "--reason", "涉及内部数据").code == 0
    # the informant starts over from main with the identical text (only the 保密审查 reviewer changed)
    work = world.clone("sun.lixin")
    git(work, "checkout", "-q", "main")
    chain = CHAIN | {"保密审查": "zhou.ke"}
    again = world.submit(text=item_text(reviewers=chain))
    assert again != branch
    for stage, person in chain.items():
        world.forge(again, stage, person)
    gate = world.gate(again)
    assert gate.code == 1 and "REVIEW-REJECTED" in gate.out and "涉及内部数据" in gate.out
    push = world.push_merge(again)
    assert push.returncode != 0 and "REVIEW-REJECTED" in push.stderr


def test_malformed_branches_get_a_refusal_not_a_traceback(world: World) -> None:
    work = world.clone("sun.lixin")
    cases = {
        "symlink-out": lambda: (work / "content/news/files").mkdir(parents=True, exist_ok=True)
        or (work / "content/news/files/mima.txt").symlink_to("/etc/passwd"),
        "symlink-in": lambda: (work / ITEM).symlink_to("../../roster.yml"),
        "not-utf8": lambda: (work / ITEM).write_bytes(b"---\ntitle: \xff\xfe\n---\n\xc0\xaf\n"),
        "no-front-matter": lambda: (work / ITEM).write_text("---\ntitle: [\n", encoding="utf-8"),
    }
    for name, make in cases.items():
        git(work, "checkout", "-q", "-B", f"review/sun.lixin/20261122-120000-{name}", "origin/main")
        make()
        sha = world.commit_signed("sun.lixin", records.submit_message(name, 1, "sun.lixin"), "content")
        branch = world.branch_of("sun.lixin")
        pushed = world.push_forged(work, sha, branch)
        assert ("符号链接" in pushed.stderr) == (pushed.returncode != 0) == name.startswith("symlink"), pushed.stderr
        gate = world.gate(branch)
        assert gate.code == 1 and "Traceback" not in gate.out + gate.err, (name, gate.out, gate.err)
        push = world.push_merge(branch)
        assert push.returncode != 0 and "Traceback" not in push.stderr and "拒绝推送 main" in push.stderr, push.stderr
        if name.startswith("symlink"):
            assert "REVIEW-SYMLINK" in gate.out and "符号链接" in push.stderr
    # a submodule (gitlink) is refused the same way
    git(work, "checkout", "-q", "-B", "review/sun.lixin/20261122-120000-gitlink", "origin/main")
    head = git(work, "rev-parse", "HEAD").stdout.strip()
    git(work, "update-index", "--add", "--cacheinfo", f"160000,{head},content/news/sub")
    git(work, "commit", "-q", "-S", "-m", records.submit_message("子模块", 1, "sun.lixin"))
    sha = git(work, "rev-parse", "HEAD").stdout.strip()
    pushed = world.push_forged(work, sha, world.branch_of("sun.lixin"))
    assert pushed.returncode != 0 and "子模块" in pushed.stderr and "Traceback" not in pushed.stderr
    gate = world.gate(world.branch_of("sun.lixin"))
    assert gate.code == 1 and "REVIEW-SUBMODULE" in gate.out


def test_trail_shows_a_forge_merge_and_every_decision(world: World) -> None:
    branch = world.submit()
    assert world.approve("wu.guoqing", branch, "初审").code == 0
    assert world.portal("xu.chunyan", "reject", branch, "--stage", "保密审查", "--reason", "第二段请删除").code == 0
    git(world.clone("sun.lixin"), "pull", "-q", "--ff-only")
    world.write("sun.lixin", ITEM, item_text().split("\n\n活动现场")[0] + "\n")
    assert world.portal("sun.lixin", "submit", ITEM).code == 0
    world.approve_all(branch)
    # merged with a forge's merge button: a plain `git merge --no-ff`, no Portal trailers
    work = world.clone("chen.xiuying")
    git(work, "fetch", "-q", "origin")
    git(work, "checkout", "-q", "-B", "main", "origin/main")
    git(work, "merge", "-q", "--no-ff", "-m", f"Merge branch '{branch}' into main", f"origin/{branch}")
    assert git(work, "push", "origin", "main", check=False).returncode == 0
    trail = world.portal("sun.lixin", "trail", ITEM)
    items = json.loads(trail.out)
    assert len(items) == 1
    r = items[0]
    assert r["merge"]["branch"] == branch and r["complete"]
    assert [i["id"] for i in r["informants"]] == ["sun.lixin"]
    assert all(s["signer"]["id"] == "sun.lixin" for s in r["submitted"]) and len(r["submitted"]) == 2
    seen = [(d["stage"], d["reviewer"]["id"], d["decision"], d["status"]) for d in r["decisions"]]
    assert ("保密审查", "xu.chunyan", "退回", "stale") in seen and ("初审", "wu.guoqing", "通过", "stale") in seen
    assert [x for x in seen if x[3] == "current"] == [(s, p, "通过", "current") for s, p in CHAIN.items()]
    out = world.clone("sun.lixin") / "form.html"
    assert world.portal("sun.lixin", "trail", "--format", "html", "--out", str(out)).code == 0
    page = out.read_text(encoding="utf-8")
    assert "第二段请删除" in page and "退回" in page and "已过期" in page and "全部审核记录" in page


def test_major_item_merges_and_publishes(world: World) -> None:
    chain = CHAIN | {"审定": "wang.jianguo", "集体审定": "zhao.lei"}
    branch = world.submit(text=item_text(importance="重大", reviewers=chain))
    world.approve_all(branch, chain)
    merged = world.portal("chen.xiuying", "merge", branch)
    assert merged.code == 0, merged.err + merged.out


def test_rough_edges_of_a_new_reviewer(world: World) -> None:
    queue = world.portal("sun.lixin", "queue", "--person", "nobody")
    assert queue.code == 1 and "不在主分支的 roster.yml 中" in queue.err
    branch = world.submit()
    gate = world.gate(branch)
    missing = [line.split(": ")[1] for line in gate.out.splitlines() if "REVIEW-MISSING" in line]
    assert missing == list(CHAIN)  # in chain order, not code-point order
    wrong = world.approve("wu.guoqing", branch, "三审")
    assert wrong.code == 1 and "不是本分支稿件的审核环节" in wrong.err and "初审、保密审查、复审、终审" in wrong.err
    world.approve_all(branch)
    assert world.portal("chen.xiuying", "merge", branch).code == 0
    # still on the merged branch: nothing changed -> a clear refusal, and the user stays where they were
    unchanged = world.portal("sun.lixin", "submit", ITEM)
    assert unchanged.code == 1 and "没有要报送的改动" in unchanged.err and world.branch_of("sun.lixin") == branch
    # a new item from the merged branch starts a new branch
    world.write("sun.lixin", "content/news/2026-11-22-xin.md", item_text(title="新一期安全宣传活动"))
    assert world.portal("sun.lixin", "submit", "content/news/2026-11-22-xin.md").code == 0
    assert world.branch_of("sun.lixin") not in (branch, "main")
