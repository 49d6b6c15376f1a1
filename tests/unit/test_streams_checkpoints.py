"""Checkpoints from the batch handler (streams/checkpoints.py), on an in-memory ledger:
at every approval, when a batch's postings cross a multiple of ``every``, never
otherwise; in the outbox of the batch's own transaction, so never ahead of its commit.
The real worker on the real broker: tests/integration/test_ledger_checkpoints.py."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pac_grants.contract.outputs import OUTPUT_MESSAGES
from pac_grants.ledger import (
    Checkpoint,
    Signer,
    SigningKeyError,
    Verifier,
    generate_key_pair,
    parse_checkpoint,
)
from pac_grants.settings import Settings
from pac_grants.worker import StartError, build_app
from streams.checkpoints import Checkpointer
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened, paid

A, B = "09.001.01.01", "09.001.01.02"
TOPIC = "pac.ledger-checkpoints.v1"


def feed_with(every: int, signer: Signer | None = None) -> Feed:
    feed = Feed()
    feed.handler.checkpoints = Checkpointer(every, signer)
    return feed


def published(feed: Feed) -> list[tuple[bytes | None, Checkpoint]]:
    return [(key, parse_checkpoint(value, f"outbox {row}"))
            for row, topic, key, value in feed.pending() if topic == TOPIC]


def head(feed: Feed) -> tuple[int, str]:
    with feed.ledger.reader() as reader:
        return reader.postings.head()


def approved(feed: Feed) -> None:
    feed.send("communes", commune(A), commune(B, 200_000))
    feed.send("cycles", opened(10_000_000))  # one envelope: sequence 1
    feed.send("assessments", assessment(A), assessment(B))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    # the allocation (2) and two tranches of papc-2021 per commune: orders 3 to 6


APPROVED = 6  # the head after approved()


def test_an_approval_publishes_the_head_after_its_postings() -> None:
    feed = feed_with(every=0)
    feed.send("communes", commune(A), commune(B, 200_000))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment(A), assessment(B))
    assert published(feed) == []  # postings, but no approval and no interval
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    [(key, checkpoint)] = published(feed)
    assert (checkpoint.seq, checkpoint.hash) == head(feed) == (APPROVED, checkpoint.hash)
    assert checkpoint.count == APPROVED and key == b"6" and checkpoint.signature is None
    assert checkpoint.at.endswith("+00:00")


def test_every_n_transactions_one_checkpoint_per_batch_that_crosses_a_multiple() -> None:
    feed = feed_with(every=3)
    approved(feed)
    assert [c.seq for _, c in published(feed)] == [APPROVED]  # the approval (crosses 3, 6)
    feed.send("disbursements", paid(A, "1.00", "TGR-1"))  # 7: no
    feed.send("disbursements", paid(A, "1.00", "TGR-2"))  # 8: no
    feed.send("disbursements", *(paid(B, "1.00", f"TGR-{n}") for n in range(3, 8)))  # 9-13
    feed.send("assessments", assessment(A, revision=2))  # frozen: nothing posted
    assert [c.seq for _, c in published(feed)] == [APPROVED, 13]
    assert all(c.count == c.seq for _, c in published(feed))


def test_a_redelivered_approval_publishes_nothing_again() -> None:
    feed = feed_with(every=1)
    feed.send("communes", commune(A), commune(B, 200_000))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment(A), assessment(B))
    closed = cycle_event("CycleClosed", cycle=2021)
    message = feed.message("cycles", ev.raw(closed))
    feed.batch([message])
    before = published(feed)
    assert [c.seq for _, c in before] == [1, APPROVED]
    assert feed.batch([message]).skipped == 1  # the same offset: already committed
    assert feed.send("cycles", closed).duplicates == 1  # the same event, a new offset
    assert published(feed) == before


def test_signed_checkpoints_verify_and_fit_the_published_contract(tmp_path: Path) -> None:
    private, public, _ = generate_key_pair(tmp_path)
    feed = feed_with(every=2, signer=Signer.load(private))
    approved(feed)
    feed.send("disbursements", paid(A, "1.00", "TGR-1"), paid(A, "1.00", "TGR-2"))
    schema = OUTPUT_MESSAGES["ledger-checkpoints"][0][1]
    records = [value for _, topic, _, value in feed.pending() if topic == TOPIC]
    assert len(records) == 2
    verifier = Verifier.load(public)
    for value in records:
        checkpoint = parse_checkpoint(value, "outbox")
        assert verifier.problem(checkpoint) is None
        jsonschema.Draft7Validator(schema).validate(json.loads(value))


def test_a_batch_that_fails_after_the_checkpoint_leaves_no_checkpoint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Outbox and postings in one transaction: the checkpoint is never ahead of them."""
    feed = feed_with(every=0)
    feed.send("communes", commune(A), commune(B, 200_000))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment(A), assessment(B))

    def fail(*_args: object) -> None:
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(feed.handler, "_track", fail)
    with pytest.raises(RuntimeError):
        feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    assert published(feed) == [] and head(feed)[0] == 1
    monkeypatch.undo()
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    assert [c.seq for _, c in published(feed)] == [APPROVED]


def test_settings_choose_the_interval_and_the_key(tmp_path: Path) -> None:
    private, _, key_id = generate_key_pair(tmp_path)
    made = Checkpointer.from_settings(Settings(ledger_checkpoint_every=50,
                                               ledger_signing_key=private))
    assert made.every == 50 and made.signer is not None and made.signer.key_id == key_id
    default = Checkpointer.from_settings(Settings())
    assert (default.every, default.signer) == (1000, None)
    with pytest.raises(SigningKeyError, match=r"missing\.pem: "):
        Checkpointer.from_settings(Settings(ledger_signing_key=tmp_path / "missing.pem"))


def test_the_worker_does_not_start_with_an_unusable_key(tmp_path: Path) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text("not a key\n")
    settings = Settings(ledger_signing_key=bad)
    with pytest.raises(StartError) as raised:
        build_app(settings, Feed().ledger, None)  # type: ignore[arg-type]
    assert str(raised.value) == f"PAC_LEDGER_SIGNING_KEY: {bad}: not a PEM key file"
