"""The house's rules that imports alone show (docs/architecture.md "Layers").

``lint-imports`` (the contracts in pyproject.toml) checks that dependencies point one
way; these tests check what it cannot say: nothing outside ``pac_grants/ledger/`` imports
the ledger's modules (only the package's interface), and the calculator's own code never
reaches under the ledger's interface through its engine.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("pac_grants", "models", "streams")
LEDGER = "pac_grants.ledger"


def sources() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts)
            yield module.removesuffix(".__init__"), ast.parse(path.read_text("utf-8"))


def imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_only_the_ledger_imports_its_own_modules() -> None:
    outside = [(module, name) for module, tree in sources()
               if not module.startswith(LEDGER) and not module.startswith("pac_grants.migrations")
               for name in imported(tree) if name.startswith(f"{LEDGER}.")
               and name.removeprefix(f"{LEDGER}.") not in _EXPORTED]
    assert outside == []


_EXPORTED = set(__import__(LEDGER, fromlist=["__all__"]).__all__)


def test_the_calculator_never_uses_the_ledgers_engine() -> None:
    """Reads go through ``Ledger.reader()``, writes through ``Ledger.unit_of_work()``;
    ``Ledger.engine`` exists for tests that tamper with the database."""
    users = [module for module, tree in sources() if not module.startswith(LEDGER)
             and any(isinstance(node, ast.Attribute) and node.attr == "engine"
                     for node in ast.walk(tree))]
    assert users == []


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout and done.stdout.count("KEPT") >= 3
