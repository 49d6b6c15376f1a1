"""Terminal tables and CSV for the ledger's read commands (JSON is the response models').

Tables are for people: labels in French or Arabic (:mod:`pac_grants.i18n`) and money as
CLDR writes it (:mod:`pac_grants.display`). CSV keeps machine decimals, its text cells
made safe for spreadsheets (:mod:`pac_grants.cells`); its columns of the first release
come first, the lifecycle's and the treasury's after, so readers by position keep
working.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from models.responses import CommuneBalance, CycleSummary, Statement
from pac_grants import display
from pac_grants.cells import safe
from pac_grants.display import table
from pac_grants.i18n import Lang, text


def _money(centimes: int, lang: Lang) -> str:
    return display.money(centimes, lang, currency=False)


def summary_table(cycles: Sequence[CycleSummary], lang: Lang = "fr") -> str:
    keys = ("cycle", "status", "window", "pool", "allocated", "unallocated", "paid", "eligible",
            "state", "ordered", "outstanding", "to_recover", "carried_over")
    rows = [
        (c.cycle, text(lang, f"status.{c.status}"), w.window, _money(w.pool, lang),
         _money(w.allocated, lang), _money(w.unallocated, lang), _money(w.paid, lang),
         "" if w.eligible is None else display.number(w.eligible, lang),
         text(lang, f"status.{c.state}"), _money(w.ordered, lang), _money(w.outstanding, lang),
         _money(w.to_recover, lang), _money(w.carried_over, lang))
        for c in cycles
        for w in c.windows
    ]
    return table([text(lang, f"col.{k}") for k in keys], rows,
                 numeric={3, 4, 5, 6, 7, 9, 10, 11, 12})


BALANCE_COLUMNS = ("code", "window", "allocated", "paid", "outstanding", "name_fr", "name_ar",
                   "ordered", "to_recover")


def balances_table(balances: Sequence[CommuneBalance], lang: Lang = "fr") -> str:
    rows = [(b.code, b.window, _money(b.allocated, lang), _money(b.paid, lang),
             _money(b.outstanding, lang), b.name_fr, b.name_ar, _money(b.ordered, lang),
             _money(b.to_recover, lang)) for b in balances]
    return table([text(lang, f"col.{k}") for k in BALANCE_COLUMNS], rows,
                 numeric={2, 3, 4, 7, 8})


def balances_csv(cycle: int, balances: Sequence[CommuneBalance]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("cycle", *BALANCE_COLUMNS))
    for balance in balances:
        record = balance.model_dump(mode="json")
        writer.writerow((cycle, *(safe(record[k]) for k in BALANCE_COLUMNS)))
    return out.getvalue()


def statement_table(statement: Statement, lang: Lang = "fr") -> str:
    who = statement.commune
    title = " ".join(x for x in (who.code, who.name_fr, who.name_ar) if x)
    keys = ("sequence", "cycle", "date", "kind", "balance_allocated", "balance_paid",
            "balance_outstanding", "reason")
    rows = [(e.sequence, e.cycle, e.effective_date.isoformat(), text(lang, f"kind.{e.kind}"),
             _money(e.balance.allocated, lang), _money(e.balance.paid, lang),
             _money(e.balance.outstanding, lang), e.reason) for e in statement.entries]
    return title + "\n" + table([text(lang, f"col.{k}") for k in keys], rows,
                                numeric={0, 4, 5, 6})
