"""Each person's SSH signing key, kept only in OpenSSH's passphrase-protected format.

The passphrase is the person's workbench password: nothing on the server can sign for a person without it.
At the moment of a submission or a decision the key is decrypted into a 0600 file in a private temporary
folder, named as git's user.signingkey for that one operation, and deleted right after.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.errors import PortalError


class WrongPassword(PortalError):
    pass


def generate(password: str, comment: str) -> tuple[str, str]:
    """A new ed25519 key: (private key, encrypted with the password, OpenSSH format; public key line)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH,
                                ser.BestAvailableEncryption(password.encode("utf-8")))
    public = key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    return private.decode("ascii"), f"{public} {comment}"


def _load(private: str, password: str) -> Ed25519PrivateKey:
    try:
        key = ser.load_ssh_private_key(private.encode("ascii"), password.encode("utf-8"))
    except (ValueError, TypeError):
        raise WrongPassword("密码不正确，签名密钥未能解锁，未做任何操作。请重新输入你的登录密码") from None
    assert isinstance(key, Ed25519PrivateKey)
    return key


def reencrypt(private: str, old: str, new: str) -> str:
    key = _load(private, old)
    return key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH,
                             ser.BestAvailableEncryption(new.encode("utf-8"))).decode("ascii")


@contextlib.contextmanager
def unlocked(private: str, password: str) -> Iterator[Path]:
    """The decrypted key as a 0600 file for the duration of the block."""
    key = _load(private, password)
    folder = Path(tempfile.mkdtemp(prefix="portal-key-"))  # mkdtemp makes it 0700
    path = folder / "id_ed25519"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption()))
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        shutil.rmtree(folder, ignore_errors=True)
