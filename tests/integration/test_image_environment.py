"""The worker image's environment, built without Docker and run on the real services.

No Docker engine here, so this builds what the Dockerfile builds, step for step: the
build context is what its ``COPY`` lines copy (nothing else of the checkout), wheels come
from ``pip wheel .`` (the package and every dependency), and a fresh venv gets
``pip install --no-index --find-links=WHEELS pac-grants``. Then, from an empty working
directory and with no source tree on any path, the image's entry point
(``pac-grants worker``) migrates a fresh PostgreSQL database from the migrations inside
the installed package, processes a small program from the real Kafka (published with
the installed ``pac-grants publish``), answers the image's HEALTHCHECK, and
``pac-grants ledger verify`` passes. The first test checks that the Dockerfile still
says what this reproduces.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pac_grants.broker.tansu import free_port, terminate
from pac_grants.broker.topics import topic_name
from tests.hostile import baseline
from tests.integration.pipeline_support import processed

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
BUILD_STAGE = DOCKERFILE.split("\nFROM ", 2)[1]  # up to the runtime stage


def copied() -> list[str]:
    """The sources the build stage copies into its context (``COPY SRC... DEST``)."""
    return [src for line in re.findall(r"^COPY (?!--from)(.+)$", BUILD_STAGE, re.M)
            for src in line.split()[:-1]]


def healthcheck() -> str:
    """The Python program of the image's HEALTHCHECK."""
    found = re.search(r'CMD python -c "(.+)"\s*$', DOCKERFILE.split("HEALTHCHECK", 1)[1],
                      re.M)
    assert found, "the HEALTHCHECK is no longer `CMD python -c \"...\"`"
    return found[1]


def test_the_dockerfile_does_what_this_test_reproduces() -> None:
    assert sorted(copied()) == ["README.md", "models", "pac_grants", "pyproject.toml",
                                "streams"]
    assert "RUN pip wheel --no-cache-dir --wheel-dir /wheels ." in BUILD_STAGE
    assert "pip install --no-cache-dir --no-index --find-links=/wheels pac-grants" in DOCKERFILE
    assert 'ENTRYPOINT ["pac-grants"]' in DOCKERFILE and 'CMD ["worker"]' in DOCKERFILE
    assert "PAC_METRICS_PORT" in healthcheck()


def run(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{argv}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv of the runtime stage: the wheels of the build stage, installed offline."""
    where = tmp_path_factory.mktemp("image")
    context, wheels, venv = where / "context", where / "wheels", where / "venv"
    context.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")  # .dockerignore
    for source in copied():
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, context / source, ignore=ignore)
        else:
            shutil.copy2(path, context / source)
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(where)),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    # The Dockerfile passes --no-cache-dir (a layer must not keep pip's cache); here the
    # machine's cache only saves downloads: the wheels are the same.
    run([sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", wheels, "."], context, env,
        timeout=900)
    run([sys.executable, "-m", "venv", venv], where, env)
    run([venv / "bin" / "pip", "install", "-q", "--no-index", f"--find-links={wheels}",
         "pac-grants"], where, env, timeout=600)
    return venv


def clean_env(tmp: Path, **pac: str) -> dict[str, str]:
    """An environment with no path into the checkout: no PYTHONPATH, the venv first."""
    return {"PATH": f"{tmp / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(tmp),
            "LANG": "C.UTF-8", **pac}


def test_the_installed_package_holds_everything(image: Path, tmp_path: Path) -> None:
    probe = ("import pac_grants, models, streams, pac_grants.migrations as m, pathlib; "
             "print(*[pathlib.Path(x.__file__).parent for x in (pac_grants, models, "
             "streams, m)], sep='\\n'); "
             "print(*sorted(p.name for p in (pathlib.Path(m.__file__).parent / 'versions')"
             ".glob('0*.py')), sep='\\n')")
    done = run([image / "bin" / "python", "-c", probe], tmp_path, clean_env(image.parent))
    lines = done.stdout.splitlines()
    for package in lines[:4]:
        assert Path(package).is_relative_to(image), package
        assert not Path(package).is_relative_to(ROOT), package
    assert any(name.startswith("0001") for name in lines[4:]), lines


@pytest.fixture
def worker_env(image: Path, broker_url: str, fresh_postgres_url: str) -> dict[str, str]:
    return clean_env(image.parent, PAC_BROKER_URL=f"kafka://{broker_url}",
                     PAC_DATABASE_URL=fresh_postgres_url,
                     PAC_TOPIC_PREFIX=f"img{uuid.uuid4().hex[:10]}.",
                     PAC_METRICS_PORT=str(free_port()), PAC_LOG_FORMAT="json")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The image's WORKDIR: empty, nothing of the checkout in it."""
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


@pytest.fixture
def entrypoint(image: Path, worker_env: dict[str, str], workdir: Path
               ) -> Iterator[subprocess.Popen[bytes]]:
    """``ENTRYPOINT ["pac-grants"]`` + ``CMD ["worker"]``, its log in the workdir."""
    assert run([image / "bin" / "pac-grants", "topics", "create"], workdir, worker_env)
    with (workdir / "worker.log").open("wb") as log:
        process = subprocess.Popen([str(image / "bin" / "pac-grants"), "worker"], cwd=workdir,
                                   env=worker_env, stdout=log, stderr=subprocess.STDOUT)
    yield process
    terminate(process, 30)
    assert process.returncode == 0, (workdir / "worker.log").read_text()[-3000:]


@pytest.mark.timeout(900)
def test_the_image_entry_point_runs_a_program_on_the_real_services(
        image: Path, worker_env: dict[str, str], workdir: Path,
        entrypoint: subprocess.Popen[bytes]) -> None:
    cli = image / "bin" / "pac-grants"
    sent: Counter[str] = Counter()
    for n, phase in enumerate(baseline.phases()):
        for topic in sorted({v.topic for v in phase}):
            lines = [v.value for v in phase if v.topic == topic]
            (workdir / f"{n}-{topic}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
            run([cli, "publish", "--topic", topic, f"{n}-{topic}.jsonl"], workdir, worker_env)
            sent[topic_name(worker_env["PAC_TOPIC_PREFIX"], topic)] += len(lines)
        wait_for(worker_env["PAC_DATABASE_URL"], dict(sent), entrypoint, workdir)
    health = run([image / "bin" / "python", "-c", healthcheck()], workdir, worker_env)
    assert health.returncode == 0
    verify = run([cli, "ledger", "verify"], workdir, worker_env)
    assert "ok" in verify.stdout.lower() + verify.stderr.lower()
    summary = run([cli, "ledger", "summary", "--format", "json"], workdir, worker_env)
    assert '"closed"' in summary.stdout
    assert sorted(p.name for p in workdir.iterdir() if not p.name.endswith(".jsonl")) == [
        "worker.log"]  # nothing written beside the log: no state in the working directory


def wait_for(database_url: str, sent: dict[str, int], worker: subprocess.Popen[bytes],
             workdir: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            done = processed(database_url)
        except Exception:  # tables not there until the worker has migrated
            done = {}
        if all(done.get(topic, 0) >= n for topic, n in sent.items()):
            return
        log = (workdir / "worker.log").read_text(errors="replace")[-3000:]
        assert worker.poll() is None, f"worker exited:\n{log}"
        assert time.monotonic() < deadline, f"not processed: {done} < {sent}\n{log}"
        time.sleep(0.3)
