"""Fixtures for the reports: portals in temp git repos, with commits dated as the test says."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reports import workdays
from tests.conftest import people_for

GIT_ENV = {"GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "test@localhost", "GIT_COMMITTER_NAME": "测试",
           "GIT_COMMITTER_EMAIL": "test@localhost", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def item(title: str, date: str | None, department: str = "宣教科", kind: str = "动态",
         authors: list[str] | None = None, **extra: str) -> str:
    """A valid item of the demo roster; `extra` adds front-matter lines (event_date, adoption, doc_number...)."""
    p = people_for(department)
    lines = ["---", f"title: {title}"] + ([f"date: {date}"] if date else []) + [
        f"source: 云江市应急管理局{department}", f"department: {department}", f"type: {kind}",
        f"author: [{', '.join(authors or [p['informant']])}]", "reviewers:", f"  初审: {p['unit_head']}",
        f"  保密审查: {p['secrecy']}", f"  复审: {p['leader']}", f"  终审: {p['office']}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines + ["---", f"{title}。正文。", ""])


def iso(when: str) -> str:
    """'2026-02-13 09:00' or '2026-02-13 09:00:30' (Beijing time) -> a date git accepts."""
    if len(when) == 19:  # with seconds
        return f"{when.replace(' ', 'T')}+08:00"
    return f"{when.replace(' ', 'T')}:00+08:00" if len(when) == 16 else f"{when}T12:00:00+08:00"


class GitPortal:
    """A portal in a git repository whose commits carry the dates the test gives."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, when: str = "2026-01-01 09:00") -> str:
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": iso(when), "GIT_COMMITTER_DATE": iso(when)}
        done = subprocess.run(["git", "-C", str(self.root), *args], env=env, capture_output=True, text=True,
                              check=True)
        return done.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self, when: str, message: str, files: dict[str, str] | None = None) -> str:
        for rel, text in (files or {}).items():
            self.write(rel, text)
            self.git("add", rel)
        self.git("commit", "-q", "--allow-empty", "-m", message, when=when)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str) -> Review:
        self.git("checkout", "-q", "-b", name, "main")
        return Review(self, name)


class Review:
    """One review branch, written in the format of review/FORMAT.md (unsigned: the gate is not tested here)."""

    def __init__(self, repo: GitPortal, name: str) -> None:
        self.repo, self.name = repo, name
        self.paths: list[str] = []

    def _on(self) -> None:
        self.repo.git("checkout", "-q", self.name)

    def submit(self, when: str, files: dict[str, str], informant: str = "sun.lixin") -> str:
        self._on()
        self.paths += [p for p in files if p not in self.paths]
        return self.repo.commit(when, f"报送：稿件（共 {len(files)} 篇）\n\nPortal-Action: submit\n"
                                      f"Portal-Informant: {informant}\n", files)

    def decide(self, when: str, action: str, stage: str, reviewer: str) -> str:
        self._on()
        items = "".join(f"Portal-Item: {p} {self.repo.git('rev-parse', f'HEAD:{p}')}\n" for p in self.paths)
        word = "通过" if action == "approve" else "退回"
        return self.repo.commit(when, f"审核：{stage} {word}（{len(self.paths)} 篇）\n\n意见。\n\n"
                                      f"Portal-Action: {action}\nPortal-Stage: {stage}\nPortal-Reviewer: {reviewer}\n{items}")

    def approve_all(self, times: list[str], department: str = "宣教科") -> None:
        p = people_for(department)
        for when, (stage, who) in zip(times, [("初审", p["unit_head"]), ("保密审查", p["secrecy"]),
                                              ("复审", p["leader"]), ("终审", p["office"])], strict=False):
            self.decide(when, "approve", stage, who)

    def merge(self, when: str) -> str:
        self.repo.git("checkout", "-q", "main")
        self.repo.git("merge", "-q", "--no-ff", "-m", f"发布：合并 {self.name}\n\nPortal-Action: merge\n"
                                                     f"Portal-Branch: {self.name}\n", self.name, when=when)
        return self.repo.git("rev-parse", "HEAD")


@pytest.fixture
def git_portal(tmp_portal: Path) -> GitPortal:
    repo = GitPortal(tmp_portal)
    repo.git("init", "-q", "-b", "main")
    repo.commit("2026-01-01 09:00", "门户配置", {"columns.yml": (tmp_portal / "columns.yml").read_text(encoding="utf-8"),
                                                "roster.yml": (tmp_portal / "roster.yml").read_text(encoding="utf-8")})
    return repo


@pytest.fixture(autouse=True)
def _package_calendar() -> Iterator[None]:
    """A test that reads a calendar.yml leaves the next one with the package's calendar only."""
    yield
    workdays.reset()
