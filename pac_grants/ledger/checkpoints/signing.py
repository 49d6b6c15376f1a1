"""Ed25519 keys for checkpoints: generate a pair, sign with the private key, verify with
the public one (``cryptography``; docs/ledger.md "Checkpoints").

The worker signs with the private key of ``PAC_LEDGER_SIGNING_KEY`` (PKCS#8 PEM, not
encrypted: the worker starts unattended, so the file's mode 0600 and its owner protect
it); an auditor verifies with the public key (SubjectPublicKeyInfo PEM), which can be
handed to anybody. A ``key_id`` names a key without revealing anything: ``ed25519:`` and
the first 16 hexadecimal digits of the sha256 of its 32 raw bytes.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from pac_grants.ledger.checkpoints.record import Checkpoint
from pac_grants.ledger.errors import LedgerError

PRIVATE_FILE = "ledger-signing-key.pem"
PUBLIC_FILE = "ledger-signing-key.pub.pem"


class SigningKeyError(LedgerError):
    """A key file that cannot be used; ``str()`` is one line naming the file."""


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """Signs checkpoints with one private key."""

    private: Ed25519PrivateKey

    @classmethod
    def load(cls, path: Path) -> Signer:
        try:
            key = serialization.load_pem_private_key(_read(path), password=None)
        except TypeError:  # encrypted: the worker has nobody to ask for a passphrase
            raise SigningKeyError(f"{path}: the key is encrypted; the worker needs it "
                                  "unencrypted (protect the file by its mode, 0600)") from None
        except ValueError:
            raise SigningKeyError(f"{path}: not a readable PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{path}: not an Ed25519 private key")
        return cls(key)

    @property
    def key_id(self) -> str:
        return key_id(self.private.public_key())

    def sign(self, checkpoint: Checkpoint) -> Checkpoint:
        return checkpoint.signed(self.private.sign(checkpoint.signed_bytes()), self.key_id)


@dataclass(frozen=True)
class Verifier:
    """Checks checkpoints' signatures against one public key."""

    public: Ed25519PublicKey

    @classmethod
    def load(cls, path: Path) -> Verifier:
        try:
            key = serialization.load_pem_public_key(_read(path))
        except ValueError:
            raise SigningKeyError(f"{path}: not a readable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{path}: not an Ed25519 public key")
        return cls(key)

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def problem(self, checkpoint: Checkpoint) -> str | None:
        """None if ``checkpoint`` carries a valid signature by this key; else why not."""
        signature = checkpoint.signature_bytes()
        if signature is None:
            return "is not signed"
        if checkpoint.key_id != self.key_id:
            return f"is signed by key {checkpoint.key_id}, not by {self.key_id}"
        try:
            self.public.verify(signature, checkpoint.signed_bytes())
        except InvalidSignature:
            return f"has a signature that does not verify with key {self.key_id}"
        return None


def _read(path: Path) -> bytes:
    """The PEM bytes; a missing file or one that is not PEM is a :class:`SigningKeyError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: {exc.strerror or exc}") from None
    if b"-----BEGIN " not in data:
        raise SigningKeyError(f"{path}: not a PEM key file")
    return data


def generate(directory: Path) -> tuple[Path, Path, str]:
    """A new key pair in ``directory`` (private file mode 0600, never overwritten);
    returns the private path, the public path and the key id."""
    private_path, public_path = directory / PRIVATE_FILE, directory / PUBLIC_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise SigningKeyError(f"{path}: exists; a signing key is never overwritten "
                                  "(move it away first)")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_new(private_path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)
    return private_path, public_path, key_id(key.public_key())


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (no moment where others can read it)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise SigningKeyError(f"{path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.chmod(path, mode)  # the umask may have taken bits off the public file
