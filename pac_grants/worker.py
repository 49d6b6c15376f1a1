"""Running the stream worker: migrations, broker check, metrics endpoint, then Faust.

``pac-grants worker`` (docs/cli.md) and the demo's child process both come here. Each
step is one function; a step that cannot start raises :class:`StartError` (one line,
the CLI exits 1), so runtime code never raises command-line exceptions. The money gauges
are restored from the ledger before ``/metrics`` is served. Faust runs the app of
:func:`streams.app.create_app` until SIGTERM/SIGINT, with the lag and ledger checks of
:mod:`pac_grants.health`. ``PAC_LOG_FORMAT=json``: every line (Faust's and the Kafka
clients' too) goes through :func:`pac_grants.logging_setup.configure`'s JSON handler.
"""

from __future__ import annotations

import logging
from typing import Any
from wsgiref.simple_server import WSGIServer

import faust
from sqlalchemy.exc import DBAPIError

from pac_grants.broker.preflight import BrokerUnavailable, check_broker
from pac_grants.errors import first_line
from pac_grants.health import install
from pac_grants.ledger import Ledger, LedgerError
from pac_grants.logging_setup import Redactor, configure, secret_values
from pac_grants.metrics import Metrics, serve
from pac_grants.observer import Observer
from pac_grants.settings import Settings
from streams.app import create_app

log = logging.getLogger("pac_grants.worker")


class StartError(RuntimeError):
    """The worker cannot start; ``str()`` is one line without secrets."""


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    json_logs = settings.log_format == "json"
    if json_logs:  # text: Faust installs its handler at start; until then only warnings
        configure(json=True, level=loglevel.upper(), settings=settings)
    ledger = open_ledger(settings)
    try:
        reach_broker(settings)
        metrics = Metrics.create()
        observer = Observer(metrics)
        app = build_app(settings, ledger, observer)
        install(app, ledger, observer, settings.ledger_verify_interval)  # gauges first
        server = serve_metrics(settings, metrics)
        try:
            where = f"http://{settings.metrics_addr}:{server.server_port}/metrics"
            log.info("metrics on %s", where)
            print(f"pac-grants worker: metrics on {where}", flush=True)
            # JSON: keep configure()'s handler as the only one (Faust would install its
            # colored text handler); its filter masks the settings' secrets.
            worker = _worker_class(settings)(app, loglevel=loglevel.upper(), quiet=True,
                                             override_logging=not json_logs)
            worker.execute_from_commandline()
        finally:
            server.shutdown()
    finally:
        ledger.dispose()


def open_ledger(settings: Settings) -> Ledger:
    """The ledger at ``PAC_DATABASE_URL``, migrated (an empty database just works)."""
    try:
        ledger = Ledger.from_url(settings.database_url)
    except LedgerError as exc:
        raise StartError(f"database: {first_line(exc)}") from None
    try:
        ledger.upgrade()
    except DBAPIError as exc:
        ledger.dispose()
        raise StartError(ledger.describe(exc)) from None
    except LedgerError as exc:
        ledger.dispose()
        raise StartError(f"database: {first_line(exc)}") from None
    return ledger


def build_app(settings: Settings, ledger: Ledger, observer: Observer) -> faust.App:
    """The Faust app; an unusable ``PAC_LEDGER_SIGNING_KEY`` is one line, not a traceback."""
    try:
        return create_app(settings, ledger, observer)
    except LedgerError as exc:
        raise StartError(f"PAC_LEDGER_SIGNING_KEY: {first_line(exc)}") from None


def reach_broker(settings: Settings) -> None:
    """One connection with the worker's settings before Faust starts (a refused login
    fails at once in one line instead of a traceback after Faust's retries)."""
    try:
        check_broker(settings)
    except BrokerUnavailable as exc:
        raise StartError(str(exc)) from None


def serve_metrics(settings: Settings, metrics: Metrics) -> WSGIServer:
    try:
        server, _thread = serve(metrics, settings.metrics_port, addr=settings.metrics_addr)
    except OSError as exc:
        raise StartError(f"PAC_METRICS_ADDR/PORT {settings.metrics_addr}:"
                         f"{settings.metrics_port}: {exc.strerror or first_line(exc)}") from None
    return server


class _Mask(logging.Filter):
    """Masks the settings' secrets in a record. Unlike ``logging_setup.RedactSecrets``
    it leaves ``args`` a tuple, which mode's formatter (Faust's) requires."""

    def __init__(self, secrets: set[str]) -> None:
        super().__init__()
        self.secrets = secrets
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if any(secret in message for secret in self.secrets):
            record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _worker_class(settings: Settings) -> Any:
    """``faust.Worker`` whose log handlers mask the settings' secrets: Kafka clients log
    the SASL handshake bytes at debug level (secrets never in logs)."""
    secrets = secret_values(settings)

    class RedactingWorker(faust.Worker):
        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            super().on_setup_root_logger(logger, level)
            if secrets:
                for handler in logger.handlers:
                    handler.addFilter(_Mask(secrets))

    return RedactingWorker
