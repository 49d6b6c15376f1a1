"""The complaints register for people (table) and spreadsheets (CSV); JSON is the model's.

The table shows, per cycle, its state and complaint window, the totals (lodged, decided,
open, late, days to decide), the complaints, and the count per subject (docs/cli.md
"ledger complaints"). The CSV has one row per complaint, subjects separated by spaces.
"""

from __future__ import annotations

import csv
import io

from models.responses import ComplaintRegister, CycleComplaints
from pac_grants.tables import table

CSV_COLUMNS = ("cycle", "complaint_id", "commune_code", "lodged_on", "subjects", "status",
               "decided_on", "days_to_decide")


def register_csv(register: ComplaintRegister) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for complaint in register.complaints:
        row = complaint.model_dump(mode="json") | {"subjects": " ".join(complaint.subjects)}
        writer.writerow("" if row[k] is None else row[k] for k in CSV_COLUMNS)
    return out.getvalue()


def register_table(register: ComplaintRegister) -> str:
    blocks = [_cycle_block(register, totals) for totals in register.cycles]
    return "\n\n".join(blocks) if blocks else "no cycle"


def _cycle_block(register: ComplaintRegister, totals: CycleComplaints) -> str:
    lines = [_heading(totals), _counts(totals)]
    rows = [(c.complaint_id, c.commune_code, c.lodged_on, " ".join(c.subjects), c.status,
             c.decided_on, c.days_to_decide)
            for c in register.complaints if c.cycle == totals.cycle]
    if rows:
        lines.append(table(("complaint", "commune", "lodged", "subjects", "status",
                            "decided", "days"), rows))
    if totals.subjects:
        lines += ["", table(("subject", "lodged", "upheld", "rejected", "open", "late"),
                           [(s.subject, s.lodged, s.upheld, s.rejected, s.open, s.late)
                            for s in totals.subjects])]
    return "\n".join(lines)


def _heading(totals: CycleComplaints) -> str:
    window = (f", notified {totals.notified_on}, complaints until "
              f"{totals.complaint_deadline}" if totals.notified_on else ", not notified")
    return f"cycle {totals.cycle} ({totals.state}{window})"


def _counts(totals: CycleComplaints) -> str:
    days = ("" if totals.max_days_to_decide is None else
            f"; days to decide: median {totals.median_days_to_decide}, "
            f"max {totals.max_days_to_decide}")
    return (f"lodged {totals.lodged}, decided {totals.decided} (upheld {totals.upheld}, "
            f"rejected {totals.rejected}), open {totals.open}, late {totals.late}{days}")
