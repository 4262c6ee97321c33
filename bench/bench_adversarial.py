"""Time and peak memory of `portal check` on adversarial items: alias bombs, huge front-matter, a 50 MB
body, a long line of outdated names, a line of secrecy hits, many links.

    .venv/bin/python -m bench.bench_adversarial [--mb 50] [--only NAME ...]

Each case is a portal of its own (the demo columns.yml and roster.yml, one generated item changed into
the case) in a temp dir, checked by the real command in a new process: `python -m portal check
--format json`. That process is started by a small wrapper process of its own, so that the wrapper's
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss is the peak resident memory of that one check and
nothing else. The check runs with a 3 GB address-space limit so that a runaway case fails instead of
taking the machine. Goal (issue 9): any item up to 50 MB checked in under 512 MB and in time linear in
its size; the cases that scale are run at two sizes (--mb / 10 and --mb) to show it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate

NOW = "2026-11-22T12:00:00+08:00"
LIMIT_AS = 3 << 30
GOAL_MB = 512
MB = 1024 * 1024


def _item(root: Path) -> Path:
    generate(root, 1)
    return next((root / "content").rglob("*.md"))


def _fields(text: str, extra: str) -> str:
    """The item with YAML lines added before its closing ---."""
    head, sep, body = text.partition("\n---\n\n")
    return head + "\n" + extra.rstrip("\n") + sep + body


def _body(text: str, body: str) -> str:
    head, sep, _ = text.partition("\n---\n\n")
    return head + sep + body


def _repeat(unit: str, size: int) -> str:
    """`unit` repeated to about `size` bytes of UTF-8."""
    return unit * max(1, size // len(unit.encode()))


def alias_bomb(levels: int = 9, width: int = 9, prefix: str = "lol") -> str:
    lines = [f'{prefix}0: &{prefix}0 "哈"']
    for i in range(1, levels + 1):
        lines.append(f"{prefix}{i}: &{prefix}{i} [{', '.join([f'*{prefix}{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


# name -> (description, make(root, item path, size in bytes), scales with size)
Case = tuple[str, Callable[[Path, Path, int], None], bool]


def _set(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _alias_fm(root: Path, item: Path, size: int) -> None:
    _set(item, _fields(item.read_text(encoding="utf-8"), alias_bomb()))


def _alias_roster(root: Path, item: Path, size: int) -> None:
    roster = root / "roster.yml"
    _set(roster, roster.read_text(encoding="utf-8") + "\n" + alias_bomb(prefix="x"))


def _deep(root: Path, item: Path, size: int) -> None:
    _set(item, _fields(item.read_text(encoding="utf-8"), "tags: " + "[" * 60_000))


def _fm_60k(root: Path, item: Path, size: int) -> None:
    _set(item, _fields(item.read_text(encoding="utf-8"), "tags: [" + ", ".join(["防汛"] * 7000) + "]"))


def _fm_huge(root: Path, item: Path, size: int) -> None:
    _set(item, _fields(item.read_text(encoding="utf-8"), "summary: " + _repeat("防汛物资储备到位，", size)))


def _big_body(root: Path, item: Path, size: int) -> None:
    text = item.read_text(encoding="utf-8")
    paragraph = text.partition("\n---\n\n")[2]
    _set(item, _body(text, _repeat(paragraph + "\n", size)))


def _names(root: Path, item: Path, size: int) -> None:
    _set(item, _body(item.read_text(encoding="utf-8"), _repeat("国家旅游局、市安监局，", size) + "\n"))


def _names_20k(root: Path, item: Path, size: int) -> None:
    _set(item, _body(item.read_text(encoding="utf-8"), "国家旅游局、市安监局，" * 10_000 + "\n"))


def _secrecy(root: Path, item: Path, size: int) -> None:
    _set(item, _body(item.read_text(encoding="utf-8"), _repeat("秘密★1年，内部资料注意保存；", size) + "\n"))


def _links(root: Path, item: Path, size: int) -> None:
    files = item.parent / "files"
    files.mkdir(exist_ok=True)
    (files / "a.txt").write_text("防汛物资清单\n", encoding="utf-8")
    _set(item, _body(item.read_text(encoding="utf-8"), _repeat("见[附件](files/a.txt)、[附件][1]。\n", size)
                     + "\n[1]: files/a.txt\n"))


CASES: dict[str, Case] = {
    "alias-fm": ("front-matter 中的别名炸弹（9 层 × 9 个别名，展开为 9^9 个节点）", _alias_fm, False),
    "alias-roster": ("roster.yml 中的别名炸弹（同上）", _alias_roster, False),
    "deep-fm": ("front-matter 中 60,000 个未闭合的“[”", _deep, False),
    "fm-60k": ("60 KB 的合法 front-matter（7,000 个标签）", _fm_60k, False),
    "fm-huge": ("front-matter 过大（summary 即为全部大小）", _fm_huge, True),
    "body": ("正文为普通中文段落", _big_body, True),
    "names-20k": ("一行 20,000 个过时机构名称（约 0.3 MB）", _names_20k, False),
    "names": ("一行过时机构名称（全部大小为一行）", _names, True),
    "secrecy": ("一行密级标志与“内部资料”（全部大小为一行）", _secrecy, True),
    "links": ("每行两个附件链接（行内与引用式）", _links, True),
}


def measure(root: Path, timeout: float) -> dict[str, object]:
    """Run `portal check` on root in a child process; its wall time, peak RSS and findings by rule."""
    env = {**os.environ, "PORTAL_NOW": NOW}

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))

    start = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-m", "portal", "--root", str(root), "check", "--format", "json"],
                             capture_output=True, text=True, env=env, preexec_fn=limit, timeout=timeout)  # noqa: PLW1509
    except subprocess.TimeoutExpired:  # run() has killed it
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        return {"seconds": timeout, "peak": peak, "rc": None, "rules": {}, "crashed": False, "timeout": True,
                "stderr": ""}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    try:
        rules = Counter(f["rule"] for f in json.loads(out.stdout))
    except json.JSONDecodeError:
        rules = Counter()
    crashed = "内部错误" in out.stderr or "Traceback" in out.stderr or "MemoryError" in out.stderr
    return {"seconds": seconds, "peak": peak, "rc": out.returncode, "rules": dict(rules.most_common(3)),
            "crashed": crashed, "timeout": False, "stderr": out.stderr[-500:]}


def run_case(name: str, size: int, work: Path, timeout: float) -> dict[str, object]:
    root = work / f"{name}-{size}"
    item = _item(root)
    CASES[name][1](root, item, size)
    item_bytes = item.stat().st_size
    # the wrapper: a fresh process whose only child is the check
    out = subprocess.run([sys.executable, "-m", "bench.bench_adversarial", "--measure", str(root),
                          "--timeout", str(timeout)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    shutil.rmtree(root)
    return {"name": name, "bytes": item_bytes, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="对抗性输入：portal check 的用时与峰值内存")
    parser.add_argument("--mb", type=float, default=50, help="可伸缩用例的最大大小（MB），另以其十分之一测一次")
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="只运行这些用例")
    parser.add_argument("--timeout", type=float, default=600, help="每次检查最多等待的秒数（超时记为未达到）")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.timeout)))
        return 0
    big = int(args.mb * MB)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-adversarial-") as tmp:
        for name in args.only or CASES:
            description, _, scales = CASES[name]
            for size in ((big // 10, big) if scales else (0,)):
                row = run_case(name, size, Path(tmp), args.timeout)
                rows.append(row)
                ok = not row["crashed"] and not row["timeout"] and row["peak"] < GOAL_MB * MB  # type: ignore[operator]
                took = f"超过 {args.timeout:.0f} s（已终止）" if row["timeout"] else f"{row['seconds']:.2f} s"
                print(f"| {description} | {row['bytes'] / MB:.2f} MB | {took} | "  # type: ignore[operator]
                      f"{row['peak'] / MB:.0f} MB | {', '.join(f'{k}×{v}' for k, v in row['rules'].items()) or '无'} | "  # type: ignore[operator, attr-defined]
                      f"{'达到' if ok else '未达到'} |", flush=True)
                if row["crashed"]:
                    print(f"    stderr: {row['stderr']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
