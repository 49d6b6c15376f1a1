"""The demo's closing report (pac_grants/demo/summary.py) on the sample program's ledger.

The program goes through the pipeline's batch handler phase by phase (streams_harness),
then the report must show each cycle's state and last approval, the reopened cycle's
decisions, and compare every cycle with the commune data of its last approval: no
difference for the real program, differences as soon as the program's frozen data is
not what the ledger froze.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from pac_grants.demo import summary
from pac_grants.scenario import Program, generate_program
from tests.unit.streams_harness import Feed


@pytest.fixture(scope="module")
def fed() -> Iterator[tuple[Program, Feed]]:
    program, feed = generate_program(seed=20190), Feed()
    for phase in program.phases:
        feed.batch([feed.message(m.topic, m.value, m.key.decode() if m.key else None)
                    for m in phase.messages])
    yield program, feed
    feed.ledger.dispose()


def test_the_table_shows_each_cycle_state_and_last_approval(fed: tuple[Program, Feed]) -> None:
    program, feed = fed
    lines: list[str] = []
    summary.cycles_table(feed.ledger, lines.append)
    assert lines[0].split()[:4] == ["cycle", "state", "approved", "window"]
    assert any(line.startswith("2021  approved  2022-09-30  standard") for line in lines)
    assert any(line.startswith("2019  approved  2020-06-30  standard") for line in lines)
    assert sum(line.startswith("2024  approved  2025-06-30  ") for line in lines) == 2
    summary.decisions(feed.ledger, program, lines.append)
    assert lines[-1].startswith("2021: approved on 2022-06-30, 2022-09-30; reopened on "
                                "2022-09-01 (Décision n° 77-2022): Recours tardif REC-2021-")


def test_the_offline_check_uses_each_cycle_frozen_data(fed: tuple[Program, Feed]) -> None:
    program, feed = fed
    compared, differences = summary.offline_check(feed.ledger, program)
    assert (compared, differences) == (103 * 6, [])
    unfrozen = dataclasses.replace(program, frozen={**program.frozen,
                                                    2022: program.final_communes})
    _compared, differences = summary.offline_check(feed.ledger, unfrozen)
    data = [d for d in differences if d.startswith("2022 commune data of ")]
    assert len(data) == 1 and len(differences) > 1  # the corrected commune moves amounts
