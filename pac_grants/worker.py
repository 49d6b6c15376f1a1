"""Running the stream worker: migrations, metrics endpoint, then the Faust worker.

``pac-grants worker`` (interfaces.md) and the demo's child process both come here. The
database is upgraded first (an empty database just works), the money gauges are
restored from the ledger, ``/metrics`` is served on ``PAC_METRICS_ADDR``:``PAC_METRICS_PORT``
(0: a free port, logged; never before the gauges are restored), and Faust runs the app
of ``streams.app.create_app`` until SIGTERM/SIGINT, with the lag and ledger checks of
:mod:`pac_grants.health`. ``PAC_LOG_FORMAT=json``: every line (Faust's and the Kafka
clients' too) goes through :func:`pac_grants.logging_setup.configure`'s JSON handler.
"""

from __future__ import annotations

import logging
from typing import Any

import click

from pac_grants.settings import Settings

log = logging.getLogger("pac_grants.worker")


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    from pac_grants.broker.preflight import BrokerUnavailable, check_broker
    from pac_grants.health import install
    from pac_grants.ledger import Ledger, LedgerError
    from pac_grants.logging_setup import configure
    from pac_grants.metrics import Metrics, serve
    from pac_grants.observer import Observer
    from streams.app import create_app

    json_logs = settings.log_format == "json"
    if json_logs:  # text: Faust installs its handler at start; until then only warnings
        configure(json=True, level=loglevel.upper(), settings=settings)
    ledger = Ledger.from_url(settings.database_url)
    try:
        ledger.upgrade()
    except (LedgerError, Exception) as exc:  # the database is unreachable or refuses
        raise click.ClickException(f"database: {str(exc).splitlines()[0]}") from None
    try:
        check_broker(settings)
    except BrokerUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    metrics = Metrics.create()
    observer = Observer(metrics)
    app = create_app(settings, ledger, observer)
    install(app, ledger, observer, settings.ledger_verify_interval)  # money gauges first
    try:
        server, _thread = serve(metrics, settings.metrics_port, addr=settings.metrics_addr)
    except OSError as exc:
        raise click.ClickException(
            f"PAC_METRICS_ADDR/PORT {settings.metrics_addr}:{settings.metrics_port}: {exc}"
        ) from None
    # JSON: keep configure()'s handler as the only one (Faust would install its colored
    # text handler); its filter masks the settings' secrets like _Mask does for text.
    worker = _worker_class(settings)(app, loglevel=loglevel.upper(), quiet=True,
                                     override_logging=not json_logs)
    where = f"http://{settings.metrics_addr}:{server.server_port}/metrics"
    log.info("metrics on %s", where)
    print(f"pac-grants worker: metrics on {where}", flush=True)
    try:
        worker.execute_from_commandline()
    finally:
        server.shutdown()
        ledger.dispose()


class _Mask(logging.Filter):
    """Masks the settings' secrets in a record. Unlike ``logging_setup.RedactSecrets``
    it leaves ``args`` a tuple, which mode's formatter (Faust's) requires."""

    def __init__(self, secrets: set[str]) -> None:
        super().__init__()
        from pac_grants.logging_setup import Redactor

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
    the SASL handshake bytes at debug level (interfaces.md: secrets never in logs)."""
    import faust

    from pac_grants.logging_setup import secret_values

    secrets = secret_values(settings)

    class RedactingWorker(faust.Worker):
        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            super().on_setup_root_logger(logger, level)
            if secrets:
                for handler in logger.handlers:
                    handler.addFilter(_Mask(secrets))

    return RedactingWorker
