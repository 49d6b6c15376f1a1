"""What the soak measured, over time, and the one figure it judges: RSS growth.

Pure (no services), so that tests/unit/test_soak.py checks the computation on fixed
samples. The growth compares medians, not single readings: a sample taken while the
garbage collector or a batch holds memory should not decide the verdict.

- *Within one worker life* (between two kills): the life's first ``warm_up`` fraction of
  samples is dropped (start-up, state loaded back from the database); the median of the
  last ``k`` samples is compared with the median of the first ``k`` left, ``k`` a
  quarter of them and at least 3. A life with fewer than 6 samples after its warm-up is
  not judged.
- *Across the run* (so across restarts): the samples after the first ``warm_up``
  fraction of the run, each life's own warm-up left out, compared the same way. It shows
  whether each new life settles higher than the one before (memory that follows the
  data the worker holds, not a leak of one process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

MIN_SAMPLES = 6


@dataclass(frozen=True)
class Sample:
    """One reading, ``t`` seconds after the steady load started."""

    t: float
    phase: str  # "load" while events are sent, "drain" after
    life: int  # 1 for the first worker, +1 at each restart
    pid: int
    published: int  # acknowledged by the broker, all input topics, preload included
    committed: int  # processed by the pipeline (its tracked offsets + 1)
    lag: int  # published - committed
    committed_per_s: float  # since the previous sample
    rss_mib: float
    fds: int
    threads: int
    db_connections: int  # sessions on the soak's database, the soak's own left out


@dataclass(frozen=True)
class Growth:
    """Median of the first ``k`` and of the last ``k`` of ``n`` samples, in MiB."""

    n: int
    k: int
    first_mib: float
    last_mib: float

    @property
    def percent(self) -> float:
        return (self.last_mib - self.first_mib) / self.first_mib * 100


def growth(values: list[float]) -> Growth | None:
    """First against last medians of ``values`` (in time order); None if too few."""
    if len(values) < MIN_SAMPLES:
        return None
    k = max(3, len(values) // 4)
    return Growth(len(values), k, median(values[:k]), median(values[-k:]))


def _warm(samples: list[Sample], warm_up: float) -> list[Sample]:
    """A life's samples without its first ``warm_up`` fraction (at least one)."""
    return samples[max(1, math.ceil(warm_up * len(samples))):]


def lives(samples: list[Sample]) -> dict[int, list[Sample]]:
    """The samples of the steady load, per worker life."""
    out: dict[int, list[Sample]] = {}
    for sample in samples:
        if sample.phase == "load":
            out.setdefault(sample.life, []).append(sample)
    return out


def life_growths(samples: list[Sample], warm_up: float) -> dict[int, Growth | None]:
    return {life: growth([s.rss_mib for s in _warm(group, warm_up)])
            for life, group in lives(samples).items()}


def run_growth(samples: list[Sample], warm_up: float, duration: float) -> Growth | None:
    settled = {id(s) for group in lives(samples).values() for s in _warm(group, warm_up)}
    return growth([s.rss_mib for s in samples if s.phase == "load" and id(s) in settled
                   and s.t >= warm_up * duration])


def verdict(run: Growth | None, per_life: dict[int, Growth | None],
            limit: float) -> bool | None:
    """True if the run's growth and every judged life's are under ``limit`` percent;
    None if the run is too short to judge."""
    if run is None:
        return None
    return run.percent < limit and all(g.percent < limit for g in per_life.values() if g)


def describe(g: Growth | None) -> str:
    if g is None:
        return f"not judged (fewer than {MIN_SAMPLES} samples after warm-up)"
    return (f"{g.first_mib:,.1f} -> {g.last_mib:,.1f} MiB ({g.percent:+.1f}%; medians of "
            f"the first and last {g.k} of {g.n} samples)")


COLUMNS = ("t s", "phase", "life", "published", "committed", "lag", "commit/s",
           "RSS MiB", "fds", "threads", "db conns")


def row(s: Sample) -> tuple[str, ...]:
    return (f"{s.t:.0f}", s.phase, str(s.life), f"{s.published:,}", f"{s.committed:,}",
            f"{s.lag:,}", f"{s.committed_per_s:,.1f}", f"{s.rss_mib:,.1f}", str(s.fds),
            str(s.threads), str(s.db_connections))


def table(samples: list[Sample]) -> list[str]:
    lines = [COLUMNS, *(row(s) for s in samples)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    out = [" | ".join(c.rjust(widths[i]) for i, c in enumerate(line)) for line in lines]
    return [out[0], "-+-".join("-" * w for w in widths), *out[1:]]


def ranges(samples: list[Sample]) -> dict[str, tuple[float, float]]:
    """(min, max) of each figure over the steady load."""
    load = [s for s in samples if s.phase == "load"] or samples
    return {name: (min(getattr(s, name) for s in load), max(getattr(s, name) for s in load))
            for name in ("lag", "committed_per_s", "rss_mib", "fds", "threads",
                         "db_connections")}
