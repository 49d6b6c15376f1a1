"""Hostile messages about one event type, thrown at tests/hostile/baseline.py's state.

Each has exactly one fault, so its code (docs/events.md s9) does not depend on which
check runs first. Stateful codes (stale and conflicting revisions, ``cycle_not_open``,
``cycle_not_closed``, ``exceeds_outstanding``, ``unknown_commune``, a cycle with a
ruleset but never opened) are the pipeline's; the others are ``models.decode``'s. The
events of a cycle's life (notification, complaints, approval, reopening) are in
tests/hostile/lifecycle.py.
"""

from __future__ import annotations

from typing import Any

from tests.hostile.baseline import (
    INDICATORS_2021,
    A,
    B,
    assessment,
    assessment_2019,
    closed,
    commune,
    event,
    opened,
    payment,
)
from tests.hostile.entry import FORMAT, SQL, Hostile, one, replaced

BIG = "9" * 5000  # a JSON integer longer than Python's int parser takes by default


def communes() -> list[Hostile]:
    def reg(name: str, **changes: Any) -> dict[str, Any]:
        return commune("03.001.01.01", 150_000, name=name) | changes

    pop = {"2014": 150_000, "2024": 150_000}
    return [one(name, "communes", body, code, issue) for name, body, code, issue in [
        ("unknown field", reg("u", remarks="x"), "schema_violation", None),
        ("schema_version 2", reg("v", schema_version=2), "unsupported_schema_version", None),
        ("schema_version true", reg("t", schema_version=True), "schema_violation", None),
        ("negative population", reg("n", population=pop | {"2014": -1}),
         "value_out_of_range", None),
        ("population 10**12", reg("p", population=pop | {"2024": 10**12}),
         "value_out_of_range", None),
        ("population as text", reg("s", population=pop | {"2024": "many"}),
         "invalid_value", None),
        ("population 1e400", replaced(reg("e"), "150000}", "1e400}"), "invalid_value", None),
        ("population key 2030", reg("k", population=pop | {"2030": 1}),
         "schema_violation", None),
        ("name of 201 characters", reg("l", name_fr="A" * 201), "schema_violation", None),
        ("name of 60,000 characters", reg("h", name_fr="ب" * 30_000), "schema_violation",
         None),
        ("U+0000 in a name", reg("z", name_fr="Agadir\u0000"), "schema_violation", None),
        ("lone surrogate in a name", replaced(reg("g"), "جماعة", "\\ud800"),
         "schema_violation", None),
        ("code of 33 characters", reg("c", code="1" * 33), "schema_violation", None),
        ("participating as text", reg("b", participating="yes"), "schema_violation", None),
        ("SQL as event_id", reg("i", event_id=SQL), "schema_violation", None),
        ("occurred_at without zone", reg("o", occurred_at="2022-03-01T09:30:00"),
         "schema_violation", None),
        ("CycleOpened on communes", opened(2022, {"standard": 1}, name=":c"),
         "unknown_event_type", None),
    ]]


def cycles() -> list[Hostile]:
    def pool(name: str, window: str = "standard", amount: Any = 1, cycle: int = 2021
             ) -> dict[str, Any]:
        return event(f"pool:{name}", "cycles", "PoolAdjusted", cycle=cycle, window=window,
                     pool_mad=amount)

    return [one(name, "cycles", body, code, issue) for name, body, code, issue in [
        ("second CycleOpened", opened(2021, {"standard": 1}, name=":again"),
         "cycle_not_open", None),
        ("second CycleClosed", closed(2021, name=":again"), "cycle_not_open", None),
        ("window of another ruleset", pool("w", "grandes_communes"), "unknown_window", None),
        ("SQL as window", pool("sql", SQL), "unknown_window", None),
        ("format string as window", pool("fmt", FORMAT), "unknown_window", None),
        ("PoolAdjusted, cycle never opened", pool("n", cycle=2024), "unknown_cycle", None),
        ("CycleClosed, cycle never opened", closed(2024, name=":n"), "unknown_cycle", None),
        ("CycleClosed, no ruleset", closed(2031), "unknown_cycle", None),
        ("cycle 10**30", closed(10**30), "unknown_cycle", None),
        ("cycle as text", closed(2021, name=":t") | {"cycle": "2021"}, "schema_violation", None),
        ("PoolAdjusted of an approved cycle", pool("approved", amount=12_000_000),
         "cycle_closed", None),
        ("negative pool", pool("neg", amount=-1), "value_out_of_range", None),
        ("pool 10**16", pool("big", amount=10**16), "value_out_of_range", None),
        ("pool of 5000 digits", replaced(pool("huge"), '"pool_mad": 1', f'"pool_mad": {BIG}'),
         "value_out_of_range", None),
        ("pool 1e400", replaced(pool("exp"), '"pool_mad": 1', '"pool_mad": 1e400'),
         "invalid_value", None),
        ("pool as text", pool("txt", amount="1500000000"), "invalid_value", None),
        ("pool 1.5", replaced(pool("frac"), '"pool_mad": 1', '"pool_mad": 1.5'),
         "invalid_value", None),
        ("ruleset of another cycle", opened(2022, {"standard": 1}) | {"ruleset_id": "papc-2021"},
         "invalid_value", None),
        ("unknown ruleset", opened(2022, {"standard": 1}, name=":r")
         | {"ruleset_id": "papc-9999"}, "unknown_cycle", None),
        ("a window's pool missing", opened(2024, {"standard": 1}), "schema_violation", None),
        ("unknown field", closed(2021, name=":u") | {"window": FORMAT}, "schema_violation", None),
    ]]


def assessments() -> list[Hostile]:
    def rev3(name: str, **changes: Any) -> dict[str, Any]:
        return assessment(A, 3, name=name, **changes)

    def ind(**values: Any) -> dict[str, Any]:
        return dict(INDICATORS_2021) | values

    conds = {f"MMC{n}": True for n in range(1, 8)}
    no_b2 = {k: v for k, v in INDICATORS_2021.items() if k != "B2"}
    return [one(name, "assessments", body, code, issue) for name, body, code, issue in [
        ("stale revision", assessment_2019(A, 2, name=":stale"), "stale_revision", None),
        ("a new revision of an approved cycle", assessment(A, 3, name=":approved"),
         "cycle_closed", None),
        ("conflicting revision", assessment(A, 2, name=":conflict", assessor="Autre"),
         "conflicting_revision", None),
        ("missing condition", rev3("mc", conditions={"MMC1": True}), "missing_condition",
         None),
        ("unknown condition", rev3("uc", conditions=conds | {"MMC8": True}),
         "unknown_condition", None),
        ("condition as text", rev3("ct", conditions=conds | {"MMC1": "true"}),
         "invalid_value", None),
        ("missing indicator", rev3("mi", indicators=no_b2), "missing_indicator", None),
        ("unknown indicator", rev3("ui", indicators=ind(Z9=1)), "unknown_indicator", None),
        ("boolean as text", rev3("bt", indicators=ind(A2="yes")), "invalid_value", None),
        ("band value 1.4", replaced(rev3("b14"), '"A3": 0.64', '"A3": 1.4'),
         "value_out_of_range", None),
        ("points 99", rev3("p99", indicators=ind(B2=99)), "value_out_of_range", None),
        ("points of 5000 digits", replaced(rev3("pbig"), '"B2": 4', f'"B2": {BIG}'),
         "value_out_of_range", None),
        ("band value NaN as text", rev3("nan", indicators=ind(A1="NaN")), "invalid_value",
         None),
        ("band value Infinity as text", rev3("inf", indicators=ind(A1="Infinity")),
         "invalid_value", None),
        ("band value 1E+999999999", replaced(rev3("e9"), '"A1": 0.82', '"A1": 1E+999999999'),
         "value_out_of_range", None),
        ("revision 0", assessment(A, 0, name=":r0"), "value_out_of_range", None),
        ("revision 2**31", assessment(B, 2**31, name=":r31"), "value_out_of_range",
         None),
        ("revision 2**63", assessment(B, 2**63, name=":r63"), "value_out_of_range",
         None),
        ("date 2022-02-30", rev3("d", assessed_on="2022-02-30"), "invalid_value", None),
        ("negative budget", rev3("nb", investment_budget_mad=-5), "value_out_of_range", None),
        ("budget NaN as text", rev3("bn", investment_budget_mad="NaN"), "invalid_value",
         None),
        ("unknown field", rev3("uf", remarks="recours"), "schema_violation", None),
        ("SQL and 300 characters as assessor", rev3("sa", assessor=(SQL * 8)[:300]),
         "schema_violation", None),
        ("indicators as a list", rev3("il", indicators=[1, 2]), "schema_violation", None),
        ("cycle without ruleset", rev3("c31", cycle=2031), "unknown_cycle", None),
        ("schema_version 2", rev3("v2", schema_version=2), "unsupported_schema_version",
         None),
        ("PoolAdjusted on assessments", closed(2021, name=":a") | {"event_type":
                                                                   "PoolAdjusted"},
         "unknown_event_type", None),
    ]]


def disbursements() -> list[Hostile]:
    def pay(ref: str, amount: Any = "1.00", code: str = A, cycle: int = 2021
            ) -> dict[str, Any]:
        return payment(f"TGR-HOSTILE-{ref}", code, amount, cycle)

    return [one(name, "disbursements", body, code, issue) for name, body, code, issue in [
        ("over-payment", pay("over", "9999999999.00"), "exceeds_outstanding", None),
        ("over-payment, commune never paid", pay("cent", "99999999.01", B), "exceeds_outstanding",
         None),
        ("payment on an open cycle", pay("open", cycle=2019), "cycle_not_closed", None),
        ("payment, cycle never opened", pay("never", cycle=2024), "unknown_cycle", None),
        ("payment, cycle without ruleset", pay("none", cycle=2031), "unknown_cycle", None),
        ("SQL as commune code", pay("sql", code="x';DROP TABLE ledger_postings;--"),
         "unknown_commune", None),
        ("amount NaN", pay("nan", "NaN"), "invalid_value", None),
        ("amount in exponent form", pay("exp", "1e5"), "invalid_value", None),
        ("amount with 3 decimals", pay("milli", "0.001"), "invalid_value", None),
        ("negative amount", pay("neg", "-5.00"), "value_out_of_range", None),
        ("zero amount", pay("zero", "0.00"), "value_out_of_range", None),
        ("amount as a JSON number", pay("num", 4500000), "invalid_value", None),
        ("amount in fullwidth digits", pay("wide", "\uff11\uff12\uff13", code="99.999.99.99"),
         "invalid_value", None),
        ("payment_ref of 201 characters", payment("R" * 201, A, "1.00"),
         "schema_violation", None),
        ("paid_on 2022-13-45", pay("date") | {"paid_on": "2022-13-45"}, "invalid_value",
         None),
        ("CycleClosed on disbursements", closed(2021, name=":d"), "unknown_event_type",
         None),
    ]]


def entries() -> list[Hostile]:
    return communes() + cycles() + assessments() + disbursements()
