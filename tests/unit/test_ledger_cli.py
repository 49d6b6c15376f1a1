"""``pac-grants ledger`` and ``db`` on a SQLite file: formats and one-line errors."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pac_grants.cli import main
from pac_grants.ledger import Ledger, Posting, TransactionSpec
from tests.ledger_support import post_many, upsert_communes


def tx(key: str, kind: str, postings: dict[str, int], when: date) -> TransactionSpec:
    return TransactionSpec(
        key=key, kind=kind, cycle=2021, window="standard",  # type: ignore[arg-type]
        postings=tuple(Posting(a, v) for a, v in postings.items()), cause_event_ids=("e",),
        ruleset_id=None, ruleset_digest=None, inputs_digest=None, effective_date=when,
        reason=f"raison de {key}", details={"eligible": 1} if kind == "allocation" else {},
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    assert CliRunner().invoke(main, ["db", "upgrade", "--database-url", url]).exit_code == 0
    book = Ledger.from_url(url)
    upsert_communes(book, [{"code": "C1", "name_fr": "Tafraout", "name_ar": "تافراوت",
                           "region": "r", "province": "p", "population_2014": 1,
                           "population_2024": 2, "participating": True}])
    post_many(book, [
        tx("envelope:2021:standard:e", "envelope",
           {"funding:2021:standard": -1000, "pool:2021:standard": 1000}, date(2021, 1, 1)),
        tx("allocation:2021:standard", "allocation",
           {"pool:2021:standard": -700, "payable:2021:C1": 700}, date(2021, 6, 1)),
    ])
    book.dispose()
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_tables_for_people(url: str) -> None:
    code, out, _ = run("ledger", "summary", "--database-url", url, "--format", "table")
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["Cycle", "État"]
    assert out.splitlines()[2].split() == ["2021", "clos", "standard", "10,00", "7,00", "3,00",
                                           "0,00", "1", "approuvé", "0,00", "7,00", "0,00",
                                           "0,00"]
    code, out, _ = run("ledger", "summary", "--database-url", url, "--format", "table",
                       "--lang", "ar")
    assert code == 0 and out.splitlines()[0].split()[:2] == ["الدورة", "الحالة"]
    assert out.splitlines()[2].split()[:4] == ["2021", "مغلقة", "standard", "10,00"]
    code, out, _ = run("ledger", "statement", "--commune", "C1", "--database-url", url,
                       "--format", "table")
    assert "تافراوت" in out and "raison de allocation:2021:standard" in out


def test_csv_and_export_keep_arabic(url: str, tmp_path: Path) -> None:
    code, out, _ = run("ledger", "balances", "--cycle", "2021", "--database-url", url,
                       "--format", "csv")
    assert list(csv.reader(out.splitlines()))[1] == ["2021", "C1", "standard", "7.00", "0.00",
                                                     "7.00", "Tafraout", "تافراوت", "0.00",
                                                     "0.00"]
    target = tmp_path / "export.json"
    code, _, err = run("ledger", "export", "--format", "json", "--output", str(target),
                       "--database-url", url)
    assert (code, err.strip()) == (0, f"wrote 2 transactions to {target}")
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["transactions"][1]["postings"][1]["name_ar"] == "تافراوت"


def test_verify_fails_with_exit_1_naming_the_transaction(url: str) -> None:
    assert run("ledger", "verify", "--database-url", url)[:2] == (
        0, "ok: 2 transactions, chain intact\n")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        raw.execute("UPDATE ledger_transactions SET reason = 'x' WHERE sequence = 1")
    code, out, _ = run("ledger", "verify", "--database-url", url)
    assert code == 1
    assert out.startswith("FAILED: transaction 'envelope:2021:standard:e' (sequence 1)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ledger", "summary", "--cycle", "1990"], "cycle 1990 has no transaction"),
        (["ledger", "statement", "--commune", "ZZ"], "commune ZZ has no transaction"),
        (["ledger", "export", "--cycle", "1990"], "cycle 1990 has no transaction"),
    ],
)
def test_user_mistakes_are_one_line(url: str, args: list[str], message: str) -> None:
    code, out, err = run(*args, "--database-url", url)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1


def test_missing_or_unmigrated_database(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    code, _, err = run("ledger", "verify", "--database-url", missing)
    assert code == 2 and "does not exist" in err
    assert not (tmp_path / "none.db").exists()
    sqlite3.connect(tmp_path / "empty.db").close()
    code, _, err = run("ledger", "summary", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 2 and "pac-grants db upgrade" in err
    code, _, err = run("ledger", "summary", "--database-url", "nosuchdb://x")
    assert code == 2 and err.startswith("Error: invalid database URL")


def test_the_database_url_comes_from_pac_database_url(url: str, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    monkeypatch.setenv("PAC_DATABASE_URL", url)
    assert run("ledger", "verify")[0] == 0


def test_a_database_from_a_newer_version_is_one_line(url: str) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0099_future'")
    code, _, err = run("db", "upgrade", "--database-url", url)
    assert code == 2
    assert "Can't locate revision identified by '0099_future'" in err
