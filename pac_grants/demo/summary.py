"""The demo's closing report (docs/cli.md ``pac-grants demo``).

Per cycle: its state and the date of its last approval; per window: pool, allocated,
unallocated, eligible communes, the largest grants; then the money's path per window
(docs/ledger.md s4): ordered and not paid, paid, outstanding, to recover, carried over
to the next cycle. Then whether the ledger equals the
offline engine over each cycle's final inputs, with the commune data its last approval
froze (docs/ledger.md s5, consistent with the rules; docs/events.md
s3.1), and whether that frozen data is the program's; the dead letters by code; the
verification result; where the metrics are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from models.responses import CommuneBalance
from pac_grants import display, money, readside
from pac_grants.display import table
from pac_grants.i18n import Lang, choose, text
from pac_grants.ledger import Ledger
from pac_grants.scenario import Program

Echo = Callable[[str], None]
TOP = 3


def cycles_table(ledger: Ledger, echo: Echo, lang: Lang | None = None) -> None:
    """Per cycle and window: state, last approval, pool, allocated, unallocated, eligible
    and the largest grants, labelled in ``lang`` (default ``PAC_LANG``, else French),
    money as CLDR writes it."""
    lang = lang or choose(None)
    keys = ("cycle", "state", "approved_on", "window", "pool", "allocated", "unallocated",
            "eligible")
    rows = []
    for cycle in ledger.summary():
        balances = ledger.balances(cycle.cycle)
        approved = cycle.closed_on.isoformat() if cycle.closed_on else "-"
        for w in cycle.windows:
            top = sorted((b for b in balances if b.window == w.window),
                         key=lambda b: (-b.allocated, b.code))[:TOP]
            grants = "; ".join(f"{_name(b, lang)} {_mad(b.allocated, lang)}" for b in top)
            rows.append((cycle.cycle, text(lang, f"status.{cycle.state}"), approved, w.window,
                         _mad(w.pool, lang), _mad(w.allocated, lang),
                         _mad(w.unallocated, lang), "-" if w.eligible is None else w.eligible,
                         grants))
    headers = [*(text(lang, f"col.{k}") for k in keys), text(lang, "cli.largest")]
    for line in table(headers, rows, numeric={4, 5, 6, 7}).splitlines():
        echo(line)


def treasury_table(ledger: Ledger, echo: Echo, lang: Lang | None = None) -> None:
    """Per cycle and window, where the allocated money is: ordered and not paid yet,
    paid (net of what came back), outstanding (allocated, not paid), to recover, and
    what was carried over to the next cycle."""
    lang = lang or choose(None)
    keys = ("cycle", "window", "allocated", "ordered", "paid", "outstanding", "to_recover",
            "carried_over")
    rows = [(cycle.cycle, w.window, *(_mad(amount, lang) for amount in (
                w.allocated, w.ordered, w.paid, w.outstanding, w.to_recover, w.carried_over)))
            for cycle in ledger.summary() for w in cycle.windows]
    headers = [text(lang, f"col.{k}") for k in keys]
    for line in table(headers, rows, numeric={2, 3, 4, 5, 6, 7}).splitlines():
        echo(line)


def decisions(ledger: Ledger, program: Program, echo: Echo) -> None:
    """One line per cycle approved more than once: its approvals and why it reopened."""
    with ledger.reader() as reader:
        for number, days in sorted(program.approvals.items()):
            row = reader.state.cycle(number)
            if row is None or len(days) < 2:
                continue
            echo(f"{number}: approved on {', '.join(d.isoformat() for d in days)}; "
                 f"reopened on {row.reopened_on} ({row.reopen_ref}): {row.reopen_reason}")


def _name(balance: CommuneBalance, lang: Lang) -> str:
    return (balance.name_ar if lang == "ar" else balance.name_fr) or balance.code


def _mad(centimes: int, lang: Lang) -> str:
    return display.money(centimes, lang, currency=False)


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
