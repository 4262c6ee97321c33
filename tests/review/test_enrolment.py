"""Self-enrolment: a new key enters roster.yml by a submission signed with that very key (review/enrolment.py).
The server takes it only in that exact shape; the 配置变更 chain still decides; the submitter approves nothing."""
from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from review import records

from .conftest import OUTSIDER, World, git, item_text, roster_text


def new_key(world: World, name: str) -> Path:
    path = world.root / f"new-{name}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path


def public(path: Path) -> str:
    return " ".join(Path(f"{path}.pub").read_text().split()[:2])


def roster_with(world: World, change: dict[str, dict[str, object]], extra: list[dict[str, object]] | None = None) -> str:
    data = yaml.safe_load(roster_text(world.keys, extra))
    for p in data["people"]:
        p.update(change.get(p["id"], {}))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def submit_signed(world: World, person: str, key: Path, roster: str, branch_of: str | None = None) -> subprocess.CompletedProcess[str]:
    """roster.yml committed on a fresh review branch of `branch_of` (default: person), signed with `key`, pushed."""
    work = world.clone(OUTSIDER)
    git(work, "fetch", "-q", "origin")
    branch = f"review/{branch_of or person}/20261122-120000-key-{world.root.name[-6:]}-{len(world.pushes)}"
    git(work, "checkout", "-q", "-B", branch, "origin/main")
    (work / "roster.yml").write_text(roster, encoding="utf-8")
    git(work, "add", "roster.yml")
    git(work, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-q", "-S",
        "-m", records.submit_message("配置变更：登记新密钥", 1, person))
    push = git(work, "push", "origin", f"HEAD:refs/heads/{branch}", check=False)
    world.pushes.append(push)
    push.branch = branch  # type: ignore[attr-defined]
    return push


def test_a_replaced_key_goes_through_the_chain_then_signs(world: World) -> None:
    key = new_key(world, "du")
    push = submit_signed(world, "du.xiaoming", key, roster_with(world, {"du.xiaoming": {"key": public(key)}}))
    assert push.returncode == 0, push.stderr
    branch = push.branch  # type: ignore[attr-defined]
    gate = world.gate(branch)
    assert gate.code == 1 and "REVIEW-UNKNOWN-KEY" not in gate.out and "roster.yml: 初审: REVIEW-MISSING" in gate.out
    # the person the key enrols counts as its submitter: they approve nothing of it
    assert world.approve("du.xiaoming", branch, "初审").code == 1
    assert world.approve("yang.zhiqiang", branch, "初审").code == 0
    assert world.approve("chen.xiuying", branch, "终审").code == 0
    merged = world.portal("yang.zhiqiang", "merge", branch)
    assert merged.code == 0, merged.out + merged.err
    # now the new key signs du.xiaoming's submissions, and the old one no longer does
    work = world.clone("du.xiaoming")
    git(work, "checkout", "-q", "main")
    git(work, "pull", "-q", "--ff-only")
    world.write("du.xiaoming", "content/news/2026-11-21-xuan-chuan.md", item_text(author="du.xiaoming"))
    old = world.portal("du.xiaoming", "submit", "content/news/2026-11-21-xuan-chuan.md")
    assert old.code == 1 and "公钥不符" in old.err
    git(work, "config", "user.signingkey", str(key))
    assert world.portal("du.xiaoming", "submit", "content/news/2026-11-21-xuan-chuan.md").code == 0


def test_an_administrator_replacing_their_own_key_cannot_approve_it(world: World) -> None:
    key = new_key(world, "yang")
    push = submit_signed(world, "yang.zhiqiang", key, roster_with(world, {"yang.zhiqiang": {"key": public(key)}}))
    assert push.returncode == 0, push.stderr
    branch = push.branch  # type: ignore[attr-defined]
    world.forge(branch, "初审", "yang.zhiqiang")
    gate = world.gate(branch)
    assert "REVIEW-SELF" in gate.out and gate.code == 1


def test_a_new_person_enrols_on_their_own_branch(world: World) -> None:
    key = new_key(world, "qian")
    person = {"id": "qian.duo", "name": "钱多", "department": "宣教科", "roles": ["informant"], "key": public(key)}
    push = submit_signed(world, "qian.duo", key, roster_with(world, {}, [person]))
    assert push.returncode == 0, push.stderr
    branch = push.branch  # type: ignore[attr-defined]
    assert world.approve("yang.zhiqiang", branch, "初审").code == 0
    assert world.approve("chen.xiuying", branch, "终审").code == 0
    merged = world.portal("yang.zhiqiang", "merge", branch)
    assert merged.code == 0, merged.out + merged.err


def test_only_that_exact_shape_is_taken_from_a_key_outside_the_roster(world: World) -> None:
    key, other = new_key(world, "a"), new_key(world, "b")
    refused = {
        # the same commit also gives someone a role
        "more-than-the-key": submit_signed(world, "du.xiaoming", key, roster_with(
            world, {"du.xiaoming": {"key": public(key)}, "sun.lixin": {"roles": ["informant", "admin"]}})),
        # the person's other fields changed along with the key
        "own-roles-too": submit_signed(world, "du.xiaoming", key, roster_with(
            world, {"du.xiaoming": {"key": public(key), "roles": ["informant", "office"]}})),
        # a key for du.xiaoming pushed to sun.lixin's branch
        "someone-elses-branch": submit_signed(world, "du.xiaoming", key, roster_with(
            world, {"du.xiaoming": {"key": public(key)}}), branch_of="sun.lixin"),
        # the roster names one key, the commit is signed with another
        "not-the-key-it-enrols": submit_signed(world, "du.xiaoming", other, roster_with(
            world, {"du.xiaoming": {"key": public(key)}})),
        # a new person who also changes someone else
        "new-person-and-more": submit_signed(world, "ghost", key, roster_with(
            world, {"sun.lixin": {"name": "改名"}},
            [{"id": "ghost", "name": "ghost", "department": "宣教科", "roles": ["admin"], "key": public(key)}])),
    }
    for name, push in refused.items():
        assert push.returncode != 0, name
        assert "roster.yml" in push.stderr or "签名" in push.stderr, (name, push.stderr)
