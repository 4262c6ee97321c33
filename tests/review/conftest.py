"""Real git: a bare remote with the server hooks, clones per person, SSH keys made by ssh-keygen."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from portal import cli
from review import records

REPO = Path(__file__).resolve().parents[2]

# id, department, roles, oversees
PEOPLE = [
    ("sun.lixin", "宣教科", ["informant"], []),
    ("du.xiaoming", "宣教科", ["informant"], []),
    ("wu.guoqing", "宣教科", ["unit_head"], []),
    ("xu.chunyan", "宣教科", ["secrecy"], []),
    ("zhou.ke", "宣教科", ["unit_head", "secrecy"], []),
    ("li.xiaoming", "局领导", ["leader", "leading_group"], ["局办公室", "宣教科"]),
    ("chen.xiuying", "局办公室", ["office", "leading_group"], []),
    ("yang.zhiqiang", "局办公室", ["office", "admin"], []),
    ("wang.jianguo", "局领导", ["director", "leading_group"], []),
    ("zhao.lei", "局办公室", ["leading_group"], []),
]
OUTSIDER = "mallory"  # has a key, but is not in the roster

ITEM = """\
---
title: {title}
date: 2026-11-21 10:00
source: 云江市应急管理局宣传教育科
department: 宣教科
type: 动态
author: [{author}]
importance: {importance}
reviewers:
{reviewers}
---
11月21日，市应急管理局在云江广场开展{title}，发放宣传资料500余份，解答群众咨询120人次。

活动现场设置了应急救援装备展示区和互动体验区，吸引了众多市民参与。
"""
CHAIN = {"初审": "wu.guoqing", "保密审查": "xu.chunyan", "复审": "li.xiaoming", "终审": "chen.xiuying"}
SECRECY_OK = {"Portal-Secrecy-Classified": "否", "Portal-Secrecy-Timing": "是", "Portal-Secrecy-Format": "是"}


def item_text(title: str = "安全生产月宣传咨询活动", author: str = "sun.lixin", importance: str = "一般",
              reviewers: dict[str, str] | None = None) -> str:
    lines = "\n".join(f"  {k}: {v}" for k, v in (reviewers or CHAIN).items())
    return ITEM.format(title=title, author=author, importance=importance, reviewers=lines)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One ed25519 key pair per person (and one for an outsider), made once per test session."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for person in [p[0] for p in PEOPLE] + [OUTSIDER]:
        path = folder / person
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f", str(path)], check=True)
        out[person] = path
    return out


def roster_text(keys: dict[str, Path], extra: list[dict[str, object]] | None = None) -> str:
    demo = yaml.safe_load((REPO / "roster.yml").read_text(encoding="utf-8"))
    people = [{"id": pid, "name": pid, "department": dept, "roles": roles, **({"oversees": ov} if ov else {}),
               "key": " ".join(Path(f"{keys[pid]}.pub").read_text().split()[:2])}
              for pid, dept, roles, ov in PEOPLE]
    data = {"roles": demo["roles"], "departments": demo["departments"], "people": people + (extra or [])}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str


@dataclasses.dataclass
class World:
    root: Path
    bare: Path
    publish: Path
    keys: dict[str, Path]
    clones: dict[str, Path] = dataclasses.field(default_factory=dict)
    # review branch -> a forged head the server refused to take (the gate is then run on it locally)
    heads: dict[str, str] = dataclasses.field(default_factory=dict)
    pushes: list[subprocess.CompletedProcess[str]] = dataclasses.field(default_factory=list)

    def clone(self, person: str) -> Path:
        if person in self.clones:
            git(self.clones[person], "fetch", "-q", "origin")
            return self.clones[person]
        path = self.root / "clones" / person
        git(self.root, "clone", "-q", str(self.bare), str(path))
        for key, value in (("user.name", person), ("user.email", f"{person}@example.invalid"),
                           ("portal.person", person), ("user.signingkey", str(self.keys[person])),
                           ("gpg.format", "ssh")):
            git(path, "config", key, value)
        self.clones[person] = path
        return path

    def portal(self, person: str, *args: str) -> Result:
        """Run `portal ARGS` in-process in the person's clone."""
        out, err = io.StringIO(), io.StringIO()
        cwd = Path.cwd()
        os.chdir(self.clone(person))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(list(args))
        finally:
            os.chdir(cwd)
        return Result(code, out.getvalue(), err.getvalue())

    def write(self, person: str, rel: str, text: str) -> Path:
        path = self.clone(person) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def submit(self, person: str = "sun.lixin", rel: str = "content/news/2026-11-21-xuan-chuan.md",
               text: str | None = None) -> str:
        """Write an item and submit it; return the review branch."""
        self.write(person, rel, text or item_text())
        result = self.portal(person, "submit", rel)
        assert result.code == 0, result.err + result.out
        return git(self.clone(person), "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()

    def raw_submit(self, person: str, rel: str, text: str) -> str:
        """A submission made with plain git (as someone skipping `portal submit` and its checks would)."""
        work = self.clone(person)
        branch = f"review/{person}/20261122-120000-raw"
        git(work, "checkout", "-q", "-b", branch, "origin/main")
        self.write(person, rel, text)
        git(work, "add", rel)
        git(work, "commit", "-q", "-S", "-m", records.submit_message("raw", 1, person))
        git(work, "push", "-q", "origin", branch)
        return branch

    def tip(self, branch: str) -> str:
        """The branch as the tests see it: a forged head the server refused, else the server's branch."""
        return self.heads.get(branch, f"origin/{branch}")

    def push_forged(self, work: Path, sha: str, branch: str) -> subprocess.CompletedProcess[str]:
        """Push a hand-made head to a review branch; when the server refuses it, keep it for the gate."""
        push = git(work, "push", "origin", f"{sha}:refs/heads/{branch}", check=False)
        self.pushes.append(push)
        if push.returncode == 0:
            self.heads.pop(branch, None)
        else:
            self.heads[branch] = sha
            outsider = self.clone(OUTSIDER)
            if work != outsider:  # the gate runs in the outsider's clone: give it the refused commits
                git(work, "update-ref", f"refs/forged/{branch}", sha)
                git(outsider, "fetch", "-q", str(work), f"+refs/forged/{branch}:refs/forged/{branch}")
        return push

    def approve(self, person: str, branch: str, stage: str, *extra: str) -> Result:
        args = ["approve", branch, "--stage", stage, "--opinion", f"{stage}同意"]
        if stage == "保密审查":
            args += ["--secrecy-answers", "否", "是", "是"]
        return self.portal(person, *args, *extra)

    def approve_all(self, branch: str, chain: dict[str, str] | None = None) -> None:
        for stage, person in (chain or CHAIN).items():
            result = self.approve(person, branch, stage)
            assert result.code == 0, result.err

    def forge(self, branch: str, stage: str, reviewer: str, *, key: str | None = None, sign: bool = True,
              action: str = records.APPROVE, items: dict[str, str] | None = None, secrecy: dict[str, str] | None = None,
              change: tuple[str, str] | None = None, push: bool = True) -> str:
        """A decision commit made by hand (as someone bypassing `portal approve` would), pushed to the branch."""
        work = self.clone(OUTSIDER) if OUTSIDER in self.keys else self.clone(reviewer)
        git(work, "fetch", "-q", "origin")
        head = git(work, "rev-parse", self.tip(branch)).stdout.strip()
        if items is None:
            base = git(work, "merge-base", "origin/main", head).stdout.strip()
            changed = git(work, "diff", "--name-only", base, head).stdout.split()
            items = {p: git(work, "rev-parse", f"{head}:{p}").stdout.strip() for p in changed}
        if secrecy is None and stage == "保密审查":
            secrecy = SECRECY_OK
        message = records.decision_message(action, stage, reviewer, items, f"{stage}意见", secrecy)
        tree = git(work, "rev-parse", f"{head}^{{tree}}").stdout.strip()
        if change is not None:  # the same tree with one file changed, built in a scratch index
            env = {**os.environ, "GIT_INDEX_FILE": str(self.root / "scratch-index")}
            blob = git(work, "hash-object", "-w", "--stdin", input=change[1]).stdout.strip()
            subprocess.run(["git", "read-tree", head], cwd=work, env=env, check=True)
            subprocess.run(["git", "update-index", "--cacheinfo", f"100644,{blob},{change[0]}"], cwd=work, env=env,
                           check=True)
            tree = subprocess.run(["git", "write-tree"], cwd=work, env=env, check=True, capture_output=True,
                                  text=True).stdout.strip()
        sign_args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.keys[key or reviewer]}"]
        args = [*sign_args, "commit-tree", *(["-S"] if sign else []), "-p", head, tree]
        sha = git(work, *args, input=message).stdout.strip()
        if push:
            self.push_forged(work, sha, branch)
        return sha

    def push_merge(self, branch: str) -> subprocess.CompletedProcess[str]:
        """Merge a review branch into main by hand (no local gate) and push: only the server can refuse it."""
        work = self.clone(OUTSIDER)
        git(work, "fetch", "-q", "origin")
        tree = git(work, "merge-tree", "--write-tree", "origin/main", self.tip(branch)).stdout.split()[0]
        sha = git(work, "commit-tree", "-p", "origin/main", "-p", self.tip(branch), tree,
                  input=records.merge_message(branch)).stdout.strip()
        return git(work, "push", "origin", f"{sha}:refs/heads/main", check=False)

    def branch_of(self, person: str) -> str:
        return git(self.clone(person), "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()

    def commit_signed(self, person: str, message: str, *paths: str, sign: bool = True) -> str:
        """Commit the given paths in the person's clone (signed with their key unless told not to)."""
        work = self.clone(person)
        git(work, "add", "-A", "--", *paths)
        git(work, "commit", "-q", *(["-S"] if sign else []), "-m", message, "--", *paths)
        return git(work, "rev-parse", "HEAD").stdout.strip()

    def gate(self, branch: str) -> Result:
        self.clone(OUTSIDER)
        return self.portal(OUTSIDER, "gate", "--base", "origin/main", "--head", self.tip(branch))


@pytest.fixture
def world(tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n"
                         "[commit]\n\tgpgsign = false\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    seed = tmp_path / "seed"
    (seed / "content" / "news").mkdir(parents=True)
    shutil.copy(REPO / "columns.yml", seed / "columns.yml")
    (seed / "roster.yml").write_text(roster_text(keys), encoding="utf-8")
    (seed / "content" / "news" / ".gitkeep").write_text("")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "门户初始化")
    bare = tmp_path / "portal.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    world = World(tmp_path, bare, tmp_path / "www", keys)
    git(seed, "push", "-q", str(bare), "main")
    monkeypatch.chdir(tmp_path)
    # publishing is left out here (it builds the whole site); the tests that need it add --publish-dir
    assert cli.main(["server", "install", str(bare)]) == 0
    yield world
