"""One line and exit 2 for the command-line findings of issue 12: an output file that
cannot be written, a database URL pac-grants does not support, and ``explain`` options
that do not apply without ``--assessments`` (they were silently ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pac_grants.cli import main
from pac_grants.ledger import Ledger
from tests.unit.api_fixtures import fill


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    book = Ledger.from_url(url)
    fill(book)
    book.dispose()
    return url


def refused(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, list(args), env=env)
    lines = result.stderr.strip().splitlines()
    assert (result.exit_code, len(lines)) == (2, 1), (result.exit_code, result.stderr,
                                                      result.exception)
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("output", ["/no/such/dir/x.csv", "/proc/version"])
def test_export_to_a_path_that_cannot_be_written(url: str, output: str) -> None:
    line = refused("ledger", "export", "--database-url", url, "--output", output)
    assert output in line


def test_export_to_a_directory(url: str, tmp_path: Path) -> None:
    line = refused("ledger", "export", "--database-url", url, "--output", str(tmp_path))
    assert str(tmp_path) in line


@pytest.mark.parametrize("command", [["ledger", "export"], ["ledger", "summary"],
                                     ["ledger", "verify"], ["db", "upgrade"]])
def test_unsupported_database_urls(command: list[str]) -> None:
    line = refused(*command, "--database-url", "mysql://u:s3cr3t-pw@db.example/ledger")
    assert "mysql" in line and "s3cr3t-pw" not in line


@pytest.mark.parametrize(("option", "value"), [
    ("--ruleset", "nope"), ("--pool", "standard=abc"), ("--communes", "/etc/passwd"),
])
def test_explain_from_the_ledger_refuses_offline_options(url: str, option: str,
                                                         value: str) -> None:
    line = refused("explain", "--cycle", "2021", "--commune", "09.001.01.01", option, value,
                   env={"PAC_DATABASE_URL": url})
    assert option in line and "--assessments" in line
