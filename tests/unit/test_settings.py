"""Settings (docs/cli.md "Settings"): defaults, validation in one line, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pac_grants.settings import Settings, SettingsError, get_settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("BROKER_URL", "DATABASE_URL", "TOPIC_PREFIX", "METRICS_PORT", "API_TOKEN",
                 "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME",
                 "KAFKA_SASL_PASSWORD", "KAFKA_SSL_CAFILE"):
        monkeypatch.delenv(f"PAC_{name}", raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert (settings.broker_url, settings.database_url, settings.topic_prefix) == (
        "kafka://127.0.0.1:9092", "sqlite:///pac-grants.db", "pac.")
    assert (settings.metrics_port, settings.kafka_security_protocol) == (9108, "PLAINTEXT")
    assert settings.api_token is None and settings.kafka_sasl_password is None


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PAC_TOPIC_PREFIX=test.\nPAC_METRICS_PORT=9200\n")
    monkeypatch.setenv("PAC_METRICS_PORT", "9300")
    monkeypatch.setenv("PAC_KAFKA_SASL_PASSWORD", "hunter2")
    settings = load_settings()
    assert (settings.topic_prefix, settings.metrics_port) == ("test.", 9300)
    assert settings.kafka_sasl_password is not None
    assert settings.kafka_sasl_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings)


def test_invalid_values_give_one_line_without_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAC_METRICS_PORT", "70000")
    monkeypatch.setenv("PAC_KAFKA_SECURITY_PROTOCOL", "hunter2")
    monkeypatch.setenv("PAC_DATABASE_URL", "not a url")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message and "hunter2" not in message
    for name in ("PAC_METRICS_PORT", "PAC_KAFKA_SECURITY_PROTOCOL", "PAC_DATABASE_URL"):
        assert name in message


def test_frozen_and_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    first = get_settings()
    monkeypatch.setenv("PAC_TOPIC_PREFIX", "other.")
    assert get_settings() is first
    with pytest.raises(ValidationError):
        first.topic_prefix = "x"
    get_settings.cache_clear()
    assert Settings().topic_prefix == "other."
