"""Configuration changes from the workbench (configchange.submit): refused files and passwords, the 配置变更
chain on the reviewer pages (网站管理员, then 办公室), the merge page, and no approving one's own change."""
from __future__ import annotations

import subprocess

import pytest

from .conftest import World, _messages, decide, head_of, password


def main_text(name: str) -> str:
    from workbench.services import server

    srv = server()
    srv.refresh(force=True)
    return (srv.read("refs/heads/main", name) or b"").decode("utf-8")


def with_person(roster: str, pid: str, name: str) -> str:
    return roster.rstrip("\n") + f"\n  - id: {pid}\n    name: {name}\n    department: 宣教科\n    title: 信息员\n    roles: [informant]\n"


def test_only_configuration_files_and_the_right_password(world: World) -> None:
    from portal.errors import PortalError
    from workbench import configchange

    with pytest.raises(PortalError, match="不能作为配置变更报送"):
        configchange.submit("du.xiaoming", password("du.xiaoming"), {"content/news/x.md": "x"}, "偷偷发稿")
    with pytest.raises(PortalError, match="不能作为配置变更报送"):
        configchange.submit("du.xiaoming", password("du.xiaoming"), {"../roster.yml": "x"}, "路径")
    with pytest.raises(PortalError, match="密码不正确"):
        configchange.submit("du.xiaoming", "wrong", {"roster.yml": with_person(main_text("roster.yml"), "a.b", "甲")}, "x")
    with pytest.raises(PortalError, match="配置有误"):
        configchange.submit("du.xiaoming", password("du.xiaoming"), {"roster.yml": main_text("roster.yml") + "\n  - id: [\n"},
                            "坏的 YAML")
    with pytest.raises(PortalError, match="没有要报送的改动"):
        configchange.submit("du.xiaoming", password("du.xiaoming"), {"roster.yml": main_text("roster.yml")}, "无改动")


def test_config_change_through_the_chain_on_the_reviewer_pages(world: World) -> None:
    from workbench import configchange

    roster = with_person(main_text("roster.yml"), "qian.duoduo", "钱多多")
    branch = configchange.submit("du.xiaoming", password("du.xiaoming"), {"roster.yml": roster}, "新增信息员钱多多")
    assert branch.startswith("review/du.xiaoming/")
    admin = world.client("yang.zhiqiang")
    queue = admin.get("/queue/").content.decode()
    assert branch in queue and "roster.yml" in queue
    page = admin.get("/review/", {"branch": branch, "path": "roster.yml"})
    text = page.content.decode()
    assert page.status_code == 200 and "+  - id: qian.duoduo" in text and "新增信息员钱多多" in text and "杜晓明" in text
    # the office may not sign 终审 before 初审, nor the informant who submitted it anything
    assert decide(world, "chen.xiuying", branch, "roster.yml", "终审").status_code == 403
    assert decide(world, "du.xiaoming", branch, "roster.yml", "初审").status_code == 403
    r = decide(world, "yang.zhiqiang", branch, "roster.yml", "初审")
    assert r.status_code == 302, _messages(r)
    assert branch not in admin.get("/merge/").content.decode()
    r = decide(world, "chen.xiuying", branch, "roster.yml", "终审")
    assert r.status_code == 302, _messages(r)
    assert branch in admin.get("/merge/").content.decode()
    r = admin.post("/merge/do/", {"branch": branch, "head": head_of(world, branch)})
    assert r.status_code == 200, r.content.decode()[:2000]
    assert "id: qian.duoduo" in main_text("roster.yml")


def test_the_submitter_cannot_approve_their_own_change(world: World) -> None:
    from review import gate, records
    from workbench import configchange, signing
    from workbench.models import SigningKey
    from workbench.services import server

    roster = with_person(main_text("roster.yml"), "sun.duoduo", "孙多多")
    branch = configchange.submit("yang.zhiqiang", password("yang.zhiqiang"), {"roster.yml": roster}, "新增孙多多")
    page = world.client("yang.zhiqiang").get("/review/", {"branch": branch, "path": "roster.yml"}).content.decode()
    assert "报送人" in page and 'value="approve"' not in page
    assert decide(world, "yang.zhiqiang", branch, "roster.yml", "初审").status_code == 403
    # a decision signed by the submitter's own key, made by hand and pushed past the workbench: the gate refuses it
    srv = server()
    clone = srv.data / "clones" / "yang.zhiqiang"
    blob = srv.blob(f"refs/heads/{branch}", "roster.yml")
    message = records.decision_message(records.APPROVE, "初审", "yang.zhiqiang", {"roster.yml": blob}, "同意")
    key = SigningKey.objects.get(user__username="yang.zhiqiang")
    with signing.unlocked(key.private, password("yang.zhiqiang")) as keyfile:
        subprocess.run(["git", "-C", str(clone), "fetch", "-q", "origin"], check=True)
        sha = subprocess.run(["git", "-C", str(clone), "-c", "gpg.format=ssh", "-c", f"user.signingkey={keyfile}",
                              "commit-tree", "-S", "-p", f"origin/{branch}", f"origin/{branch}^{{tree}}"],
                             input=message, capture_output=True, text=True, check=True).stdout.strip()
    pushed = subprocess.run(["git", "-C", str(clone), "push", "origin", f"{sha}:refs/heads/{branch}"], capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stderr  # a validly signed decision may be recorded ...
    srv.refresh(force=True)
    result = gate.run(srv.mirror, "refs/heads/main", f"refs/heads/{branch}", with_checks=False)
    assert any(p.rule == "REVIEW-SELF" and p.path == "roster.yml" for p in result.problems)  # ... but it counts for nothing
    assert not result.ok
