"""Fixtures that hand tests the real services of ``scripts/services``.

docs/operations.md "Services": nothing is mocked where a user would run the real thing,
and a missing service is a failure, never a skip. So when ``PAC_BROKER_URL`` /
``PAC_DATABASE_URL`` are not set, the fixtures run ``scripts/services up`` (idempotent:
it reuses services that already run) and read the ``export`` lines it prints.

All fixtures are lazy: unit tests that do not ask for them never touch a service.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.common import drop_database

REPO = Path(__file__).resolve().parent.parent
SERVICES = REPO / "scripts" / "services"
_EXPORT = re.compile(r"^export (PAC_[A-Z_]+)=(\S+)$")
_NAMES = (
    "PAC_BROKER_URL", "PAC_SASL_BROKER_URL", "PAC_SSL_BROKER_URL", "PAC_SASL_SSL_BROKER_URL",
    "PAC_SERVICES_CA_FILE", "PAC_DATABASE_URL", "PAC_WRITER_DATABASE_URL",
)


def parse_exports(text: str) -> dict[str, str]:
    """The ``export NAME=value`` lines of ``scripts/services up``, as a dict."""
    return {m[1]: m[2] for line in text.splitlines() if (m := _EXPORT.match(line.strip()))}


def _services_up() -> dict[str, str]:
    """Run ``scripts/services up``; its progress goes to a file (a daemon it starts must
    not hold a pipe of ours open), and is shown if it fails."""
    with tempfile.TemporaryFile(mode="w+") as progress:
        done = subprocess.run(
            [str(SERVICES), "up"], stdout=subprocess.PIPE, stderr=progress,
            stdin=subprocess.DEVNULL, text=True, timeout=600, check=False,
        )
        if done.returncode != 0:
            progress.seek(0)
            pytest.fail(f"scripts/services up failed ({done.returncode}):\n{progress.read()}")
    return parse_exports(done.stdout)


@pytest.fixture(scope="session")
def services_env() -> dict[str, str]:
    """The service URLs and the broker's CA file: from the environment when all are set,
    else from ``up`` (which also restarts a broker that lacks its TLS listeners)."""
    if all(os.environ.get(name) for name in _NAMES):
        return {name: os.environ[name] for name in _NAMES}
    found = _services_up()
    missing = [name for name in _NAMES if name not in found]
    if missing:
        pytest.fail(f"scripts/services up printed no export for {', '.join(missing)}")
    return found


def _bootstrap(url: str) -> str:
    """``kafka://127.0.0.1:9092`` -> ``127.0.0.1:9092`` (what Kafka clients take)."""
    parts = urlsplit(url)
    if parts.scheme != "kafka" or not parts.hostname or not parts.port:
        pytest.fail(f"not a kafka://host:port URL: {url!r}")
    return f"{parts.hostname}:{parts.port}"


@pytest.fixture(scope="session")
def broker_url(services_env: dict[str, str]) -> str:
    """Bootstrap ``host:port`` of the real broker's PLAINTEXT listener."""
    return _bootstrap(services_env["PAC_BROKER_URL"])


@pytest.fixture(scope="session")
def sasl_broker_url(services_env: dict[str, str]) -> str:
    """Bootstrap ``host:port`` of the SASL_PLAINTEXT listener (user pac / pac-secret)."""
    return _bootstrap(services_env["PAC_SASL_BROKER_URL"])


@pytest.fixture(scope="session")
def ssl_broker_url(services_env: dict[str, str]) -> str:
    """Bootstrap ``host:port`` of the SSL listener (certificate for 127.0.0.1)."""
    return _bootstrap(services_env["PAC_SSL_BROKER_URL"])


@pytest.fixture(scope="session")
def sasl_ssl_broker_url(services_env: dict[str, str]) -> str:
    """Bootstrap ``host:port`` of the SASL_SSL listener (user pac / pac-secret)."""
    return _bootstrap(services_env["PAC_SASL_SSL_BROKER_URL"])


@pytest.fixture(scope="session")
def services_ca_file(services_env: dict[str, str]) -> Path:
    """The CA certificate (PEM) that signed the broker's TLS certificate."""
    path = Path(services_env["PAC_SERVICES_CA_FILE"])
    if not path.is_file():
        pytest.fail(f"PAC_SERVICES_CA_FILE {path} is not a file: run scripts/services up")
    return path


@pytest.fixture(scope="session")
def postgres_url(services_env: dict[str, str]) -> str:
    """SQLAlchemy URL of database ``pac_grants`` as its owner, role ``pac_grants``."""
    return services_env["PAC_DATABASE_URL"]


@pytest.fixture(scope="session")
def writer_postgres_url(services_env: dict[str, str]) -> str:
    """SQLAlchemy URL of database ``pac_grants`` as ``pac_writer`` (no DDL rights)."""
    return services_env["PAC_WRITER_DATABASE_URL"]


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A throwaway database owned by ``pac_grants``, dropped after the test."""
    name = f"pac_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)  # waits for an autovacuum worker (another role)
        admin.dispose()
