"""The bisection of a refused batch (streams/isolation.py), with a fake handler.

The fake commits a batch unless it holds a message chosen as bad (then it raises, as a
refused transaction would, and commits nothing). Whatever the bad messages, every good
one must be committed exactly once and in order, only the bad ones set aside, and the
number of transactions must stay near 2 log2(n) per bad message. The same code on a
real database: tests/unit/test_poison_committer.py (SQLite) and
tests/integration/test_poison.py (PostgreSQL, Kafka).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
)

from pac_grants.ledger import DatabaseUnavailable
from streams.isolation import Failure, bisect, isolatable, kind_of, merge
from streams.messages import BatchOutcome, Message

TOPIC = "pac.communes.v1"


def refused(text: str) -> IntegrityError:
    return IntegrityError("INSERT INTO pipeline_communes ...", {}, Exception(text))


class FakeHandler:
    """Commits batches without a bad message; ``refuse`` may also decide per batch."""

    def __init__(self, bad: set[int],
                 refuse: Callable[[Sequence[Message]], Exception | None] | None = None
                 ) -> None:
        self.bad = bad
        self.refuse = refuse
        self.committed: list[int] = []
        self.transactions = 0

    def handle(self, messages: Sequence[Message]) -> BatchOutcome:
        self.transactions += 1
        exc = self.refuse(messages) if self.refuse else None
        hit = [m.offset for m in messages if m.offset in self.bad]
        if hit:
            exc = refused(f"offset {hit[0]} refused")
        if exc is not None:
            raise exc
        self.committed.extend(m.offset for m in messages)
        return BatchOutcome(topic=TOPIC, consumed=len(messages), stages={"handle": 0.5})


class SetAside:
    def __init__(self) -> None:
        self.aside: list[tuple[int, str]] = []

    def __call__(self, message: Message, exc: Exception) -> BatchOutcome:
        self.aside.append((message.offset, str(exc.orig)))  # type: ignore[attr-defined]
        return BatchOutcome(topic=message.topic, consumed=1,
                            rejected=[(message.topic, "storage_rejected")])


def batch(n: int) -> list[Message]:
    return [Message(TOPIC, k % 3, k, f"k{k}".encode(), b"{}") for k in range(n)]


def isolate(n: int, bad: set[int]) -> tuple[FakeHandler, SetAside, BatchOutcome]:
    """What the Committer does: the whole batch once, then bisect if it is refused."""
    handler, aside = FakeHandler(bad), SetAside()
    messages, into = batch(n), BatchOutcome(topic=TOPIC)
    try:
        merge(into, handler.handle(messages))
    except IntegrityError as exc:
        bisect(handler.handle, messages, exc, aside, into)
    return handler, aside, into


def check(n: int, bad: set[int], handler: FakeHandler, aside: SetAside,
          into: BatchOutcome) -> None:
    good = [k for k in range(n) if k not in bad]
    assert handler.committed == good  # each good message once, in the batch's order
    assert sorted(offset for offset, _ in aside.aside) == sorted(bad)
    assert all(text == f"offset {offset} refused" for offset, text in aside.aside)
    assert into.consumed == n
    assert into.rejected == [(TOPIC, "storage_rejected")] * len(bad)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 500, 501])
def test_one_bad_message_anywhere_costs_about_two_log2_n_transactions(n: int) -> None:
    positions = sorted({0, n // 2, n - 1, random.Random(n).randrange(n)})
    for position in positions:
        handler, aside, into = isolate(n, {position})
        check(n, {position}, handler, aside, into)
        # The whole batch, then per level of the split one half that fails and at most
        # one that commits: 1 + 2 ceil(log2 n) transactions, plus the set-aside's own.
        assert handler.transactions <= 1 + 2 * math.ceil(math.log2(n)), (n, position)


def test_500_with_the_bad_message_in_the_middle_takes_17_transactions() -> None:
    handler, aside, into = isolate(500, {250})
    check(500, {250}, handler, aside, into)
    # 500 -> 250 -> 125 -> 62 -> 31 -> 15 -> 7 -> 3 -> 1: the whole batch, then two
    # halves at each of the 8 splits (one refused, one committed).
    assert handler.transactions == 1 + 2 * 8
    assert into.stages == {"handle": 0.5 * 8}  # the eight halves that committed


@pytest.mark.parametrize("bad", [{0, 1}, {10, 11, 12}, {0, 499}, {3, 77, 250, 251, 498}])
def test_several_bad_messages_are_each_set_aside(bad: set[int]) -> None:
    handler, aside, into = isolate(500, bad)
    check(500, bad, handler, aside, into)
    assert handler.transactions <= 1 + len(bad) * 2 * math.ceil(math.log2(500))


def test_random_bad_sets_never_lose_or_double_a_message() -> None:
    rng = random.Random(16)
    for _ in range(200):
        n = rng.randrange(1, 120)
        bad = {k for k in range(n) if rng.random() < 0.1}
        if not bad:
            continue
        handler, aside, into = isolate(n, bad)
        check(n, bad, handler, aside, into)


def test_a_batch_of_bad_messages_only_sets_each_aside_once() -> None:
    handler, aside, into = isolate(8, set(range(8)))
    check(8, set(range(8)), handler, aside, into)
    assert handler.transactions == 1 + 14  # every inner node of the split tree is tried


def test_a_refusal_of_two_messages_together_sets_none_aside() -> None:
    """Only a message that fails alone is dead-lettered: 10 and 11 are refused only in
    the same transaction, so once they are apart both commit."""
    def together(messages: Sequence[Message]) -> Exception | None:
        offsets = {m.offset for m in messages}
        return refused("10 with 11") if {10, 11} <= offsets else None

    handler, aside = FakeHandler(set(), together), SetAside()
    messages, into = batch(20), BatchOutcome(topic=TOPIC)
    with pytest.raises(IntegrityError) as first:
        handler.handle(messages)
    bisect(handler.handle, messages, first.value, aside, into)
    assert handler.committed == list(range(20))
    assert aside.aside == [] and into.rejected == []


def test_a_lost_connection_during_the_split_propagates_and_keeps_what_committed() -> None:
    calls = Counter[str]()

    def outage(messages: Sequence[Message]) -> Exception | None:
        calls["handle"] += 1
        if calls["handle"] == 4:  # the third half tried: the database goes away
            return OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return None

    handler, aside = FakeHandler({30}, outage), SetAside()
    messages, into = batch(40), BatchOutcome(topic=TOPIC)
    with pytest.raises(IntegrityError) as first:
        handler.handle(messages)
    with pytest.raises(OperationalError):
        bisect(handler.handle, messages, first.value, aside, into)
    assert handler.committed == list(range(20))  # the first half, committed before
    assert into.consumed == 20 and aside.aside == []


@pytest.mark.parametrize(("exc", "kind"), [
    (OperationalError("s", {}, Exception("connection refused")), Failure.TRANSIENT),
    (DatabaseUnavailable("the database does not answer"), Failure.TRANSIENT),
    (DBAPIError("s", {}, Exception("gone"), connection_invalidated=True), Failure.TRANSIENT),
    (ProgrammingError("s", {}, Exception("permission denied for table")), Failure.SYSTEMIC),
    (IntegrityError("s", {}, Exception("violates check constraint")), Failure.REFUSED),
    (DataError("s", {}, Exception("value too long")), Failure.REFUSED),
    (InternalError("s", {}, Exception("raised by a trigger")), Failure.REFUSED),
    (KeyError("a bug in one handler path"), Failure.REFUSED),
])
def test_what_a_failure_means(exc: Exception, kind: Failure) -> None:
    assert kind_of(exc) is kind


def test_only_assessments_communes_and_complaints_may_be_set_aside() -> None:
    def one(logical: str, prefix: str = "pac.") -> list[Message]:
        return [Message(f"{prefix}{logical}.v1", 0, 0, None, b"{}")]

    for logical in ("assessments", "communes", "complaints"):
        assert isolatable("pac.", one(logical))
        assert isolatable("it1.", one(logical, "it1."))
    for logical in ("cycles", "disbursements"):
        assert not isolatable("pac.", one(logical))
    assert not isolatable("pac.", one("communes") + one("cycles"))
    assert not isolatable("pac.", one("communes", "other."))
    assert not isolatable("pac.", [])


def test_merge_adds_every_field_of_an_outcome() -> None:
    """Each field of BatchOutcome, given a value in ``part``, shows up in the merge:
    a field added later without a rule in ``merge`` fails here."""
    moment = datetime(2022, 3, 1, tzinfo=UTC).timestamp()  # a record's timestamp
    into = BatchOutcome(topic=TOPIC, consumed=2, seconds=1.0, stages={"handle": 1.0},
                        skipped=1, queued=1, duplicates=1, rejected=[(TOPIC, "a")],
                        ledger_kinds=Counter(envelope=1), committed_events=[moment],
                        provisional={2021},
                        allocations=[(2021, "standard", 1, 1, 0, 1, 0.1)],
                        lifecycle={2021: ("open", 0)})
    part = BatchOutcome(topic=TOPIC, consumed=3, seconds=0.5,
                        stages={"handle": 2.0, "ledger": 1.0}, skipped=2, queued=2,
                        duplicates=4,
                        rejected=[(TOPIC, "storage_rejected")],
                        ledger_kinds=Counter(envelope=2, allocation=1),
                        committed_events=[moment], provisional={2022},
                        allocations=[(2022, "standard", 2, 2, 0, 2, 0.2)],
                        lifecycle={2021: ("notified", 1), 2022: ("open", 0)})
    before = copy.deepcopy(into)
    merged = merge(into, part)
    assert merged is into
    assert (merged.consumed, merged.seconds, merged.skipped, merged.duplicates) == (5, 1.5, 3, 5)
    assert merged.queued == 3
    assert merged.stages == {"handle": 3.0, "ledger": 1.0}
    assert merged.rejected == [(TOPIC, "a"), (TOPIC, "storage_rejected")]
    assert merged.ledger_kinds == Counter(envelope=3, allocation=1)
    assert merged.committed_events == [moment, moment]
    assert merged.provisional == {2021, 2022}
    assert len(merged.allocations) == 2
    assert merged.lifecycle == {2021: ("notified", 1), 2022: ("open", 0)}
    for spec in dataclasses.fields(BatchOutcome):
        if spec.name != "topic":
            assert getattr(merged, spec.name) != getattr(before, spec.name), spec.name
