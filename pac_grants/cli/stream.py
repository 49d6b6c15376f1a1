"""``pac-grants worker``, ``publish``, ``topics create`` and ``dlq list|replay``.

docs/cli.md (its opening, s5): machine-readable output on stdout, progress and logs on
stderr; a user mistake or an unreachable broker is one line and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import UTC, datetime
from typing import Any

import click

from models.responses import DeadLetter
from pac_grants.broker.topics import INPUTS, logical_name, topic_name
from pac_grants.cli.errors import EPILOG, USAGE, reported, service, usage
from pac_grants.tables import table


def _settings() -> Any:
    from pac_grants.settings import load_settings

    with reported():
        return load_settings()


@click.command()
@click.option("--loglevel", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def worker(loglevel: str) -> None:
    """The stream worker (Faust): broker, database and metrics from the settings."""
    from pac_grants.worker import StartError, run_worker

    settings = _settings()
    try:
        run_worker(settings, loglevel)
    except StartError as exc:
        raise service(str(exc)) from None


@click.command()
@click.option("--topic", "topic", required=True,
              help="Input topic: communes, cycles, assessments, disbursements (or full name).")
@click.option("--raw", is_flag=True, help="Send every line as is, without validation.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def publish(topic: str, raw: bool, file: str) -> None:
    """Publish the JSONL events of FILE, each validated first; invalid lines are not sent."""
    from pac_grants.broker.publish import prepare, producer, send_all

    settings = _settings()
    logical = logical_name(settings.topic_prefix, topic)
    if logical not in INPUTS:
        raise usage(f"--topic {topic}: not an input topic ({', '.join(INPUTS)})")
    stream = click.open_file(file, "rb")
    with stream:
        ready, invalid = prepare(logical, stream, raw=raw)
    for bad in invalid:
        click.echo(f"{file}:{bad.line}: {bad.rejection.code}: {bad.rejection.message}",
                   err=True)
    full = topic_name(settings.topic_prefix, logical)
    sent = 0
    if ready:
        with reported():
            kafka = producer(settings)
            try:
                sent = sum(1 for _ in send_all(kafka, full, ready))
            finally:
                kafka.close()
    click.echo(f"{sent} sent to {full}, {len(invalid)} invalid", err=True)
    if invalid:
        sys.exit(USAGE)


@click.group(epilog=EPILOG)
def topics() -> None:
    """The topics of docs/events.md s1, with the PAC_TOPIC_PREFIX prefix."""


@topics.command("create")
@click.option("--partitions", type=click.IntRange(1, 1024), default=4, show_default=True)
@click.option("--replication-factor", type=click.IntRange(1, 16), default=1, show_default=True)
def topics_create(partitions: int, replication_factor: int) -> None:
    """Create the topics (idempotent); communes is compacted."""
    from pac_grants.broker.topics import create_topics

    settings = _settings()
    with reported():
        created = create_topics(settings, partitions, replication_factor)
    for name in created:
        click.echo(name)
    click.echo(f"{len(created)} topics created", err=True)


@click.group(epilog=EPILOG)
def dlq() -> None:
    """Dead letters (docs/events.md s8.2): list them, replay them to their source topic."""


def _dead_letters(code: str | None, since: datetime | None) -> list[DeadLetter]:
    from pac_grants.cli.reads import opened

    with opened(_settings().database_url) as ledger:
        rows = list(reversed(ledger.dead_letters(limit=1_000_000, code=code)))
    if since is not None:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        rows = [r for r in rows if r.received_at >= since]
    return rows


_since = click.option("--since", type=click.DateTime(), help="Only those received since then.")
_code = click.option("--code", help="Only this error code, e.g. unknown_commune.")


@dlq.command("list")
@_code
@_since
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default=None,
              help="Default: table on a terminal, else JSON lines.")
def dlq_list(code: str | None, since: datetime | None, fmt: str | None) -> None:
    """List dead letters, oldest first."""
    rows = _dead_letters(code, since)
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        for row in rows:
            click.echo(json.dumps(row.record(), ensure_ascii=False))
        return
    click.echo(table(("id", "received", "source", "code", "message"), [
        (row.id, f"{row.received_at:%Y-%m-%d %H:%M:%S}",
         f"{row.source_topic}[{row.partition}]@{row.offset}", row.code, row.message[:80])
        for row in rows]))


@dlq.command("replay")
@_code
@_since
def dlq_replay(code: str | None, since: datetime | None) -> None:
    """Re-publish dead letters' raw values to their source topic, with their key."""
    from pac_grants.broker.publish import producer, send_all

    rows = _dead_letters(code, since)
    with reported():
        kafka = producer(_settings())
        try:
            for row in rows:
                value = (base64.b64decode(row.raw_value) if row.encoding == "base64"
                         else row.raw_value.encode("utf-8"))
                key = None if row.key is None else row.key.encode("utf-8")
                list(send_all(kafka, row.source_topic, [(key, value)]))
        finally:
            kafka.close()
    click.echo(f"{len(rows)} dead letters replayed", err=True)
