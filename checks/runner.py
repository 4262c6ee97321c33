"""Running every check over a portal, the same way everywhere."""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from portal.errors import ACCEPTED, ERROR, Finding, PortalError, to_json

if TYPE_CHECKING:
    from portal import model

# portal.model, accepted.yml's reader and the check modules are imported on first use: a `portal check`
# whose findings are all remembered (checks/cache.py) reads no item and needs none of them.
ACCEPTED_FILE = "accepted.yml"  # checks/accepted.py FILE


class CheckModule(Protocol):
    CATEGORY: str

    def check(self, portal: model.Portal, article: model.Article) -> Iterable[Finding]: ...


# The check modules, in the order their findings are listed. Issue-by-issue additions go here.
CHECK_NAMES: tuple[str, ...] = ("secrecy", "reviewers", "kinds", "reprint", "attachments", "dates", "wording", "images",
                                "policy")
# A change to one of these (at the repository root) can change the findings of every item.
WHOLE_PORTAL = ("columns.yml", "roster.yml", ACCEPTED_FILE)

# Modules whose findings about an item depend on other items (they read other items' front-matter): run on
# every whole-portal run, never remembered by checks/cache.py. Each has `columns(config)`: the columns it reads.
CROSS_NAMES: tuple[str, ...] = ("policy",)
_loaded: list[CheckModule] = []


def modules() -> list[CheckModule]:
    """The check modules, imported on first use (a run that reuses every finding imports none)."""
    if not _loaded:
        _loaded.extend(importlib.import_module(f"checks.{name}") for name in CHECK_NAMES)  # type: ignore[misc]
    return _loaded


def module(name: str) -> CheckModule:
    """One check module by its name (checks.<name>)."""
    return importlib.import_module(f"checks.{name}")  # type: ignore[return-value]


def __getattr__(name: str) -> Any:
    if name == "CHECKS":
        return modules()
    raise AttributeError(name)


def run(portal: model.Portal, checks: Sequence[CheckModule] | None = None) -> list[Finding]:
    """The model's findings plus every check's, over every loaded article, sorted, with accepted.yml applied.

    Stale accepted.yml entries are reported only when every check ran (`checks` is None)."""
    from . import accepted

    chosen = checks if checks is not None else modules()
    findings = list(portal.findings)
    for article in portal.articles:
        for module in chosen:
            findings.extend(module.check(portal, article))
    for module in chosen:
        across = getattr(module, "check_portal", None)
        if across is not None:  # findings about several items at once (e.g. files no item references)
            findings.extend(across(portal))
    return sorted(set(accepted.apply(portal, sorted(set(findings)), report_stale=checks is None)))


def report(findings: Sequence[Finding], fmt: str = "text", out=None) -> int:
    """Print findings; return the exit status (1 if any error)."""
    out = out or sys.stdout
    if fmt == "json":
        print(to_json(findings), file=out)
    else:
        for f in findings:
            print(f.format(), file=out)
        errors = sum(f.severity == ERROR for f in findings)
        accepted_ = sum(f.severity == ACCEPTED for f in findings)
        warnings = len(findings) - errors - accepted_
        if findings:
            tail = f"，{accepted_} 个已接受（见 {ACCEPTED_FILE}）" if accepted_ else ""
            print(f"共 {errors} 个错误，{warnings} 个警告{tail}。", file=sys.stderr)
    return 1 if any(f.severity == ERROR for f in findings) else 0


def check_paths(root: Path | str, paths: Sequence[str] | None = None,
                checks: Sequence[CheckModule] | None = None,
                cached: bool = False, reuse: bool = True) -> tuple[Any, list[Finding]]:
    """Load and check what `paths` name (None: the whole portal). `portal check` and the hooks both call this.

    A staged columns.yml, roster.yml or accepted.yml means the whole portal; a staged attachment
    (content/<column>/files/...) means every item of its column, since any of them may reference it;
    a folder means the items under it. `cached`: a whole-portal run goes through checks/cache.py (`portal
    check` and the hooks only, never the build or the gate): it checks the items on every core, remembers
    their findings and, with `reuse`, reuses those of unchanged items. The portal returned may then hold
    only the items read again (`items` counts them all)."""
    root = Path(root).resolve()
    wanted: list[str] | None = None
    if paths:
        from portal import model

        wanted = []
        for p in paths:
            full = Path(p) if Path(p).is_absolute() else Path.cwd() / p
            try:
                rel = full.absolute().relative_to(root)
            except ValueError:
                wanted.append(p)  # the model reports FILE-OUTSIDE
                continue
            if rel.as_posix() in WHOLE_PORTAL:
                wanted = None
                break
            if rel.parts[:1] == (model.CONTENT,) and rel.parts[2:3] == (model.FILES_DIR,):
                wanted += _items_under(root, root / model.CONTENT / rel.parts[1])
            elif full.is_dir():
                wanted += _items_under(root, full)
            else:
                wanted.append(str(full))
    if wanted is None and cached:
        from . import cache

        return cache.run(root, checks, reuse=reuse and cache.enabled(), remember=cache.enabled())
    from portal import model

    facts = -1
    if wanted is not None and cached:  # a hook: the facts of the policy columns as the run before read them
        from . import cache

        facts = cache.load_facts(root) if cache.enabled() else -1
    portal, findings = model.load_or_findings(root, None if wanted is None else list(dict.fromkeys(wanted)))
    if portal is not None:
        findings = run(portal, checks)
    if facts >= 0:
        cache.save_facts(root, facts)
    return portal, findings


def _items_under(root: Path, folder: Path) -> list[str]:
    from portal import model

    return [str(p) for p in sorted(folder.rglob("*.md")) if model.FILES_DIR not in p.relative_to(root).parts[2:3]]


def hook_main(checks: Sequence[CheckModule] | None, argv: Sequence[str] | None = None) -> int:
    """A pre-commit hook: check the given files (or the whole portal) with the given checks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("filenames", nargs="*")
    parser.add_argument("--root", default=".")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    try:
        _portal, findings = check_paths(args.root, args.filenames, checks, cached=True)
    except PortalError as exc:  # a broken rules file, say: a message, not a traceback
        print(f"portal: {exc}", file=sys.stderr)
        return 1
    return report(findings, args.format)


def main(argv: Sequence[str] | None = None) -> int:
    """The all-in-one pre-commit hook (portal-check): every check, as `portal check` runs them."""
    return hook_main(None, argv)



if __name__ == "__main__":
    raise SystemExit(main())
