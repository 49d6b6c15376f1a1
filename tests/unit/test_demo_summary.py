"""The demo's closing report (pac_grants/demo/summary.py) on the sample program's ledger.

The program goes through the pipeline's batch handler phase by phase (streams_harness),
then the report must show each cycle's state and last approval, where its money is
(ordered, paid, to recover, carried over), the reopened cycle's decisions, and compare
every cycle with the commune data of its last approval: no difference for the real
program, differences as soon as the program's frozen data is not what the ledger froze.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from pac_grants import display
from pac_grants.demo import summary
from pac_grants.i18n import Lang
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
    summary.cycles_table(feed.ledger, lines.append, "fr")
    assert lines[0].split()[:5] == ["Cycle", "Étape", "Approuvé", "le", "Guichet"]
    rows = [line.split()[:4] for line in lines[2:]]
    assert ["2021", "approuvé", "2022-09-30", "standard"] in rows
    assert ["2019", "approuvé", "2020-06-30", "standard"] in rows
    assert sum(row[:3] == ["2024", "approuvé", "2025-06-30"] for row in rows) == 2
    summary.decisions(feed.ledger, program, lines.append)
    assert lines[-1].startswith("2021: approved on 2022-06-30, 2022-09-30; reopened on "
                                "2022-09-01 (Décision n° 77-2022): Recours tardif REC-2021-")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_treasury_table_shows_where_each_window_s_money_is(fed: tuple[Program, Feed],
                                                               lang: Lang) -> None:
    """Per cycle and window: ordered, paid, outstanding, to recover, carried over, in the
    ledger's figures; 2022 shows what it carried over to 2023, 2021 what a commune still
    owes after its re-approval."""
    program, feed = fed
    lines: list[str] = []
    summary.treasury_table(feed.ledger, lines.append, lang)
    assert len(lines) == 2 + 7  # headers, rule, one row per cycle and window
    by_window = {(s.cycle, w.window): w for s in feed.ledger.summary() for w in s.windows}
    for line in lines[2:]:
        cycle, window = line.split()[:2]
        figures = by_window[(int(cycle), window)]
        for amount in (figures.allocated, figures.ordered, figures.paid, figures.to_recover,
                       figures.carried_over):
            assert display.money(amount, lang, currency=False) in line
    assert by_window[(2022, "standard")].carried_over == program.carried[2022]["standard"] * 100
    assert by_window[(2021, "standard")].to_recover > 0
    assert {k for k, w in by_window.items() if w.to_recover} == {(2021, "standard")}


def test_the_offline_check_uses_each_cycle_frozen_data(fed: tuple[Program, Feed]) -> None:
    program, feed = fed
    compared, differences = summary.offline_check(feed.ledger, program)
    assert (compared, differences) == (103 * 6, [])
    unfrozen = dataclasses.replace(program, frozen={**program.frozen,
                                                    2020: program.final_communes})
    _compared, differences = summary.offline_check(feed.ledger, unfrozen)
    data = [d for d in differences if d.startswith("2020 commune data of ")]
    assert len(data) == 1 and len(differences) > 1  # the corrected commune moves amounts
