"""Pre-publication checks. One module per check; each exposes

    CATEGORY: str
    def check(portal: Portal, article: Article) -> Iterable[Finding]
    def main(argv: Sequence[str] | None = None) -> int   # the pre-commit hook

and is listed in CHECKS below. `run()` is the single entry point used by
`portal check`, the pre-commit hooks, the merge gate and the build.
"""
from __future__ import annotations

from .runner import CHECKS, hook_main, run

__all__ = ["CHECKS", "hook_main", "run"]
