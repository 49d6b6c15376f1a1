"""A whole sample program, phase by phase, for the demo, the tests and the benchmarks.

Each phase is published, then processed, before the next (topics are read concurrently,
docs/events.md s1), so the order of phases is the order of a cycle's life; every event
is dated on its business date (:mod:`pac_grants.scenario.calendar`):

1. ``reference``: the communes (``CommuneRegistered``);
2. ``open``: ``CycleOpened`` with the pools of docs/rules.md, times ``scale``;
3. ``assessments``: first submissions, revisions, redeliveries, a stale revision, the
   pool change of 2022, a payment of a cycle not approved (``cycle_not_closed``);
4. ``notify``: ``ResultsNotified`` for every cycle but 2019 (approved without notice);
5. ``complaints``: the complaints register (:mod:`~pac_grants.scenario.complaints`);
6. ``early-close``: approvals tried too early, refused;
7. ``decisions``: the complaint that held 2022 up, decided;
8. ``close``: every cycle approved on June 30 of its grant year;
9. ``after-approval`` to 12. ``re-close``: :mod:`~pac_grants.scenario.appeals`;
13. ``disbursements``; 14. ``malformed``: one bad message per dead-letter code.

Same seed, scale, cycles and revisions: the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pac_grants.rules.engine import CycleResult
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset
from pac_grants.scenario import appeals, calendar, final
from pac_grants.scenario.assessments import AssessmentBook, stale, submissions
from pac_grants.scenario.communes import CommuneRow, program_communes
from pac_grants.scenario.complaints import Register, complaints, decisions
from pac_grants.scenario.cycles import Cycles, early_closings
from pac_grants.scenario.disbursements import Treasury, payments
from pac_grants.scenario.encoding import Stamper, loads
from pac_grants.scenario.malformed import Sources, malformed
from pac_grants.scenario.messages import Draft, Message, Phase, encode_phase

#: Demo pools in MAD (docs/rules.md), multiplied by ``scale``.
DEMO_POOLS: dict[int, dict[str, int]] = {
    2019: {"standard": 210_000_000}, 2020: {"standard": 1_200_000_000},
    2021: {"standard": 1_500_000_000}, 2022: {"standard": 1_600_000_000},
    2023: {"standard": 1_700_000_000},
    2024: {"standard": 1_300_000_000, "grandes_communes": 500_000_000}}
UNNOTIFIED_CYCLE = 2019  # approved without a notification (allowed)


@dataclass
class Program:
    """The generated events, and the inputs that count once all are processed."""

    seed: int
    scale: int
    cycles: tuple[int, ...]
    phases: list[Phase]
    communes: list[CommuneRow]  # as registered in phase ``reference``
    final_communes: list[CommuneRow]  # the registry at the end (after the correction)
    frozen: dict[int, list[CommuneRow]]  # the commune data of each cycle's last approval
    pools: dict[int, dict[str, int]]  # final pools, after PoolAdjusted
    counting: dict[tuple[int, str], bytes] = field(repr=False)  # highest counted revision
    approvals: dict[int, list[date]] = field(default_factory=dict)  # closed_on of each

    def messages(self) -> Iterator[Message]:
        for phase in self.phases:
            yield from phase.messages

    def final_inputs(self, cycle: int) -> tuple[list[CommuneRow], dict[str, dict[str, Any]],
                                                dict[str, int]]:
        """(communes, assessment events by commune code, pools) that count for ``cycle``:
        the commune data its last approval froze."""
        events = {code: loads(raw) for (c, code), raw in self.counting.items() if c == cycle}
        communes = self.frozen.get(cycle, self.final_communes)
        return list(communes), events, dict(self.pools[cycle])

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
                     revisions: int = 0) -> Program:
    """The sample program; ``revisions``: extra revisions for every commune and cycle.

    Assessment events: communes x cycles x (1 + revisions), plus ~10% second revisions
    and ~1.5% redeliveries; ``scale=15, revisions=4`` gives about 48,000.
    """
    cycles = tuple(sorted(set(cycles)))
    if not cycles or revisions < 0:
        raise ValueError("need at least one cycle and revisions >= 0")
    rulesets = _rulesets(cycles)
    rng, stamper = random.Random(f"pac-grants-scenario:{seed}"), Stamper(seed)
    communes = program_communes(scale, rng)
    pools = {c: {w: p * scale for w, p in DEMO_POOLS[c].items()} for c in cycles}
    book = AssessmentBook(communes, rulesets, rng, stamper)
    lives, register, treasury = Cycles(rulesets, pools, communes, book, stamper), \
        Register(book), Treasury(rng, stamper)
    phases: list[Phase] = []

    def phase(name: str, drafts: list[Draft]) -> None:
        phases.append(encode_phase(name, drafts, stamper))

    registered = calendar.registered_on(cycles[0])
    phase("reference", [lives.register(row, registered) for row in communes])
    phase("open", lives.openings())
    phase("assessments", _assessments(book, lives, treasury, revisions, scale))
    notified = [c for c in cycles if c != UNNOTIFIED_CYCLE]
    phase("notify", [lives.notify(c) for c in notified])
    phase("complaints", complaints(register, notified, [c for c in cycles if c not in notified]))
    held_up = [register.lodged[i].payload["cycle"] for i in register.undecided]
    phase("early-close", early_closings(lives, held_up))
    phase("decisions", decisions(register))
    phase("close", [lives.approve(c, calendar.approved_on(c)) for c in cycles])
    refused, appeal = appeals.after_approval(lives, register, scale)
    phase("after-approval", refused)
    phase("reopen", appeals.reopening(lives, appeal))
    phase("late-appeal", appeals.late_appeal(lives, appeal))
    phase("re-close", appeals.reclosing(lives, appeal))
    program = Program(seed, scale, cycles, phases, communes, lives.registry, lives.frozen,
                      pools, _counting(book), lives.approvals)
    finals = {c: final.amounts(program.final_result(c)) for c in cycles}
    phase("disbursements", payments(treasury, finals, lives.approvals))
    end = date(cycles[-1] + 2, 1, 15)
    phases.append(Phase("malformed", tuple(malformed(
        Sources(book, lives, register, treasury, end), finals))))
    return program


def _assessments(book: AssessmentBook, lives: Cycles, treasury: Treasury, revisions: int,
                 scale: int) -> list[Draft]:
    cycles = sorted(book.rulesets)
    drafts = [*submissions(book, cycles, revisions), *stale(book)]
    pool_cycle, window, delta = appeals.POOL_CHANGE
    if pool_cycle in cycles:
        drafts.append(lives.pool_change(pool_cycle, window, lives.pools[pool_cycle][window]
                                        + delta * scale, calendar.pool_changed_on(pool_cycle)))
    last = cycles[-1]
    drafts.append(treasury.payment(last, book.codes(last)[0], 100_000,
                                   calendar.pool_changed_on(last), expect="cycle_not_closed"))
    return drafts


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
