"""The timing harness: batches of calls timed with ``time.perf_counter_ns``, contenders
interleaved round by round (so load changes hit every contender alike), warmup rounds
discarded, the median of the measured rounds reported. The cost of the loop and of calling a
subject (an empty subject) is measured the same way and subtracted."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Sequence

from bench_flags import Subject

CALLS = int(os.environ.get("BENCH_CALLS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "31"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
EMPTY = "(loop and call overhead)"


@dataclass
class Timing:
    """Net ns per call of one contender, one sample per measured round."""

    samples: List[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> str:
        """The interquartile range of the rounds, e.g. ``812–840``."""
        q = statistics.quantiles(self.samples, n=4)
        return f"{q[0]:,.0f}–{q[2]:,.0f}"


def _empty(i: int) -> int:
    return i


def _time_batch(subject: Subject, start: int, calls: int) -> float:
    gc.collect()
    began = time.perf_counter_ns()
    for i in range(start, start + calls):
        subject(i)
    return (time.perf_counter_ns() - began) / calls


def measure(
    subjects: Mapping[str, Subject], *, calls: int = CALLS, rounds: int = ROUNDS
) -> Dict[str, Timing]:
    """Times every subject for ``WARMUP + rounds`` rounds of ``calls`` calls each. A subject
    gets call indexes that never repeat (0, 1, 2, … across its rounds), so one that must see a
    new unit per call can index a list of ``calls * (WARMUP + rounds)`` units."""
    everyone = {EMPTY: _empty, **subjects}
    raw: Dict[str, List[float]] = {name: [] for name in everyone}
    for round_index in range(WARMUP + rounds):
        for name, subject in everyone.items():
            ns = _time_batch(subject, round_index * calls, calls)
            if round_index >= WARMUP:
                raw[name].append(ns)
    overhead = raw.pop(EMPTY)
    return {
        name: Timing([ns - base for ns, base in zip(samples, overhead)])
        for name, samples in raw.items()
    } | {EMPTY: Timing(overhead)}


def paired_ratio(a: Timing, b: Timing) -> float:
    """The median over rounds of a's time ÷ b's time measured in the same round."""
    return statistics.median(x / y for x, y in zip(a.samples, b.samples))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, columns padded to their widest cell."""
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def describe_run() -> str:
    """Date, Python, CPU affinity and load, for the header of a printed table."""
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    return (
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; Python {platform.python_version()} "
        f"({sys.implementation.name}); CPUs {cpus}\nuptime: {uptime}"
    )


def calls_text(calls: int = CALLS) -> str:
    return f"{ROUNDS} rounds × {calls:,} calls after {WARMUP} warmup rounds, median"


def check(condition: bool, message: Callable[[], str]) -> None:
    """Refuses to time a contender that does not do the work (a no-op would look fast)."""
    if not condition:
        raise SystemExit(f"check failed: {message()}")
