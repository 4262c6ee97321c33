"""定时发布: items on main with a later `scheduled` date, and publishing main again when one of them comes due.

Read from the server's repository only (no Django): `portal schedule` runs on the git server from a systemd
timer or cron, the workbench's 定时发布 page reads the same list from its mirror. Publishing is the hook's own
`review.hooks.republish` (re-check from the last published commit, then `portal publish`), never a second copy.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from pathlib import Path

from portal import clock, model
from portal.config import Config
from portal.config import load as load_config
from portal.errors import PortalError
from review import hooks
from review.gitutil import Repo

MAIN = "refs/heads/main"
STATE = "portal-schedule.json"  # in the server's git directory: up to when scheduled items are published


@dataclasses.dataclass(frozen=True)
class Scheduled:
    path: str
    column: str
    title: str
    date: dt.datetime
    merged_by: str = ""  # who merged it into main (the merge commit's author)
    merged_at: dt.datetime | None = None


def main_config(repo: Repo, sha: str) -> Config:
    """columns.yml and roster.yml (and the other top-level .yml files) as they stand at `sha`."""
    with tempfile.TemporaryDirectory(prefix="portal-schedule-") as tmp:
        files = [p for p in repo.tree_files(sha) if "/" not in p and p.endswith((".yml", ".yaml"))]
        repo.archive_into(sha, files, Path(tmp))
        return load_config(Path(tmp))


def scheduled_items(repo: Repo, sha: str, config: Config) -> list[Scheduled]:
    """Every item of `sha` marked `scheduled: true` (a future date needs it), oldest date first."""
    out = repo.run("grep", "-l", "-I", "-E", r"^scheduled:", sha, "--", "content/", check=False)
    paths = [line.split(":", 1)[1] for line in out.splitlines() if ":" in line and line.endswith(".md")]
    if not paths:
        return []
    blobs = repo.blobs(sha, paths)
    data = repo.read_objects(blobs.values())
    items = []
    for path in paths:
        article, _ = model.parse_article(config, path, data.get(blobs.get(path, ""), b""))
        if article is None or not article.scheduled or article.draft or article.date is None:
            continue
        by, at = merged_by(repo, sha, path)
        items.append(Scheduled(path, article.column, article.title, article.date, by, at))
    return sorted(items, key=lambda s: (s.date, s.path))


def merged_by(repo: Repo, sha: str, path: str) -> tuple[str, dt.datetime | None]:
    """Who brought `path` to main, and when: the commit on main's first-parent line that added it."""
    out = repo.run("log", "--first-parent", "-m", "--diff-filter=A", "--format=%an%x1f%ct", sha, "--", path,
                   check=False).strip().splitlines()
    if not out or "\x1f" not in out[-1]:
        return "", None
    name, _, stamp = out[-1].partition("\x1f")
    return name, dt.datetime.fromtimestamp(int(stamp), clock.CST)


# ---------------------------------------------------------------- the state of publishing


def _state_file(repo: Repo) -> Path:
    return hooks._git_dir(repo) / STATE


def _read_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=clock.CST)


def published_until(repo: Repo) -> dt.datetime | None:
    """The latest moment main is known to have been published at: this command's record, or the hook's
    last successful publish (portal-publish-result.json)."""
    times = []
    state = _state_file(repo)
    if state.is_file():
        try:
            recorded = json.loads(state.read_text(encoding="utf-8")).get("until", "")
        except (ValueError, AttributeError):
            recorded = ""
        times.append(_read_time(str(recorded)))
    result = hooks._git_dir(repo) / hooks.RESULT
    if result.is_file():
        try:
            last = json.loads(result.read_text(encoding="utf-8"))
        except ValueError:
            last = {}
        if isinstance(last, dict) and last.get("status") == "ok" and last.get("commit") == repo.rev(MAIN):
            times.append(_read_time(str(last.get("time", ""))))
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _record(repo: Repo, until: dt.datetime) -> None:
    state = _state_file(repo)
    tmp = state.with_name(STATE + ".tmp")
    tmp.write_text(json.dumps({"until": until.isoformat()}, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(state)


@dataclasses.dataclass
class Run:
    due: list[Scheduled]  # items whose time came since the last publish
    waiting: list[Scheduled]  # items still to come
    outcome: hooks.Outcome | None = None  # the publish, when one was needed

    @property
    def ok(self) -> bool:
        return self.outcome is None or self.outcome.status in ("ok", "none")


def run(bare: Path, now: dt.datetime | None = None) -> Run:
    """Publish main again if a scheduled item came due since main was last published. Safe to run often:
    nothing due, nothing done; a failed publish is tried again on the next run."""
    now = now or clock.now()
    git_dir = hooks.git_dir_of(bare)
    repo = Repo(git_dir)
    sha = repo.rev(MAIN)
    if sha is None:
        raise PortalError(f"{bare} 中没有 main 分支，没有可发布的内容")
    if not repo.config_get(hooks.PUBLISH_DIR_KEY):
        raise PortalError(f"{bare} 未配置发布目录。请先运行 portal server install {bare} --publish-dir <发布目录>")
    items = scheduled_items(repo, sha, main_config(repo, sha))
    since = published_until(repo)
    due = [s for s in items if s.date <= now and (since is None or s.date > since)]
    waiting = [s for s in items if s.date > now]
    done = Run(due, waiting)
    if due:
        if hooks.last_published(repo) is None:
            raise PortalError(f"{bare} 中没有发布记录，无法复核后发布。请由网站管理员先推送一次经审核的合并")
        done.outcome = hooks.republish(git_dir)
    if done.ok:
        _record(repo, now)
    return done
