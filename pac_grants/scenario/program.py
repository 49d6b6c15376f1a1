"""A whole sample program, phase by phase, for the demo, the tests and the benchmarks.

Each phase is published, then processed, before the next (topics are read concurrently,
docs/events.md s1), so the order of phases is the order of a cycle's life; every event
is dated on its business date (:mod:`pac_grants.scenario.calendar`):

1. ``reference``: the communes (``CommuneRegistered``);
2. ``open``: ``CycleOpened`` with the pools of docs/rules.md, times ``scale``, naming
   their financiers from 2023 (:mod:`~pac_grants.scenario.pools`);
3. ``assessments``: first submissions, revisions, redeliveries, a stale revision, the
   co-financing that joins 2022's pool, a payment of a cycle not approved
   (``cycle_not_closed``);
4. ``notify``: ``ResultsNotified`` for every cycle but 2019 (approved without notice);
5. ``complaints``: the complaints register (:mod:`~pac_grants.scenario.complaints`);
6. ``early-close``: approvals tried too early, refused;
7. ``decisions``: the complaint that held 2022 up, decided;
8. ``close``: the cycles approved on June 30 of their grant year, payment orders issued;
   2022 carries what it leaves unallocated over to 2023;
9. ``close-next``: the cycles that waited for their predecessor's carry-over (2023);
10. ``payments``: the cycle to be reopened paid, a few communes in full;
11. ``after-approval`` to 14. ``re-close``: :mod:`~pac_grants.scenario.appeals`; the
    second approval lowers grants, cancels unpaid orders and leaves debts;
15. ``recoveries``: one debt refunded (:mod:`~pac_grants.scenario.recoveries`);
16. ``close-last``: the last cycle, approved once the debts are known: its grants
    offset what the other debtors owe;
17. ``disbursements``: the orders paid, in full, in part or not at all;
18. ``malformed``: one bad message per dead-letter code.

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
from pac_grants.scenario import appeals, calendar, final, pools, recoveries
from pac_grants.scenario.assessments import AssessmentBook, stale, submissions
from pac_grants.scenario.communes import CommuneRow, program_communes
from pac_grants.scenario.complaints import Register, complaints, decisions
from pac_grants.scenario.cycles import Cycles, early_closings
from pac_grants.scenario.disbursements import Treasury, advances, payments
from pac_grants.scenario.encoding import Stamper, loads
from pac_grants.scenario.malformed import Sources, malformed
from pac_grants.scenario.messages import Draft, Message, Phase, encode_phase
from pac_grants.scenario.orders import OrderBook
from pac_grants.scenario.pools import DEMO_POOLS

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
    pools: dict[int, dict[str, int]]  # funded + carried in - carried out (docs/ledger.md s5)
    counting: dict[tuple[int, str], bytes] = field(repr=False)  # highest counted revision
    approvals: dict[int, list[date]] = field(default_factory=dict)  # closed_on of each
    carried: dict[int, dict[str, int]] = field(default_factory=dict)  # MAD, to cycle + 1

    def messages(self) -> Iterator[Message]:
        for phase in self.phases:
            yield from phase.messages

    def final_inputs(self, cycle: int) -> tuple[list[CommuneRow], dict[str, dict[str, Any]],
                                                dict[str, int]]:
        """(communes, assessment events by commune code, pools) that count for ``cycle``:
        the commune data its last approval froze, its effective pools (docs/ledger.md
        s5: the funded pools, plus what the cycle before carried in, minus what this one
        carried out, which its approval left unallocated)."""
        events = {code: loads(raw) for (c, code), raw in self.counting.items() if c == cycle}
        communes = self.frozen.get(cycle, self.final_communes)
        return list(communes), events, dict(self.pools[cycle])

    def final_result(self, cycle: int) -> CycleResult:
        """The offline engine over the final inputs: what the ledger must hold."""
        communes, events, shared = self.final_inputs(cycle)
        ruleset = packaged_ruleset(cycle)
        assert ruleset is not None
        return final.compute(ruleset, communes, events, shared)

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
    book, orders = AssessmentBook(communes, rulesets, rng, stamper), OrderBook(rulesets)
    lives = Cycles(rulesets, scale, communes, book, orders, stamper)
    register, treasury = Register(book), Treasury(rng, stamper, orders)
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
    first, waiting, last = _closing_rounds(lives)
    phase("close", [lives.approve(c, calendar.approved_on(c)) for c in first])
    phase("close-next", [lives.approve(c, calendar.approved_on(c)) for c in waiting])
    later = set(final.grants(lives.result(last[0]))) if last else set()
    phase("payments", _advances(lives, treasury, later))
    refused, appeal = appeals.after_approval(lives, register, scale, avoid=treasury.advanced)
    phase("after-approval", refused)
    phase("reopen", appeals.reopening(lives, appeal))
    phase("late-appeal", appeals.late_appeal(lives, appeal))
    phase("re-close", appeals.reclosing(lives, appeal))
    reopened = appeals.REOPENED_CYCLE
    phase("recoveries", recoveries.refunds(treasury, reopened, lives.approvals[reopened][-1],
                                           later) if appeal is not None else [])
    phase("close-last", [lives.approve(c, calendar.approved_on(c)) for c in last])
    program = Program(seed, scale, cycles, phases, communes, lives.registry, lives.frozen,
                      {c: lives.effective(c) for c in cycles}, _counting(book), lives.approvals,
                      {c: dict(w) for c, w in lives.carried_out.items() if w})
    phase("disbursements", payments(treasury, lives.approvals))
    end = date(cycles[-1] + 2, 1, 15)
    phases.append(Phase("malformed", tuple(malformed(
        Sources(book, lives, register, treasury, end)))))
    return program


def _closing_rounds(lives: Cycles) -> tuple[list[int], list[int], list[int]]:
    """Cycles approved in phase ``close``, ``close-next`` (after the cycle that carries
    money over to them) and ``close-last`` (after the reopened cycle's debts are known,
    so that its grants offset them: the last cycle, when the reopened one comes before)."""
    cycles = sorted(lives.rulesets)
    reopened = appeals.REOPENED_CYCLE
    last = [cycles[-1]] if reopened in cycles and cycles[-1] > reopened else []
    waiting = [c for c in cycles if lives.waits_for_previous(c) and c not in last]
    return [c for c in cycles if c not in waiting + last], waiting, last


def _advances(lives: Cycles, treasury: Treasury, later: set[str]) -> list[Draft]:
    """Phase ``payments``: the cycle to be reopened, paid before its reopening; those
    paid in full are communes whose grant the re-approval will lower (eligible, not at
    their cap); ``later``: the communes with a grant in the cycle approved last."""
    cycle = appeals.REOPENED_CYCLE
    if cycle not in lives.approved:
        return []
    candidates = sorted(c.code for w in lives.results[cycle].windows for c in w.communes
                        if c.share is not None and not c.share.capped and c.amount > 0)
    return advances(treasury, cycle, lives.approvals[cycle][0], calendar.reopened_on(cycle),
                    candidates, later)


def _assessments(book: AssessmentBook, lives: Cycles, treasury: Treasury, revisions: int,
                 scale: int) -> list[Draft]:
    cycles = sorted(book.rulesets)
    drafts = [*submissions(book, cycles, revisions), *stale(book)]
    top_cycle, window, pool = pools.top_up(scale)
    if top_cycle in cycles:
        drafts.append(lives.pool_change(top_cycle, window, pool,
                                        calendar.pool_changed_on(top_cycle)))
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
