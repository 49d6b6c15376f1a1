"""Stored variant rulesets: the table, adding, and how a name resolves (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from models.rulesets import metadata
from pac_grants.ledger import Ledger
from pac_grants.ledger.database import MIGRATIONS
from pac_grants.rules.ruleset import RulesetError
from pac_grants.simulation import store
from pac_grants.simulation.documents import packaged_document, parse_document


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    found = Ledger.from_url(f"sqlite:///{tmp_path / 'l.db'}")
    found.upgrade()
    yield found
    found.dispose()


def test_the_migration_creates_exactly_the_table(ledger: Ledger) -> None:
    with ledger.engine.connect() as connection:
        opts = {"compare_type": True, "include_object": _ours}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, metadata) == []


def _ours(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table == "stored_rulesets"


def test_the_migration_goes_down_and_up(ledger: Ledger) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with ledger.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_pipeline_state")
    assert "stored_rulesets" not in inspect(ledger.engine).get_table_names()
    ledger.upgrade()
    assert "stored_rulesets" in inspect(ledger.engine).get_table_names()


def _variant(share: str, version: int = 1, ruleset_id: str = "papc-2023-v") -> str:
    text = packaged_document("papc-2023").text
    return (text.replace("id: papc-2023", f"id: {ruleset_id}", 1)
            .replace("version: 1", f"version: {version}", 1)
            .replace("equal_share: '0.20'", f"equal_share: '{share}'"))


def _add(ledger: Ledger, text: str) -> tuple[store.Entry, bool]:
    with ledger.unit_of_work(chain=False) as uow:
        found = store.add(uow.rulesets, parse_document(text, "v.yaml"), "v.yaml")
        uow.commit()
    return found


def _entries(ledger: Ledger) -> list[store.Entry]:
    with ledger.reader() as reader:
        return store.catalogue(reader.rulesets)


def test_adding_stores_once_by_digest(ledger: Ledger) -> None:
    first, added = _add(ledger, _variant("0.35"))
    assert added and first.origin == "stored"
    again, added_again = _add(ledger, _variant("0.35") + "\n# same data, other text\n")
    assert not added_again and again.digest == first.digest
    packaged, added_packaged = _add(ledger, packaged_document("papc-2021").text)
    assert not added_packaged and packaged.origin == "packaged"
    entries = _entries(ledger)
    assert [e.ruleset_id for e in entries if e.origin == "stored"] == ["papc-2023-v"]
    assert store.resolve("papc-2023-v", entries).document().ruleset().digest == first.digest


def test_a_packaged_id_with_other_content_is_refused(ledger: Ledger) -> None:
    with pytest.raises(RulesetError, match="give the variant its own id"):
        _add(ledger, _variant("0.35", ruleset_id="papc-2023"))


def test_an_invalid_variant_is_refused_with_its_line(ledger: Ledger) -> None:
    with pytest.raises(RulesetError, match=r"^v\.yaml:\d+: windows\.0"):
        _add(ledger, _variant("1.5"))
    assert [e for e in _entries(ledger) if e.origin == "stored"] == []


def test_two_versions_of_one_id_are_named_by_digest(ledger: Ledger) -> None:
    one, _ = _add(ledger, _variant("0.30"))
    two, _ = _add(ledger, _variant("0.40", version=2))
    entries = _entries(ledger)
    with pytest.raises(RulesetError, match="names 2 stored rulesets: refer to one by its "
                                           "digest"):
        store.resolve("papc-2023-v", entries)
    assert store.reference(two, entries) == two.digest[:19]
    assert store.resolve(two.digest[:19], entries).digest == two.digest
    assert store.resolve(one.digest, entries).version == 1
    assert store.reference(entries[0], entries) == "papc-2019"
    with pytest.raises(RulesetError, match="at least 12 hex digits"):
        store.resolve("sha256:abc", entries)
    with pytest.raises(RulesetError, match="no ruleset 'nope' \\(known: "):
        store.resolve("nope", entries)


def test_a_database_before_the_migration_has_no_stored_rulesets(ledger: Ledger) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with ledger.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_pipeline_state")
    with ledger.reader() as reader:
        assert not reader.rulesets.available() and reader.rulesets.all() == []
