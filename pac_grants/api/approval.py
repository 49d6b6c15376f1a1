"""Which cycles are approved: the ONE place that decides it (issue 12).

The public results show approved cycles only, and reports compare a cycle with the
previous approved one. Today a cycle is approved once the ledger holds its allocation
transaction (ledger.md); when the cycle states of lifecycle.md (open, notified,
approved, reopened) reach the ledger, :func:`approval` reads the state instead, and a
reopened cycle answers ``under_review`` (its last approval stays published, marked so).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Connection

from pac_grants.ledger import reading

Approval = Literal["approved", "under_review"]


def approval(conn: Connection, cycle: int) -> Approval | None:
    """``approved``, ``under_review`` (reopened after an approval) or None."""
    return "approved" if reading.is_closed(conn, cycle) else None


def approved_cycles(conn: Connection) -> dict[int, Approval]:
    """Every cycle with an approval, in order, with its :func:`approval`."""
    found = {c: approval(conn, c) for c in reading.cycles(conn)}
    return {c: a for c, a in found.items() if a is not None}


def previous_approved(conn: Connection, cycle: int) -> int | None:
    """The latest approved cycle before ``cycle``, if any."""
    earlier = [c for c in approved_cycles(conn) if c < cycle]
    return earlier[-1] if earlier else None
