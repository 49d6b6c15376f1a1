"""Where ``simulate`` finds its rulesets and inputs: files, the package, the ledger.

The ledger's database is opened only when needed (a name that is not packaged, or the
stored inputs of a cycle), read in a read-only snapshot, and closed again.
"""

from __future__ import annotations

from pathlib import Path

import click

from pac_grants.cli.errors import usage
from pac_grants.cli.reads import opened
from pac_grants.rules.ruleset import Ruleset, RulesetError, packaged_ruleset
from pac_grants.simulation import store
from pac_grants.simulation.documents import Document, read_document
from pac_grants.simulation.inputs import CycleInputs


class Sources:
    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self._stored: list[store.Entry] | None = None

    def document(self, source: str) -> Document:
        """A YAML file (a path that exists or ends in .yaml/.yml), else a name."""
        path = Path(source)
        if path.suffix in (".yaml", ".yml") or path.is_file():
            return read_document(path)
        try:
            return store.resolve(source, store.packaged()).document()
        except RulesetError:
            return store.resolve(source, [*store.packaged(), *self.stored(source)]).document()

    def ruleset(self, source: str) -> Ruleset:
        return self.document(source).ruleset()

    def cycle_ruleset(self, cycle: int) -> Ruleset:
        found = packaged_ruleset(cycle)
        if found is None:
            raise usage(f"no packaged ruleset for cycle {cycle}; pass --base FILE")
        return found

    def document_of(self, ruleset: Ruleset) -> Document:
        """The document of a ruleset known by its digest (to sweep the base itself)."""
        for entry in store.packaged():
            if entry.digest == ruleset.digest:
                return entry.document()
        for entry in self.stored(ruleset.id):
            if entry.digest == ruleset.digest:
                return entry.document()
        raise RulesetError(f"ruleset {ruleset.id} ({ruleset.digest[:19]}) is neither packaged "
                           "nor stored: give the document to sweep with --variant FILE")

    def stored(self, wanted: str) -> list[store.Entry]:
        if self._stored is None:
            try:
                with opened(self.database_url) as ledger, ledger.reader() as reader:
                    self._stored = store.stored(reader.rulesets)
            except click.ClickException as exc:
                raise RulesetError(f"{wanted!r} is not a packaged ruleset, and the stored "
                                   f"ones cannot be read: {exc.message}") from None
        return self._stored

    def stored_inputs(self, cycle: int) -> CycleInputs:
        """The inputs the ledger's database holds for the cycle (the read side); an unknown
        cycle is the read side's NotFound, one line and exit 2 through ``opened``."""
        from pac_grants.readside import cycle_inputs

        with opened(self.database_url) as ledger, ledger.reader() as reader:
            return cycle_inputs(reader, cycle, last_approval=True)
