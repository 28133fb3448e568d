"""The evaluation hot path's memos: the allocation memo and the per-thread counters give what
the plain computation gives, stay bounded, and lose nothing across threads."""

from __future__ import annotations

import threading

from fixtures import make_flag, make_snapshot
from tripwire import bucket_unit, compile_config
from tripwire.evaluation.bucket import BUCKET_COUNT
from tripwire.telemetry.evaluation_tally import FlagCounters


def _expected_variant(salt: str, unit: str) -> str:
    # make_flag's fallthrough: weights 1:1 over the whole unit space
    return "off" if bucket_unit(salt=salt, unit_key=unit) < BUCKET_COUNT // 2 else "on"


def test_a_memoised_allocation_equals_the_computed_one_on_hits_misses_and_after_a_clear() -> None:
    config = compile_config(make_snapshot([make_flag("checkout"), make_flag("banner")]))
    flag = config.get_flag("checkout")
    assert flag is not None and flag.fallthrough.rollout is not None
    memo = flag.fallthrough.rollout.memo  # one per config: a table per rollout, one capacity
    memo.capacity = 50  # so the 2 × 120 allocations below overflow both tables (25 each)
    units = [f"unit-{i}" for i in range(120)]
    seen = set()
    for _ in range(3):  # misses, then hits (and misses again once cleared)
        for unit in units:
            for key in ("checkout", "banner"):  # same unit, two salts: two allocations
                result = config.evaluate(key, {"targetingKey": unit}, False)
                assert (result.variant, result.reason) == (_expected_variant(key, unit), "split")
                seen.add(result.variant)
        assert len(memo.tables) == 2
        assert all(len(table) <= memo.table_capacity() == 25 for table in memo.tables)
    assert seen == {"off", "on"}


def test_counters_from_threads_that_ended_and_from_live_ones_all_count() -> None:
    counters = FlagCounters()

    def count(times: int) -> None:
        for _ in range(times):
            counters.increment("checkout", "on", "split")

    threads = [threading.Thread(target=count, args=(1000,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    count(500)
    for thread in threads:
        thread.join()
    assert counters.get("checkout", "on", "split") == 8500
    count(1)  # after the ended threads' shards were folded
    assert [tuple(c) for c in counters.entries()] == [("checkout", "on", "split", 8501)]
    assert counters.get("checkout", "off", "split") == 0
