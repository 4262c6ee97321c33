"""Review records read back from real git repositories written in the format of review/FORMAT.md."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from portal import clock
from reports import history
from tests.reports.conftest import GitPortal, item


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.CST)


def rejected_then_approved(repo: GitPortal) -> None:
    rv = repo.branch("review/sun.lixin/20260213-090000-notice")
    path = "content/notices/2026-02-25-notice.md"
    rv.submit("2026-02-13 09:00", {path: item("关于春节期间安全生产工作的通知", "2026-02-25 10:00", kind="通知",
                                              event_date="2026-02-13")})
    rv.decide("2026-02-13 10:00", "approve", "初审", "wu.guoqing")
    rv.decide("2026-02-13 11:00", "reject", "保密审查", "xu.chunyan")
    rv.submit("2026-02-14 09:00", {path: item("关于春节期间安全生产工作的通知", "2026-02-25 10:00", kind="通知",
                                              event_date="2026-02-13", summary="修改后")})
    rv.decide("2026-02-14 10:00", "approve", "初审", "wu.guoqing")
    rv.decide("2026-02-24 09:00", "approve", "保密审查", "xu.chunyan")
    rv.decide("2026-02-24 15:00", "approve", "复审", "li.xiaoming")
    rv.decide("2026-02-25 09:00", "approve", "终审", "chen.xiuying")
    rv.merge("2026-02-25 10:00")


def test_rejected_then_approved_counts_to_the_final_approval(git_portal: GitPortal) -> None:
    rejected_then_approved(git_portal)
    [sub] = history.read(git_portal.root).submissions
    assert sub.branch == "review/sun.lixin/20260213-090000-notice"
    assert sub.informant == "sun.lixin"
    assert sub.items == {"content/notices/2026-02-25-notice.md"}
    assert sub.submitted == at("2026-02-13 09:00") and sub.submitted_at("content/notices/2026-02-25-notice.md") == at("2026-02-13 09:00")
    assert [s.action for s in sub.steps] == ["submit", "approve", "reject", "submit"] + ["approve"] * 4
    assert sub.merged == at("2026-02-25 10:00")
    assert sub.final_approvals("content/notices/2026-02-25-notice.md") == {"初审": at("2026-02-14 10:00"), "保密审查": at("2026-02-24 09:00"),
                                     "复审": at("2026-02-24 15:00"), "终审": at("2026-02-25 09:00")}
    assert sub.rejections() == {"保密审查": 1}


def test_an_approval_before_a_later_submission_is_stale(git_portal: GitPortal) -> None:
    rv = git_portal.branch("review/sun.lixin/20260301-090000-a")
    path = "content/news/2026-03-02-a.md"
    rv.submit("2026-03-01 09:00", {path: item("甲", "2026-03-02 09:00")})
    rv.decide("2026-03-01 10:00", "approve", "初审", "wu.guoqing")
    rv.submit("2026-03-01 11:00", {path: item("甲（修改）", "2026-03-02 09:00")})
    [sub] = history.read(git_portal.root).submissions
    assert sub.final_approvals(path) == {} and sub.merged is None


def test_open_branches_and_a_branch_that_merged_main_in(git_portal: GitPortal) -> None:
    b = git_portal.branch("review/sun.lixin/20260301-090000-b")
    b.submit("2026-03-01 09:00", {"content/news/2026-03-02-b.md": item("乙", "2026-03-02 09:00")})
    c = git_portal.branch("review/sun.lixin/20260301-100000-c")
    c.submit("2026-03-01 10:00", {"content/news/2026-03-02-c.md": item("丙", "2026-03-02 09:00")})
    c.approve_all(["2026-03-01 11:00", "2026-03-01 12:00", "2026-03-01 13:00", "2026-03-01 14:00"])
    c.merge("2026-03-01 15:00")
    git_portal.git("checkout", "-q", b.name)  # the informant brings main into the review branch
    git_portal.git("merge", "-q", "--no-ff", "-m", "合并 main", "main", when="2026-03-01 16:00")
    b.decide("2026-03-01 17:00", "approve", "初审", "wu.guoqing")
    open_branch = git_portal.branch("review/sun.lixin/20260302-090000-d")
    open_branch.submit("2026-03-02 09:00", {"content/news/2026-03-03-d.md": item("丁", "2026-03-03 09:00")})
    open_branch.decide("2026-03-02 10:00", "approve", "初审", "wu.guoqing")
    b.merge("2026-03-02 11:00")
    subs = {s.branch: s for s in history.read(git_portal.root).submissions}
    assert set(subs) == {c.name, b.name, open_branch.name}
    assert subs[b.name].submitted == at("2026-03-01 09:00")
    assert subs[b.name].merged == at("2026-03-02 11:00")
    assert subs[b.name].items == {"content/news/2026-03-02-b.md"}  # not the items main brought in
    assert subs[b.name].final_approvals("content/news/2026-03-02-b.md") == {"初审": at("2026-03-01 17:00")}
    assert subs[c.name].merged == at("2026-03-01 15:00")
    assert subs[open_branch.name].merged is None
    assert subs[open_branch.name].final_approvals("content/news/2026-03-03-d.md") == {"初审": at("2026-03-02 10:00")}
    by_item = history.History(list(subs.values())).by_item()
    assert by_item["content/news/2026-03-03-d.md"].branch == open_branch.name


def test_first_added(git_portal: GitPortal) -> None:
    git_portal.commit("2026-04-01 09:00", "加稿件", {"content/news/2026-04-01-e.md": item("戊", "2026-04-01 08:00")})
    git_portal.commit("2026-04-05 09:00", "改稿件", {"content/news/2026-04-01-e.md": item("戊（改）", "2026-04-01 08:00")})
    assert history.first_added(git_portal.root) == {"content/news/2026-04-01-e.md": at("2026-04-01 09:00")}


def test_outside_git_there_is_no_history(tmp_portal: Path) -> None:
    h = history.read(tmp_portal)
    assert h.submissions == [] and h.is_repo is False
    assert history.first_added(tmp_portal) == {}


def test_a_later_submission_makes_only_that_items_approvals_stale(git_portal: GitPortal) -> None:
    rv = git_portal.branch("review/sun.lixin/20260305-090000-two")
    a, b = "content/news/2026-03-06-a.md", "content/news/2026-03-06-b.md"
    rv.submit("2026-03-05 09:00", {a: item("甲", "2026-03-06 09:00"), b: item("乙", "2026-03-06 09:00")})
    rv.decide("2026-03-05 10:00", "approve", "初审", "wu.guoqing")
    rv.submit("2026-03-05 11:00", {b: item("乙（改）", "2026-03-06 09:00")})
    rv.paths = [b]
    rv.decide("2026-03-05 12:00", "approve", "初审", "wu.guoqing")
    git_portal.git("checkout", "-q", "main")  # merged with a forge's button: no trailers
    git_portal.git("merge", "-q", "--no-ff", "-m", f"Merge branch '{rv.name}'", rv.name, when="2026-03-06 09:00")
    [sub] = history.read(git_portal.root).submissions
    assert sub.branch == rv.name and sub.merged == at("2026-03-06 09:00")
    assert sub.final_approvals(a) == {"初审": at("2026-03-05 10:00")}
    assert sub.final_approvals(b) == {"初审": at("2026-03-05 12:00")}
    assert sub.submitted_at(b) == at("2026-03-05 09:00")
