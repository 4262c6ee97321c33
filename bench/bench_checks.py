"""The checks over a generated portal, side by side with ripgrep searching the same files.

    .venv/bin/python -m bench.bench_checks --items 10000

The portal gets 200 fixed strings to look for: the secrecy rules' keywords, padded with made-up
code names as `secrecy.forbidden_words` in its columns.yml. Measured in one run, each the median
of --runs:
- ripgrep (`rg -F -f words.txt`) over content/, and Python reading and decoding the same files;
- in one process: loading the portal, then each check over every item (secrecy alone too);
- `portal check` over everything, as a user runs it (a new process: start-up, load, all checks);
- a pre-commit run on a one-file change: `python -m checks.secrecy FILE` and `portal check FILE`.
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


def command(args: list[str], cwd: Path) -> Callable[[], int]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return lambda: subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
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
            t, found = timed(lambda m=module: [f for a in portal.articles for f in m.check(portal, a)], args.runs)
            total += t
            extra = f" ({len(found)} findings)" if found else ""  # type: ignore[arg-type]
            rows.append((f"  check {module.__name__.rpartition('.')[2]} over every item{extra}", t))
        rows.append(("  all checks over every item (without loading)", total))

        t_all, _ = timed(command([str(BIN / "portal"), "check"], root), args.runs)
        rows.append(("`portal check` (new process: start, load, all checks)", t_all))
        one = str(files[len(files) // 2].relative_to(root))
        t_hook, _ = timed(command([sys.executable, "-m", "checks.secrecy", one], root), args.runs)
        rows.append(("one-file change: `python -m checks.secrecy FILE`", t_hook))
        t_one, _ = timed(command([str(BIN / "portal"), "check", one], root), args.runs)
        rows.append(("one-file change: `portal check FILE`", t_one))

    print(f"items={args.items} files={len(files)} bytes={size / 1e6:.1f}MB strings={len(words)} runs={args.runs} (median)")
    for label, seconds in rows:
        print(f"{seconds:8.3f}s  {seconds / t_rg:6.1f}x rg  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
