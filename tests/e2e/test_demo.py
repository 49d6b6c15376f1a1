"""``pac-grants demo`` as a user runs it: embedded Tansu, nothing else (docs/cli.md).

The demo exits 0 only if every event was processed, the ledger verifies and equals the
offline calculation (each cycle with the commune data of its last approval), and the
dead letters are exactly the expected ones; the summary on stdout says so, with each
cycle's state and approval date, where each window's money is (ordered, paid, to
recover, carried over) and the reopened cycle's decisions. ``PAC_BROKER_URL``
is removed so that the embedded broker is used, and no process it started may outlive
it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def holders(directory: Path) -> list[int]:
    """Pids of processes with a file of ``directory`` open (the broker's and worker's logs)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:
            continue
        if any(link.startswith(str(directory)) for link in links):
            found.append(int(proc.name))
    return found


@pytest.mark.timeout(600)
def test_demo_runs_end_to_end_on_the_embedded_broker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAC_")}
    workdir = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-c", "from pac_grants.cli import main; main()", "demo",
         "--workdir", str(workdir)], env=env, capture_output=True, text=True, timeout=590,
        check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout
    out = done.stdout
    assert "0 differences" in out
    assert "ledger verify: ok:" in out
    for cycle in range(2019, 2025):  # approved on June 30 of its grant year (2021 again)
        last = "2022-09-30" if cycle == 2021 else f"{cycle + 1}-06-30"
        assert re.search(rf"\n{cycle} +approuvé +{last} +standard ", out), cycle
    assert re.search(r"\n2024 +approuvé +2025-06-30 +grandes_communes ", out)
    assert re.search(r"\nCycle +Guichet +Alloué +Ordonnancé +Payé +Reste à payer +"
                     r"À recouvrer +Reporté\n", out)
    assert re.search(r"\n2022 +standard .* 227\s841\s000,00\n", out)  # to 2023
    assert "\n2021: approved on 2022-06-30, 2022-09-30; reopened on 2022-09-01" in out
    assert "metrics: http://127.0.0.1:" in out
    assert "embedded Tansu" in done.stderr
    assert (workdir / "ledger.db").is_file()
    assert holders(workdir) == []
