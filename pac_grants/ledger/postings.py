"""The postings repository: the ledger's transactions, read and appended.

:class:`PostingsView` holds every read of the ledger (balances, the finance views, the
statement, the export, ``verify``); :class:`Postings` adds :meth:`Postings.post`, and is
only handed out by a unit of work, which holds the chain lock (docs/ledger.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TextIO

from sqlalchemy import Connection

from models.responses import CommuneBalance, CycleSummary, Statement
from pac_grants.ledger import export, reading, statement, verify, views, writing
from pac_grants.ledger.checkpoints import audit, record, signing
from pac_grants.ledger.posting import PostResult, TransactionSpec, validate

Connect = Callable[[], Connection]


class PostingsView:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def balance(self, account: str, as_of: date | None = None) -> int:
        """Sum of the account's postings in centimes (0 for an account never posted to)."""
        return reading.balance(self._connect(), account, as_of)

    def allocated(self, cycle: int, as_of: date | None = None
                  ) -> dict[tuple[str | None, str], int]:
        """(window, commune) -> allocation + adjustments credited to payable (centimes)."""
        return reading.allocated(self._connect(), cycle, as_of)

    def commune_balances(self, code: str, types: tuple[str, ...],
                         as_of: date | None = None) -> dict[str, int]:
        """Account name -> balance for the commune's accounts of ``types``, every cycle."""
        return reading.commune_balances(self._connect(), code, types, as_of)

    def debt_since(self, cycle: int, code: str) -> date | None:
        """When the commune last came to owe money on the cycle (a decrease's date)."""
        return reading.debt_since(self._connect(), cycle, code)

    def cycles(self) -> list[int]:
        """The cycles with at least one transaction, in order."""
        return reading.cycles(self._connect())

    def windows(self, cycle: int) -> list[str]:
        return reading.windows(self._connect(), cycle)

    def require_cycle(self, cycle: int) -> None:
        """:class:`~pac_grants.ledger.errors.NotFound` unless the cycle has a transaction."""
        views.require_cycle(self._connect(), cycle)

    def summary(self, cycle: int | None = None) -> list[CycleSummary]:
        return views.summary(self._connect(), cycle)

    def balances(self, cycle: int, as_of: date | None = None) -> list[CommuneBalance]:
        return views.balances(self._connect(), cycle, as_of)

    def statement(self, code: str, cycle: int | None = None) -> Statement:
        return statement.statement(self._connect(), code, cycle)

    def export(self, out: TextIO, fmt: str = "csv", cycle: int | None = None) -> int:
        """Write the export; returns the number of rows (CSV) or transactions (JSON)."""
        writer = export.write_json if fmt == "json" else export.write_csv
        return writer(self._connect(), out, cycle)

    def verify(self) -> verify.VerifyReport:
        return verify.verify(self._connect())

    def head(self) -> tuple[int, str]:
        """(sequence, hash) of the chain's last transaction; (0, GENESIS) when empty."""
        return writing.chain_head(self._connect())

    def count(self) -> int:
        """How many transactions the ledger holds (a checkpoint's ``count``)."""
        return audit.transaction_count(self._connect())

    def audit(self, checkpoints: Sequence[record.Checkpoint],
              verifier: signing.Verifier | None = None) -> audit.AuditReport:
        """The ledger against checkpoints kept outside it (docs/ledger.md "Checkpoints")."""
        return audit.audit(self._connect(), checkpoints, verifier)


class Postings(PostingsView):
    def __init__(self, connect: Connect, state: Callable[[], writing.WriteState]) -> None:
        super().__init__(connect)
        self._state = state

    def post(self, specs: Sequence[TransactionSpec]) -> list[PostResult]:
        """Validate every spec first (nothing written if one is invalid), then append;
        a key already written (or repeated in ``specs``) is a no-op reported as duplicate."""
        for spec in specs:
            validate(spec)
        return writing.append(self._connect(), specs, self._state())
