"""Schemathesis against the read API's OpenAPI description, every check on (issue 7).

Schemathesis' own command line (its stable interface) runs against ``pac-grants api``,
a child process on loopback, over the ledger filled by the real pipeline
(``api_support.pipeline_ledger``, shared with the other API test modules), with the
bearer token. ``--checks all`` includes ``ignored_auth`` (the same request without the
token must be refused), ``negative_data_rejection`` (bad parameters: 4xx),
``status_code_conformance`` and ``response_schema_conformance`` (every answer is
documented and matches its schema), ``unsupported_method`` (405 with ``Allow``) and the
response-time limit. The public results are switched on (``PAC_PUBLIC_RESULTS=1``) so
that their routes are tested too. Examples are bounded so that the run stays well under
two minutes.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.api_support import AUTH, ApiServer, pipeline_ledger

pytestmark = pytest.mark.integration
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> Iterator[ApiServer]:
    url = pipeline_ledger(tmp_path_factory.getbasetemp() / "api-pipeline", broker_url)
    running = ApiServer(url, tmp_path_factory.mktemp("api-st") / "api.log",
                        PAC_PUBLIC_RESULTS="1")
    yield running
    assert running.stop() in (0, -signal.SIGTERM), running.log.read_text()


def test_api_conforms_to_its_openapi(server: ApiServer, tmp_path: Path) -> None:
    header = "Authorization: " + AUTH["Authorization"]
    done = subprocess.run(
        [str(SCHEMATHESIS), "run", server.base + "/openapi.json", "--checks", "all",
         "--header", header, "--max-examples", "25", "--max-response-time", "5",
         "--seed", "7301", "--workers", "2", "--warnings", "off",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
        stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    # seven data routes, four downloads, two reports, two public routes, three simulation
    # routes, the complaints register, a cycle's lifecycle, the orders (JSON, XLSX, CSV),
    # sources and uses, and /healthz
    assert "Tested: 25" in done.stdout
    assert "No issues found" in done.stdout
