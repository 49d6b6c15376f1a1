"""benchmarks/soak.py without services: its arguments, its RSS growth on fixed samples,
the events it publishes (valid, always counted, windows kept, on business dates) and the
approvals that end it (accepted, in an order the pipeline takes).

The soak itself runs on the real services and is not part of the suite (docs/reliability.md
"Soak" has its last result).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from benchmarks import soak_stats as stats
from benchmarks.soak import parse_args
from benchmarks.soak_check import approval, notices
from benchmarks.soak_load import EventSource, preloaded
from benchmarks.soak_stats import Sample
from models.decode import Rejection, decode
from pac_grants.rules.scoring import check_assessment
from pac_grants.scenario import Message, Program, generate_program
from pac_grants.scenario.encoding import loads
from pac_grants.scenario.final import to_assessment
from tests.unit import scenario_reference


def test_defaults_are_a_ten_minute_run_with_a_kill_every_two_and_a_half() -> None:
    args = parse_args([])
    assert (args.minutes, args.rate, args.kill_every, args.sample_every) == (10, 50, 2.5, 10)
    assert (args.warm_up, args.max_growth, args.json_file) == (0.2, 10, None)


def test_options_are_read() -> None:
    args = parse_args(["--minutes", "1.5", "--rate", "20", "--kill-every", "0", "--json",
                       "out.json", "--update-share", "1", "--warm-up", "0"])
    assert (args.minutes, args.rate, args.kill_every, args.update_share) == (1.5, 20, 0, 1)
    assert str(args.json_file) == "out.json" and args.warm_up == 0


@pytest.mark.parametrize(("argv", "says"), [
    (["--minutes", "0"], "--minutes: must be over 0, not 0"),
    (["--rate", "fast"], "--rate: not a finite number: 'fast'"),
    (["--rate", "nan"], "--rate: not a finite number: 'nan'"),
    (["--kill-every", "-1"], "--kill-every: must be at least 0, not -1"),
    (["--warm-up", "1"], "--warm-up: must be at least 0 and under 1, not 1"),
    (["--update-share", "1.5"], "--update-share: must be at least 0 and at most 1, not 1.5"),
    (["--scale", "0"], "--scale: must be at least 1, not 0"),
    (["--minutes", "1", "--sample-every", "60"], "--sample-every: must be shorter than"),
])
def test_bad_arguments_exit_2_with_one_line(argv: list[str], says: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("benchmarks/soak.py: error: argument ") and says in error


def sample(t: float, life: int, rss: float, phase: str = "load") -> Sample:
    return Sample(t=t, phase=phase, life=life, pid=life, published=0, committed=0, lag=0,
                  committed_per_s=0.0, rss_mib=rss, fds=10, threads=6, db_connections=2)


def test_growth_compares_medians_of_the_first_and_last_quarter() -> None:
    assert stats.growth([100.0] * 5) is None  # too few to judge
    g = stats.growth([100, 104, 102, 500, 110, 112, 111, 1.0, 140, 130, 120, 125])
    assert g is not None and (g.n, g.k, g.first_mib, g.last_mib) == (12, 3, 102, 125)
    assert g.percent == pytest.approx(22.549, abs=1e-3)
    spike = stats.growth([100, 100, 100, 900, 100, 100, 100, 100])
    assert spike is not None and spike.percent == 0  # one reading does not decide


def test_each_life_drops_its_warm_up_and_a_short_life_is_not_judged() -> None:
    start_up = [sample(0, 1, 2.0), sample(10, 1, 60.0)]  # the first 20% of 10 samples
    settled = [sample(20 + 10 * i, 1, 100.0 + i) for i in range(8)]
    short = [sample(100 + 10 * i, 2, 150.0) for i in range(4)]
    growths = stats.life_growths([*start_up, *settled, *short], 0.2)
    assert set(growths) == {1, 2} and growths[2] is None
    life = growths[1]
    assert life is not None and (life.n, life.first_mib, life.last_mib) == (8, 101, 106)


def test_a_leak_within_one_life_fails_even_when_the_run_looks_flat() -> None:
    flat = [sample(10 * i, 1, 100.0) for i in range(15)]
    leaking = [sample(150 + 10 * i, 2, 90.0 + 2 * i) for i in range(15)]
    flat_again = [sample(300 + 10 * i, 3, 100.0) for i in range(15)]
    samples = [*flat, *leaking, *flat_again]
    run = stats.run_growth(samples, 0.2, 450)
    lives = stats.life_growths(samples, 0.2)
    assert run is not None and abs(run.percent) < 10
    assert lives[2] is not None and lives[2].percent > 10
    assert stats.verdict(run, lives, 10) is False


def test_lives_that_settle_higher_each_time_fail_across_restarts() -> None:
    samples = [sample(100 * life + i, life, 100.0 * 1.06 ** life)
               for life in range(1, 6) for i in range(10)]
    lives = stats.life_growths(samples, 0.2)
    assert all(g is not None and g.percent == 0 for g in lives.values())
    run = stats.run_growth(samples, 0.2, 600)
    assert run is not None and run.percent > 10
    assert stats.verdict(run, lives, 10) is False
    assert stats.verdict(run, lives, 50) is True


def test_the_run_leaves_out_its_warm_up_and_the_drain() -> None:
    early = [sample(i, 1, 50.0) for i in range(0, 20, 2)]  # before 20% of 100 s
    steady = [sample(20 + i, 1, 100.0) for i in range(0, 80, 5)]
    drain = [sample(101 + i, 1, 400.0, "drain") for i in range(5)]
    run = stats.run_growth([*early, *steady, *drain], 0.2, 100)
    assert run is not None and run.percent == 0 and run.n == 16
    assert stats.verdict(None, {}, 10) is None
    assert stats.verdict(stats.run_growth(early, 0.2, 100), {}, 10) is None


def test_the_table_has_a_line_per_sample() -> None:
    lines = stats.table([sample(0, 1, 100.0), sample(10, 2, 101.5)])
    assert len(lines) == 4 and "RSS MiB" in lines[0] and "101.5" in lines[3]


def test_soak_events_are_valid_and_always_count() -> None:
    """Every revision is the next one of its (cycle, commune) after the preloaded ones,
    dated in its cycle's assessment period, and passes decode and the window's checks; a
    commune update is dated before any notification and keeps every ruleset's window,
    also at the 2024 border (500,000 / 500,001 at scale 2); the reference holds the
    latest of each."""
    program = generate_program(seed=7, scale=2, cycles=(2023, 2024))
    source = EventSource(program, 7, update_share=0.3)
    revisions = dict(source.revisions)
    # the preloaded ones: a later phase's corrections (complaints) are not sent
    assert set(revisions) == set(program.counting) and len(revisions) == 2 * 206
    assert all(1 <= n <= loads(program.counting[key])["revision"]
               for key, n in revisions.items())
    made = [source.next() for _ in range(1500)]
    assert sum(1 for m in made if m.topic == "communes") > 300
    rows = {row["code"]: row for row in program.communes}
    for message in made:
        event = loads(message.value)
        assert not isinstance(decode(message.value, message.topic), Rejection), event
        day = date.fromisoformat(event["occurred_at"][:10])
        if message.topic == "communes":
            assert date(2023, 1, 3) <= day <= date(2024, 4, 14), event["occurred_at"]
            rows[event["code"]] = event
            continue
        key = (event["cycle"], event["commune_code"])
        assert event["revision"] == revisions[key] + 1
        assert day.isoformat() == event["assessed_on"]
        assert date(key[0] + 1, 2, 1) <= day <= date(key[0] + 1, 4, 10), event["assessed_on"]
        revisions[key] = event["revision"]
        ruleset = source.rulesets[event["cycle"]]
        census = rows[event["commune_code"]]["population"][str(ruleset.population_census)]
        window = ruleset.window_of(census)
        assert window is not None
        check_assessment(ruleset, to_assessment(event), window.id)
    border = [row for row in program.communes if row["population"]["2024"] in
              (500_000, 500_001)]
    assert len(border) == 2
    limit = source.rulesets[2024].windows[0].max_population
    for row in border:
        side = row["population"]["2024"] <= limit
        moves = [source.moved(row)["population"]["2024"] for _ in range(20)]
        assert all((n <= limit) == side for n in moves) and len(set(moves)) > 1, moves
    latest = {(c, code): e["revision"] for (c, code), e in source.reference.assessments.items()}
    assert latest == {key: n for key, n in revisions.items() if key in latest}
    assert Counter(m.topic for m in made) == Counter(
        {"assessments": source.made["AssessmentSubmitted"],
         "communes": source.made["CommuneRegistered"]})


def judged(reference: scenario_reference.Reference, messages: list[Message]) -> list[str]:
    """The dead-letter codes the independent rules give ``messages`` (none: all taken)."""
    return [code for m in messages if (code := reference.outcome(m)) is not None]


def preloaded_source(program: Program) -> tuple[EventSource, scenario_reference.Reference]:
    """A soak's source and the independent rules, both past the preload (all taken)."""
    source, rules = EventSource(program, 11, update_share=0.2), scenario_reference.Reference()
    for messages in preloaded(program):
        assert judged(rules, messages) == []
        for message in messages:
            source.reference.apply(message)
    return source, rules


def test_the_soak_ends_with_approvals_the_rules_accept_in_cycle_order() -> None:
    """The preload, the load, the notifications and the approvals one by one are all
    accepted by the independent rules of docs/events.md (dates after each complaint
    window, 2022 before 2023, the digest of the current inputs); 2022's carry-over
    reaches 2023; 2023 approved before 2022 would be refused."""
    program = generate_program(seed=11, scale=1)
    early, early_rules = preloaded_source(program)
    assert judged(early_rules, [approval(early, 2023)]) == ["previous_cycle_open"]
    source, rules = preloaded_source(program)
    assert judged(rules, [source.next() for _ in range(300)]) == []
    assert judged(rules, notices(source, program.cycles)) == []
    for cycle in program.cycles:
        assert judged(rules, [approval(source, cycle)]) == [], cycle
    assert dict(source.reference.approvals) == {c: 1 for c in program.cycles}
    kinds = Counter(p.kind for p in source.reference.money.posted)
    assert kinds["carry_over"] >= 1 and kinds["allocation"] and kinds["order"], kinds
    assert kinds == Counter(p.kind for p in rules.money.posted)
