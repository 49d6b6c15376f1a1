"""The `pac-grants` console script.

Subcommands are loaded lazily (``COMMANDS`` maps a name to ``module:attribute``) so that
``pac-grants allocate`` does not import Faust or SQLAlchemy, and a user mistake never
shows a traceback: :class:`click.ClickException` subclasses print one line and exit
non-zero.
"""

from __future__ import annotations

import importlib

import click

from pac_grants.cli.errors import EPILOG

COMMANDS: dict[str, tuple[str, str]] = {
    "allocate": ("pac_grants.cli.allocate:allocate", "Offline calculation of a cycle's grants."),
    "explain": ("pac_grants.cli.allocate:explain",
                "Why a commune got its amount (docs/rules.md s7)."),
    "ledger": ("pac_grants.cli.ledger:ledger", "Read the ledger (summary, balances, verify...)."),
    "db": ("pac_grants.cli.ledger:db", "The ledger's database schema: upgrade."),
    "scenario": ("pac_grants.cli.scenario:scenario", "Write the sample program as JSONL files."),
    "worker": ("pac_grants.cli.stream:worker", "The stream worker (Faust)."),
    "publish": ("pac_grants.cli.stream:publish", "Publish JSONL events, each validated first."),
    "topics": ("pac_grants.cli.stream:topics", "Create the topics (partitions, compaction)."),
    "dlq": ("pac_grants.cli.stream:dlq", "List dead letters; replay them to their source."),
    "demo": ("pac_grants.cli.demo:demo", "The sample program end to end on an embedded broker."),
    "api": ("pac_grants.cli.api:api", "The read API and web page over the ledger (finance)."),
    "schema": ("pac_grants.cli.schema:schema",
               "JSON Schema of an input event; AsyncAPI of the topics."),
    "simulate": ("pac_grants.cli.simulate:simulate",
                 "A cycle under a variant ruleset, commune by commune (no ledger writes)."),
    "rulesets": ("pac_grants.cli.rulesets:rulesets",
                 "Rulesets to simulate: list them, store a variant."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        command.epilog = command.epilog or EPILOG
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EPILOG)
@click.version_option(package_name="pac-grants")
def main() -> None:
    """pac-grants: the PAPC performance-grant calculator."""
