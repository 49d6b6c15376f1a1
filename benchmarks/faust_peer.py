"""The peer of docs/operations.md s5: a Faust agent that only decodes JSON.

Run as a child process (``python -m benchmarks.faust_peer BROKER TOPIC N OUT``): one
agent, per event (Faust's usual ``async for``), ``json.loads`` and the pydantic model's
``model_validate``, as Faust agents usually decode (not the project's own decoder, whose
fast path would make the peer a moving target), nothing else. It writes
``{"events_per_s": ..., "cpu_us_per_event": ...}`` (first to N-th event: wall time,
and this process's CPU time) to OUT and exits. Raw values, JSON only,
like the pipeline.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path


def main(broker: str, topic_name: str, count: int, out: str) -> None:
    import faust
    from pydantic import ValidationError

    from models.events import AssessmentSubmitted

    app = faust.App(f"bench-peer-{uuid.uuid4().hex[:8]}", broker=broker, store="memory://",
                    web_enabled=False, key_serializer="raw", value_serializer="raw",
                    consumer_auto_offset_reset="earliest", topic_disable_leader=True,
                    datadir=str(Path(out).parent / "faust-peer-data"))  # not in the cwd
    topic = app.topic(topic_name, value_serializer="raw")
    state = {"seen": 0, "first": 0.0, "first_cpu": 0.0, "rejected": 0}

    @app.agent(topic)
    async def decode_only(stream: faust.StreamT) -> None:
        async for value in stream:
            if not state["seen"]:
                state["first"], state["first_cpu"] = time.monotonic(), time.process_time()
            try:
                AssessmentSubmitted.model_validate(json.loads(value))
            except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
                state["rejected"] += 1
            state["seen"] += 1
            if state["seen"] >= count:
                seconds = time.monotonic() - state["first"]
                cpu = time.process_time() - state["first_cpu"]
                with open(out, "w") as handle:
                    json.dump({"events_per_s": count / seconds,
                               "cpu_us_per_event": cpu / count * 1e6,
                               "rejected": state["rejected"]}, handle)
                os._exit(0)

    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
