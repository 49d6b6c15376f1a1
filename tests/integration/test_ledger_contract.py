"""The ledger's contract (docs/ledger.md), one suite run on SQLite and on the real PostgreSQL.

Like eventsourcing's persistence tests: every test takes a
``ledger`` built on a fresh database of each back end. PostgreSQL comes from
``tests/conftest.py``'s ``fresh_postgres_url`` (a throwaway database on the cluster of
``scripts/services``); without it these tests fail rather than skip.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, make_url, text

from pac_grants import money
from pac_grants.cli.ledger import db, ledger
from pac_grants.ledger import (
    EmptyTransaction,
    Ledger,
    Posting,
    TransactionSpec,
    UnbalancedTransaction,
)
from pac_grants.ledger.hashing import GENESIS, transaction_hash
from tests.ledger_support import (
    funded,
    latest_result,
    post,
    post_many,
    record_allocation_result,
    record_dead_letter,
    upsert_communes,
)

pytestmark = pytest.mark.integration

A, B = "09.001.01.01", "09.001.01.02"
NAMES = {A: ("Agadir", "أكادير"), B: ("Aït Melloul", "آيت ملول")}


def spec(key: str, kind: str, postings: dict[str, int], *, when: date = date(2021, 1, 15),
         cycle: int = 2021, window: str | None = "standard", **details: Any) -> TransactionSpec:
    return TransactionSpec(
        key=key, kind=kind, cycle=cycle, window=window,  # type: ignore[arg-type]
        postings=tuple(Posting(a, v) for a, v in postings.items()),
        cause_event_ids=(f"evt-{key}",), ruleset_id="papc-2021", ruleset_digest="sha256:ab",
        inputs_digest="sha256:cd", effective_date=when, reason=f"because of {key}",
        details=details,
    )


def envelope(amount: int = 1_000_000, event_id: str = "e1", cycle: int = 2021) -> TransactionSpec:
    return spec(f"envelope:{cycle}:standard:{event_id}", "envelope",
                {f"funding:{cycle}:standard": -amount, f"pool:{cycle}:standard": amount},
                cycle=cycle, when=date(cycle, 1, 15))


def allocation(a: int = 600_000, b: int = 300_000) -> TransactionSpec:
    return spec("allocation:2021:standard", "allocation",
                {"pool:2021:standard": -(a + b), f"payable:2021:{A}": a, f"payable:2021:{B}": b},
                when=date(2021, 6, 1), eligible=2)


def disbursement(ref: str, amount: int, when: date = date(2022, 6, 30)) -> TransactionSpec:
    return spec(f"disbursement:2021:{ref}", "disbursement",
                {f"payable:2021:{A}": -amount, f"paid:2021:{A}": amount}, when=when)


def adjustment(delta: int) -> TransactionSpec:
    return spec("adjustment:2021:standard:appeal-1", "adjustment",
                {"pool:2021:standard": -delta, f"payable:2021:{A}": delta},
                when=date(2022, 9, 1), eligible=2)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def book(database_url: str) -> Iterator[Ledger]:
    instance = Ledger.from_url(database_url)
    instance.upgrade()
    yield instance
    instance.dispose()


def cycle_2021(book: Ledger) -> None:
    upsert_communes(book, [_commune(A), _commune(B)])
    post_many(book, [envelope(), allocation()])
    post(book, disbursement("TGR-1", 100_000))


def _commune(code: str) -> dict[str, Any]:
    fr, ar = NAMES[code]
    return {"code": code, "name_fr": fr, "name_ar": ar, "region": "Souss-Massa",
            "province": "Agadir-Ida-Ou-Tanane", "population_2014": 1000,
            "population_2024": 1200, "participating": True}


# -- balanced, idempotent -----------------------------------------------------------

def test_an_empty_database_just_works_and_upgrade_is_idempotent(book: Ledger) -> None:
    book.upgrade()
    assert book.verify().line() == "ok: 0 transactions, chain intact"


def test_postings_move_money_between_accounts(book: Ledger) -> None:
    cycle_2021(book)
    assert funded(book, 2021, "standard") == 1_000_000
    assert book.balance("pool:2021:standard") == 100_000
    assert book.allocated(2021) == {("standard", A): 600_000, ("standard", B): 300_000}
    assert book.outstanding(2021, A) == 500_000
    assert book.balance(f"paid:2021:{A}") == 100_000
    assert book.verify().ok


def test_unbalanced_or_empty_batch_writes_nothing(book: Ledger) -> None:
    bad = spec("adjustment:2021:standard:x", "adjustment", {"pool:2021:standard": -5})
    with pytest.raises(UnbalancedTransaction, match="sum to -5 centimes"):
        post_many(book, [envelope(), bad])
    empty = spec("adjustment:2021:standard:y", "adjustment", {})
    with pytest.raises(EmptyTransaction):
        post(book, empty)
    assert book.cycles() == []
    assert book.verify().transactions == 0


def test_the_same_cause_twice_has_one_effect(book: Ledger) -> None:
    first = post(book, envelope())
    again = post_many(book, [envelope(), envelope(), allocation(), allocation()])
    assert (first.duplicate, [r.duplicate for r in again]) == (False, [True, True, False, True])
    assert funded(book, 2021, "standard") == 1_000_000
    assert book.verify().line() == "ok: 2 transactions, chain intact"


def test_the_unit_of_work_rolls_back_unless_committed(book: Ledger) -> None:
    with book.unit_of_work() as uow:
        uow.postings.post([envelope()])
        assert reading_balance(uow, "pool:2021:standard") == 1_000_000  # sees its own write
    assert book.cycles() == []
    with book.unit_of_work() as uow:
        uow.postings.post([envelope()])
        uow.commit()
        assert uow.postings.post([envelope(), allocation()])[1].duplicate is False
        uow.commit()
        uow.postings.post([disbursement("TGR-9", 1)])
        uow.rollback()
    assert book.verify().line() == "ok: 2 transactions, chain intact"


def reading_balance(uow: Any, account: str) -> int:
    return int(uow.postings.balance(account))


# -- concurrency ----------------------------------------------------------------------

def _race(url: str, work: Any, writers: int = 2) -> list[Any]:
    """Run ``work(ledger)`` in parallel threads, each with its own engine (= process)."""
    barrier, results, errors = threading.Barrier(writers), [], []

    def run() -> None:
        own = Ledger.from_url(url)
        try:
            barrier.wait()
            results.append(work(own))
        except Exception as exc:  # reported below, not swallowed
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def test_two_writers_same_cause_one_effect(book: Ledger, database_url: str) -> None:
    post(book, envelope())
    for attempt in range(5):
        results = _race(database_url, lambda own, n=attempt: post(own, disbursement(f"R{n}", 10)))
        assert sorted(r.duplicate for r in results) == [False, True]
    assert book.balance(f"paid:2021:{A}") == 50
    assert book.verify().line() == "ok: 6 transactions, chain intact"


def test_two_writers_never_lose_a_chain_link(book: Ledger, database_url: str) -> None:
    counter = iter(range(1000))
    lock = threading.Lock()

    def write(own: Ledger) -> int:
        for _ in range(20):
            with lock:
                n = next(counter)
            post(own, envelope(1 + n, event_id=f"e{n}"))
        return 20

    _race(database_url, write, writers=3)
    assert book.verify().line() == "ok: 60 transactions, chain intact"
    assert funded(book, 2021, "standard") == sum(range(1, 61))


# -- tamper evidence and append-only ---------------------------------------------------

def tamper(url: str, sql: str) -> None:
    """Change the stored ledger behind its back (the owner disables the triggers)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(parsed.database)) as raw:
            raw.execute(sql)
        return
    owner = Ledger.from_url(url)
    with owner.engine.begin() as connection:
        for table in ("ledger_postings", "ledger_transactions"):
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        connection.execute(text(sql))
        for table in ("ledger_postings", "ledger_transactions"):
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    owner.dispose()


def test_a_changed_amount_is_named_by_verify(book: Ledger, database_url: str) -> None:
    cycle_2021(book)
    tamper(database_url, "UPDATE ledger_postings SET amount = amount + 1 "
           f"WHERE account = 'payable:2021:{B}'")
    report = book.verify()
    assert (report.ok, report.transaction_id) == (False, "allocation:2021:standard")
    result = CliRunner().invoke(ledger, ["verify", "--database-url", database_url])
    assert result.exit_code == 1
    assert "allocation:2021:standard" in result.output


def test_a_rebalanced_change_still_breaks_the_hash(book: Ledger, database_url: str) -> None:
    cycle_2021(book)
    tamper(database_url, "UPDATE ledger_postings SET amount = -amount "
           "WHERE transaction_id = 'disbursement:2021:TGR-1'")
    report = book.verify()
    assert report.transaction_id == "disbursement:2021:TGR-1"
    assert "does not match its hash" in str(report.violation)


def test_a_deleted_transaction_breaks_the_chain(book: Ledger, database_url: str) -> None:
    cycle_2021(book)
    tamper(database_url, "DELETE FROM ledger_postings WHERE transaction_id = "
           "'allocation:2021:standard'")
    tamper(database_url, "DELETE FROM ledger_transactions WHERE sequence = 2")
    report = book.verify()
    assert report.transaction_id == "disbursement:2021:TGR-1"
    assert "sequence should be 2" in str(report.violation)


def test_postgres_refuses_update_and_delete(
    fresh_postgres_url: str, writer_postgres_url: str
) -> None:
    """PostgreSQL only: SQLite has neither roles nor triggers here (verify covers it)."""
    database_url = fresh_postgres_url
    book = Ledger.from_url(database_url)
    book.upgrade()
    cycle_2021(book)
    writer = Ledger.from_url(_as_writer(database_url, writer_postgres_url))
    statements = ["UPDATE ledger_postings SET amount = 0", "DELETE FROM ledger_postings",
                  "DELETE FROM ledger_transactions", "UPDATE ledger_accounts SET cycle = 1",
                  "TRUNCATE ledger_postings"]
    for who in (book, writer):
        for sql in statements:
            with (pytest.raises(Exception, match=r"append-only|permission denied"),
                  who.engine.begin() as connection):
                connection.execute(text(sql))
    assert post(writer, disbursement("TGR-2", 5)).duplicate is False
    assert writer.verify().line() == "ok: 4 transactions, chain intact"
    writer.dispose()
    book.dispose()


def _as_writer(url: str, writer_url: str) -> str:
    """The fresh database's URL with the credentials of role ``pac_writer``."""
    writer = make_url(writer_url)
    parsed = make_url(url).set(username=writer.username, password=writer.password)
    return parsed.render_as_string(hide_password=False)


# -- reading ----------------------------------------------------------------------------

def test_balances_at_a_past_date(book: Ledger) -> None:
    cycle_2021(book)
    post(book, disbursement("TGR-2", 50_000, when=date(2023, 1, 10)))
    assert book.balances(2021, date(2021, 3, 1)) == []
    july = book.balances(2021, date(2022, 7, 1))
    at = {b.code: (b.allocated, b.paid, b.outstanding) for b in july}
    assert at == {A: (600_000, 100_000, 500_000), B: (300_000, 0, 300_000)}
    assert book.balance(f"paid:2021:{A}", as_of=date(2023, 1, 10)) == 150_000
    assert book.balance(f"paid:2021:{A}", as_of=date(2022, 6, 29)) == 0


def test_summary_and_statement(book: Ledger) -> None:
    post(book, envelope(5_000, cycle=2022))
    cycle_2021(book)
    post(book, adjustment(-550_000))  # an appeal lowers A below what was paid
    summary = {s.cycle: s.model_dump(mode="json") for s in book.summary()}
    assert summary[2022]["status"] == "open"
    assert summary[2021] == {
        "cycle": 2021, "status": "closed", "state": "approved", "closed_on": None,
        "decision_ref": None, "windows": [{
            "window": "standard", "pool": "10000.00", "allocated": "3500.00",
            "unallocated": "6500.00", "paid": "1000.00", "eligible": 2, "ordered": "0.00",
            "outstanding": "2500.00", "to_recover": "0.00", "carried_over": "0.00",
            "paid_by_offset": "0.00"}]}
    entries = book.statement(A, 2021).model_dump(mode="json")["entries"]
    assert [e["kind"] for e in entries] == ["allocation", "disbursement", "adjustment"]
    assert entries[-1]["balance"] == {"allocated": "500.00", "paid": "1000.00",
                                      "outstanding": "-500.00", "to_recover": "0.00"}
    assert entries[-1]["reason"] == "because of adjustment:2021:standard:appeal-1"


def test_export_round_trip_keeps_names_and_hashes(book: Ledger) -> None:
    cycle_2021(book)
    as_csv, as_json = io.StringIO(), io.StringIO()
    assert book.export(as_csv, "csv") == 7
    assert book.export(as_json, "json") == 3
    rows = list(csv.DictReader(io.StringIO(as_csv.getvalue())))
    assert {(r["commune_code"], r["name_fr"], r["name_ar"]) for r in rows if r["commune_code"]} \
        == {(A, *NAMES[A]), (B, *NAMES[B])}
    from_csv: dict[str, dict[str, Any]] = {}
    for r in rows:
        tx = from_csv.setdefault(r["id"], {**r, "cause_event_ids": json.loads(r["cause_event_ids"]),
                                           "details": json.loads(r["details"]), "postings": []})
        tx["postings"].append({"account": r["account"], "amount": r["amount"]})
    for transactions in (list(from_csv.values()), json.loads(as_json.getvalue())["transactions"]):
        _assert_chain(transactions)
    assert sum(money.parse(r["amount"]) for r in rows) == 0


def _assert_chain(transactions: list[dict[str, Any]]) -> None:
    prev = GENESIS
    for tx in transactions:
        row = {**tx, "written_at": datetime.fromisoformat(tx["written_at"])}
        postings = [(p["account"], money.parse(p["amount"])) for p in tx["postings"]]
        assert tx["prev_hash"] == prev
        assert transaction_hash(row, postings, prev) == tx["hash"]
        prev = tx["hash"]


# -- the command line on both databases -----------------------------------------------------

def test_cli_prints_the_shapes_of_interfaces_md(book: Ledger, database_url: str) -> None:
    cycle_2021(book)
    runner, url = CliRunner(), ["--database-url", database_url]
    summary = json.loads(runner.invoke(ledger, ["summary", *url, "--format", "json"]).output)
    assert list(summary["cycles"][0]["windows"][0]) == [
        "window", "pool", "allocated", "unallocated", "paid", "eligible", "ordered",
        "outstanding", "to_recover", "carried_over", "paid_by_offset"]
    balances = json.loads(
        runner.invoke(ledger, ["balances", "--cycle", "2021", *url, "--format", "json"]).output)
    assert balances["cycle"] == 2021
    assert list(balances["communes"][0])[:6] == [
        "code", "window", "allocated", "paid", "outstanding", "name_fr"]
    assert balances["communes"][0]["outstanding"] == "5000.00"
    assert runner.invoke(ledger, ["verify", *url]).output == "ok: 3 transactions, chain intact\n"
    unknown = runner.invoke(ledger, ["balances", "--cycle", "1999", *url])
    assert unknown.exit_code == 2
    assert "cycle 1999" in unknown.output
    assert runner.invoke(db, ["upgrade", *url]).exit_code == 0


def test_reference_tables(book: Ledger) -> None:
    cycle_2021(book)
    upsert_communes(book, [{**_commune(A), "name_fr": "Agadir (ville)"}])
    dead: dict[str, Any] = {
            "received_at": datetime(2022, 3, 1, 9, 30), "source_topic": "pac.assessments.v1",
            "partition": 3, "offset": 1841, "key": A, "raw_value": "{", "encoding": "utf-8",
            "code": "malformed_json", "message": "not JSON", "details": [{"field": "x"}]}
    assert record_dead_letter(book, **dead) is True
    assert record_dead_letter(book, **dead) is False
    assert record_dead_letter(book, **{**dead, "offset": 1842, "code": "unknown_cycle"}) is True
    assert [d.offset for d in book.dead_letters(10)] == [1842, 1841]
    assert [d.details for d in book.dead_letters(10, code="malformed_json")] == [[{"field": "x"}]]
    for status in ("provisional", "final"):
        record_allocation_result(book, cycle=2021, window="standard", status=status,
                                      ruleset_id="papc-2021", ruleset_digest="sha256:ab",
                                      inputs_digest="sha256:cd", result={"communes": []})
    latest = latest_result(book, 2021, "standard")
    assert latest is not None and latest.status == "final"
    assert latest_result(book, 2021, "other") is None
    assert book.balances(2021)[0].name_fr == "Agadir (ville)"


def test_a_batch_is_a_fixed_number_of_statements(book: Ledger) -> None:
    post(book, envelope(10**9))
    specs = [disbursement(f"R{n}", 1 + n) for n in range(200)]
    post(book, allocation(10**7, 0))
    statements: list[str] = []
    event.listen(book.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    results = post_many(book, specs)
    assert all(not r.duplicate for r in results)
    assert len(statements) <= 10, statements
    assert book.verify().line() == "ok: 202 transactions, chain intact"
