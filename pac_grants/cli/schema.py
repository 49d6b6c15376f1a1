"""``pac-grants schema [EVENT]``: the published contract, for upstream publishers.

The same documents as docs/schemas/ and docs/asyncapi.yaml, generated from the installed
models, so a publisher without the repository validates against exactly what this
calculator accepts (docs/events.md s13).
"""

from __future__ import annotations

import click

from pac_grants.cli.errors import usage
from pac_grants.contract import asyncapi_document, event_schema, input_events, topic_of
from pac_grants.contract.files import json_text, yaml_text


@click.command("schema")
@click.argument("event", required=False)
@click.option("--asyncapi", is_flag=True,
              help="Print the AsyncAPI 3.0 document of every topic (YAML, schemas inlined).")
@click.option("--topic-prefix", envvar="PAC_TOPIC_PREFIX", default="pac.", show_default=True,
              help="Prefix of the topic names (PAC_TOPIC_PREFIX).")
def schema(event: str | None, asyncapi: bool, topic_prefix: str) -> None:
    """Print the JSON Schema of EVENT (e.g. AssessmentSubmitted).

    Without EVENT: the input events, topic by topic. Exit 2 for an unknown event.
    """
    if asyncapi and event:
        raise usage("give an EVENT or --asyncapi, not both")
    if asyncapi:
        click.echo(yaml_text(asyncapi_document(topic_prefix, inline=True)), nl=False)
    elif event is None:
        click.echo(_listing(topic_prefix), nl=False)
    elif event not in input_events():
        raise usage(f"unknown event {event!r} (events: {', '.join(input_events())})")
    else:
        click.echo(json_text(event_schema(event)), nl=False)


def _listing(prefix: str) -> str:
    by_topic: dict[str, list[str]] = {}
    for name in input_events():
        by_topic.setdefault(topic_of(name), []).append(name)
    lines = [f"{prefix}{topic}.v1: {', '.join(names)}" for topic, names in by_topic.items()]
    hint = "`pac-grants schema EVENT` prints one schema; `--asyncapi` the whole document."
    return "\n".join([*lines, hint]) + "\n"
