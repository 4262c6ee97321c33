"""Pre-publication checks. One module per check; each exposes

    CATEGORY: str
    def check(portal: Portal, article: Article) -> Iterable[Finding]
    def main(argv: Sequence[str] | None = None) -> int   # the pre-commit hook

and is listed in CHECKS below. `run()` is the single entry point used by
`portal check`, the pre-commit hooks, the merge gate and the build.
"""
from __future__ import annotations

from typing import Any

__all__ = ["CHECKS", "hook_main", "run"]


def __getattr__(name: str) -> Any:
    # Imported on first use, not with the package: `python -m checks.secrecy` would otherwise
    # import every check module (secrecy among them) before running it as __main__.
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(name)
