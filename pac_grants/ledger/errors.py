"""The ledger's exceptions (one root).

    LedgerError
    ├── InvalidTransaction      a spec that must not be written (nothing is written)
    │   ├── EmptyTransaction    no postings
    │   ├── UnbalancedTransaction  postings do not sum to zero (docs/ledger.md s5)
    │   └── InvalidAccount      an account name outside those of docs/ledger.md s2
    ├── DatabaseUnavailable     bad URL, missing database, cannot connect
    ├── SchemaMissing           migrations not applied (``pac-grants db upgrade``) or unknown
    └── NotFound                a read of something the ledger does not hold (a cycle, ...)

Every message is one line a person can act on; database passwords never appear.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of the ledger's errors."""


class InvalidTransaction(LedgerError):
    """A transaction spec that breaks an invariant of docs/ledger.md s5; nothing was written."""


class EmptyTransaction(InvalidTransaction):
    """A transaction without postings."""


class UnbalancedTransaction(InvalidTransaction):
    """A transaction whose postings do not sum to zero."""


class InvalidAccount(InvalidTransaction):
    """An account name that is not ``funding|pool:{cycle}:{window}`` or
    ``payable|paid:{cycle}:{commune}``."""


class DatabaseUnavailable(LedgerError):
    """The database URL is invalid, the database is missing, or it does not answer."""


class SchemaMissing(LedgerError):
    """The ledger's migrations were not applied, or the database is at a revision this
    version does not know (migrated by a newer pac-grants)."""


class NotFound(LedgerError):
    """The ledger holds nothing for what was asked (e.g. an unknown cycle)."""
