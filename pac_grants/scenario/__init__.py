"""The deterministic sample program: every event the demo, tests and benchmarks publish.

Pure Python, no Kafka. ``generate_program(seed, scale, cycles, revisions)`` returns a
:class:`Program` whose ``phases`` hold :class:`Message` values (logical topic, key,
value bytes, the dead-letter code a bad one must get), and the final inputs of each
cycle, so that the offline engine gives what the ledger must hold (ledger.md,
"Consistent with the rules").
"""

from pac_grants.scenario.messages import Message, Phase
from pac_grants.scenario.program import Program, generate_program

__all__ = ["Message", "Phase", "Program", "generate_program"]
