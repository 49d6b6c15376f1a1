"""The published contract of the topics, generated from the models (docs/events.md).

``docs/schemas/<EventType>.json`` (JSON Schema of each input event) and
``docs/asyncapi.yaml`` (the AsyncAPI 3.0 document of every topic) are generated, never
edited by hand: ``python -m pac_grants.contract`` rewrites them, and
tests/unit/test_contract.py fails while the committed files differ from what the models
give. ``pac-grants schema`` prints the same documents for publishers without the
repository.
"""

from __future__ import annotations

from pac_grants.contract.asyncapi import asyncapi_document
from pac_grants.contract.files import REGENERATE, generated_files
from pac_grants.contract.schemas import event_schema, input_events, topic_of

__all__ = ["REGENERATE", "asyncapi_document", "event_schema", "generated_files",
           "input_events", "topic_of"]
