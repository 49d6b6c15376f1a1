"""Loader of the declarative rule cases in ``cases/*.yaml`` (OpenFisca-style YAML tests).

A program officer adds a case (a ruleset, communes, assessments, pools and the expected
amounts) without writing Python. YAML numbers in assessments are read as exact decimals
of their text, as the Kafka decoder reads JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from pac_grants.rules.ruleset import Ruleset, parse_ruleset
from pac_grants.rules.types import Assessment, Commune

CASES_DIR = Path(__file__).parent / "cases"


class ExactLoader(yaml.SafeLoader):
    """YAML floats as the exact decimal of their text (0.7 is 7/10)."""


def _exact_float(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    return Decimal(loader.construct_scalar(node))


ExactLoader.add_constructor("tag:yaml.org,2002:float", _exact_float)


def load_case(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=ExactLoader)


def case_ruleset(case: dict[str, Any]) -> Ruleset:
    return parse_ruleset(yaml.safe_dump(_plain(case["ruleset"])), f"case {case['name']}")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def case_communes(case: dict[str, Any]) -> list[Commune]:
    return [
        Commune(row["code"], row.get("name_fr", row["code"]), row.get("name_ar", ""), "region",
                "province", {2014: row.get("population_2014", row.get("population", 0)),
                             2024: row.get("population_2024", row.get("population", 0))},
                row.get("participating", True))
        for row in case["communes"]
    ]


def case_assessments(case: dict[str, Any], cycle: int) -> list[Assessment]:
    return [
        Assessment(f"event-{n}", f"case-{row['commune']}", cycle, row["commune"],
                   row.get("revision", 1), row["conditions"], row.get("indicators", {}),
                   None if row.get("investment_budget_mad") is None
                   else Decimal(row["investment_budget_mad"]))
        for n, row in enumerate(case.get("assessments", []))
    ]
