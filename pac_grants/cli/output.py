"""Human and CSV renderings of allocation results and explanations."""

from __future__ import annotations

import csv
import io
from typing import Any

from pac_grants.cells import safe
from pac_grants.rules.engine import CycleResult

CSV_COLUMNS = ["window", "code", "name_fr", "name_ar", "eligible", "reasons",
               "failed_conditions", "score", "capped", "amount"]


def allocation_rows(result: CycleResult) -> list[list[Any]]:
    return [
        [w.window.id, c.code, c.commune.name_fr, c.commune.name_ar, c.eligible,
         " ".join(c.standing.reasons), " ".join(c.standing.failed_conditions),
         "" if c.score is None else c.score, bool(c.share and c.share.capped), c.amount]
        for w in result.windows for c in w.communes
    ]


def render_allocation(result: CycleResult, fmt: str) -> str:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows([safe("true" if v is True else "false" if v is False else v)
                          for v in row] for row in allocation_rows(result))
        return out.getvalue()
    return _table(result)


def _table(result: CycleResult) -> str:
    lines = [f"cycle {result.cycle}  ruleset {result.ruleset.id} v{result.ruleset.version}  "
             f"{result.ruleset.digest}"]
    for window in result.windows:
        lines.append("")
        lines.append(f"window {window.window.id}: pool {window.pool:,} MAD, allocated "
                     f"{window.allocated:,}, unallocated {window.unallocated:,}, "
                     f"eligible {window.eligible_count}/{len(window.communes)}")
        lines.append(f"{'code':<14} {'commune':<24} {'score':>5} {'amount (MAD)':>14}  notes")
        for c in window.communes:
            notes = " ".join(c.standing.reasons + c.standing.failed_conditions)
            notes += " capped" if c.share and c.share.capped else ""
            score = "" if c.score is None else str(c.score)
            lines.append(f"{c.code:<14} {c.commune.name_fr[:24]:<24} {score:>5} "
                         f"{c.amount:>14,}  {notes}")
    return "\n".join(lines) + "\n"


def render_explanation(data: dict[str, Any]) -> str:
    commune, formula = data["commune"], data["formula"]
    lines = [f"{commune['name_fr']} ({commune['code']}), cycle {data['cycle']}, window "
             f"{data['window']}: {data['amount']:,} MAD",
             f"  {data['summary']}",
             f"  ruleset {data['ruleset']['id']} v{data['ruleset']['version']} "
             f"{data['ruleset']['digest']}",
             f"  population ({data['population']['census']} census): "
             f"{data['population']['value']:,}"]
    if data["assessment"]:
        a = data["assessment"]
        lines.append(f"  assessment {a['assessment_id']} revision {a['revision']} "
                     f"(event {a['event_id']})")
    verdict = {True: "met", False: "NOT met", None: "no assessment"}
    lines += [f"  condition {c['id']}: {verdict[c['value']]}" for c in data["conditions"]]
    lines += [f"  indicator {i['id']} = {i['value']}: {i['points']}/{i['max_points']} points"
              for i in data["indicators"]]
    standing = "eligible" if data["eligible"] else "not eligible: " + ", ".join(data["reasons"])
    lines.append(f"  score {data['score']} (min {data['min_score']}); {standing}")
    lines.append(f"  weight {formula['weight']:,} of {formula['total_weight']:,}; pool "
                 f"{formula['pool']:,}; equal share {formula['equal_share']}; "
                 f"{formula['eligible_communes']} eligible")
    lines.append(f"  ideal amount {formula['ideal_amount']}; cap {formula['cap']}; "
                 f"capped {formula['capped']}; rounded up {formula['rounded_up']}")
    return "\n".join(lines) + "\n"
