"""The demo's closing report (interfaces.md ``pac-grants demo``).

Per cycle and window: pool, allocated, unallocated, eligible communes, the largest
grants; whether the ledger equals the offline engine over the same final inputs
(ledger.md "Consistent with the rules"); the dead letters by code; the verification
result; where the metrics are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from pac_grants import money
from pac_grants.ledger import Ledger
from pac_grants.scenario import Program

Echo = Callable[[str], None]
TOP = 3


def cycles_table(ledger: Ledger, echo: Echo) -> None:
    echo(f"{'cycle':<6}{'window':<18}{'pool MAD':>16}{'allocated MAD':>16}"
         f"{'unallocated':>14}{'eligible':>9}  largest grants (MAD)")
    for cycle in ledger.summary():
        balances = ledger.balances(cycle.cycle)
        for w in cycle.windows:
            top = sorted((b for b in balances if b.window == w.window),
                         key=lambda b: (-b.allocated, b.code))[:TOP]
            grants = "; ".join(f"{b.name_fr or b.code} {_mad(b.allocated)}" for b in top)
            echo(f"{cycle.cycle:<6}{w.window:<18}{_mad(w.pool):>16}{_mad(w.allocated):>16}"
                 f"{_mad(w.unallocated):>14}{w.eligible if w.eligible is not None else '-':>9}"
                 f"  {grants}")


def _mad(centimes: int) -> str:
    """Whole MAD with thousands separators (amounts of the rules are whole dirhams)."""
    text = money.text(centimes)
    whole, _, cents = text.partition(".")
    return f"{int(whole):,}" + ("" if cents in ("", "00") else f".{cents}")


def offline_check(ledger: Ledger, program: Program) -> tuple[int, list[str]]:
    """Communes compared, and the differences between the ledger and the offline engine."""
    compared, differences = 0, []
    for cycle in program.cycles:
        result = program.final_result(cycle)
        held = ledger.allocated(cycle)
        for window in result.windows:
            for commune in window.communes:
                compared += 1
                got = held.get((window.window.id, commune.code), 0)
                if got != commune.amount * 100:
                    differences.append(f"{cycle} {window.window.id} {commune.code}: ledger "
                                       f"{money.text(got)}, offline {commune.amount}.00")
    return compared, differences


def dead_letters(ledger: Ledger, program: Program) -> tuple[Counter[str], Counter[str]]:
    """(dead letters by code in the ledger's database, the codes the program expects)."""
    found = Counter(d.code for d in ledger.dead_letters(limit=100_000))
    expected = Counter(m.expect_rejection for m in program.messages() if m.expect_rejection)
    return found, expected
