"""Findings (what a check reports) and the user-error exception."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable

ERROR = "error"
WARNING = "warning"
ACCEPTED = "accepted"  # a finding accepted in accepted.yml: still listed, no longer an error
LEVELS = {ERROR: "错误", WARNING: "警告", ACCEPTED: "已接受"}

# category of a finding: which family of rules produced it
CATEGORIES = ("file", "config", "fields", "secrecy", "kind", "reprint", "attachment", "date", "wording")


@dataclasses.dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str
    category: str
    severity: str
    message: str
    # the text that triggered the finding; part of the fingerprint, so an accepted
    # finding stays accepted when unrelated lines move, and not when the text changes
    match: str = dataclasses.field(default="", compare=False)

    @property
    def fingerprint(self) -> str:
        basis = f"{self.path}\0{self.rule}\0{self.match or self.message}"
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def format(self) -> str:
        level = LEVELS.get(self.severity, self.severity)
        return f"{self.path}:{self.line}:{self.column}: {self.rule} [{level}] {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "fingerprint": self.fingerprint,
        }


def to_json(findings: Iterable[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2)


def has_error(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


class PortalError(Exception):
    """A mistake of the user's (bad arguments, missing files): exit 1 with the message, no traceback."""


class ConfigError(Exception):
    """columns.yml, roster.yml or another whole-portal file is wrong: its findings say where and how to fix it."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("\n".join(f.format() for f in findings))
        self.findings = findings
