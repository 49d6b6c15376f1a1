"""A whole sample program, phase by phase, for the demo, the tests and the benchmarks.

Phases (the publisher waits until one is processed before sending the next):
``reference`` (CommuneRegistered), ``open`` (CycleOpened with the pools of rules.md s6,
times ``scale``), ``assessments`` (plus one payment on a still-open cycle:
``cycle_not_closed``), ``close`` (all cycles, 2024 included, so every cycle ends final
and posted), ``appeals`` (revisions after closing, a PoolAdjusted, a population
correction), ``disbursements`` and ``malformed``. Same seed, scale, cycles and
revisions: the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pac_grants.rules.engine import CycleResult
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset
from pac_grants.scenario import final
from pac_grants.scenario.assessments import AssessmentBook, appeals, submissions
from pac_grants.scenario.communes import CommuneRow, corrected, program_communes
from pac_grants.scenario.disbursements import Treasury, payments
from pac_grants.scenario.encoding import Stamper, loads
from pac_grants.scenario.malformed import malformed
from pac_grants.scenario.messages import Draft, Message, Phase, encode_phase

#: Demo pools in MAD (rules.md s6), multiplied by ``scale``.
DEMO_POOLS: dict[int, dict[str, int]] = {
    2019: {"standard": 210_000_000}, 2020: {"standard": 1_200_000_000},
    2021: {"standard": 1_500_000_000}, 2022: {"standard": 1_600_000_000},
    2023: {"standard": 1_700_000_000},
    2024: {"standard": 1_300_000_000, "grandes_communes": 500_000_000}}
#: The pool change after closing: 2022 standard +50,000,000 MAD (times ``scale``).
POOL_ADJUSTMENT = (2022, "standard", 50_000_000)
DEFAULT_START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


@dataclass
class Program:
    """The generated events, and the inputs that count once all are processed."""

    seed: int
    scale: int
    cycles: tuple[int, ...]
    phases: list[Phase]
    communes: list[CommuneRow]  # as registered in phase ``reference``
    final_communes: list[CommuneRow]  # after the population correction of ``appeals``
    pools: dict[int, dict[str, int]]  # final pools, after PoolAdjusted
    counting: dict[tuple[int, str], bytes] = field(repr=False)  # highest valid revision

    def messages(self) -> Iterator[Message]:
        for phase in self.phases:
            yield from phase.messages

    def final_inputs(self, cycle: int) -> tuple[list[CommuneRow], dict[str, dict[str, Any]],
                                                dict[str, int]]:
        """(communes, assessment events by commune code, pools) that count for ``cycle``."""
        events = {code: loads(raw) for (c, code), raw in self.counting.items() if c == cycle}
        return list(self.final_communes), events, dict(self.pools[cycle])

    def final_result(self, cycle: int) -> CycleResult:
        """The offline engine over the final inputs: what the ledger must hold."""
        communes, events, pools = self.final_inputs(cycle)
        ruleset = packaged_ruleset(cycle)
        assert ruleset is not None
        return final.compute(ruleset, communes, events, pools)

    def write_jsonl(self, directory: str | Path) -> list[tuple[Path, int]]:
        from pac_grants.scenario.output import write_program

        return write_program(self, Path(directory))


def generate_program(seed: int = 20190, scale: int = 1, cycles: Iterable[int] = range(2019, 2025),
                     revisions: int = 0, start: datetime = DEFAULT_START,
                     step: timedelta = timedelta(seconds=1)) -> Program:
    """The sample program; ``revisions``: extra revisions for every commune and cycle.

    Assessment events: communes x cycles x (1 + revisions), plus ~10% second revisions
    and ~1.5% redeliveries; ``scale=15, revisions=4`` gives about 48,000.
    """
    cycles = tuple(sorted(set(cycles)))
    if not cycles or revisions < 0:
        raise ValueError("need at least one cycle and revisions >= 0")
    rulesets = _rulesets(cycles)
    rng, stamper = random.Random(f"pac-grants-scenario:{seed}"), Stamper(seed, start, step)
    communes = program_communes(scale, rng)
    pools = {c: {w: p * scale for w, p in DEMO_POOLS[c].items()} for c in cycles}
    book, treasury = AssessmentBook(communes, rulesets, rng, stamper), Treasury(rng, stamper)
    phases = []
    phases.append(encode_phase("reference", _registrations(communes, stamper), stamper))
    phases.append(encode_phase("open", _openings(rulesets, pools, stamper), stamper))
    early = treasury.payment(cycles[-1], communes[0]["code"], 100_000, expect="cycle_not_closed")
    phases.append(encode_phase("assessments", [*submissions(book, list(cycles), revisions),
                                               early], stamper))
    phases.append(encode_phase("close", [_cycle_event(stamper, "CycleClosed", {"cycle": c})
                                         for c in cycles], stamper))
    final_communes, changes = _changes(communes, pools, scale, rng, stamper)
    phases.append(encode_phase("appeals", [*changes, *appeals(book, list(cycles))], stamper))
    program = Program(seed, scale, cycles, phases, communes, final_communes, pools,
                      _counting(book))
    finals = {c: final.amounts(program.final_result(c)) for c in cycles}
    phases.append(encode_phase("disbursements", payments(treasury, finals), stamper))
    phases.append(Phase("malformed", tuple(malformed(book, treasury, finals))))
    return program


def _counting(book: AssessmentBook) -> dict[tuple[int, str], bytes]:
    counting = {}
    for key, draft in book.held.items():
        assert draft.encoded is not None, "held assessments are encoded by their phase"
        counting[key] = draft.encoded
    return counting


def _rulesets(cycles: tuple[int, ...]) -> dict[int, Ruleset]:
    rulesets = {}
    for cycle in cycles:
        ruleset = packaged_ruleset(cycle)
        if ruleset is None or cycle not in DEMO_POOLS:
            raise ValueError(f"no packaged ruleset and demo pools for cycle {cycle} "
                             f"(known: {', '.join(map(str, DEMO_POOLS))})")
        rulesets[cycle] = ruleset
    return rulesets


def _registrations(communes: list[CommuneRow], stamper: Stamper) -> list[Draft]:
    return [Draft("communes", row["code"], "CommuneRegistered", stamper.event_id(), dict(row))
            for row in communes]


def _cycle_event(stamper: Stamper, event_type: str, body: dict[str, Any]) -> Draft:
    return Draft("cycles", str(body["cycle"]), event_type, stamper.event_id(), body)


def _openings(rulesets: dict[int, Ruleset], pools: dict[int, dict[str, int]],
              stamper: Stamper) -> list[Draft]:
    return [_cycle_event(stamper, "CycleOpened", {"cycle": c, "ruleset_id": rs.id,
                                                  "pools": dict(pools[c])})
            for c, rs in rulesets.items()]


def _changes(communes: list[CommuneRow], pools: dict[int, dict[str, int]], scale: int,
             rng: random.Random, stamper: Stamper) -> tuple[list[CommuneRow], list[Draft]]:
    """After closing: one pool change (ledger.md adjustment) and one population correction."""
    drafts = []
    cycle, window, delta = POOL_ADJUSTMENT
    if cycle in pools:
        pools[cycle][window] += delta * scale
        drafts.append(_cycle_event(stamper, "PoolAdjusted", {
            "cycle": cycle, "window": window, "pool_mad": pools[cycle][window]}))
    index = rng.randrange(len(communes))
    fixed = corrected(communes[index], rng)
    drafts.append(Draft("communes", fixed["code"], "CommuneRegistered", stamper.event_id(),
                        dict(fixed)))
    return [*communes[:index], fixed, *communes[index + 1:]], drafts
