"""The stream commands' user-facing behaviour that needs no broker (docs/cli.md s4).

Invalid lines are reported as ``file:line: code: message`` and not sent; an unreachable
broker or a bad setting is one line and exit 2, never a traceback. Publishing valid
lines to a real broker is tested in tests/integration/test_pipeline_e2e.py.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from pac_grants.broker.publish import prepare
from pac_grants.cli import main
from tests.unit import events_fixtures as ev


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAC_BROKER_URL", f"kafka://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("PAC_TOPIC_PREFIX", "pac.")


def test_publish_reports_invalid_lines_and_sends_nothing(env: None, tmp_path: Path) -> None:
    bad = ev.assessment(indicators=ev.INDICATORS_2021 | {"A3": "1.4"})
    path = tmp_path / "in.jsonl"
    path.write_bytes(ev.raw(bad) + b"\n\n{broken\n")
    result = CliRunner().invoke(main, ["publish", "--topic", "assessments", str(path)])
    assert result.exit_code == 2  # bad input (docs/cli.md "Errors")
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:1: value_out_of_range: ")
    assert lines[1].startswith(f"{path}:3: malformed_json: ")
    assert lines[-1] == "0 sent to pac.assessments.v1, 2 invalid"


def test_publish_refuses_an_output_topic(env: None, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("{}\n")
    result = CliRunner().invoke(main, ["publish", "--topic", "allocations", str(path)])
    assert result.exit_code == 2
    assert "not an input topic" in result.stderr


def test_unreachable_broker_is_one_line(env: None, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pac_grants.broker.publish.BOOTSTRAP_TIMEOUT_MS", 1000)
    path = tmp_path / "in.jsonl"
    path.write_bytes(ev.raw(ev.commune()) + b"\n")
    result = CliRunner().invoke(main, ["publish", "--topic", "communes", str(path)])
    assert result.exit_code == 1  # a service failed (docs/cli.md "Errors")
    assert result.stderr.startswith("Error: Kafka: ")
    assert "Traceback" not in result.output


def test_keys_are_the_events_keys() -> None:
    ready, invalid = prepare("cycles", [ev.raw(ev.cycle_opened()) + b"\n"])
    assert invalid == [] and ready[0][0] == b"2021"
    ready, _ = prepare("assessments", [ev.raw(ev.assessment())])
    assert ready[0][0] == b"09.001.01.01"
    ready, _ = prepare("assessments", [b'{"commune_code": "X", "oops": 1}'], raw=True)
    assert ready == [(b"X", b'{"commune_code": "X", "oops": 1}')]
    ready, _ = prepare("assessments", [b"\xff{"], raw=True)
    assert ready == [(None, b"\xff{")]


def test_keys_of_the_lifecycle_events() -> None:
    """Every event of pac.cycles.v1 is keyed by its cycle, of pac.complaints.v1 by its
    commune (docs/events.md s1), validated or sent raw."""
    notified = ev.event("ResultsNotified", cycle=2021, notified_on="2022-04-15",
                        complaint_deadline="2022-05-15")
    reopened = ev.event("CycleReopened", cycle=2021, reopened_on="2022-09-01",
                        decision_ref="D-7", reason="recours tardif")
    lodged = ev.event("ComplaintLodged", complaint_id="REC-1", cycle=2021,
                      commune_code="09.001.01.02", lodged_on="2022-05-02", subjects=["A3"])
    ready, invalid = prepare("cycles", [ev.raw(notified), ev.raw(reopened)])
    assert invalid == [] and [key for key, _value in ready] == [b"2021", b"2021"]
    ready, invalid = prepare("complaints", [ev.raw(lodged)])
    assert invalid == [] and ready[0][0] == b"09.001.01.02"
    ready, _ = prepare("complaints", [b'{"commune_code": "X", "oops": 1}'], raw=True)
    assert ready == [(b"X", b'{"commune_code": "X", "oops": 1}')]
