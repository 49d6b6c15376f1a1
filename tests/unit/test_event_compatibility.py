"""Events as release 0.1.0 published them still mean what they meant (docs/events.md s12).

``tests/data/events-0.1.0/`` holds messages written by 0.1.0's sample program, byte for
byte: communes, a cycle opened with plain pools and closed without ``closed_on``, its
assessments, a pool change, payments without ``order_id``. Every one must decode with
``schema_version`` 1 as before, the fields added since taking the values that mean
"as before", and the cycle must still be approved by them: its grants posted and ordered.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from models.decode import Rejection, decode
from models.events import CycleClosed, CycleOpened, DisbursementExecuted, PoolAdjusted
from tests.unit.streams_harness import Feed

OLD = Path(__file__).resolve().parents[1] / "data" / "events-0.1.0"
FILES = {"communes": "communes", "cycles": "cycles", "assessments": "assessments",
         "disbursements": "disbursements", "pool-adjusted": "cycles"}


def messages(name: str) -> list[bytes]:
    return [line for line in (OLD / f"{name}.jsonl").read_bytes().splitlines() if line]


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_message_of_0_1_0_decodes(name: str) -> None:
    found = messages(name)
    assert found
    for raw in found:
        event = decode(raw, FILES[name])
        assert not isinstance(event, Rejection), (raw[:80], event)
        assert event.schema_version == 1


def test_the_fields_added_since_take_their_old_meaning() -> None:
    opened, closed = (decode(raw, "cycles") for raw in messages("cycles"))
    assert isinstance(opened, CycleOpened) and isinstance(closed, CycleClosed)
    assert {w: p.total for w, p in opened.pools.items()} == json.loads(
        messages("cycles")[0])["pools"]
    assert all(p.financiers == () for p in opened.pools.values())  # one unnamed source
    assert closed.closed_on is None and closed.inputs_digest is None
    assert closed.approval_date == date.fromisoformat(
        json.loads(messages("cycles")[1])["occurred_at"][:10])  # occurred_at's date
    for raw in messages("disbursements"):
        paid = decode(raw, "disbursements")
        assert isinstance(paid, DisbursementExecuted) and paid.order_id is None
    [pool] = (decode(raw, "cycles") for raw in messages("pool-adjusted"))
    assert isinstance(pool, PoolAdjusted)


def test_a_cycle_of_0_1_0_is_approved_by_its_own_messages() -> None:
    feed = Feed()
    for topic in ("communes", "assessments"):
        feed.batch([feed.message(topic, raw) for raw in messages(topic)])
    feed.batch([feed.message("cycles", raw) for raw in messages("cycles")])
    assert feed.rejected == []
    grants = {code: c for (_w, code), c in feed.ledger.allocated(2019).items() if c}
    assert len(grants) == 3 and all(grants.values())
    orders = feed.ledger.orders(cycle=2019).orders
    assert {o.commune_code: o.amount for o in orders} == grants  # one tranche each
    assert feed.ledger.verify().ok
    feed.ledger.dispose()
