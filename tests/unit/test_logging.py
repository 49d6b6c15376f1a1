"""Structured logs: context of a processing error, and secrets never written (issue 5)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, SecretStr

from pac_grants.logging_setup import MASK, Redactor, configure, secret_values
from pac_grants.settings import Settings

PASSWORD = "s3cr3t-Kafka-pa55"
CONTEXT = {"topic": "pac.assessments.v1", "partition": 3, "offset": 1841, "event_id": "e-42"}


@pytest.fixture
def root_state() -> Iterator[None]:
    """Restore the root logger, whatever configure() did to it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def settings() -> Settings:
    return Settings(
        kafka_sasl_username="pac",
        kafka_sasl_password=SecretStr(PASSWORD),
        api_token=SecretStr("tok-0123456789"),
        database_url="postgresql+psycopg://pac_grants:dbpw-XYZ@db:5432/pac_grants",
    )


def capture(json_lines: bool, emit: object) -> str:
    stream = io.StringIO()
    configure(json=json_lines, level="DEBUG", settings=settings(), stream=stream)
    assert callable(emit)
    emit(logging.getLogger("pac_grants.test"))
    return stream.getvalue()


@pytest.mark.usefixtures("root_state")
def test_json_lines_carry_the_message_context() -> None:
    def emit(log: logging.Logger) -> None:
        log.error("cannot write event %s", "e-42", extra=CONTEXT)
        log.info("plain line")

    lines = capture(True, emit).splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "cannot write event e-42"
    assert first["level"] == "ERROR"
    assert first["logger"] == "pac_grants.test"
    assert {k: first[k] for k in CONTEXT} == CONTEXT
    assert first["ts"].endswith("+00:00")
    assert not set(CONTEXT) & set(second)


@pytest.mark.usefixtures("root_state")
def test_text_lines_append_the_context() -> None:
    def emit(log: logging.Logger) -> None:
        log.warning("rejected", extra=CONTEXT)

    out = capture(False, emit)
    assert "WARNING pac_grants.test: rejected" in out
    assert "[topic=pac.assessments.v1 partition=3 offset=1841 event_id=e-42]" in out


@pytest.mark.usefixtures("root_state")
@pytest.mark.parametrize("json_lines", [True, False])
def test_secrets_never_appear(json_lines: bool) -> None:
    s = settings()

    def emit(log: logging.Logger) -> None:
        log.info("connecting with %s", s.kafka_sasl_password.get_secret_value())  # type: ignore[union-attr]
        log.info("config: sasl_plain_password=%s password: other-pw", PASSWORD)
        log.info("database %s", s.database_url)
        log.info("token in context", extra={"event_id": "tok-0123456789"})
        try:
            raise ConnectionError(f"auth failed for {PASSWORD}")
        except ConnectionError:
            log.exception("broker refused", extra=CONTEXT)

    out = capture(json_lines, emit)
    for secret in (PASSWORD, "tok-0123456789", "dbpw-XYZ", "other-pw"):
        assert secret not in out
    assert out.count(MASK) >= 6
    assert "ConnectionError" in out  # the traceback is kept, redacted
    assert f"pac_grants:{MASK}@db:5432" in out  # the URL stays useful


@pytest.mark.usefixtures("root_state")
def test_configure_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    others = [h for h in root.handlers if not getattr(h, "_pac_grants", False)]
    configure(json=True, stream=io.StringIO())
    second = configure(json=False, stream=io.StringIO())
    assert root.handlers == [*others, second]


@pytest.mark.usefixtures("root_state")
def test_unknown_level_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        configure(level="LOUD", stream=io.StringIO())


def test_secret_values_walks_nested_models() -> None:
    class Inner(BaseModel):
        key: SecretStr

    class Outer(BaseModel):
        inner: Inner
        plain: str = "visible"
        missing: SecretStr | None = None

    assert secret_values(Outer(inner=Inner(key=SecretStr("k-1")))) == {"k-1"}


def test_redactor_patterns() -> None:
    redact = Redactor(["abc"])
    assert redact("x abcabc y") == f"x {MASK}{MASK} y"
    assert redact('{"password": "p@ss"}') == f'{{"password": "{MASK}"}}'
    assert redact("kafka://u:pw@h:9092") == f"kafka://u:{MASK}@h:9092"
    assert redact("offset=12 partition=3") == "offset=12 partition=3"
