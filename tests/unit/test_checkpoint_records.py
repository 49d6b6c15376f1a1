"""Checkpoint records and their Ed25519 signatures (docs/ledger.md "Checkpoints")."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from pac_grants.ledger import (
    Checkpoint,
    CheckpointError,
    Signer,
    SigningKeyError,
    Verifier,
    generate_key_pair,
    parse_checkpoint,
)
from pac_grants.ledger.hashing import canonical_json

HASH = "sha256:" + "ab" * 32
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def checkpoint(seq: int = 1000) -> Checkpoint:
    return Checkpoint.taken(seq, HASH, AT, seq)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Signer, Verifier, Path]:
    private, public, _key_id = generate_key_pair(tmp_path)
    return Signer.load(private), Verifier.load(public), public


def test_a_checkpoint_is_one_canonical_json_line_that_reads_back() -> None:
    text = checkpoint().to_json()
    assert text == ('{"at":"2026-03-01T09:30:00.000000+00:00","count":1000,"hash":"'
                    + HASH + '","seq":1000}')
    assert parse_checkpoint(text, "x") == checkpoint()


@pytest.mark.parametrize(("record", "problem"), [
    ("{", "not a JSON checkpoint"),
    ("[]", "a checkpoint is a JSON object"),
    ({"seq": 1, "hash": HASH, "at": "2026-03-01T09:30:00Z"}, "missing field(s) count"),
    ({"seq": 1, "hash": HASH, "at": "2026-03-01T09:30:00Z", "count": 1, "by": "me"},
     "unknown field(s) by"),
    ({"seq": -1, "hash": HASH, "at": "2026-03-01T09:30:00Z", "count": 1}, "seq must be"),
    ({"seq": True, "hash": HASH, "at": "2026-03-01T09:30:00Z", "count": 1}, "seq must be"),
    ({"seq": 1, "hash": "sha256:AB", "at": "2026-03-01T09:30:00Z", "count": 1}, "hash must"),
    ({"seq": 1, "hash": HASH, "at": "2026-03-01T09:30:00", "count": 1}, "with its zone"),
    ({"seq": 1, "hash": HASH, "at": "2026-03-01T09:30:00Z", "count": 1, "signature": "AA=="},
     "go together"),
    ({"seq": 1, "hash": HASH, "at": "2026-03-01T09:30:00Z", "count": 1, "signature": "AA==",
      "key_id": "ed25519:00"}, "64 bytes in base64"),
])
def test_a_bad_record_is_one_line_naming_where(record: object, problem: str) -> None:
    text = record if isinstance(record, str) else json.dumps(record)
    with pytest.raises(CheckpointError) as raised:
        parse_checkpoint(text, "kept.jsonl:7")
    assert str(raised.value).startswith("kept.jsonl:7: ") and problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_signed_checkpoint_verifies_and_reads_back_signed(
        keys: tuple[Signer, Verifier, Path]) -> None:
    signer, verifier, _ = keys
    signed = signer.sign(checkpoint())
    assert signed.key_id == signer.key_id == verifier.key_id
    assert verifier.problem(signed) is None
    again = parse_checkpoint(signed.to_json(), "x")
    assert again == signed and verifier.problem(again) is None


def test_the_signature_is_plain_ed25519_over_the_canonical_json(
        keys: tuple[Signer, Verifier, Path]) -> None:
    """What docs/ledger.md tells an auditor, checked with cryptography alone."""
    signer, _, public_path = keys
    signed = signer.sign(checkpoint())
    public = serialization.load_pem_public_key(public_path.read_bytes())
    assert isinstance(public, Ed25519PublicKey)
    content = {"seq": 1000, "hash": HASH, "at": signed.at, "count": 1000}
    signature = signed.signature_bytes()
    assert signature is not None
    public.verify(signature, canonical_json(content).encode("utf-8"))  # raises if bad


@pytest.mark.parametrize("change", [{"seq": 1001}, {"hash": "sha256:" + "cd" * 32},
                                    {"at": "2026-03-01T09:30:01.000000+00:00"},
                                    {"count": 999}])
def test_any_change_to_a_signed_checkpoint_breaks_its_signature(
        keys: tuple[Signer, Verifier, Path], change: dict[str, object]) -> None:
    signer, verifier, _ = keys
    forged = replace(signer.sign(checkpoint()), **change)  # type: ignore[arg-type]
    assert "does not verify with key" in str(verifier.problem(forged))


def test_another_key_or_no_signature_is_named(keys: tuple[Signer, Verifier, Path],
                                              tmp_path: Path) -> None:
    _, verifier, _ = keys
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = Signer.load(generate_key_pair(other_dir)[0])
    assert verifier.problem(checkpoint()) == "is not signed"
    assert verifier.problem(other.sign(checkpoint())) == (
        f"is signed by key {other.key_id}, not by {verifier.key_id}")
    stolen_id = replace(other.sign(checkpoint()), key_id=verifier.key_id)
    assert "does not verify" in str(verifier.problem(stolen_id))


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
        tmp_path: Path) -> None:
    private, public, key_id = generate_key_pair(tmp_path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert key_id.startswith("ed25519:") and len(key_id) == len("ed25519:") + 16
    before = private.read_bytes()
    with pytest.raises(SigningKeyError, match="exists; a signing key is never overwritten"):
        generate_key_pair(tmp_path)
    assert private.read_bytes() == before


def test_unusable_key_files_are_one_line(tmp_path: Path) -> None:
    private, public, _ = generate_key_pair(tmp_path)
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello\n")
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    other = tmp_path / "ec.pem"
    other.write_bytes(ecdsa.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    locked = tmp_path / "locked.pem"
    key = serialization.load_pem_private_key(private.read_bytes(), None)
    locked.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret")))
    cases = [(Signer.load, tmp_path / "missing.pem", "No such file"),
             (Signer.load, not_pem, "not a PEM key file"),
             (Signer.load, public, "not a readable PEM private key"),
             (Signer.load, other, "not an Ed25519 private key"),
             (Signer.load, locked, "the key is encrypted"),
             (Verifier.load, private, "not a readable PEM public key")]
    for load, path, message in cases:
        with pytest.raises(SigningKeyError) as raised:
            load(path)
        assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)
