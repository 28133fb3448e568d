"""What an exposure costs on top of an evaluation, and a first exposure against a bare span,
paired in one process and one run (the contenders interleave round by round). A table, not a
test: nothing here asserts a timing.

Run (see bench/README.md): ``flock /tmp/bench.lock taskset -c 1 bench/.venv/bin/python
bench/exposure.py`` in packages/sdk-python, after ``scripts/setup-venv.sh bench``.

- evaluation: ``get_boolean_value`` of the 50/50 experiment by a client with no OTel SDK (the
  API is a no-op, so no exposure work), 10,000 rotating users;
- repeat exposure: the same call by a client with a tracer from a real provider
  (``TripwireSpanProcessor`` + ``SimpleSpanProcessor`` to a dropping exporter, see spans.py),
  every user exposed before timing, so each call stamps and deduplicates and emits no span;
- first exposure: another such client, every call a unit never exposed (known: its HMAC was
  computed before timing; new: never seen, so the call also computes its HMAC), each call
  emitting a ``tripwire.exposure`` span;
- floor: a span with an exposure's name and 8 attributes on the Tripwire provider, no client
  code: what a first exposure cannot go below while it emits that span;
- bare span: ``start_span(...).end()`` on a plain provider (only ``SimpleSpanProcessor`` to a
  dropping exporter, no Tripwire processor), the baseline of the ratios.
"""

from __future__ import annotations

from typing import Dict

from bench_flags import HASH_KEY, USER_COUNT, USERS, create_tripwire_snapshot
from harness import (
    CALLS,
    EMPTY,
    ROUNDS,
    WARMUP,
    Timing,
    calls_text,
    check,
    describe_run,
    format_table,
    measure,
    paired_ratio,
)
from spans import create_provider

from tripwire import PROVIDER_NAME, TripwireClient, create_client
from tripwire.schema.telemetry import FlagAttributes, TripwireAttributes

CALLS_PER_ROUND = min(CALLS, 10_000)  # every first exposure needs its own unit
UNITS_NEEDED = CALLS_PER_ROUND * (WARMUP + ROUNDS)


def create_bench_client(tracer: object = None) -> TripwireClient:
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": create_tripwire_snapshot()},
        logger=None,
        unit_cache_size=UNITS_NEEDED * 2 + USER_COUNT,
        **({"tracer": tracer} if tracer is not None else {}),
    )
    check(client.ready(timeout=5).ready, lambda: "the tripwire client has no config")
    return client


def create_floor_attributes(unit_id: str) -> Dict[str, str]:
    """What an exposure span carries: 8 attributes."""
    return {
        FlagAttributes.key: "exp",
        FlagAttributes.variant: "on",
        FlagAttributes.reason: "split",
        FlagAttributes.provider_name: PROVIDER_NAME,
        FlagAttributes.set_id: "production",
        FlagAttributes.version: "1",
        FlagAttributes.context_id: unit_id,
        TripwireAttributes.unit_kind: "targetingKey",
    }


def main() -> None:
    tripwire_provider, exported = create_provider(with_tripwire=True)
    plain_provider, _ = create_provider(with_tripwire=False)
    plain = create_bench_client()
    # separate clients: the first exposures' units must not evict the repeat users' entries
    traced = create_bench_client(tripwire_provider.get_tracer("bench"))
    first = create_bench_client(tripwire_provider.get_tracer("bench"))
    bare_tracer = plain_provider.get_tracer("bench")
    exposure_tracer = tripwire_provider.get_tracer("bench")
    floor_attributes = create_floor_attributes(traced.hash_unit("floor"))
    users = [{"targetingKey": key} for key in USERS]
    known = [{"targetingKey": f"known-{i}"} for i in range(UNITS_NEEDED + 1)]
    new = [{"targetingKey": f"new-{i}"} for i in range(UNITS_NEEDED)]
    for user in users:  # every rotating user exposed (the timed calls are repeats), and
        traced.get_boolean_value("exp", user, False)  # in both clients' allocation memos
        plain.get_boolean_value("exp", user, False)
    for unit in known:
        first.hash_unit(unit["targetingKey"])
    before = exported.exported
    first.get_boolean_value("exp", known[0], False)
    check(exported.exported == before + 1, lambda: "a first exposure emitted no span")
    traced.get_boolean_value("exp", users[0], False)
    check(exported.exported == before + 1, lambda: "a repeat exposure emitted a span")

    subjects = {
        "evaluation, no OTel SDK": lambda i: plain.get_boolean_value(
            "exp", users[i % USER_COUNT], False
        ),
        "repeat exposure (evaluation included)": lambda i: traced.get_boolean_value(
            "exp", users[i % USER_COUNT], False
        ),
        # known[0] was exposed by the check above
        "first exposure, known unit": lambda i: first.get_boolean_value("exp", known[i + 1], False),
        "first exposure, new unit": lambda i: first.get_boolean_value("exp", new[i], False),
        "floor: exposure-shaped span, no client": lambda i: exposure_tracer.start_span(
            "tripwire.exposure", attributes=floor_attributes
        ).end(),
        "bare span, plain provider": lambda i: bare_tracer.start_span("bare").end(),
    }
    spans_before = exported.exported
    timings = measure(subjects, calls=CALLS_PER_ROUND)
    first_calls = 2 * CALLS_PER_ROUND * (WARMUP + ROUNDS)
    check(
        exported.exported - spans_before >= first_calls,
        lambda: (
            f"{exported.exported - spans_before} exposure spans for {first_calls} first exposures"
        ),
    )
    for client in (plain, traced, first):
        client.close()
    tripwire_provider.shutdown()
    plain_provider.shutdown()

    print(describe_run())
    print(render(timings))


def render(timings: Dict[str, Timing]) -> str:
    evaluation = timings["evaluation, no OTel SDK"]
    repeat = timings["repeat exposure (evaluation included)"]
    span = timings["bare span, plain provider"]
    added = repeat.median - evaluation.median
    rows = [
        [name, f"{t.median:,.0f}", t.spread, f"{paired_ratio(t, span):.2f}×"]
        for name, t in timings.items()
        if name != EMPTY
    ]
    share = added / evaluation.median
    return "\n".join(
        [
            f"\nNet ns per call ({calls_text(CALLS_PER_ROUND)}); "
            f"{EMPTY} {timings[EMPTY].median:,.0f} ns subtracted.\n",
            format_table(["call", "ns", "IQR", "÷ bare span"], rows),
            f"\nrepeat exposure on top of one evaluation: {added:+,.0f} ns = {share:.0%} of it "
            f"(target ≤ 20 %: {'met' if share <= 0.2 else 'not met'})",
        ]
    )


if __name__ == "__main__":
    main()
