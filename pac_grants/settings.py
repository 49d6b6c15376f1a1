"""Settings of pac-grants, read once from the environment (and an optional ``.env``).

docs/cli.md "Settings": every value is validated at start with a clear one-line
error, and secrets (``PAC_API_TOKEN``, ``PAC_KAFKA_SASL_PASSWORD``) are ``SecretStr`` so
that they never appear in logs or errors. The object is frozen: code that needs a
different value builds its own ``Settings(...)`` (tests) instead of mutating a global.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, FilePath, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class SettingsError(ValueError):
    """An invalid setting; ``str()`` is one line naming the variable, never its value."""


class Settings(BaseSettings):
    """The environment of a pac-grants process (docs/cli.md "Settings")."""

    model_config = SettingsConfigDict(
        env_prefix="PAC_", env_file=".env", env_file_encoding="utf-8", frozen=True,
        extra="ignore",
    )

    broker_url: str = "kafka://127.0.0.1:9092"
    database_url: str = "sqlite:///pac-grants.db"
    topic_prefix: str = "pac."
    metrics_port: int = Field(default=9108, ge=0, le=65535)
    #: Address ``/metrics`` listens on: loopback, or ``0.0.0.0`` inside a container network.
    metrics_addr: str = "127.0.0.1"
    #: Worker log lines: ``text`` for a terminal, ``json`` (one object a line) for collectors.
    log_format: Literal["text", "json"] = "text"
    #: Seconds between the worker's ledger verifications (``pac_ledger_verify_ok``).
    ledger_verify_interval: float = Field(default=60.0, gt=0)
    #: A checkpoint of the chain head every this many transactions (and at every
    #: approval); 0: at approvals only (docs/ledger.md "Checkpoints").
    ledger_checkpoint_every: int = Field(default=1000, ge=0)
    #: Ed25519 private key (PEM) that signs the checkpoints; unset: unsigned checkpoints.
    ledger_signing_key: Path | None = None
    api_token: SecretStr | None = None
    #: Proxies whose ``X-Forwarded-For``/``-Proto`` the API trusts (uvicorn's
    #: ``forwarded_allow_ips``: IPs or networks, comma-separated); unset: none.
    api_forwarded_allow_ips: str | None = None
    #: Serve the public results (``/public``, ``/public/api/v1``) without a token.
    public_results: bool = False
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = (
        "PLAINTEXT"
    )
    kafka_sasl_mechanism: (
        Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER"] | None
    ) = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: FilePath | None = None

    @field_validator("broker_url", "database_url")
    @classmethod
    def _looks_like_url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("expected a URL such as scheme://host:port")
        return value

    @model_validator(mode="after")
    def _kafka_security_is_consistent(self) -> Settings:
        """SASL settings only with a SASL protocol, a CA file only with TLS: a CA file
        beside ``PLAINTEXT`` would otherwise be ignored and the user believe in TLS."""
        protocol = self.kafka_security_protocol
        sasl = protocol.startswith("SASL_")
        if sasl and not self.kafka_sasl_mechanism:
            raise ValueError(f"PAC_KAFKA_SECURITY_PROTOCOL={protocol} needs "
                             "PAC_KAFKA_SASL_MECHANISM")
        if self.kafka_sasl_mechanism and not sasl:
            raise ValueError("PAC_KAFKA_SASL_MECHANISM needs PAC_KAFKA_SECURITY_PROTOCOL "
                             f"SASL_PLAINTEXT or SASL_SSL (it is {protocol})")
        if self.kafka_ssl_cafile and protocol not in ("SSL", "SASL_SSL"):
            raise ValueError("PAC_KAFKA_SSL_CAFILE needs PAC_KAFKA_SECURITY_PROTOCOL SSL or "
                             f"SASL_SSL (it is {protocol})")
        return self


def load_settings() -> Settings:
    """Read the environment now; raise :class:`SettingsError` with one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """One line naming each bad variable and what is wrong (the value is never echoed)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        if not error["loc"]:  # a check across fields: its message names them
            parts.append(error["msg"].removeprefix("Value error, "))
            continue
        parts.append(f"PAC_{str(error['loc'][0]).upper()}: {error['msg']}")
    return "invalid settings: " + "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (quix-streams style)."""
    return load_settings()
