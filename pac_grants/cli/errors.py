"""The command line's one error type and its exit-code policy (docs/cli.md "Errors").

    0  done
    1  a service failed (database, broker, metrics port) or a check failed (``verify``)
    2  the command, its options or its input are wrong: fix them and run again

Every failure is one line on stderr, never a traceback. Commands raise :class:`CliError`
themselves for what they check, and run the rest inside :func:`reported`, which turns the
calculator's own exceptions into that line with the right code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from pac_grants.errors import first_line

SERVICE = 1
USAGE = 2
EPILOG = ("Exit codes: 0 done; 1 a service (database, broker) or a check failed; "
          "2 a mistake in the command, its options or its input (one line on stderr).")


class CliError(click.ClickException):
    """One line on stderr and the policy's exit code."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(first_line(message) or message)
        self.exit_code = exit_code


def usage(message: str) -> CliError:
    return CliError(message, USAGE)


def service(message: str) -> CliError:
    return CliError(message, SERVICE)


@contextmanager
def reported() -> Iterator[None]:
    """Translate the calculator's exceptions raised inside into :class:`CliError`."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as exc:
        translated = translate(exc)
        if translated is None:
            raise
        raise translated from None


def translate(exc: BaseException) -> CliError | None:
    """The error line and code of a known exception; None for a bug (left to surface)."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from pac_grants.broker.kafka_options import KafkaSecurityError
    from pac_grants.ledger import LedgerError
    from pac_grants.settings import SettingsError

    if isinstance(exc, SettingsError | LedgerError | KafkaSecurityError):
        return usage(str(exc))  # a setting to fix: the database URL, the CA file...
    if isinstance(exc, DBAPIError):
        original = getattr(exc, "orig", None) or exc
        return service(f"database: {first_line(original)}")
    if isinstance(exc, SQLAlchemyError):
        return service(f"database: {first_line(exc)}")
    if _kafka(exc):
        return service(f"Kafka: {type(exc).__name__}: {first_line(exc)}")
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return usage(f"{where}{exc.strerror or first_line(exc)}")
    return None


def _kafka(exc: BaseException) -> bool:
    from kafka.errors import KafkaError

    from pac_grants.broker.preflight import BrokerUnavailable

    return isinstance(exc, KafkaError | BrokerUnavailable)
