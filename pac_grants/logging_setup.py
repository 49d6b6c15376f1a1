"""Logging of the worker and the commands: plain text or JSON lines, secrets redacted.

Why (docs/operations.md s4; issue 5): an operator must find the message behind a processing
error, so every record that carries ``extra={"topic": ..., "partition": ..., "offset":
..., "event_id": ...}`` shows those fields, in text and in JSON; and secrets never reach
a log line (docs/cli.md s6: "Secrets never appear in logs or errors"), so one
filter on the handler redacts the values of every ``SecretStr`` setting, ``key=value``
pairs whose key looks secret (``password=``, ``sasl_plain_password=``, ``token=``) and
the password of any ``scheme://user:password@host`` URL.

Only the standard library's :mod:`logging`; :func:`configure` replaces the handler it
installed before, so calling it twice (tests, the CLI) never doubles lines.
"""

from __future__ import annotations

import json as _json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import BaseModel, SecretBytes, SecretStr

#: ``extra`` fields shown when present: where a message came from, and what it was.
CONTEXT_FIELDS = ("topic", "partition", "offset", "key", "event_id", "code", "cycle", "window")
MASK = "***"

_SECRET_PAIR = re.compile(
    r"(?i)\b([\w.-]*(?:password|passwd|secret|token|api_?key)[\w.-]*)"
    r"""(["']?\s*[:=]\s*["']?)([^\s"',;&}]+)"""
)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)")


def secret_values(model: BaseModel) -> set[str]:
    """Every ``SecretStr``/``SecretBytes`` value in ``model`` (nested models too)."""
    found: set[str] = set()
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            found.add(value.get_secret_value())
        elif isinstance(value, SecretBytes):
            found.add(value.get_secret_value().decode("utf-8", "replace"))
        elif isinstance(value, BaseModel):
            found |= secret_values(value)
    return {s for s in found if s}


class Redactor:
    """Masks known secret values and secret-looking patterns in a string."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _URL_PASSWORD.sub(rf"\1{MASK}\3", text)
        return _SECRET_PAIR.sub(rf"\1\2{MASK}", text)


class RedactSecrets(logging.Filter):
    """Handler filter: renders the message, exception and context, then redacts them."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {k: record.__dict__[k] for k in CONTEXT_FIELDS if record.__dict__.get(k) is not None}


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, context fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return _json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable line with the context fields appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        context = " ".join(f"{k}={v}" for k, v in _context(record).items())
        return f"{line} [{context}]" if context else line


def configure(
    json: bool = False,
    level: int | str = "INFO",
    *,
    settings: BaseModel | None = None,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install one stderr handler on the root logger (text, or JSON lines if ``json``).

    ``settings``: its ``SecretStr`` values are redacted, plus any in ``secrets``.
    Raises ``ValueError`` for an unknown level name (the CLI reports it in one line).
    """
    root = logging.getLogger()
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for old in [h for h in root.handlers if getattr(h, "_pac_grants", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if json else TextFormatter())
    known = set(secrets) | (secret_values(settings) if settings is not None else set())
    handler.addFilter(RedactSecrets(Redactor(known)))
    handler._pac_grants = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return handler
