"""Idempotence under redelivery, as a property (docs/ledger.md s5,
exactly one effect per cause): any redelivery of the same causes, in any batches,
leaves the same balances as delivering each cause once, and the chain verifies."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.codes import TransactionKind
from pac_grants.ledger import Ledger, Posting, TransactionSpec
from tests.ledger_support import post_many

CAUSES = [(f"disbursement:2021:TGR-{n}", f"C{n % 3}", 1 + n * 7) for n in range(8)]


def spec(key: str, commune: str, amount: int) -> TransactionSpec:
    return TransactionSpec(
        key=key, kind=TransactionKind.DISBURSEMENT, cycle=2021, window=None,
        postings=(Posting(f"payable:2021:{commune}", -amount),
                  Posting(f"paid:2021:{commune}", amount)),
        cause_event_ids=(key,), ruleset_id=None, ruleset_digest=None, inputs_digest=None,
        effective_date=date(2022, 1, 1), reason="payment",
    )


deliveries = st.lists(st.lists(st.sampled_from(CAUSES), min_size=1, max_size=6), max_size=8)


@pytest.fixture(scope="module")
def migrated() -> Iterator[Path]:
    """One migrated empty ledger file, copied for each example (migrating is the slow part)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.db"
        template = Ledger.from_url(f"sqlite:///{path}")
        template.upgrade()
        template.dispose()
        yield path


@settings(max_examples=40, deadline=None)
@given(batches=deliveries)
def test_redelivery_has_the_effect_of_one_delivery(
    migrated: Path, batches: list[list[tuple[str, str, int]]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(migrated, Path(tmp) / "l.db")
        ledger = Ledger.from_url(f"sqlite:///{Path(tmp) / 'l.db'}")
        for batch in batches:
            post_many(ledger, [spec(*cause) for cause in batch])
        once = {cause for batch in batches for cause in batch}
        for commune in ("C0", "C1", "C2"):
            expected = sum(amount for _, code, amount in once if code == commune)
            assert ledger.balance(f"paid:2021:{commune}") == expected
            assert ledger.outstanding(2021, commune) == -expected
        report = ledger.verify()
        assert (report.ok, report.transactions) == (True, len(once))
        ledger.dispose()
