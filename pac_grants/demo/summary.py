"""The demo's closing report (docs/cli.md ``pac-grants demo``).

Per cycle: its state and the date of its last approval; per window: pool, allocated,
unallocated, eligible communes, the largest grants. Then whether the ledger equals the
offline engine over each cycle's final inputs, with the commune data its last approval
froze (docs/ledger.md "Consistent with the rules", docs/events.md "Frozen reference
data"), and whether that frozen data is the program's; the dead letters by code; the
verification result; where the metrics are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from pac_grants import money, readside
from pac_grants.ledger import Ledger
from pac_grants.scenario import Program

Echo = Callable[[str], None]
TOP = 3


def cycles_table(ledger: Ledger, echo: Echo) -> None:
    echo(f"{'cycle':<6}{'state':<10}{'approved':<12}{'window':<18}{'pool MAD':>16}"
         f"{'allocated MAD':>16}{'unallocated':>14}{'eligible':>9}  largest grants (MAD)")
    for cycle in ledger.summary():
        balances = ledger.balances(cycle.cycle)
        approved = cycle.closed_on.isoformat() if cycle.closed_on else "-"
        for w in cycle.windows:
            top = sorted((b for b in balances if b.window == w.window),
                         key=lambda b: (-b.allocated, b.code))[:TOP]
            grants = "; ".join(f"{b.name_fr or b.code} {_mad(b.allocated)}" for b in top)
            echo(f"{cycle.cycle:<6}{cycle.state:<10}{approved:<12}{w.window:<18}{_mad(w.pool):>16}"
                 f"{_mad(w.allocated):>16}{_mad(w.unallocated):>14}"
                 f"{w.eligible if w.eligible is not None else '-':>9}  {grants}")


def decisions(ledger: Ledger, program: Program, echo: Echo) -> None:
    """One line per cycle approved more than once: its approvals and why it reopened."""
    with ledger.reader() as reader:
        for number, days in sorted(program.approvals.items()):
            row = reader.state.cycle(number)
            if row is None or len(days) < 2:
                continue
            echo(f"{number}: approved on {', '.join(d.isoformat() for d in days)}; "
                 f"reopened on {row.reopened_on} ({row.reopen_ref}): {row.reopen_reason}")


def _mad(centimes: int) -> str:
    """Whole MAD with thousands separators (amounts of the rules are whole dirhams)."""
    text = money.text(centimes)
    whole, _, cents = text.partition(".")
    return f"{int(whole):,}" + ("" if cents in ("", "00") else f".{cents}")


def offline_check(ledger: Ledger, program: Program) -> tuple[int, list[str]]:
    """Communes compared, and the differences between the ledger and the offline engine
    over each cycle's final inputs and the commune data of its last approval (the
    ledger's frozen data must be that data too)."""
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
        differences += _frozen_differences(ledger, program, cycle)
    return compared, differences


def _frozen_differences(ledger: Ledger, program: Program, cycle: int) -> list[str]:
    want = {r["code"]: (r["population"]["2014"], r["population"]["2024"], r["participating"])
            for r in program.frozen.get(cycle, program.final_communes)}
    with ledger.reader() as reader:
        frozen = readside.cycle_inputs(reader, cycle).communes
    got = {c.code: (c.population.get(2014), c.population.get(2024), c.participating)
           for c in frozen}
    return [f"{cycle} commune data of {code}: ledger {got.get(code)}, program {want.get(code)}"
            for code in sorted(set(got) | set(want)) if got.get(code) != want.get(code)]


def dead_letters(ledger: Ledger, program: Program) -> tuple[Counter[str], Counter[str]]:
    """(dead letters by code in the ledger's database, the codes the program expects)."""
    found = Counter(d.code for d in ledger.dead_letters(limit=100_000))
    expected = Counter(m.expect_rejection for m in program.messages() if m.expect_rejection)
    return found, expected
