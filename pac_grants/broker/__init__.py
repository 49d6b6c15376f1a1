"""Kafka plumbing shared by the worker, ``publish``, ``topics``, ``dlq`` and ``demo``.

``tansu``: the embedded Kafka-compatible broker of ``pac-grants demo`` (operations.md).
``topics``: topic names (events.md, with the configurable prefix), client options from
the settings, topic creation.
"""
