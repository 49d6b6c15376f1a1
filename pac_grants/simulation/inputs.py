"""The inputs of a cycle that a simulation runs on, whatever they come from.

:class:`CycleInputs` is what the computation needs: the cycle, its ruleset, the
registered communes, the counting assessment of each commune and the pools. The ledger's
read side gives it for a cycle the worker knows (the inputs the ledger was posted from,
read-only); :func:`from_files` gives it from the files of ``pac-grants allocate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pac_grants.offline import read_assessments, read_communes
from pac_grants.rules.ruleset import Ruleset
from pac_grants.rules.types import Assessment, Commune


class CycleInputs(Protocol):
    """What a simulation reads of a cycle (satisfied by the read side's ``CycleInputs``)."""

    @property
    def cycle(self) -> int: ...

    @property
    def ruleset(self) -> Ruleset: ...

    @property
    def communes(self) -> Sequence[Commune]: ...

    @property
    def assessments(self) -> Mapping[str, Assessment]: ...

    @property
    def pools(self) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class FileInputs:
    cycle: int
    ruleset: Ruleset
    communes: Sequence[Commune]
    assessments: Mapping[str, Assessment]
    pools: Mapping[str, int]


def from_files(ruleset: Ruleset, communes: str | Path, assessments: str | Path,
               pools: Mapping[str, int]) -> FileInputs:
    """The files of ``pac-grants allocate``; a bad line raises ``offline.InputError``."""
    registry = read_communes(communes)
    counting = read_assessments(assessments, ruleset, registry)
    return FileInputs(ruleset.cycle, ruleset, tuple(registry), counting, dict(pools))
