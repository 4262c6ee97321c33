"""The checks over a generated portal, side by side with ripgrep searching the same files.

    .venv/bin/python -m bench.bench_checks --items 10000

The portal gets 200 fixed strings to look for: the secrecy rules' keywords, padded with made-up
code names as `secrecy.forbidden_words` in its columns.yml. Measured in one run, each the median
of --runs:
- ripgrep (`rg -F -f words.txt`) over content/, and Python reading and decoding the same files;
- in one process: loading the portal, then each check over every item (secrecy alone too);
- `portal check` over everything, as a user runs it (a new process: start-up, load, all checks): cold
  (`--no-cache`, every item read) and warm (the findings of the run before remembered, nothing changed),
  and after one item changed;
- a pre-commit run on a one-file change: `python -m checks.secrecy FILE` and `portal check FILE`;
- with --commit: a real `git commit` of one changed item through the installed pre-commit hook (the
  repository's .pre-commit-config.yaml, pre-commit from the same virtualenv).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate
from checks import runner, secrecy
from portal import model

BIN = Path(sys.executable).parent
# characters for made-up code names that the generated text never contains
CODE_CHARS = "鲲鹏麒麟貔貅饕餮獬豸朱雀玄武螣蛇勾陈烛龙毕方重明鸾凤夔牛狰狞"
CODE_ENDS = ["行动", "工程", "计划", "专网", "系统", "方案", "一号", "二号"]


def keywords(n: int = 200) -> tuple[list[str], list[str]]:
    """The secrecy rules' keywords, and code names that pad them to n strings."""
    rules = list(dict.fromkeys(k for r in secrecy.ruleset().rules for k in r.keywords))
    rng = random.Random(0)
    names: list[str] = []
    while len(rules) + len(names) < n:
        name = rng.choice(CODE_CHARS) + rng.choice(CODE_CHARS) + rng.choice(CODE_ENDS)
        if name not in names:
            names.append(name)
    return rules, names


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def command(args: list[str], cwd: Path, **extra: str) -> Callable[[], int]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), **extra}
    return lambda: subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def _commit(root: Path, one: str, runs: int) -> float:
    """The median of `runs` real commits of one changed item, with the hook installed as the README says."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "bench")
    git("config", "user.email", "bench@example.invalid")
    shutil.copy(Path(__file__).resolve().parent.parent / ".pre-commit-config.yaml", root)
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "portal")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PRE_COMMIT_HOME": str(root.parent / "pre-commit")}
    subprocess.run([str(BIN / "pre-commit"), "install"], cwd=root, env=env, check=True, capture_output=True)
    times = []
    for n in range(runs + 1):
        path = root / one
        path.write_text(path.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        git("add", one)
        start = time.perf_counter()
        done = subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", f"补充 {n}"], env=env, capture_output=True)
        if done.returncode:
            raise SystemExit(f"提交被拒绝：{done.stdout.decode()}{done.stderr.decode()}")
        if n:  # the first one sets pre-commit's environment up
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commit", action="store_true", help="也计时经 pre-commit 钩子的真实 git commit（一篇稿件）")
    args = parser.parse_args(argv)
    rg = shutil.which("rg")
    if rg is None:
        raise SystemExit("需要 ripgrep（Debian 软件包 ripgrep）：apt-get install ripgrep")
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "portal", args.items)
        rule_words, names = keywords()
        words = rule_words + names
        config = (root / "columns.yml").read_text(encoding="utf-8")
        start = config.index("  forbidden_words:")
        config = config[:start] + f"  forbidden_words: [{', '.join(names)}]" + config[config.index("\n", start):]
        (root / "columns.yml").write_text(config, encoding="utf-8")
        (root / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        files = sorted((root / "content").rglob("*.md"))
        size = sum(p.stat().st_size for p in files)
        rows: list[tuple[str, float]] = []

        t_rg, _ = timed(command([rg, "-F", "-c", "-f", "words.txt", "content"], root), args.runs)
        rows.append((f"ripgrep: {len(words)} fixed strings over content/", t_rg))
        t_read, _ = timed(lambda: [p.read_bytes().decode("utf-8") for p in files], args.runs)
        rows.append(("Python: read and decode the same files", t_read))

        t_load, portal = timed(lambda: model.load(root), 1)
        assert isinstance(portal, model.Portal)
        rows.append(("in one process: load and validate the portal (model.load)", t_load))
        total = 0.0
        for module in runner.CHECKS:
            t, found = timed(lambda m=module: [f for a in portal.articles for f in m.check(portal, a)],  # type: ignore[misc]
                             args.runs)
            total += t
            extra = f" ({len(found)} findings)" if found else ""  # type: ignore[arg-type]
            rows.append((f"  check {getattr(module, '__name__', '?').rpartition('.')[2]} over every item{extra}", t))
        rows.append(("  all checks over every item (without loading)", total))

        cache_home = {"XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        t_all, _ = timed(command([str(BIN / "portal"), "check", "--no-cache"], root, **cache_home), args.runs)
        rows.append(("`portal check --no-cache` (cold: new process, start, load, all checks)", t_all))
        command([str(BIN / "portal"), "check"], root, **cache_home)()
        old = time.time() - 3600
        for path in root.rglob("*"):  # as if written a while ago (a file written just now is re-read: RACY)
            os.utime(path, (old, old))
        command([str(BIN / "portal"), "check"], root, **cache_home)()
        t_warm, _ = timed(command([str(BIN / "portal"), "check"], root, **cache_home), args.runs)
        rows.append(("`portal check` (warm: findings of the run before remembered, nothing changed)", t_warm))
        changed = files[len(files) // 3]

        def one_changed() -> int:
            changed.write_text(changed.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
            os.utime(changed, (old + 60, old + 60))
            return command([str(BIN / "portal"), "check"], root, **cache_home)()

        t_changed, _ = timed(one_changed, args.runs)
        rows.append(("`portal check` (warm, one item changed since the run before)", t_changed))
        one = str(files[len(files) // 2].relative_to(root))
        t_hook, _ = timed(command([sys.executable, "-m", "checks.secrecy", one], root), args.runs)
        rows.append(("one-file change: `python -m checks.secrecy FILE`", t_hook))
        t_one, _ = timed(command([str(BIN / "portal"), "check", one], root), args.runs)
        rows.append(("one-file change: `portal check FILE`", t_one))
        if args.commit:
            rows.append(("one-file change: real `git commit` through the pre-commit hook", _commit(root, one, args.runs)))

    print(f"items={args.items} files={len(files)} bytes={size / 1e6:.1f}MB strings={len(words)} runs={args.runs} (median)")
    for label, seconds in rows:
        print(f"{seconds:8.3f}s  {seconds / t_rg:6.1f}x rg  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
