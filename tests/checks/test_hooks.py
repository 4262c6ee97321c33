"""The pre-commit hooks: published, documented, and refusing a bad commit through the real framework.

Also: `portal check`, the console-script hooks and checks.run() give the same result.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import checks
from checks import runner
from portal import errors, model

from .conftest import REPO, item_text

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
SCRIPTS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
BIN = Path(sys.executable).parent
CLEAN = item_text("documents", type="通知", title="关于做好2026年汛期防汛物资储备工作的通知", department="法规科",
                  date="2026-06-03 10:00", body="各县区应急局，机关各科室：\n现将有关事项通知如下，请认真贯彻落实。")
QINGSHI = item_text("documents", type="通知", title="云江市应急管理局关于申请新建防汛物资储备库资金的请示",
                    department="法规科", date="2026-06-04 10:00", body="市人民政府：\n……\n妥否，请批示。")
MARKED = item_text("documents", type="通知", title="关于做好今冬明春安全防范工作的通知", department="法规科",
                   date="2026-06-05 10:00", body="秘密★1年\n\n各县区应急局：\n现将有关事项通知如下。")


def test_every_hook_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 提交前检查（pre-commit）", 1)[1].split("\n## ", 1)[0]
    missing = [h["id"] for h in HOOKS if f"`{h['id']}`" not in section]
    assert missing == []


def test_every_hook_is_a_console_script_of_a_check():
    assert {h["id"] for h in HOOKS} == {h["entry"] for h in HOOKS}
    for hook in HOOKS:
        assert hook["language"] == "python" and hook["files"].startswith("^(content/")
        target = SCRIPTS[hook["entry"]]
        module, func = target.split(":")
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not there yet")
        assert callable(getattr(importlib.import_module(module), func))
    checked = {f"checks.{name}:main" for name in runner.CHECK_NAMES} | {"checks.runner:main"}
    assert checked <= {SCRIPTS[h["entry"]] for h in HOOKS}


def test_check_modules_follow_one_shape():
    for module in checks.CHECKS:
        assert module.CATEGORY in errors.CATEGORIES
        assert callable(module.check) and callable(module.main)  # type: ignore[attr-defined]


def test_manifest_and_config_are_valid_for_pre_commit(tmp_path):
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    for what, name in (("validate-manifest", ".pre-commit-hooks.yaml"), ("validate-config", ".pre-commit-config.yaml")):
        done = subprocess.run([sys.executable, "-m", "pre_commit", what, str(REPO / name)], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (local,) = config["repos"]
    assert local["repo"] == "local" and [h["entry"] for h in local["hooks"]] == ["portal-check"]


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)


@pytest.fixture
def hooked_repo(tmp_path):
    """A portal repository with this repository's .pre-commit-config.yaml installed as its git hook."""
    repo = tmp_path / "portal"
    repo.mkdir()
    for name in ("columns.yml", "roster.yml", ".pre-commit-config.yaml"):
        shutil.copy(REPO / name, repo / name)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "GIT_AUTHOR_NAME": "孙立新",
           "GIT_AUTHOR_EMAIL": "sun.lixin@localhost", "GIT_COMMITTER_NAME": "孙立新",
           "GIT_COMMITTER_EMAIL": "sun.lixin@localhost", "HOME": str(tmp_path)}
    assert git(repo, "init", "-q", "-b", "main", env=env).returncode == 0
    done = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return repo, env


def commit(repo: Path, env: dict[str, str], files: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    assert git(repo, "add", *files, env=env).returncode == 0
    return git(repo, "commit", "-q", "-m", message, env=env)


def test_real_pre_commit_refuses_a_forbidden_kind_and_passes_a_clean_item(hooked_repo):
    repo, env = hooked_repo
    done = commit(repo, env, {"content/documents/2026-06-03-fangxun.md": CLEAN}, "报送：防汛物资储备通知")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "发布前检查（全部）" in done.stdout + done.stderr and "Passed" in done.stdout + done.stderr

    bad = "content/documents/2026-06-04-qingshi.md"
    done = commit(repo, env, {bad: QINGSHI}, "报送：请示")
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Failed" in out and f"{bad}:2:8: KIND-TITLE-QINGSHI [错误]" in out and "KIND-CLOSE-QINGSHI" in out
    assert git(repo, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "1"
    assert git(repo, "diff", "--cached", "--name-only", env=env).stdout.split() == [bad]  # nothing lost


def test_real_pre_commit_refuses_a_classification_marking(hooked_repo):
    if "secrecy" not in runner.CHECK_NAMES:
        pytest.skip("the secrecy check is not registered yet")
    repo, env = hooked_repo
    bad = "content/documents/2026-06-05-marked.md"
    done = commit(repo, env, {bad: MARKED}, "报送：带密级的通知")
    out = done.stdout + done.stderr
    assert done.returncode != 0 and f"{bad}:" in out and "SEC-" in out and "秘密" in out
    assert git(repo, "rev-list", "--all", "--count", env=env).stdout.strip() == "0"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True)


def test_portal_check_hooks_and_checks_run_agree(run_checks, tmp_portal):
    files = {"content/documents/2026-06-03-fangxun.md": CLEAN, "content/documents/2026-06-04-qingshi.md": QINGSHI,
             "content/news/2026-06-03-item.md": item_text("news", body="截止目前，国家安监总局已……", author=["wu.guoqing"])}
    expected = run_checks(files)
    paths = sorted(files)
    assert {f.rule for f in expected} >= {"KIND-TITLE-QINGSHI", "REV-AUTHOR", "WORD-ORG-ANJIAN"}
    text = [f.format() for f in expected]
    by_check = cli("portal", "check", *paths, cwd=tmp_portal)
    by_hook = cli("portal-check", *paths, cwd=tmp_portal)
    assert by_check.returncode == by_hook.returncode == 1
    assert by_check.stdout.splitlines() == by_hook.stdout.splitlines() == text
    as_json = cli("portal", "check", "--format", "json", *paths, cwd=tmp_portal)
    assert json.loads(as_json.stdout) == [f.as_dict() for f in expected]
    assert {d["category"] for d in json.loads(as_json.stdout)} == {"kind", "fields", "wording"}
    assert checks.run(model.load(tmp_portal, [str(tmp_portal / p) for p in paths])) == expected


def test_single_check_hook_reports_only_its_check(run_checks, tmp_portal):
    path = "content/documents/2026-06-04-qingshi.md"
    run_checks({path: QINGSHI})
    done = cli("portal-check-reviewers", path, cwd=tmp_portal)
    assert done.returncode == 0 and done.stdout == ""
    done = cli("portal-check-kinds", "--format", "json", path, cwd=tmp_portal)
    assert done.returncode == 1 and {d["rule"] for d in json.loads(done.stdout)} == {
        "KIND-TITLE-QINGSHI", "KIND-CLOSE-QINGSHI", "KIND-ADDRESSEE-SUPERIOR"}


def test_staged_attachment_checks_its_column(tmp_portal, run_checks):
    run_checks({"content/news/2026-06-03-item.md": item_text("news", attachments=["files/setup.pdf"])})
    exe = tmp_portal / "content/news/files/setup.pdf"
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_bytes(b"MZ\x90\x00" + b"\0" * 200)
    done = cli("portal-check", "content/news/files/setup.pdf", cwd=tmp_portal)
    assert done.returncode == 1 and "ATT-EXECUTABLE" in done.stdout


def test_staged_roster_checks_the_whole_portal(tmp_portal, run_checks):
    run_checks({"content/news/2026-06-03-item.md": item_text("news", author=["wu.guoqing"])})
    done = cli("portal-check", "roster.yml", cwd=tmp_portal)
    assert done.returncode == 1 and "REV-AUTHOR" in done.stdout


def test_a_folder_means_the_items_under_it(tmp_portal, run_checks):
    run_checks({"content/news/2026-06-03-item.md": item_text("news", author=["wu.guoqing"]),
                "content/disaster/2026-06-03-item.md": item_text("disaster", type="通知", title="关于XX的请示")})
    done = cli("portal", "check", "content/news", cwd=tmp_portal)
    assert done.returncode == 1 and "REV-AUTHOR" in done.stdout and "KIND-" not in done.stdout
