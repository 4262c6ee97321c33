"""Self-enrolment: a person's new public key enters roster.yml by a submission signed with that very key.

A new key cannot be in main's roster before its roster change is merged, so the submission that enrols it is
the one content commit the gate accepts from a key outside the roster, and only when all of this holds:
- the commit has one parent and changes roster.yml and nothing else;
- between its parent and itself the roster's people differ in exactly one person: either a person added with a
  key, or a person whose `key` alone changed (other fields equal), to a key that is not empty;
- the commit's signature verifies with that key, under that person's id.
The signer of such a commit counts as that person (the submitter: excluded from approving it), and the change
still needs its whole 配置变更 chain (网站管理员, then 办公室). Proving possession of the new key this way means
nobody can enrol a key they do not hold, and nobody signs for anyone with a key that the chain has not approved.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from portal import yamlfile

from . import signatures
from .gitutil import Commit, Repo

ROSTER = "roster.yml"
PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-", "sk-ssh-ed25519", "sk-ecdsa-sha2-")


def _people(data: bytes | None) -> dict[str, dict[str, Any]] | None:
    if data is None:
        return {}
    try:
        loaded, _ = yamlfile.load(data.decode("utf-8"))
    except (UnicodeDecodeError, yamlfile.YamlError):
        return None
    people = loaded.get("people") if isinstance(loaded, dict) else None
    if not isinstance(people, list):
        return None
    out: dict[str, dict[str, Any]] = {}
    for p in people:
        if not isinstance(p, dict) or not isinstance(p.get("id"), str) or p["id"] in out:
            return None
        out[p["id"]] = p
    return out


def enrolled(repo: Repo, commit: Commit) -> tuple[str, str] | None:
    """(person, key) when the commit is shaped as one person's enrolment of a new key, else None."""
    if len(commit.parents) != 1 or set(commit.changes) != {ROSTER}:
        return None
    before_blob = repo.blobs(commit.parents[0], [ROSTER]).get(ROSTER)
    after_blob = commit.changes[ROSTER]
    raws = repo.read_objects([b for b in (before_blob, after_blob) if b])
    before = _people(raws.get(before_blob) if before_blob else None)
    after = _people(raws.get(after_blob))
    if before is None or after is None or set(before) - set(after):
        return None
    changed = [pid for pid in after if after[pid] != before.get(pid)]
    if len(changed) != 1:
        return None
    pid = changed[0]
    new, old = after[pid], before.get(pid)
    key = new.get("key")
    if not PERSON_ID.fullmatch(pid) or not isinstance(key, str) or len(key.split()) < 2 \
            or not key.split()[0].startswith(KEY_TYPES):
        return None
    if old is not None and ({k: v for k, v in old.items() if k != "key"} != {k: v for k, v in new.items() if k != "key"}
                            or signatures.same_key(str(old.get("key") or ""), key)):
        return None
    return pid, " ".join(key.split()[:2])


def self_enrolment(repo: Repo, commit: Commit) -> str:
    """The person a commit enrols, when it is a self-enrolment signed with the key it enrols ('' otherwise)."""
    found = enrolled(repo, commit)
    if found is None:
        return ""
    person, key = found
    raw = repo.read_objects([commit.sha]).get(commit.sha, b"")
    payload, sig = signatures.split_signed(raw)
    if sig is None or not sig.startswith(signatures.BEGIN):
        return ""
    with tempfile.TemporaryDirectory(prefix="portal-enrol-") as tmp:
        allowed, sigfile = Path(tmp) / "allowed_signers", Path(tmp) / "commit.sig"
        allowed.write_text(f'{person} namespaces="{signatures.NAMESPACE}" {key}\n', encoding="utf-8")
        sigfile.write_bytes(sig)
        proc = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", person, "-n", signatures.NAMESPACE,
                               "-s", str(sigfile)], input=payload, capture_output=True)
    return person if proc.returncode == 0 else ""
