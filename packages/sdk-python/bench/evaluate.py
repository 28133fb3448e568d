"""Per-evaluation cost of ``client.get_boolean_value`` against the Python SDKs a team would
pick instead, in one process and one run: a 50/50 experiment and a targeting rule over
10,000 rotating users (bench_flags.py). A table, not a test: nothing here asserts a timing.

Run (see bench/README.md): ``flock /tmp/bench.lock taskset -c 1 bench/.venv/bin/python
bench/evaluate.py`` in packages/sdk-python, after ``scripts/setup-venv.sh bench``.
"""

from __future__ import annotations

import itertools
from typing import Dict, List

from bench_flags import HASH_KEY, TARGETED, USER_COUNT, USERS, country_of, create_tripwire_snapshot
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
from peers import PEERS, Contender
from spans import create_provider

from tripwire import compile_config, create_client

TRIPWIRE = "tripwire get_boolean_value"
users = [{"targetingKey": key} for key in USERS]
located = [{"targetingKey": key, "country": country_of(i)} for i, key in enumerate(USERS)]


def set_up_tripwire(*, with_otel_sdk: bool) -> Contender:
    """The call a service makes. With an OTel SDK (a tracer from a real provider) every timed
    experiment call is a repeat exposure: ``check_contender`` exposes all users first. The
    targeting flag is a permission flag: no exposure by default, with or without a tracer."""
    provider, _ = create_provider(with_tripwire=True)
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": create_tripwire_snapshot()},
        logger=None,
        **({"tracer": provider.get_tracer("bench")} if with_otel_sdk else {}),
    )
    check(client.ready(timeout=5).ready, lambda: "the tripwire client has no config")

    def close() -> None:
        client.close()
        provider.shutdown()

    return Contender(
        f"{TRIPWIRE}, OTel SDK (repeat exposures)" if with_otel_sdk else TRIPWIRE,
        lambda i: client.get_boolean_value("exp", users[i % USER_COUNT], False),
        lambda i: client.get_boolean_value("target", located[i % USER_COUNT], False),
        close,
    )


def set_up_tripwire_cold() -> Contender:
    """The client with a unit never seen before on every call, so the experiment's allocation
    memo never hits: murmur3 runs every time (the worst case of the rotating-users row)."""
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": create_tripwire_snapshot()},
        logger=None,
    )
    needed = CALLS * (WARMUP + ROUNDS) + USER_COUNT  # the timed calls and the check's
    fresh = [{"targetingKey": f"fresh-{i}"} for i in range(needed)]
    fresh_located = [dict(unit, country=country_of(i)) for i, unit in enumerate(fresh)]
    # a counter (~20 ns a call), not i: the check's calls come first and must not be reused
    exp_calls, target_calls = itertools.count(), itertools.count()

    def experiment(i: int) -> bool:
        return client.get_boolean_value("exp", fresh[next(exp_calls)], False)

    def targeting(i: int) -> bool:
        n = next(target_calls)
        return client.get_boolean_value("target", fresh_located[n - n % 4 + i % 4], False)

    return Contender(
        f"{TRIPWIRE}, a new user every call",
        experiment,
        targeting,
        client.close,
    )


def set_up_tripwire_core() -> Contender:
    """The pure evaluation core under the client: a reference, not what a service calls."""
    config = compile_config(create_tripwire_snapshot())
    return Contender(
        "tripwire core evaluate (reference)",
        lambda i: config.evaluate("exp", users[i % USER_COUNT], False).value,
        lambda i: config.evaluate("target", located[i % USER_COUNT], False).value,
    )


def check_contender(contender: Contender) -> None:
    """Refuses a contender that does not split 50/50 (±3 points over the 10,000 users) or
    does not target exactly the users of NL and DE."""
    on = sum(contender.experiment(i) is True for i in range(USER_COUNT))
    check(
        abs(on / USER_COUNT - 0.5) < 0.03,
        lambda: f"{contender.name}: the experiment serves True to {on} of {USER_COUNT} users",
    )
    wrong = [
        i for i in range(USER_COUNT) if contender.targeting(i) is not (country_of(i) in TARGETED)
    ]
    check(not wrong, lambda: f"{contender.name}: targeting is wrong for {len(wrong)} users")


def main() -> None:
    contenders = [
        set_up_tripwire(with_otel_sdk=False),
        set_up_tripwire(with_otel_sdk=True),
        set_up_tripwire_cold(),
        set_up_tripwire_core(),
        *(set_up() for set_up in PEERS),
    ]
    for contender in contenders:
        check_contender(contender)
    subjects = {}
    for contender in contenders:
        subjects[f"{contender.name}|exp"] = contender.experiment
        subjects[f"{contender.name}|target"] = contender.targeting
    timings = measure(subjects)
    for contender in contenders:
        contender.close()
    print(describe_run())
    print(render(contenders, timings))


def render(contenders: List[Contender], timings: Dict[str, Timing]) -> str:
    base = {flag: timings[f"{TRIPWIRE}|{flag}"] for flag in ("exp", "target")}
    rows = []
    for contender in contenders:
        cells = [contender.name]
        for flag in ("exp", "target"):
            timing = timings[f"{contender.name}|{flag}"]
            cells += [
                f"{timing.median:,.0f}",
                timing.spread,
                f"{paired_ratio(timing, base[flag]):.1f}×",
            ]
        rows.append(cells)
    header = ["contender", "50/50 ns", "IQR", "÷ tripwire", "targeting ns", "IQR", "÷ tripwire"]
    peers = [c.name for c in contenders[4:]]
    lines = [
        "",
        f"Net ns per call ({calls_text()}); {EMPTY} {timings[EMPTY].median:,.0f} ns subtracted.",
        "",
        format_table(header, rows),
        "",
    ]
    for flag, label in (("exp", "50/50 experiment"), ("target", "targeting rule")):
        fastest = min(peers, key=lambda name: timings[f"{name}|{flag}"].median)
        ratio = paired_ratio(timings[f"{fastest}|{flag}"], base[flag])
        verdict = "met" if ratio >= 10 else "not met"
        lines.append(
            f"{label}: the fastest peer, {fastest}, takes {ratio:.1f}× tripwire's time "
            f"(target ≥ 10×: {verdict})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
