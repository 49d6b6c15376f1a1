"""``pac-grants ledger keygen``, ``ledger checkpoints export`` and the checkpoints of
``ledger verify --checkpoints`` (docs/ledger.md "Checkpoints", docs/cli.md).

Checkpoints come from a JSON-lines file (one a line, as ``export`` writes them) or from
the topic itself (``topic``). A record that cannot be read is one line naming where it
is (``FILE:LINE`` or ``topic[partition]@offset``), exit 2; an unreachable broker or a
missing topic exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pac_grants.cli.errors import EPILOG, USAGE, reported, service, usage

TOPIC = "topic"  # --checkpoints topic: read them from the broker


def _settings() -> Any:
    from pac_grants.settings import load_settings

    with reported():
        return load_settings()


def from_topic() -> tuple[list[Any], list[str]]:
    """The topic's checkpoints, and one line for each record that cannot be read."""
    from pac_grants.broker.checkpoints import CheckpointsUnreadable, read_values
    from pac_grants.ledger import CheckpointError, parse_checkpoint

    with reported():
        try:
            values = read_values(_settings())
        except CheckpointsUnreadable as exc:
            raise service(str(exc)) from None
    kept, bad = [], []
    for where, value in values:
        try:
            kept.append(parse_checkpoint(value, where))
        except CheckpointError as exc:
            bad.append(str(exc))
    return kept, bad


def from_file(path: Path) -> list[Any]:
    """Every checkpoint of a JSON-lines file (blank lines skipped); exit 2 on a bad one."""
    from pac_grants.ledger import parse_checkpoint

    with reported():
        lines = path.read_text("utf-8").splitlines()
        return [parse_checkpoint(line, f"{path}:{number}") for number, line in enumerate(lines, 1)
                if line.strip()]


def load(source: str) -> list[Any]:
    """``--checkpoints FILE|topic``: a record that cannot be read stops the check."""
    if source != TOPIC:
        return from_file(Path(source))
    kept, bad = from_topic()
    if bad:
        raise usage(f"{bad[0]} ({len(bad)} unreadable record(s) in the topic)")
    return kept


def verifier(public_key: Path | None) -> Any:
    from pac_grants.ledger import Verifier

    if public_key is None:
        return None
    with reported():
        return Verifier.load(public_key)


@click.command(epilog=EPILOG)
@click.option("--out", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder of the two key files.")
def keygen(directory: Path) -> None:
    """Write a new Ed25519 key pair that signs the ledger's checkpoints.

    The private key (mode 0600) is for the worker (PAC_LEDGER_SIGNING_KEY); the public
    key is for whoever checks the ledger (verify --checkpoints ... --public-key). An
    existing key file is never overwritten.
    """
    from pac_grants.ledger import generate_key_pair

    with reported():
        directory.mkdir(parents=True, exist_ok=True)
        private, public, key_id = generate_key_pair(directory)
    click.echo(f"private key: {private} (mode 0600; PAC_LEDGER_SIGNING_KEY of the worker)")
    click.echo(f"public key: {public} (for ledger verify --checkpoints --public-key)")
    click.echo(f"key id: {key_id}")


@click.group(epilog=EPILOG)
def checkpoints() -> None:
    """The checkpoints of the chain head the worker publishes (docs/ledger.md)."""


@checkpoints.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def export(file: Path) -> None:
    """Keep the topic's checkpoints in FILE (JSON lines), outside Kafka.

    Checkpoints already in FILE are kept and not written twice, so running it again (from
    cron, say) only adds the new ones, and a topic that lost records never shrinks the
    file. FILE "-": every checkpoint of the topic on stdout.
    """
    found, bad = from_topic()
    for line in bad:
        click.echo(f"{line} (not exported)", err=True)
    if str(file) == "-":
        for checkpoint in found:
            click.echo(checkpoint.to_json())
        added, total = len(found), len(found)
    else:
        added, total = _append_new(file, found)
    click.echo(f"{added} new checkpoints written to {file} ({total} in it; "
               f"{len(found)} read from the topic)", err=True)
    if bad:
        sys.exit(USAGE)


def _append_new(file: Path, found: list[Any]) -> tuple[int, int]:
    kept = from_file(file) if file.exists() else []
    known = {c.identity() for c in kept}
    new = []
    for checkpoint in found:
        if checkpoint.identity() not in known:
            known.add(checkpoint.identity())
            new.append(checkpoint)
    with reported(), file.open("a", encoding="utf-8") as out:
        for checkpoint in new:
            out.write(checkpoint.to_json() + "\n")
    return len(new), len(kept) + len(new)
