"""The deterministic sample program: every event the demo, tests and benchmarks publish.

Pure Python, no Kafka. ``generate_program(seed, scale, cycles, revisions)`` returns a
:class:`Program` whose ``phases`` hold :class:`Message` values (logical topic, key,
value bytes, the dead-letter code a bad one must get) in the order of a cycle's life
(docs/events.md "Cycles"), every event dated on its business date, and the final inputs
of each cycle: its counting assessments, its effective pools (with carry-overs) and the
commune data its last approval froze, so that the offline engine gives what the ledger
must hold (docs/ledger.md s5). One module per kind of event:
:mod:`~pac_grants.scenario.cycles` (with :mod:`~pac_grants.scenario.pools`: financiers,
carry-over), :mod:`~pac_grants.scenario.assessments`,
:mod:`~pac_grants.scenario.complaints`, :mod:`~pac_grants.scenario.appeals` (after
approval, reopening), :mod:`~pac_grants.scenario.disbursements` (payments of the orders
that :mod:`~pac_grants.scenario.orders` expects), :mod:`~pac_grants.scenario.recoveries`,
and their dates in :mod:`~pac_grants.scenario.calendar`.
"""

from pac_grants.scenario.messages import Message, Phase
from pac_grants.scenario.program import Program, generate_program

__all__ = ["Message", "Phase", "Program", "generate_program"]
