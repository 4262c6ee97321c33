"""The gate's rules one at a time: extra stages, attachments, evil merges, JSON, git's own verification."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from review import records, signatures
from review.gitutil import Repo

from .conftest import CHAIN, OUTSIDER, World, git, item_text

ITEM = "content/news/2026-11-21-xuan-chuan.md"


def test_important_items_need_the_extra_stage(world: World) -> None:
    chain = CHAIN | {"审定": "wang.jianguo"}
    branch = world.submit(text=item_text(importance="重要", reviewers=chain))
    world.approve_all(branch)
    gate = world.gate(branch)
    assert gate.code == 1 and "审定: REVIEW-MISSING" in gate.out and "wang.jianguo" in gate.out
    assert world.approve("wang.jianguo", branch, "审定").code == 0
    assert world.gate(branch).code == 0


def test_attachments_are_approved_with_their_item(world: World) -> None:
    text = item_text().replace("importance: 一般\n", "importance: 一般\nattachments: [files/shuju.csv]\n")
    world.write("sun.lixin", "content/news/files/shuju.csv", "区县,隐患数\n云江区,12\n")
    branch = world.submit(text=text)
    world.approve_all(branch)
    work = world.clone("sun.lixin")
    git(work, "fetch", "-q", "origin")
    message = git(work, "log", "-1", "--format=%B", f"origin/{branch}").stdout
    assert "Portal-Item: content/news/files/shuju.csv " in message
    assert world.gate(branch).code == 0
    # a new version of the attachment alone makes every approval stale
    git(work, "merge", "-q", "--ff-only", f"origin/{branch}")
    world.write("sun.lixin", "content/news/files/shuju.csv", "区县,隐患数\n云江区,13\n")
    assert world.portal("sun.lixin", "submit", "content/news/files/shuju.csv").code == 0
    gate = world.gate(branch)
    assert gate.code == 1 and "REVIEW-STALE" in gate.out and "shuju.csv" in gate.out


def test_a_merge_that_changes_the_approved_content_is_refused(world: World) -> None:
    branch = world.submit()
    world.approve_all(branch)
    work = world.clone(OUTSIDER)
    git(work, "fetch", "-q", "origin")
    git(work, "checkout", "-q", "-B", "main", "origin/main")
    git(work, "merge", "-q", "--no-ff", "--no-commit", f"origin/{branch}")
    (work / ITEM).write_text(item_text().replace("500余份", "5000余份"), encoding="utf-8")
    git(work, "add", ITEM)
    git(work, "commit", "-q", "-m", records.merge_message(branch))
    push = git(work, "push", "origin", "main", check=False)
    assert push.returncode != 0 and "REVIEW-STALE" in push.stderr


def test_gate_json(world: World) -> None:
    branch = world.submit()
    world.forge(branch, "初审", "wu.guoqing", sign=False)
    result = world.portal(OUTSIDER, "gate", "--base", "origin/main", "--head", world.tip(branch), "--format", "json")
    problems = json.loads(result.out)
    assert result.code == 1
    assert any(p["rule"] == "REVIEW-UNSIGNED" and p["path"] == ITEM and p["stage"] == "初审" and len(p["commit"]) == 40
               for p in problems)
    assert {p["rule"] for p in problems} >= {"REVIEW-UNSIGNED", "REVIEW-MISSING"}


def test_nothing_to_review_passes(world: World) -> None:
    work = world.clone(OUTSIDER)
    assert world.portal(OUTSIDER, "gate", "--base", "origin/main", "--head", "origin/main").code == 0
    assert git(work, "rev-parse", "origin/main").returncode == 0


def test_git_verify_commit_agrees_with_the_gate(world: World, tmp_path: Path) -> None:
    """The decisions are plain git SSH signatures: git's own verification accepts exactly what the gate accepts."""
    branch = world.submit()
    good = world.forge(branch, "初审", "wu.guoqing")
    wrong = world.forge(branch, "保密审查", "xu.chunyan", key="wu.guoqing")
    work = world.clone(OUTSIDER)
    from portal.config import load

    allowed = tmp_path / "allowed_signers"
    allowed.write_text(signatures.allowed_signers(load(work)), encoding="utf-8")
    cfg = ["-c", f"gpg.ssh.allowedSignersFile={allowed}"]
    for sha in (good, wrong):  # git sees wu.guoqing's key on both; only the gate knows the second claims xu.chunyan
        verify = subprocess.run(["git", *cfg, "verify-commit", sha], cwd=work, capture_output=True, text=True)
        assert verify.returncode == 0 and 'Good "git" signature for wu.guoqing' in verify.stderr
    with signatures.Verifier(Repo(work), load(work)) as verifier:
        result = verifier.verify({good: "wu.guoqing", wrong: "xu.chunyan"})
    assert result[good] == signatures.Signature(signatures.GOOD, "wu.guoqing")
    assert result[wrong] == signatures.Signature(signatures.WRONG_KEY, "wu.guoqing")


def test_split_signed_payload() -> None:
    raw = (b"tree abc\nparent def\nauthor A <a> 1 +0800\ncommitter A <a> 1 +0800\ngpgsig -----BEGIN SSH SIGNATURE-----\n"
           b" U1NIU0lH\n -----END SSH SIGNATURE-----\n\nmessage\n")
    payload, sig = signatures.split_signed(raw)
    assert payload == b"tree abc\nparent def\nauthor A <a> 1 +0800\ncommitter A <a> 1 +0800\n\nmessage\n"
    assert sig == b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"
    assert signatures.split_signed(b"tree abc\n\nmessage\n") == (b"tree abc\n\nmessage\n", None)
