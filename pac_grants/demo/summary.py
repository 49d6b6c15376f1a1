"""The demo's closing report (interfaces.md ``pac-grants demo``).

Per cycle and window: pool, allocated, unallocated, eligible communes, the largest
grants; whether the ledger equals the offline engine over the same final inputs
(ledger.md "Consistent with the rules"); the dead letters by code; the verification
result; where the metrics are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from models.responses import CommuneBalance
from pac_grants import display, money
from pac_grants.display import table
from pac_grants.i18n import Lang, choose, text
from pac_grants.ledger import Ledger
from pac_grants.scenario import Program

Echo = Callable[[str], None]
TOP = 3


def cycles_table(ledger: Ledger, echo: Echo, lang: Lang | None = None) -> None:
    """Per cycle and window: pool, allocated, unallocated, eligible and the largest grants,
    labelled in ``lang`` (default ``PAC_LANG``, else French), money as CLDR writes it."""
    lang = lang or choose(None)
    keys = ("cycle", "window", "pool", "allocated", "unallocated", "eligible")
    rows = []
    for cycle in ledger.summary():
        balances = ledger.balances(cycle.cycle)
        for w in cycle.windows:
            top = sorted((b for b in balances if b.window == w.window),
                         key=lambda b: (-b.allocated, b.code))[:TOP]
            grants = "; ".join(f"{_name(b, lang)} {_mad(b.allocated, lang)}" for b in top)
            rows.append((cycle.cycle, w.window, _mad(w.pool, lang), _mad(w.allocated, lang),
                         _mad(w.unallocated, lang), "-" if w.eligible is None else w.eligible,
                         grants))
    headers = [*(text(lang, f"col.{k}") for k in keys), text(lang, "cli.largest")]
    for line in table(headers, rows, numeric={2, 3, 4, 5}).splitlines():
        echo(line)


def _name(balance: CommuneBalance, lang: Lang) -> str:
    return (balance.name_ar if lang == "ar" else balance.name_fr) or balance.code


def _mad(centimes: int, lang: Lang) -> str:
    return display.money(centimes, lang, currency=False)


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
