"""Kafka plumbing shared by the worker, ``publish``, ``topics``, ``dlq`` and ``demo``.

``tansu``: the embedded Kafka-compatible broker of ``pac-grants demo`` (docs/operations.md s1).
``topics``: topic names (docs/events.md s1, with the configurable prefix), client options from
the settings, topic creation.
"""
