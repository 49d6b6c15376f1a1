"""The Faust app of pac-grants: its topology, readable in one place (docs/events.md).

    pac.communes.v1      --communes agent-->      |
    pac.cycles.v1        --cycles agent-->        |  BatchHandler (streams/handlers.py):
    pac.assessments.v1   --assessments agent-->   |  decode -> state -> rules -> ledger,
    pac.disbursements.v1 --disbursements agent--> |  one database transaction per batch
                                                  v
                      outbox --> pac.allocations.v1 (provisional/final, key cycle:window)
                             --> pac.dead-letters.v1 (every rejected input, source key)
                             --> pac.ledger-checkpoints.v1 (the chain head, key seq)

Agents are thin: read raw events into a short batch (streams/batches.py), hand it to
the handler in a worker thread, observe, drain the outbox, then ack the batch
(streams/commit.py). Values
are raw bytes decoded by ``models.decode`` (JSON only, never pickle). No Faust tables:
the state is in the database (docs/pipeline.md). At least once, never ``exactly_once``
(docs/operations.md). No app exists at import time: :func:`create_app` builds one.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import faust

from pac_grants.broker.kafka_options import faust_credentials
from pac_grants.broker.topics import COMPACTED, INPUTS, OUTPUTS, topic_name
from pac_grants.broker.topics import PARTITIONS as FIXED_PARTITIONS
from pac_grants.ledger import Ledger
from pac_grants.observer import Observer
from pac_grants.settings import Settings
from streams.batches import Batches, run_batches
from streams.commit import Committer, drain_outbox, exit_uncommitted
from streams.handlers import BatchHandler
from streams.messages import BatchOutcome, Message
from streams.observe import report
from streams.remote import RemoteHandler, worker_handler
from streams.sidecar import Sidecar

BATCH_SIZE = 500
BATCH_IDLE = 0.01  # seconds an idle agent's batch waits for more (streams/batches.py)
PROVISIONAL_INTERVAL = 1.0  # seconds: at most one provisional result per cycle per interval
PARTITIONS = 4
#: Tansu makes every group join wait half the session timeout (docs/operations.md).
SESSION_TIMEOUT = 10.0


def app_options(settings: Settings) -> dict[str, Any]:
    """Faust settings: raw bytes, at least once, short session, no web server."""
    options: dict[str, Any] = {
        "broker": settings.broker_url, "store": "memory://", "web_enabled": False,
        "key_serializer": "raw", "value_serializer": "raw",
        "processing_guarantee": "at_least_once", "topic_partitions": PARTITIONS,
        "topic_replication_factor": 1, "topic_disable_leader": True,
        "broker_session_timeout": SESSION_TIMEOUT, "broker_heartbeat_interval": 1.0,
        "broker_commit_interval": 1.0, "consumer_auto_offset_reset": "earliest",
        "stream_wait_empty": False, "producer_acks": -1,
        # Faust writes a version file in its data directory even with in-memory tables;
        # keep it out of the user's working directory, in one directory reused by every
        # run (nothing in it is state: the state is in the database).
        "datadir": str(Path(tempfile.gettempdir()) / "pac-grants-faust"),
    }
    credentials = faust_credentials(settings)
    if credentials is not None:
        options["broker_credentials"] = credentials
    return options


class Pipeline:
    """What the agents share: the handler, its thread, the observer, the outbox."""

    def __init__(self, app: faust.App, ledger: Ledger, prefix: str,
                 observer: Observer | None, handler: BatchHandler | RemoteHandler) -> None:
        self.app = app
        self.ledger = ledger
        self.observer = observer
        self.committer = Committer(handler, observer=observer)
        self.provisional: set[int] = set()  # open cycles whose result is due
        self.provisional_after = 0.0  # monotonic time before which none is published
        # One thread: batches of all agents commit one after the other, in the handler's
        # process (streams/remote.py); this thread waits for each and retries.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pac-db")
        # Provisional results beside the batches, in a child process when the database
        # can be shared (streams/sidecar.py); this thread only waits for its answer.
        self.side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pac-provisional")
        self.sidecar = Sidecar(ledger, f"{prefix}allocations.v1", handler.publish_provisional)
        self.outbox_lock = asyncio.Lock()

    async def stop(self, app: Any, **kwargs: Any) -> None:
        """Stop retrying the database and wait for the child processes to end (signal
        ``on_before_shutdown``), in a thread: the loop goes on meanwhile."""
        self.committer.stopping.set()
        await asyncio.to_thread(self.sidecar.stop)
        if isinstance(self.committer.handler, RemoteHandler):
            await asyncio.to_thread(self.committer.handler.stop)

    async def run_sync(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def process(self, events: Sequence[Any]) -> None:
        """Commit the batch to the database; only then may Faust ack it.

        If the agent is cancelled (shutdown, rebalance) while the batch is in the
        database thread, wait for that transaction before letting the cancellation
        through: the batch is acked on the way out (streams/batches.py).
        """
        messages = [Message(e.message.topic, e.message.partition, e.message.offset,
                            e.message.key, e.message.value, e.message.timestamp)
                    for e in events]
        loop = asyncio.get_running_loop()
        with self.stage("batch"):
            future = loop.run_in_executor(self.executor, self.committer.run, messages)
            try:
                outcome = await asyncio.shield(future)
            except asyncio.CancelledError:
                self.settled(await future)
                raise
        self.settled(outcome)
        if outcome is None or outcome.queued or outcome.rejected:  # else nothing to send
            with self.stage("outbox"):
                await self.drain()

    def stage(self, name: str) -> contextlib.AbstractContextManager[None]:
        """``pac_processing_seconds{stage}``: the database batch, then the outputs."""
        return self.observer.stage(name) if self.observer else contextlib.nullcontext()

    def settled(self, outcome: BatchOutcome | None) -> None:
        if outcome is None:  # stopping while the database is down: nothing committed
            exit_uncommitted()
            return
        self.provisional |= outcome.provisional
        if self.observer is not None:
            report(self.observer, outcome)

    async def publish_provisional(self) -> None:
        """The debounce: at most one provisional result per open cycle per interval.

        Held in memory: a crash can skip a provisional result, never a final one nor a
        ledger posting (those are computed in the batch's own transaction).
        """
        if not self.provisional or time.monotonic() < self.provisional_after:
            return
        due, self.provisional = self.provisional, set()
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self.side, self.committer.provisional, due,
                                             self.sidecar)
        # Large cycles take long to recompute: keep that under ~1/5 of the worker's time.
        self.provisional_after = time.monotonic() + 4 * (time.monotonic() - started)
        if outcome is not None and self.observer is not None:
            report(self.observer, outcome)
        await self.drain()

    async def drain(self) -> None:
        async with self.outbox_lock:
            await drain_outbox(self.ledger, self.send, self.run_sync)

    async def send(self, topic: str, key: bytes | None, value: bytes) -> Any:
        return await self.app.producer.send(topic, key, value, None, None, None)


def create_app(settings: Settings, ledger: Ledger, observer: Observer | None = None
               ) -> faust.App:
    """The worker's app: one agent per input topic, outputs declared for creation.

    Raises a ``SigningKeyError`` if ``PAC_LEDGER_SIGNING_KEY`` cannot be used."""
    prefix = settings.topic_prefix
    app = faust.App(f"{prefix}calculator", **app_options(settings))
    pipeline = Pipeline(app, ledger, prefix, observer, worker_handler(ledger, settings))
    app.pac_pipeline = pipeline  # type: ignore[attr-defined]
    app.on_before_shutdown.connect(pipeline.stop)  # type: ignore[arg-type]
    for logical in OUTPUTS:
        app.topic(topic_name(prefix, logical), compacting=logical in COMPACTED,
                  partitions=FIXED_PARTITIONS.get(logical, PARTITIONS))
    for logical in INPUTS:
        topic = app.topic(topic_name(prefix, logical), partitions=PARTITIONS,
                          compacting=logical == "communes")
        app.agent(topic, name=f"{prefix}{logical}")(_agent(pipeline))

    @app.task
    async def drain_at_start() -> None:  # outputs left by a crash after a commit
        await pipeline.drain()

    @app.timer(PROVISIONAL_INTERVAL)
    async def provisional_results() -> None:
        await pipeline.publish_provisional()

    return app


def pipeline_of(app: faust.App) -> Pipeline:
    """The :class:`Pipeline` behind an app of :func:`create_app` (tests, the worker)."""
    pipeline = getattr(app, "pac_pipeline", None)
    assert isinstance(pipeline, Pipeline)
    return pipeline


def _agent(pipeline: Pipeline) -> Callable[[Any], Any]:
    async def agent(stream: Any) -> None:
        await run_batches(stream, Batches(BATCH_SIZE, BATCH_IDLE), pipeline.process)

    return agent
