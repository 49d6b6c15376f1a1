"""Checkpoints against a hostile database owner, on the real PostgreSQL and Kafka
(issue 16 item 2; docs/ledger.md "Checkpoints", docs/reliability.md).

The owner of the ledger's database can disable its append-only triggers. Rewriting an
amount and then every hash consistently, or deleting the last transactions, leaves
``pac-grants ledger verify`` passing; ``verify --checkpoints`` must fail on both, and
with ``--public-key`` on a checkpoint forged to match. The checkpoints come from the
batch handler on PostgreSQL; from a real worker on the real broker:
tests/integration/test_checkpoints_worker.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pac_grants.ledger import Checkpoint, Signer, generate_key_pair, parse_checkpoint
from streams.checkpoints import Checkpointer
from tests.checkpoint_support import head_checkpoint, move_and_rehash, truncate
from tests.integration.pipeline_support import cli
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened, paid

pytestmark = pytest.mark.integration

A, B = "09.001.01.01", "09.001.01.02"
TOPIC = "pac.ledger-checkpoints.v1"


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "keys").mkdir()
    private, public, _ = generate_key_pair(tmp_path / "keys")
    return private, public


@pytest.fixture
def feed(fresh_postgres_url: str, keys: tuple[Path, Path]) -> Iterator[Feed]:
    """The batch handler on a fresh PostgreSQL ledger, a checkpoint every 4 transactions
    and at the approval, signed: the approval ends at sequence 6 (the allocation and the
    four tranche orders), then 10 payments (sequence 16)."""
    running = Feed(fresh_postgres_url)
    running.handler.checkpoints = Checkpointer(4, Signer.load(keys[0]))
    running.send("communes", commune(A), commune(B, 200_000))
    running.send("cycles", opened(10_000_000))
    running.send("assessments", assessment(A), assessment(B))
    running.send("cycles", cycle_event("CycleClosed", cycle=2021))
    for n in range(10):
        running.send("disbursements", paid(A if n % 2 else B, "10.00", f"TGR-{n}"))
    yield running
    running.ledger.dispose()


def kept(feed: Feed, path: Path) -> list[Checkpoint]:
    """The checkpoints the batches queued, written to a file as ``export`` would."""
    values = [value for _, topic, _, value in feed.pending() if topic == TOPIC]
    path.write_bytes(b"".join(v + b"\n" for v in values))
    return [parse_checkpoint(v, "outbox") for v in values]


def verify(url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    done = cli((env or {}) | {"PAC_DATABASE_URL": url}, "ledger", "verify", *args)
    assert done.stderr == "", done.stderr
    return done.returncode, done.stdout.splitlines()


def test_the_owner_rewrites_the_whole_chain_verify_passes_checkpoints_do_not(
        feed: Feed, fresh_postgres_url: str, tmp_path: Path) -> None:
    file = tmp_path / "kept.jsonl"
    assert [c.seq for c in kept(feed, file)] == [6, 8, 12, 16]
    assert verify(fresh_postgres_url, "--checkpoints", str(file)) == (0, [
        "ok: 16 transactions, chain intact", "ok: 4 checkpoints match the chain up to "
        "sequence 16 (head 16); signatures not checked (no --public-key)"])
    with pytest.raises(DBAPIError, match="append-only"), feed.ledger.engine.begin() as db:
        db.execute(text("UPDATE ledger_postings SET amount = amount + 1"))
    allocated = feed.ledger.balance(f"payable:2021:{A}")
    assert move_and_rehash(feed.ledger, "allocation:2021:standard", 100_00) == 15
    assert feed.ledger.balance(f"payable:2021:{A}") == allocated - 100_00
    assert verify(fresh_postgres_url) == (0, ["ok: 16 transactions, chain intact"])
    code, lines = verify(fresh_postgres_url, "--checkpoints", str(file))
    assert code == 1 and lines[0] == "ok: 16 transactions, chain intact"
    assert lines[1].startswith("FAILED: rewritten chain: the transaction at sequence 2 has "
                               "hash sha256:")
    assert lines[1].endswith("(4 of 4 checkpoints fail)")


def test_the_owner_cuts_the_tail_verify_passes_checkpoints_do_not(
        feed: Feed, fresh_postgres_url: str, tmp_path: Path) -> None:
    file = tmp_path / "kept.jsonl"
    checkpoints = kept(feed, file)
    assert truncate(feed.ledger, keep=13) == 3
    assert verify(fresh_postgres_url) == (0, ["ok: 13 transactions, chain intact"])
    code, lines = verify(fresh_postgres_url, "--checkpoints", str(file))
    assert code == 1 and lines[1] == (
        f"FAILED: truncated tail: the ledger ends at sequence 13, but the checkpoint of "
        f"sequence 16 taken at {checkpoints[-1].at} anchors sequence 16: 3 transactions "
        "are missing")


def test_a_checkpoint_forged_to_match_a_rewritten_chain_fails_with_the_public_key(
        feed: Feed, fresh_postgres_url: str, keys: tuple[Path, Path],
        tmp_path: Path) -> None:
    _, public = keys
    genuine = tmp_path / "kept.jsonl"
    kept(feed, genuine)
    assert verify(fresh_postgres_url, "--checkpoints", str(genuine), "--public-key",
                  str(public))[1][1].endswith("; 4 signatures valid")
    move_and_rehash(feed.ledger, "allocation:2021:standard", 1)
    (tmp_path / "theirs").mkdir()
    intruder = Signer.load(generate_key_pair(tmp_path / "theirs")[0])
    forged = tmp_path / "forged.jsonl"
    forged.write_text(intruder.sign(head_checkpoint(feed.ledger)).to_json() + "\n")
    assert verify(fresh_postgres_url, "--checkpoints", str(forged))[0] == 0
    code, lines = verify(fresh_postgres_url, "--checkpoints", str(forged), "--public-key",
                         str(public))
    assert code == 1 and lines[1].startswith("FAILED: forged checkpoint: the checkpoint of "
                                             "sequence 16 taken at ")
    assert f"is signed by key {intruder.key_id}, not by " in lines[1]
