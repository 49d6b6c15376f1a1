"""Readings of a running worker: its process (Linux ``/proc``) and its database.

The database readings go through one connection (the pool of ``engine`` holds one, the
soak being single-threaded when it reads), which ``pg_backend_pid()`` leaves out of the
count: ``db_connections`` is the worker's sessions (and anyone else's on that database),
never the soak's own.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from benchmarks.common import descendants


def process_status(pid: int) -> dict[str, float]:
    """``rss_mib`` (VmRSS), ``threads`` and ``fds`` (open descriptors) of the worker
    ``pid`` and of its child processes together (``processes``: how many): the batch
    handler and the provisional rounds run in children (docs/pipeline.md)."""
    totals = {"rss_mib": 0.0, "threads": 0.0, "fds": 0.0, "processes": 0.0}
    for one in [pid, *descendants(pid)]:
        try:
            fields = {}
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                name, _, value = line.partition(":")
                fields[name] = value.split()
            fds = len(os.listdir(f"/proc/{one}/fd"))
        except OSError:  # a child that ended meanwhile
            if one == pid:
                raise
            continue
        if "VmRSS" not in fields:  # a zombie: it has ended
            continue
        totals["rss_mib"] += int(fields["VmRSS"][0]) / 1024
        totals["threads"] += int(fields["Threads"][0])
        totals["fds"] += fds
        totals["processes"] += 1
    return totals


class DatabaseProbe:
    """What the pipeline committed, and who is connected to its database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def committed(self, topics: set[str]) -> int:
        """Messages of ``topics`` the pipeline processed: its tracked offsets + 1."""
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.text('SELECT topic, "offset" FROM pipeline_offsets'))
                return sum(int(o) + 1 for t, o in rows if t in topics)
        except sa.exc.DBAPIError:  # not migrated yet
            return 0

    def connections(self) -> int:
        """Sessions on this database other than the probe's own (PostgreSQL; else 0)."""
        if not self.postgres:
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalar_one())
