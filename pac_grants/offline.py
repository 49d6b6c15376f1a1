"""Offline inputs of ``allocate`` and ``explain``: a communes CSV and a JSONL of assessments.

Every problem is an :class:`InputError` naming the file, the line and the reason, so the
command can exit 2 with one clear sentence (docs/cli.md s2, s5).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from models.decode import Rejection, decode, parse_json
from models.events import AssessmentSubmitted
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.revisions import RevisionConflict, counting
from pac_grants.rules.ruleset import Ruleset
from pac_grants.rules.scoring import AssessmentInvalid, check_assessment
from pac_grants.rules.types import Assessment, Commune

COMMUNE_COLUMNS = ["code", "name_fr", "name_ar", "region", "province", "population_2014",
                   "population_2024"]


class InputError(ValueError):
    """Bad offline input: ``file:line: reason``."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def bundled_communes_path() -> Path:
    """The sample program's 103 communes, shipped in the package."""
    return Path(str(resources.files("pac_grants").joinpath("data", "communes.csv")))


def read_communes(path: str | Path) -> list[Commune]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(_communes(csv.DictReader(handle), path))
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(path, None, f"not a UTF-8 CSV file: {exc}") from None


def _communes(reader: csv.DictReader[str], path: str | Path) -> Iterator[Commune]:
    header = reader.fieldnames or []
    missing = [c for c in COMMUNE_COLUMNS if c not in header]
    if missing:
        raise InputError(path, 1, f"missing column(s) {', '.join(missing)}; the header must be "
                         f"{','.join(COMMUNE_COLUMNS)}[,participating]")
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        if None in row or any(row[c] is None for c in COMMUNE_COLUMNS):
            raise InputError(path, line, f"expected {len(header)} fields")
        code = row["code"].strip()
        if not code or code in seen:
            raise InputError(path, line, f"commune code {code!r} is empty or repeated")
        seen.add(code)
        yield Commune(code, row["name_fr"], row["name_ar"], row["region"], row["province"],
                      {2014: _count(row, "population_2014", path, line),
                       2024: _count(row, "population_2024", path, line)},
                      _flag(row.get("participating"), path, line))


def _count(row: Mapping[str, str], column: str, path: str | Path, line: int) -> int:
    text = row[column].strip()
    if not re.fullmatch("[0-9]+", text):
        raise InputError(path, line, f"{column} {text!r} is not a whole number >= 0")
    return int(text)


def _flag(text: str | None, path: str | Path, line: int) -> bool:
    value = (text or "true").strip().lower()
    if value not in ("true", "false"):
        raise InputError(path, line, f"participating {text!r} must be true or false")
    return value == "true"


def read_assessments(path: str | Path, ruleset: Ruleset, communes: list[Commune]
                     ) -> dict[str, Assessment]:
    """The counting assessment per commune of the ruleset's cycle (others are ignored)."""
    windows = {c.code: ruleset.window_of(c.population.get(ruleset.population_census, 0))
               for c in communes}
    found: list[Assessment] = []
    for line, raw in _lines(path):
        if _cycle_of(raw, path, line) != ruleset.cycle:
            continue
        event = decode(raw, "assessments", lambda _cycle: ruleset)
        if isinstance(event, Rejection):
            raise InputError(path, line, f"{event.code}: {event.message}")
        assert isinstance(event, AssessmentSubmitted)
        assessment = event.to_domain()
        window = windows.get(assessment.commune_code)
        if window is not None:
            try:
                check_assessment(ruleset, assessment, window.id)
            except AssessmentInvalid as exc:
                raise InputError(path, line, f"{exc.code}: {exc.message}") from None
        found.append(assessment)
    try:
        return counting(found)
    except RevisionConflict as exc:
        raise InputError(path, None, f"conflicting_revision: {exc}") from None


def _lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    try:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    yield number, raw.rstrip(b"\r\n")
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None


def _cycle_of(raw: bytes, path: str | Path, line: int) -> object:
    rejected = decode(raw, "assessments", lambda _cycle: None)
    if isinstance(rejected, Rejection) and rejected.code != "unknown_cycle":
        raise InputError(path, line, f"{rejected.code}: {rejected.message}")
    return parse_json(raw).get("cycle")


@dataclass(frozen=True)
class OfflineRun:
    communes: list[Commune]
    assessments: dict[str, Assessment]
    result: CycleResult


def run_offline(ruleset: Ruleset, communes_path: str | Path, assessments_path: str | Path,
                pools: Mapping[str, int]) -> OfflineRun:
    communes = read_communes(communes_path)
    assessments = read_assessments(assessments_path, ruleset, communes)
    return OfflineRun(communes, assessments, compute_cycle(ruleset, communes, assessments, pools))
