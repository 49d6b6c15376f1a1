"""The benchmark table (README "Performance"): each figure, its reference and goal."""

from __future__ import annotations

from typing import Any


def rows(f: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, measured, against, goal and verdict) per line of docs/operations.md."""
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return [
        ("pipeline throughput", f"{f['pipeline_events_per_s']:,.0f} ev/s ({f['events']:,} ev)",
         f"raw aiokafka {f['raw_events_per_s']:,.0f} ev/s",
         f"x{f['pipeline_vs_raw']:.3f} (goal >= 0.05: {verdict(f['pipeline_vs_raw'] >= 0.05)})"),
        ("", "", f"Faust decode-only {f['faust_decode_events_per_s']:,.0f} ev/s",
         f"x{f['pipeline_vs_faust']:.2f} (goal >= 1.0: "
         f"{verdict(f['pipeline_vs_faust'] >= 1.0)})"),
        ("CPU per event (worker)", f"{f['pipeline_cpu_us_per_event']:,.0f} us",
         f"Faust decode-only {f['faust_decode_cpu_us_per_event']:,.0f} us",
         f"x{f['pipeline_vs_faust_cpu']:.2f} (their CPU over ours)"),
        ("two workers", f"{f['two_workers_events_per_s']:,.0f} ev/s",
         f"one worker {f['pipeline_events_per_s']:,.0f} ev/s",
         f"x{f['two_workers_vs_one']:.2f} (goal >= 1.5 where the cores allow: "
         f"{verdict(f['two_workers_vs_one'] >= 1.5)})"),
        ("pace late / early in the run", f"{f['per_event_us_late']:,.0f} us/ev",
         f"early {f['per_event_us_early']:,.0f} us/ev", f"x{f['pace_late_vs_early']:.2f}"),
        *([("CPU per event, full / quick run", f"{f['pipeline_cpu_us_per_event']:,.0f} us",
            "the --against-quick run",
            f"x{f['per_event_growth']:.2f} (goal <= 1: {verdict(f['per_event_growth'] <= 1)})")]
          if "per_event_growth" in f else []),
        ("latency at 20% of max", f"p50 {f['latency_p50_s'] * 1000:,.0f} ms, "
         f"p99 {f['latency_p99_s'] * 1000:,.0f} ms",
         f"raw round trip p99 {f['raw_rtt_p99_s'] * 1000:,.1f} ms",
         f"x{f['latency_p99_ratio']:.1f} (goal <= 10: {verdict(f['latency_p99_ratio'] <= 10)})"),
        ("allocation 1,503 / 15,030 / 150,300",
         f"{f['alloc_seconds_1503']:.3f} / {f['alloc_seconds_15030']:.2f} / "
         f"{f['alloc_seconds_150300']:.1f} s", "time(150,300) / time(15,030)",
         f"x{f['alloc_scaling_ratio']:.1f} (goal <= 12: "
         f"{verdict(f['alloc_scaling_ratio'] <= 12)})"),
        ("", "", f"raw round trip p50 {f['raw_rtt_p50_s'] * 1000:,.1f} ms",
         f"1,503 in x{f['alloc_1503_vs_raw_rtt_p50']:.1f} of it (goal < 1: "
         f"{verdict(f['alloc_1503_vs_raw_rtt_p50'] < 1)})"),
        ("", f"150,300: {f['alloc_seconds_150300']:.2f} s (CPU)",
         f"compute_cycle {f['alloc_reference_seconds_150300']:.1f} s",
         f"x{f['alloc_speedup_150300']:.1f} faster (goal <= 3 s: "
         f"{verdict(f['alloc_seconds_150300'] <= 3)})"),
        ("one revision, 1,503 communes", f"{f['incremental_revision_seconds_1503'] * 1e3:.2f} ms",
         f"raw round trip p50 {f['raw_rtt_p50_s'] * 1000:,.1f} ms",
         f"x{f['incremental_revision_vs_raw_rtt_p50']:.2f} (goal <= 3: "
         f"{verdict(f['incremental_revision_vs_raw_rtt_p50'] <= 3)})"),
        ("worker peak RSS", f"{f['worker_peak_rss_mib']:,.0f} MiB",
         f"{f['worker_rss_communes']:,.0f} communes of state",
         f"goal <= 1024 MiB at 150,300: {verdict(f['worker_peak_rss_mib'] <= 1024)}"
         + ("" if f["worker_rss_communes"] >= 150_300 else " (at this size)")),
    ]


def print_table(figures: dict[str, Any]) -> None:
    lines = [("figure", "measured", "against", "ratio and goal"), *rows(figures)]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    for n, line in enumerate(lines):
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))
