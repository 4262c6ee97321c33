"""CI templates and CODEOWNERS: valid, and in step with columns.yml and roster.yml."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from portal import cli
from portal.config import load
from review import codeowners

REPO = Path(__file__).resolve().parents[2]


def test_github_workflow_passes_actionlint() -> None:
    actionlint = shutil.which("actionlint") or str(Path(__file__).parents[2] / ".venv" / "bin" / "actionlint")
    proc = subprocess.run([actionlint, str(REPO / ".github" / "workflows" / "portal.yml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    actionlint = shutil.which("actionlint") or str(REPO / ".venv" / "bin" / "actionlint")
    assert subprocess.run([actionlint, str(broken)], capture_output=True).returncode == 1


def test_workflows_run_checks_and_gate_with_the_base_tool() -> None:
    github = yaml.safe_load((REPO / ".github" / "workflows" / "portal.yml").read_text(encoding="utf-8"))
    review = "\n".join(step.get("run", "") for step in github["jobs"]["review"]["steps"])
    assert "portal check" in review and "portal gate --base" in review and 'git worktree add "$RUNNER_TEMP/base"' in review
    publish = "\n".join(step.get("run", "") for step in github["jobs"]["publish"]["steps"])
    assert "portal gate --update" in publish and "portal publish" in publish
    gitlab = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert "portal gate --base" in "\n".join(gitlab["review"]["script"])
    assert any("portal publish" in line for line in gitlab["pages"]["script"])


def test_codeowners_committed_is_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert cli.main(["codeowners", "--check"]) == 0


def test_codeowners_mapping(tmp_portal: Path) -> None:
    roster = tmp_portal / "roster.yml"
    text = roster.read_text(encoding="utf-8").replace("    name: 吴国庆\n", "    name: 吴国庆\n    handle: wuguoqing-yjj\n")
    roster.write_text(text, encoding="utf-8")
    out = codeowners.generate(load(tmp_portal))
    lines = out.splitlines()
    assert "*  @tang-li @yang-zhiqiang" in lines  # the administrator owns everything else
    assert "/content/news/  @wuguoqing-yjj" in lines  # a handle from the roster wins
    assert "/content/documents/  @hu-hongxia @zhao-xuemei" in lines  # id with dots -> hyphens
    assert lines.index("*  @tang-li @yang-zhiqiang") < lines.index("/content/news/  @wuguoqing-yjj")  # the last match wins
