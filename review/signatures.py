"""SSH signatures on commits, verified with `ssh-keygen -Y verify` against the roster's keys.

The allowed-signers file is built from roster.yml as it stands on the base branch (never the head),
with the person id as principal and the namespace `git`, as git's own gpg.format=ssh signing uses.
Each commit is verified once, however many items it names; verifications run in parallel.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from portal.config import Config

from .gitutil import Repo

NAMESPACE = "git"
BEGIN = b"-----BEGIN SSH SIGNATURE-----"

GOOD = "good"
UNSIGNED = "unsigned"
BAD = "bad"  # the signature does not match the commit (tampered, or not an SSH signature)
WRONG_KEY = "wrong-key"  # made with another roster person's key
UNKNOWN_KEY = "unknown-key"  # made with a key that is not in the roster


@dataclasses.dataclass(frozen=True)
class Signature:
    status: str
    signer: str = ""  # the roster person whose key made it, when known

    @property
    def good(self) -> bool:
        return self.status == GOOD


def allowed_signers(config: Config) -> str:
    lines = [f'{p.id} namespaces="{NAMESPACE}" {p.key}' for p in config.people.values() if p.key]
    return "\n".join(lines) + "\n"


def split_signed(raw: bytes) -> tuple[bytes, bytes | None]:
    """A raw commit object -> (the signed payload, the signature), as git computes them."""
    header, sep, message = raw.partition(b"\n\n")
    lines = header.split(b"\n")
    kept: list[bytes] = []
    sig: list[bytes] = []
    in_sig = False
    for line in lines:
        if line.startswith(b"gpgsig "):
            in_sig = True
            sig.append(line[len(b"gpgsig "):])
        elif in_sig and line.startswith(b" "):
            sig.append(line[1:])
        else:
            in_sig = False
            kept.append(line)
    payload = b"\n".join(kept) + sep + message
    return payload, (b"\n".join(sig) + b"\n") if sig else None


class Verifier:
    """Verifies commits against one roster; keep one per gate run."""

    def __init__(self, repo: Repo, config: Config) -> None:
        self.repo = repo
        self.config = config
        self._dir = tempfile.TemporaryDirectory(prefix="portal-sig-")
        self.allowed = Path(self._dir.name) / "allowed_signers"
        self.allowed.write_text(allowed_signers(config), encoding="utf-8")

    def close(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self, claims: dict[str, str]) -> dict[str, Signature]:
        """commit sha -> claimed signer (person id) => commit sha -> Signature."""
        raws = self.repo.read_objects(claims)
        jobs = list(claims.items())
        # each job is mostly the start of an ssh-keygen process: twice as many workers as cores keeps them busy
        workers = max(1, min(len(jobs), 2 * (os.cpu_count() or 1), 8))
        with ThreadPoolExecutor(workers) as pool:
            results = pool.map(lambda job: self._one(job[0], raws.get(job[0], b""), job[1]), jobs)
            return dict(zip(claims, results, strict=True))

    def identify(self, shas: list[str]) -> dict[str, Signature]:
        """commit sha -> Signature, GOOD with the signer for any roster key (no one is claimed)."""
        out = {}
        for sha, sig in self.verify(dict.fromkeys(shas, "")).items():
            out[sha] = Signature(GOOD, sig.signer) if sig.status == WRONG_KEY else sig
        return out

    def signed(self, claims: dict[str, str]) -> dict[str, str]:
        """Those of `claims` whose commits carry a signature at all."""
        raws = self.repo.read_objects(claims)
        return {sha: who for sha, who in claims.items() if b"\ngpgsig " in raws.get(sha, b"").partition(b"\n\n")[0]}

    def _one(self, sha: str, raw: bytes, claimed: str) -> Signature:
        payload, sig = split_signed(raw)
        if sig is None:
            return Signature(UNSIGNED)
        if not sig.startswith(BEGIN):
            return Signature(BAD)
        sigfile = Path(self._dir.name) / f"{sha}.sig"
        sigfile.write_bytes(sig)
        if claimed in self.config.people and self._verify(sigfile, payload, claimed):
            return Signature(GOOD, claimed)
        holder = self._find_principal(sigfile)
        if holder and holder != claimed and self._verify(sigfile, payload, holder):
            return Signature(WRONG_KEY, holder)
        if holder is None and self._ssh("check-novalidate", "-n", NAMESPACE, "-s", str(sigfile), stdin=payload):
            return Signature(UNKNOWN_KEY)
        return Signature(BAD)

    def _verify(self, sigfile: Path, payload: bytes, principal: str) -> bool:
        return self._ssh("verify", "-f", str(self.allowed), "-I", principal, "-n", NAMESPACE, "-s", str(sigfile),
                         stdin=payload)

    def _find_principal(self, sigfile: Path) -> str | None:
        proc = subprocess.run(["ssh-keygen", "-Y", "find-principals", "-f", str(self.allowed), "-s", str(sigfile)],
                              capture_output=True)
        names = proc.stdout.decode().split()
        return names[0] if proc.returncode == 0 and names else None

    @staticmethod
    def _ssh(op: str, *args: str, stdin: bytes) -> bool:
        return subprocess.run(["ssh-keygen", "-Y", op, *args], input=stdin, capture_output=True).returncode == 0


def public_key_of(private_key: str) -> str | None:
    """The public key (type and base64) of a private key file, or of a .pub file; None if unreadable."""
    path = Path(private_key).expanduser()
    if path.suffix == ".pub" and path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        proc = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(path)], capture_output=True,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            return None
        text = proc.stdout.decode()
    parts = text.split()
    return " ".join(parts[:2]) if len(parts) >= 2 else None


def same_key(a: str, b: str) -> bool:
    return a.split()[:2] == b.split()[:2]
