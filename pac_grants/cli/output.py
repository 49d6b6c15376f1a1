"""Human and CSV renderings of allocation results and explanations.

Tables and text are for people, in French or Arabic (``--lang``/``PAC_LANG``), money as
CLDR writes it (:mod:`pac_grants.display`); the CSV keeps whole MAD as integers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pac_grants import display, money
from pac_grants.cells import safe
from pac_grants.display import table
from pac_grants.i18n import Lang, reasons, rule_label, text
from pac_grants.i18n.sentences import summary
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


def render_allocation(result: CycleResult, fmt: str, lang: Lang = "fr") -> str:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows([safe("true" if v is True else "false" if v is False else v)
                          for v in row] for row in allocation_rows(result))
        return out.getvalue()
    return _table(result, lang)


def _table(result: CycleResult, lang: Lang = "fr") -> str:
    lines = [f"{text(lang, 'cli.cycle', cycle=result.cycle)}  {text(lang, 'cli.ruleset')} "
             f"{result.ruleset.id} v{result.ruleset.version}  {result.ruleset.digest}"]
    headers = [text(lang, f"col.{k}") for k in ("code", "commune", "score", "amount",
                                                 "eligibility")]
    for window in result.windows:
        lines.append("")
        lines.append(f"{text(lang, 'col.window')} {window.window.id}: "
                     f"{text(lang, 'col.pool')} {_mad(window.pool, lang)}, "
                     f"{text(lang, 'col.allocated')} {_mad(window.allocated, lang)}, "
                     f"{text(lang, 'col.unallocated')} {_mad(window.unallocated, lang)}, "
                     + text(lang, "cli.eligible_of", eligible=window.eligible_count,
                            total=len(window.communes)))
        rows = []
        for c in window.communes:
            notes = reasons(lang, c.standing.reasons) or text(lang, "eligible")
            notes += f" ({', '.join(c.standing.failed_conditions)})" \
                if c.standing.failed_conditions else ""
            notes += f"; {text(lang, 'capped')}" if c.share and c.share.capped else ""
            name = c.commune.name_ar if lang == "ar" else c.commune.name_fr
            rows.append((c.code, name[:28], "" if c.score is None else c.score,
                         display.money(money.centimes(c.amount), lang, currency=False), notes))
        lines.append(table(headers, rows, numeric={2, 3}))
    return "\n".join(lines) + "\n"


def _mad(mad: int, lang: Lang) -> str:
    """Whole dirhams of the rules, written for people."""
    return display.money(money.centimes(mad), lang)


def render_explanation(data: dict[str, Any], lang: Lang = "fr") -> str:
    commune, formula = data["commune"], data["formula"]
    name = commune["name_ar"] if lang == "ar" else commune["name_fr"]
    lines = [f"{name} ({commune['code']}), {text(lang, 'cli.cycle', cycle=data['cycle'])}, "
             f"{text(lang, 'col.window')} {data['window']}: {_mad(data['amount'], lang)}",
             "  " + summary(lang, data, money.centimes(data["amount"])),
             f"  {text(lang, 'fact.ruleset')} {data['ruleset']['id']} "
             f"v{data['ruleset']['version']} {data['ruleset']['digest']}",
             "  " + text(lang, "fact.population", census=data["population"]["census"])
             + f": {display.number(data['population']['value'], lang)}"]
    if data["assessment"]:
        a = data["assessment"]
        lines.append(f"  {text(lang, 'fact.assessment')} {a['assessment_id']} "
                     f"{text(lang, 'fact.revision')} {a['revision']} (event {a['event_id']})")
    verdict = {True: "condition.met", False: "condition.not_met", None: "condition.unknown"}
    lines += ["  " + text(lang, "cli.condition", id=c["id"], label=rule_label(lang, c),
                          verdict=text(lang, verdict[c["value"]])) for c in data["conditions"]]
    lines += ["  " + text(lang, "cli.indicator", id=i["id"], label=rule_label(lang, i),
                          value=i["value"], points=i["points"], max=i["max_points"])
              for i in data["indicators"]]
    standing = text(lang, "cli.verdict.eligible") if data["eligible"] else text(
        lang, "cli.verdict.not_eligible", reasons=reasons(lang, data["reasons"]))
    lines.append(f"  {text(lang, 'fact.score', min=data['min_score'])}: {data['score']}; "
                 f"{standing}")
    lines.append("  " + text(lang, "cli.formula", weight=display.number(formula["weight"], lang),
                             total=display.number(formula["total_weight"], lang),
                             pool=_mad(formula["pool"], lang), share=formula["equal_share"],
                             eligible=formula["eligible_communes"]))
    cap = text(lang, "fact.none") if formula["cap"] is None else _mad(formula["cap"], lang)
    yes_no = {True: text(lang, "yes"), False: text(lang, "no")}
    lines.append("  " + text(lang, "cli.formula2", ideal=formula["ideal_amount"], cap=cap,
                             capped=yes_no[formula["capped"]],
                             rounded=yes_no[formula["rounded_up"]]))
    return "\n".join(lines) + "\n"
