"""The calibration of docs/rules.md s6: the 2019 ruleset reproduces the published grants."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from pac_grants.offline import bundled_communes_path, read_communes
from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.rules.types import Assessment

PUBLISHED = Path(__file__).parent / "data" / "published-grants-cycle-2019.csv"
CASABLANCA = "06.141.01.0"


def test_2019_reproduces_the_published_grants() -> None:
    ruleset = packaged_ruleset(2019)
    assert ruleset is not None
    communes = read_communes(bundled_communes_path())
    assert len(communes) == 103
    all_met = {c.id: True for c in ruleset.conditions}
    assessments = {c.code: Assessment(f"e-{c.code}", f"a-{c.code}", 2019, c.code, 1, all_met)
                   for c in communes}
    result = compute_cycle(ruleset, communes, assessments, {"standard": 210_000_000})
    window = result.windows[0]
    assert window.allocated == 210_000_000
    with PUBLISHED.open(encoding="utf-8") as handle:
        published = {row["code"]: int(row["grant_mad"]) for row in csv.DictReader(handle)}
    assert len(published) == 9
    errors = [(result.commune(code).amount - grant) / grant  # type: ignore[union-attr]
              for code, grant in published.items()]
    rms = math.sqrt(sum(e * e for e in errors) / len(errors))
    assert rms <= 0.07, f"root-mean-square relative error {rms:.2%}"
    casablanca = result.commune(CASABLANCA)
    assert casablanca is not None and casablanca.amount == 12_000_000
    assert casablanca.share is not None and casablanca.share.capped
