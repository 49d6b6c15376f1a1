"""Simulations as rows: the CSV, the terminal table and the sweep's summary.

Each works on :func:`pac_grants.simulation.report.simulation_data` (statistics as
decimals), so the CSV, the table and the workbook (:mod:`.xlsx`) show the same numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

COMMUNE_COLUMNS = ["code", "name_fr", "name_ar", "region", "province", "window",
                   "base_amount", "variant_amount", "difference", "base_eligible",
                   "variant_eligible", "base_capped", "variant_capped", "base_score",
                   "variant_score", "changes", "explanation"]
SWEEP_COLUMNS = ["value", "eligible", "capped", "allocated", "unallocated", "gain", "lose",
                 "gained", "lost", "top10_share", "per_capita_min", "per_capita_median",
                 "per_capita_max", "gini"]


def commune_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [[" ".join(c[k]) if k == "changes" else c[k] for k in COMMUNE_COLUMNS]
            for c in data["communes"]]


def sweep_rows(datas: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """The totals of each variant of a sweep against the swept value."""
    found = []
    for data in datas:
        side, moves = data["totals"]["variant"], data["totals"]["changes"]
        capita = side["per_capita"]
        found.append([data["vary"]["value"], side["eligible"], side["capped"],
                      side["allocated"], side["unallocated"], moves["gain"], moves["lose"],
                      moves["gained"], moves["lost"], side["top10_share"], capita["min"],
                      capita["median"], capita["max"], side["gini"]])
    return found


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def table_text(data: dict[str, Any]) -> str:
    """Totals side by side, the movements, then every commune whose amount or standing
    changes, largest difference first."""
    lines = [_title(data), *(f"  {p['path']}: {p['base']} -> {p['variant']}"
                             for p in data["parameters"]), ""]
    base, variant = data["totals"]["base"], data["totals"]["variant"]
    lines.append(f"{'':<18} {'base':>16} {'variant':>16}")
    for label, key in (("pool", "pool"), ("allocated", "allocated"),
                       ("unallocated", "unallocated"), ("eligible", "eligible"),
                       ("capped", "capped"), ("top-10 share", "top10_share"),
                       ("gini per capita", "gini")):
        lines.append(f"{label:<18} {_shown(base[key]):>16} {_shown(variant[key]):>16}")
    for key in ("min", "median", "max"):
        lines.append(f"{'per capita ' + key:<18} {_shown(base['per_capita'][key]):>16} "
                     f"{_shown(variant['per_capita'][key]):>16}")
    moves = data["totals"]["changes"]
    lines += ["", f"{moves['gain']} gain {_shown(moves['gained'])} MAD, {moves['lose']} lose "
                  f"{_shown(moves['lost'])} MAD, {moves['same']} unchanged", ""]
    lines.append(f"{'code':<14} {'commune':<22} {'base':>13} {'variant':>13} "
                 f"{'difference':>12}  why")
    changed = [c for c in data["communes"] if c["changes"] != ["unchanged"]]
    for c in sorted(changed, key=lambda c: (-abs(c["difference"]), c["code"])):
        lines.append(f"{c['code']:<14} {c['name_fr'][:22]:<22} {c['base_amount']:>13,} "
                     f"{c['variant_amount']:>13,} {c['difference']:>+12,}  {c['explanation']}")
    return "\n".join(lines) + "\n"


def _title(data: dict[str, Any]) -> str:
    base, variant = data["base"]["ruleset"], data["variant"]["ruleset"]
    vary = f"  ({data['vary']['path']} = {data['vary']['value']})" if "vary" in data else ""
    return (f"cycle {data['cycle']}: base {base['id']} v{base['version']} "
            f"{base['digest'][:19]}, variant {variant['id']} v{variant['version']} "
            f"{variant['digest'][:19]}{vary}")


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else str(value)


def sweep_text(datas: Sequence[dict[str, Any]]) -> str:
    """One line per swept value: the totals against the parameter."""
    first = datas[0]
    base = first["totals"]["base"]
    ruleset, variant = first["base"]["ruleset"], first["variant"]["ruleset"]
    lines = [f"cycle {first['cycle']}: base {ruleset['id']} v{ruleset['version']} "
             f"{ruleset['digest'][:19]}; {variant['id']} v{variant['version']} with "
             f"{first['vary']['path']} swept",
             f"base: eligible {base['eligible']}, capped {base['capped']}, allocated "
             f"{_shown(base['allocated'])}, gini {_shown(base['gini'])}", ""]
    headers = ["value", "eligible", "capped", "allocated", "unallocated", "gain", "lose",
               "gained", "lost", "top-10", "pc min", "pc median", "pc max", "gini"]
    widths = [8, 8, 6, 15, 13, 5, 5, 13, 13, 7, 8, 9, 8, 7]
    lines.append(" ".join(f"{h:>{w}}" for h, w in zip(headers, widths, strict=True)))
    for row in sweep_rows(datas):
        lines.append(" ".join(f"{_shown(v):>{w}}" for v, w in zip(row, widths, strict=True)))
    return "\n".join(lines) + "\n"
