"""One options builder for every Kafka client (pac_grants/broker/kafka_options.py).

What each client is handed, for each security protocol: kafka-python and aiokafka take
``client_options``; Faust takes ``broker_credentials`` from ``app_options`` and turns it
into its consumer's and producer's aiokafka settings with its own
``credentials_to_aiokafka_auth`` (called here, not imitated). SSL-only was the case
where the clients disagreed. The real broker's TLS listeners are exercised by
tests/integration/test_tls.py.
"""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import SecretStr

from pac_grants.broker.kafka_options import (
    KafkaSecurityError,
    bootstrap_servers,
    client_options,
    faust_credentials,
    security,
)
from pac_grants.settings import Settings, SettingsError, load_settings
from streams.app import app_options

CA_NAME = "pac-grants unit test CA"


@pytest.fixture(scope="module")
def cafile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real self-signed CA certificate, made by openssl."""
    where = tmp_path_factory.mktemp("ca")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", f"/CN={CA_NAME}", "-keyout", str(where / "ca.key"),
                    "-out", str(where / "ca.pem")], check=True, capture_output=True)
    return where / "ca.pem"


def settings(protocol: str, cafile: Path | None = None, mechanism: str | None = None
             ) -> Settings:
    values: dict[str, Any] = {"broker_url": "kafka://127.0.0.1:9095",
                              "kafka_security_protocol": protocol, "kafka_ssl_cafile": cafile}
    if mechanism:
        values |= {"kafka_sasl_mechanism": mechanism, "kafka_sasl_username": "pac",
                   "kafka_sasl_password": SecretStr("pac-secret")}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def trusts(context: Any) -> bool:
    """A verifying context that holds the test CA and checks host names."""
    assert isinstance(context, ssl.SSLContext)
    names = [dict(pair[0] for pair in ca["subject"]).get("commonName")  # type: ignore[misc]
             for ca in context.get_ca_certs()]
    return (CA_NAME in names and context.verify_mode == ssl.CERT_REQUIRED
            and context.check_hostname)


def faust_auth(config: Settings) -> dict[str, Any]:
    """The aiokafka settings Faust derives for its consumer and producer."""
    return dict(credentials_to_aiokafka_auth(app_options(config).get("broker_credentials")))


def test_ssl_only_every_client_verifies_the_broker(cafile: Path) -> None:
    config = settings("SSL", cafile)
    options = client_options(config)
    assert options["security_protocol"] == "SSL"
    assert trusts(options["ssl_context"])
    assert not {"sasl_mechanism", "sasl_plain_username", "sasl_plain_password"} & set(options)
    auth = faust_auth(config)
    assert auth["security_protocol"] == "SSL"  # the case the Faust app once missed
    assert trusts(auth["ssl_context"])


def test_sasl_ssl_every_client_logs_in_over_tls(cafile: Path) -> None:
    config = settings("SASL_SSL", cafile, "SCRAM-SHA-256")
    options = client_options(config)
    assert {k: options[k] for k in ("security_protocol", "sasl_mechanism",
                                    "sasl_plain_username", "sasl_plain_password")} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "pac", "sasl_plain_password": "pac-secret"}
    assert trusts(options["ssl_context"])
    auth = faust_auth(config)
    assert (auth["security_protocol"], auth["sasl_mechanism"], auth["sasl_plain_username"],
            auth["sasl_plain_password"]) == ("SASL_SSL", "SCRAM-SHA-256", "pac", "pac-secret")
    assert trusts(auth["ssl_context"])


def test_sasl_plaintext_and_plaintext_get_no_tls() -> None:
    sasl = client_options(settings("SASL_PLAINTEXT", mechanism="PLAIN"))
    assert sasl["security_protocol"] == "SASL_PLAINTEXT" and "ssl_context" not in sasl
    auth = faust_auth(settings("SASL_PLAINTEXT", mechanism="PLAIN"))
    assert (auth["security_protocol"], auth["ssl_context"]) == ("SASL_PLAINTEXT", None)
    assert client_options(settings("PLAINTEXT")) == {
        "bootstrap_servers": ["127.0.0.1:9095"], "security_protocol": "PLAINTEXT"}
    assert faust_credentials(settings("PLAINTEXT")) is None
    assert faust_auth(settings("PLAINTEXT")) == {"security_protocol": "PLAINTEXT"}


def test_ssl_without_a_ca_file_trusts_the_system_cas() -> None:
    context = client_options(settings("SSL"))["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_the_password_is_not_in_the_repr(cafile: Path) -> None:
    assert "pac-secret" not in repr(security(settings("SASL_SSL", cafile, "PLAIN")))


def test_a_ca_file_without_a_certificate_is_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    with pytest.raises(KafkaSecurityError) as caught:
        client_options(settings("SSL", bogus))
    assert "\n" not in str(caught.value) and str(bogus) in str(caught.value)


@pytest.mark.parametrize(("env", "named"), [
    ({"PAC_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "PAC_KAFKA_SASL_MECHANISM"),
    ({"PAC_KAFKA_SASL_MECHANISM": "PLAIN"}, "PAC_KAFKA_SECURITY_PROTOCOL"),
    ({"PAC_KAFKA_SSL_CAFILE": "{ca}"}, "PAC_KAFKA_SSL_CAFILE"),
    ({"PAC_KAFKA_SECURITY_PROTOCOL": "SSL", "PAC_KAFKA_SSL_CAFILE": "/nonexistent/ca.pem"},
     "PAC_KAFKA_SSL_CAFILE"),
])
def test_inconsistent_security_settings_fail_in_one_line(
        env: dict[str, str], named: str, cafile: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(ca=cafile))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "\n" not in str(caught.value) and named in str(caught.value)


def test_bootstrap_servers_of_a_faust_url() -> None:
    assert bootstrap_servers("kafka://h1:9092;h2:9093") == ["h1:9092", "h2:9093"]
