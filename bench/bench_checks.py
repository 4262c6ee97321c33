"""`portal check` over a generated portal, side by side with ripgrep searching the same files.

    flock /tmp/bench.lock .venv/bin/python -m bench.bench_checks --items 10000 --commit [--portal DIR]

The portal gets 200 fixed strings to look for: the secrecy rules' keywords, padded with made-up
code names as `secrecy.forbidden_words` in its columns.yml. Measured in one run, each the median of
--runs (wall time, and the CPU time of the process and everything it started):
- ripgrep (`rg -F -c -f words.txt content`), a new process like the others;
- `portal check --no-cache` (cold: a new process reads and checks every item, on every core);
- `portal check` (warm: nothing changed since the run before, every finding remembered);
- `portal check` after one item changed;
- `portal check FILE` (what the pre-commit hook runs for a one-item commit);
- with --commit: a real `git commit` of one changed item through the installed pre-commit hook (the
  repository's .pre-commit-config.yaml, pre-commit from the same virtualenv), beside `git commit
  --no-verify` of the same change (git alone);
- with --detail: in one process, loading the portal and each check over every item.
With --portal DIR the portal is generated there once and reused (and its git repository, for --commit).
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
# characters for made-up code names that the generated text never contains
CODE_CHARS = "鲲鹏麒麟貔貅饕餮獬豸朱雀玄武螣蛇勾陈烛龙毕方重明鸾凤夔牛狰狞"
CODE_ENDS = ["行动", "工程", "计划", "专网", "系统", "方案", "一号", "二号"]
LONG_AGO = 3600.0  # files are dated this long before the run (a file written just now is re-read: cache.RACY)


def keywords(n: int = 200) -> tuple[list[str], list[str]]:
    """The secrecy rules' keywords, and code names that pad them to n strings."""
    from checks import secrecy

    rules = list(dict.fromkeys(k for r in secrecy.ruleset().rules for k in r.keywords))
    rng = random.Random(0)
    names: list[str] = []
    while len(rules) + len(names) < n:
        name = rng.choice(CODE_CHARS) + rng.choice(CODE_CHARS) + rng.choice(CODE_ENDS)
        if name not in names:
            names.append(name)
    return rules, names


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object], runs: int, before: Callable[[], object] | None = None) -> tuple[float, float]:
    """The medians of wall time and CPU time (this process and its finished children) of `runs` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        cpu, start = _cpu(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def command(args: list[str], cwd: Path, **extra: str) -> Callable[[], int]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    return lambda: subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def prepare(root: Path, items: int) -> list[str]:
    """Generate the portal (unless `root` already holds one) with its 200 strings; every file dated
    LONG_AGO. Returns the strings."""
    if not (root / "columns.yml").is_file():
        generate(root, items)
    rule_words, names = keywords()
    config = (root / "columns.yml").read_text(encoding="utf-8")
    start = config.index("  forbidden_words:")
    config = config[:start] + f"  forbidden_words: [{', '.join(names)}]" + config[config.index("\n", start):]
    (root / "columns.yml").write_text(config, encoding="utf-8")
    words = rule_words + names
    (root / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    old = time.time() - LONG_AGO
    for dirpath, _dirs, filenames in os.walk(root / "content"):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (old, old))
    return words


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def commits(root: Path, one: str, runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Real commits of one changed item: with --no-verify (git alone), and through the pre-commit hook
    installed as the README says. The medians of `runs` each (wall, CPU)."""
    if not (root / ".git").is_dir():
        _git(root, "init", "-q", "-b", "main")
        _git(root, "config", "user.name", "bench")
        _git(root, "config", "user.email", "bench@example.invalid")
        shutil.copy(REPO / ".pre-commit-config.yaml", root)
        (root / ".gitignore").write_text("words.txt\n", encoding="utf-8")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--no-verify", "-m", "portal")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PRE_COMMIT_HOME": str(root.parent / "pre-commit")}
    subprocess.run([str(BIN / "pre-commit"), "install"], cwd=root, env=env, check=True, capture_output=True)
    path = root / one
    count = [0]

    def change() -> None:
        count[0] += 1
        path.write_text(path.read_text(encoding="utf-8") + f"\n第{count[0]}次补充。\n", encoding="utf-8")
        _git(root, "add", one)

    def commit(*extra: str) -> Callable[[], None]:
        def run() -> None:
            done = subprocess.run(["git", "-C", str(root), "commit", "-q", *extra, "-m", f"补充 {count[0]}"], env=env,
                                  capture_output=True)
            if done.returncode:
                raise SystemExit(f"提交被拒绝：{done.stdout.decode()}{done.stderr.decode()}")
        return run

    change()
    commit()()  # the first one sets pre-commit's environment up
    return timed(commit("--no-verify"), runs, change), timed(commit(), runs, change)


def detail(root: Path, runs: int) -> list[tuple[str, float, float]]:
    """In one process: loading the portal, then each check over every item."""
    from checks import runner
    from portal import model

    rows = []
    portal: list[model.Portal] = []
    wall, cpu = timed(lambda: portal.append(model.load(root)), 1)
    rows.append(("in one process: load and validate the portal (model.load)", wall, cpu))
    for module in runner.modules():
        name = getattr(module, "__name__", "?").rpartition(".")[2]
        wall, cpu = timed(lambda m=module: [f for a in portal[0].articles for f in m.check(portal[0], a)],  # type: ignore[misc]
                          runs)
        rows.append((f"  check {name} over every item", wall, cpu))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, help="冷启动计时的次数（默认同 --runs；十万篇时可取 1）")
    parser.add_argument("--portal", type=Path, help="在此目录生成门户并在以后的运行中重用（默认：临时目录，用后删除）")
    parser.add_argument("--commit", action="store_true", help="也计时经 pre-commit 钩子的真实 git commit（一篇稿件）")
    parser.add_argument("--detail", action="store_true", help="也在同一进程中分别计时载入与每项检查")
    args = parser.parse_args(argv)
    rg = shutil.which("rg")
    if rg is None:
        raise SystemExit("需要 ripgrep（Debian 软件包 ripgrep）：apt-get install ripgrep")
    with tempfile.TemporaryDirectory() as tmp:
        root = (args.portal or Path(tmp) / "portal").resolve()
        words = prepare(root, args.items)
        files = sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*.md"))
        size = sum((root / p).stat().st_size for p in files)
        load_before = Path("/proc/loadavg").read_text().split()[0]
        rows: list[tuple[str, float, float]] = []
        rows.append((f"ripgrep: {len(words)} fixed strings over content/ (`rg -F -c -f words.txt content`)",
                     *timed(command([rg, "-F", "-c", "-f", "words.txt", "content"], root), args.runs)))
        cache_home = {"XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        portal = str(BIN / "portal")
        rows.append(("`portal check --no-cache` (cold: new process, every item read and checked)",
                     *timed(command([portal, "check", "--no-cache"], root, **cache_home), args.cold_runs or args.runs)))
        command([portal, "check"], root, **cache_home)()  # remembers, if the cold runs did not
        rows.append(("`portal check` (warm: nothing changed since the run before)",
                     *timed(command([portal, "check"], root, **cache_home), args.runs)))
        changed = root / files[len(files) // 3]
        old = time.time() - LONG_AGO

        def change() -> None:
            changed.write_text(changed.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
            os.utime(changed, (old + 60, old + 60))

        rows.append(("`portal check` (one item changed since the run before)",
                     *timed(command([portal, "check"], root, **cache_home), args.runs, change)))
        one = files[len(files) // 2]
        rows.append(("one-item change: `portal check FILE` (what the hook runs)",
                     *timed(command([portal, "check", one], root, **cache_home), args.runs)))
        if args.commit:
            plain, hooked = commits(root, one, args.runs)
            rows.append(("one-item commit: `git commit --no-verify` (git alone)", *plain))
            rows.append(("one-item commit: real `git commit` through the pre-commit hook", *hooked))
        if args.detail:
            rows += detail(root, args.runs)
        load_after = Path("/proc/loadavg").read_text().split()[0]

    t_rg = rows[0][1]
    print(f"items={len(files)} bytes={size / 1e6:.1f}MB strings={len(words)} runs={args.runs} (median) "
          f"workers={_workers()} load(1 min)={load_before}->{load_after} {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"{'wall':>9} {'CPU':>9} {'wall/rg':>8}  what")
    for label, wall, cpu in rows:
        print(f"{wall:8.3f}s {cpu:8.3f}s {wall / t_rg:7.1f}x  {label}")
    return 0


def _workers() -> int:
    from checks import cache

    return cache.workers()


if __name__ == "__main__":
    raise SystemExit(main())
