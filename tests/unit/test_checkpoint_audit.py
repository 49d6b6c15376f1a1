"""A ledger against its checkpoints, on SQLite (the PostgreSQL run, with the owner's
triggers, is tests/integration/test_ledger_checkpoints.py): a chain rewritten so that
``verify`` passes, a truncated tail, a forged checkpoint; ``ledger verify --checkpoints``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pac_grants.cli.ledger import ledger as ledger_cli
from pac_grants.ledger import (
    Checkpoint,
    Ledger,
    Posting,
    Signer,
    TransactionSpec,
    Verifier,
    generate_key_pair,
)
from tests.checkpoint_support import head_checkpoint, move_and_rehash, truncate
from tests.ledger_support import post_many

A, B = "09.001.01.01", "09.001.01.02"


def spec(key: str, postings: dict[str, int]) -> TransactionSpec:
    return TransactionSpec(
        key=key, kind="allocation", cycle=2021, window="standard",  # type: ignore[arg-type]
        postings=tuple(Posting(a, v) for a, v in postings.items()), cause_event_ids=(key,),
        ruleset_id="papc-2021", ruleset_digest=None, inputs_digest=None,
        effective_date=date(2021, 6, 1), reason=key)


def allocation(n: int) -> TransactionSpec:
    return spec(f"allocation-{n}", {"pool:2021:standard": -300, f"payable:2021:{A}": 100,
                                    f"payable:2021:{B}": 200})


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Ledger]:
    """Ten transactions, with a checkpoint taken at sequences 4 and 8 (kept here)."""
    instance = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    instance.upgrade()
    yield instance
    instance.dispose()


def build(book: Ledger, signer: Signer | None = None) -> list[Checkpoint]:
    kept = []
    for n in range(1, 11):
        post_many(book, [allocation(n)])
        if n in (4, 8):
            taken = head_checkpoint(book)
            kept.append(signer.sign(taken) if signer else taken)
    return kept


def audit(book: Ledger, kept: list[Checkpoint], verifier: Verifier | None = None) -> str:
    with book.reader() as reader:
        return reader.postings.audit(kept, verifier).line()


def test_an_intact_ledger_matches_its_checkpoints(book: Ledger) -> None:
    kept = build(book)
    assert [(c.seq, c.count) for c in kept] == [(4, 4), (8, 8)]
    assert audit(book, kept) == ("ok: 2 checkpoints match the chain up to sequence 8 (head "
                                 "10); signatures not checked (no --public-key)")


def test_a_consistently_rewritten_chain_passes_verify_but_not_the_checkpoints(
        book: Ledger) -> None:
    kept = build(book)
    assert move_and_rehash(book, "allocation-6", 50) == 5  # sequences 6 to 10
    assert book.verify().ok and book.balance(f"payable:2021:{A}") == 1000 - 50
    line = audit(book, kept)
    assert line.startswith("FAILED: rewritten chain: the transaction at sequence 8 has hash ")
    assert f"the checkpoint of sequence 8 taken at {kept[1].at} says {kept[1].hash}" in line


def test_rewriting_before_every_checkpoint_fails_them_all(book: Ledger) -> None:
    kept = build(book)
    move_and_rehash(book, "allocation-1", 1)
    line = audit(book, kept)
    assert "at sequence 4" in line and line.endswith("(2 of 2 checkpoints fail)")


def test_a_truncated_tail_passes_verify_but_not_the_checkpoints(book: Ledger) -> None:
    kept = build(book)
    assert truncate(book, keep=6) == 4
    assert book.verify().line() == "ok: 6 transactions, chain intact"
    assert audit(book, kept) == (
        f"FAILED: truncated tail: the ledger ends at sequence 6, but the checkpoint of "
        f"sequence 8 taken at {kept[1].at} anchors sequence 8: 2 transactions are missing")


def test_a_tail_cut_and_written_again_is_a_rewritten_chain(book: Ledger) -> None:
    kept = build(book)
    truncate(book, keep=6)
    post_many(book, [allocation(n) for n in range(60, 64)])  # back to 10, other content
    assert book.verify().ok
    assert audit(book, kept).startswith("FAILED: rewritten chain: the transaction at "
                                        "sequence 8")


def test_a_forged_checkpoint_passes_without_the_key_and_fails_with_it(
        book: Ledger, tmp_path: Path) -> None:
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir()
    theirs.mkdir()
    key, public, _ = generate_key_pair(mine)
    kept = build(book, Signer.load(key))
    verifier = Verifier.load(public)
    assert audit(book, kept, verifier).endswith("; 2 signatures valid")
    move_and_rehash(book, "allocation-2", 10)
    intruder = Signer.load(generate_key_pair(theirs)[0])
    forged = [intruder.sign(head_checkpoint(book))]  # matches the rewritten chain
    assert audit(book, forged).startswith("ok: 1 checkpoints match")
    assert audit(book, forged, verifier) == (
        f"FAILED: forged checkpoint: the checkpoint of sequence 10 taken at {forged[0].at} "
        f"is signed by key {intruder.key_id}, not by {verifier.key_id}")


def test_no_checkpoints_is_not_a_pass(book: Ledger) -> None:
    build(book)
    assert audit(book, []).startswith("FAILED: no checkpoints to check against")


def test_a_checkpoint_taken_on_a_broken_ledger_is_named(book: Ledger) -> None:
    kept = build(book)
    miscounted = Checkpoint(kept[0].seq, kept[0].hash, kept[0].at, count=3)
    assert audit(book, [miscounted]) == (
        f"FAILED: the checkpoint of sequence 4 taken at {kept[0].at} counts 3 "
        "transactions: the ledger was not contiguous when it was taken")


def _write(path: Path, kept: list[Checkpoint]) -> Path:
    path.write_text("".join(c.to_json() + "\n" for c in kept), "utf-8")
    return path


def test_cli_verify_with_checkpoints_exit_codes(book: Ledger, tmp_path: Path) -> None:
    key, public, _ = generate_key_pair(tmp_path)
    kept = _write(tmp_path / "kept.jsonl", build(book, Signer.load(key)))
    url = ["--database-url", str(book.engine.url)]
    run = CliRunner().invoke
    plain = run(ledger_cli, ["verify", *url])
    assert (plain.exit_code, plain.output) == (0, "ok: 10 transactions, chain intact\n")
    done = run(ledger_cli, ["verify", *url, "--checkpoints", str(kept), "--public-key",
                            str(public)])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[1].endswith("2 signatures valid")
    truncate(book, keep=7)
    failed = run(ledger_cli, ["verify", *url, "--checkpoints", str(kept)])
    assert failed.exit_code == 1
    assert failed.output.splitlines()[1].startswith("FAILED: truncated tail")


def test_cli_mistakes_are_one_line_and_exit_2(book: Ledger, tmp_path: Path) -> None:
    build(book)
    url = ["--database-url", str(book.engine.url)]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(head_checkpoint(book).to_json() + "\n\n{oops\n", "utf-8")
    cases = [(["--public-key", str(bad)], "--public-key checks checkpoints"),
             (["--checkpoints", str(bad)], f"{bad}:3: not a JSON checkpoint"),
             (["--checkpoints", str(tmp_path / "none.jsonl")], "No such file"),
             (["--checkpoints", str(bad), "--public-key", str(bad)], "not a PEM key file")]
    for extra, message in cases:
        result = CliRunner().invoke(ledger_cli, ["verify", *url, *extra])
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output and len(result.output.strip().splitlines()) == 1
