"""``python benchmarks/decode.py [--events N]``: microseconds per assessment event of
today's strict decoder against ``models.decode`` (fast path, strict fallback), in one run
on the pipeline benchmark's messages, with what bounds them:

- ``json.loads`` + pydantic ``model_validate``: the decode-only Faust peer's way (no
  exact decimals from the ruleset's view, no rule check, no duplicate-key check);
- a compiled validator alone: msgspec decoding into a typed ``Struct`` (types, lengths,
  ranges, dates in C; no duplicate keys, no ruleset rules, no digest), the floor a
  compiled schema reaches in CPython;
- the stored-payload rebuild and the content digest, against the ways they replace.

CPU time of this process (``process_time``), best of ``--repeats`` passes, so that other
jobs on the machine disturb the figures less. Prints a table; ``--json FILE`` too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.decode import Rejection, decode, decode_strict, parse_json
from models.digest import content_digest, raw_digest
from models.events import AssessmentSubmitted
from models.fast_decode import quick_assessment
from models.stored import stored_assessment
from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.scenario import generate_program

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class CompiledAssessment(msgspec.Struct, forbid_unknown_fields=True):
    """The event's schema as a compiled msgspec type (the bound, not the product)."""

    event_id: Annotated[str, msgspec.Meta(pattern="^[0-9a-f-]{36}$")]
    event_type: Literal["AssessmentSubmitted"]
    schema_version: Literal[1]
    occurred_at: datetime
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    assessment_id: Text
    cycle: int
    commune_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    revision: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    assessed_on: date
    assessor: Text
    conditions: dict[Text, bool]
    investment_budget_mad: Decimal | None = None
    indicators: dict[Text, Any] = {}


def per_event_us(work: Callable[[bytes], object], messages: Sequence[bytes],
                 repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for message in messages:
            work(message)
        best = min(best, time.process_time() - started)
    return best / len(messages) * 1e6


def measure(messages: Sequence[bytes], repeats: int) -> dict[str, float]:
    strict = [decode_strict(m, "assessments") for m in messages]
    events = [e for e in strict if isinstance(e, AssessmentSubmitted)]
    fast = sum(quick_assessment(m, packaged_ruleset) is not None for m in messages)
    compiled = msgspec.json.Decoder(CompiledAssessment, float_hook=Decimal)
    figures = {
        "events": float(len(messages)), "accepted": float(len(events)),
        "fast_path_share": fast / len(messages),
        "decode_strict_us": per_event_us(lambda m: decode_strict(m, "assessments"),
                                         messages, repeats),
        "decode_us": per_event_us(lambda m: decode(m, "assessments"), messages, repeats),
        "json_loads_pydantic_us": per_event_us(
            lambda m: AssessmentSubmitted.model_validate(json.loads(m)), messages, repeats),
        "compiled_validator_us": per_event_us(compiled.decode, messages, repeats),
        "stored_strict_us": per_event_us(lambda m: AssessmentSubmitted.model_validate(
            parse_json(m)).to_domain(), messages, repeats),
        "stored_fast_us": per_event_us(lambda m: stored_assessment(
            m.decode("utf-8")), messages, repeats),
        "digest_raw_us": per_event_us(raw_digest, messages, repeats),
    }
    iterator = iter(events * repeats)
    figures["digest_event_us"] = per_event_us(lambda _m: content_digest(next(iterator)),
                                              messages[:len(events)], repeats)
    figures["decode_speedup"] = figures["decode_strict_us"] / figures["decode_us"]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000,
                        help="assessment messages of the pipeline benchmark (default 10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="passes; the best counts")
    parser.add_argument("--json", dest="json_file", type=Path, help="also write the figures")
    args = parser.parse_args(argv)
    if args.events < 1 or args.repeats < 1:
        parser.error("--events and --repeats must be at least 1")
    program = generate_program(seed=5150, scale=15, revisions=0)
    messages = [m.value for p in program.phases for m in p.messages
                if m.topic == "assessments" and m.value is not None][:args.events]
    rejected = sum(isinstance(decode_strict(m, "assessments"), Rejection) for m in messages)
    figures = measure(messages, args.repeats) | {"rejected": float(rejected)}
    report(figures)
    if args.json_file:
        args.json_file.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return 0


def report(f: dict[str, float]) -> None:
    rows = [
        ("today's decoder (strict)", f["decode_strict_us"], ""),
        ("models.decode (fast path, strict fallback)", f["decode_us"],
         f"x{f['decode_speedup']:.2f} faster; {f['fast_path_share']:.1%} on the fast path"),
        ("json.loads + pydantic (the Faust peer)", f["json_loads_pydantic_us"],
         "inexact floats, no rules, no duplicate keys"),
        ("compiled validator alone (msgspec Struct)", f["compiled_validator_us"],
         "the floor: no rules, no duplicate keys, no digest"),
        ("stored payload, strict rebuild", f["stored_strict_us"], ""),
        ("stored payload, models.stored", f["stored_fast_us"],
         f"x{f['stored_strict_us'] / f['stored_fast_us']:.1f} faster"),
        ("content digest from the bytes (today)", f["digest_raw_us"], ""),
        ("content digest from the decoded event", f["digest_event_us"],
         f"x{f['digest_raw_us'] / f['digest_event_us']:.1f} faster"),
    ]
    print(f"{int(f['events']):,} assessment messages ({int(f['rejected'])} rejected), "
          "us per event (CPU time, best pass):")
    for name, value, note in rows:
        print(f"  {name:45s} {value:8.1f}  {note}".rstrip())


if __name__ == "__main__":
    sys.exit(main())
