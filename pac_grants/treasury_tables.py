"""The treasury reads for people (tables in French or Arabic) and spreadsheets (CSV):
payment orders with their aging, and a cycle's sources and uses (docs/cli.md s3.4, s3.6).
JSON is the response models' own (:mod:`models.treasury`).
"""

from __future__ import annotations

import csv
import io

from models.codes import Aging
from models.treasury import UNNAMED, FinancierUse, PaymentOrders, SourcesUses
from pac_grants import display
from pac_grants.cells import safe
from pac_grants.display import table
from pac_grants.i18n import Lang, text

ORDER_COLUMNS = ("order_id", "cycle", "commune_code", "tranche", "approval", "issued_on",
                 "due_on", "gross", "offset", "amount", "cancelled", "paid", "unpaid", "status",
                 "days_overdue")
SOURCE_COLUMNS = ("financier", "committed", "allocated", "ordered", "paid", "unallocated")


def _money(centimes: int, lang: Lang) -> str:
    return display.money(centimes, lang, currency=False)


def orders_table(found: PaymentOrders, lang: Lang = "fr") -> str:
    keys = ("order_id", "code", "tranche", "due_on", "amount", "cancelled", "paid", "unpaid",
            "status", "days_overdue")
    rows = [(o.order_id, o.commune_code, o.tranche, o.due_on.isoformat(),
             _money(o.amount, lang), _money(o.cancelled, lang), _money(o.paid, lang),
             _money(o.unpaid, lang), text(lang, f"order.{o.status}"),
             display.number(o.days_overdue, lang)) for o in found.orders]
    title = text(lang, "treasury.as_of", date=found.as_of.isoformat())
    listed = table([text(lang, f"col.{k}") for k in keys], rows, numeric={4, 5, 6, 7, 9}) \
        if rows else text(lang, "treasury.none")
    aging = table([text(lang, "col.aging"), text(lang, "col.unpaid")],
                  [(text(lang, f"aging.{bucket}"), _money(found.aging[bucket], lang))
                   for bucket in Aging], numeric={1})
    return "\n".join((title, listed, "", text(lang, "treasury.aging"), aging))


def orders_csv(found: PaymentOrders) -> str:
    """One row per order, machine decimals; then nothing else (aging is a sum of it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    for order in found.orders:
        record = order.model_dump(mode="json")
        writer.writerow(safe(record[k]) for k in ORDER_COLUMNS)
    return out.getvalue()


def sources_uses_table(report: SourcesUses, lang: Lang = "fr") -> str:
    headers = [text(lang, "col.window"), *(text(lang, f"col.{k}") for k in SOURCE_COLUMNS)]
    rows = [_source_row(w.window, f, lang) for w in report.windows for f in w.financiers]
    rows += [_source_row(text(lang, "treasury.all_windows"), f, lang)
             for f in report.financiers]
    return "\n".join((text(lang, "treasury.sources", cycle=report.cycle),
                      table(headers, rows, numeric={2, 3, 4, 5, 6}),
                      text(lang, "treasury.basis")))


def _source_row(window: str, use: FinancierUse, lang: Lang) -> tuple[str, ...]:
    amounts = (use.committed, use.allocated, use.ordered, use.paid, use.unallocated)
    return (window, source_label(use.financier, lang), *(_money(a, lang) for a in amounts))


def source_label(financier: str, lang: Lang) -> str:
    """A source as people read it: a financier's name, or what ``unnamed`` and
    ``carry_over:{N}`` mean."""
    if financier == UNNAMED:
        return text(lang, "source.unnamed")
    if financier.startswith("carry_over:"):
        return text(lang, "source.carry_over", cycle=financier.split(":", 1)[1])
    return financier


def sources_uses_csv(report: SourcesUses) -> str:
    """One row per window and source, then one per source over all windows (window ``*``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("cycle", "window", *SOURCE_COLUMNS))
    pairs = [(w.window, f) for w in report.windows for f in w.financiers]
    pairs += [("*", f) for f in report.financiers]
    for window, use in pairs:
        record = use.model_dump(mode="json")
        writer.writerow((report.cycle, window, *(safe(record[k]) for k in SOURCE_COLUMNS)))
    return out.getvalue()
