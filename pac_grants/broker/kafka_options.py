"""Kafka client options, derived once from the settings for every client of pac-grants.

Three client libraries talk to the broker: Faust (the worker's consumer, producer and
topic creation), kafka-python (``publish``, ``topics create``, ``dlq replay``) and
aiokafka (the worker's preflight, :mod:`pac_grants.broker.preflight`). Each spells the
same security settings its own way; deriving all three from one :class:`Security` keeps
them from drifting apart (they once did: with SSL but no SASL the preflight verified the
broker's certificate and the Faust app spoke plaintext).

TLS: one :class:`ssl.SSLContext` per call, from ``PAC_KAFKA_SSL_CAFILE`` (or the
system's CAs), verifying the certificate and the host name; every client gets that
context, never its own ``ssl_cafile`` spelling. The password is only ever handed to the
client (``repr`` hides it).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

from pac_grants.settings import Settings


class KafkaSecurityError(ValueError):
    """The TLS settings cannot be used (a CA file without a certificate, a broker
    certificate it does not verify); ``str()`` is one line."""


@dataclass(frozen=True)
class Security:
    """The security of the broker connection, as every client needs it."""

    protocol: str  # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
    mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying client context (CA file or system CAs); None without TLS."""
        if not self.tls:
            return None
        try:
            return ssl.create_default_context(cafile=self.cafile)
        except (ssl.SSLError, OSError) as exc:
            raise KafkaSecurityError(
                f"PAC_KAFKA_SSL_CAFILE {self.cafile}: no usable CA certificate "
                f"({exc.strerror or exc})") from None


def bootstrap_servers(broker_url: str) -> list[str]:
    """``kafka://h1:9092;h2:9092`` (Faust style) -> ``["h1:9092", "h2:9092"]``."""
    rest = broker_url.split("://", 1)[-1]
    return [part.strip() for part in rest.replace(";", ",").split(",") if part.strip()]


def security(settings: Settings) -> Security:
    """The settings' Kafka security (settings.py checks that they are consistent)."""
    password = settings.kafka_sasl_password
    return Security(
        protocol=settings.kafka_security_protocol,
        mechanism=settings.kafka_sasl_mechanism,
        username=settings.kafka_sasl_username,
        password=password.get_secret_value() if password else None,
        cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
    )


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options of kafka-python clients (producer, admin client) and of
    aiokafka (the preflight): both libraries take the same names for these."""
    sec = security(settings)
    options: dict[str, Any] = {"bootstrap_servers": bootstrap_servers(settings.broker_url),
                               "security_protocol": sec.protocol}
    if sec.sasl:
        options |= {"sasl_mechanism": sec.mechanism, "sasl_plain_username": sec.username,
                    "sasl_plain_password": sec.password}
    if sec.tls:
        options["ssl_context"] = sec.ssl_context()
    return options


def check_tls(settings: Settings, timeout: float = 5.0) -> None:
    """Fail at once, in one line, when the broker's certificate is not trusted.

    Kafka clients retry a refused handshake until their bootstrap timeout (30 s) and
    then report a timeout without the reason; a certificate that the CA does not verify
    does not heal by retrying, so the commands and the worker check it first. A broker
    that does not answer is left to the clients' own retries.
    """
    sec = security(settings)
    context = sec.ssl_context()
    if context is None:
        return
    for server in bootstrap_servers(settings.broker_url):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout) as raw, \
                    context.wrap_socket(raw, server_hostname=host):
                return
        except ssl.SSLCertVerificationError as exc:
            raise KafkaSecurityError(
                f"Kafka: TLS to {server}: certificate not trusted: {exc.verify_message} "
                f"(PAC_KAFKA_SSL_CAFILE: {sec.cafile or 'unset, the system CAs'})") from None
        except (OSError, ValueError):  # not answering (yet): the client will retry
            continue


def faust_credentials(settings: Settings) -> Any:
    """Faust's ``broker_credentials``: None (PLAINTEXT), ``SSLCredentials`` (SSL) or
    ``SASLCredentials`` (with the SSL context for SASL_SSL)."""
    import faust

    sec = security(settings)
    if sec.sasl:
        return faust.SASLCredentials(username=sec.username, password=sec.password,
                                     mechanism=sec.mechanism, ssl_context=sec.ssl_context())
    if sec.tls:
        return faust.SSLCredentials(sec.ssl_context())
    return None
