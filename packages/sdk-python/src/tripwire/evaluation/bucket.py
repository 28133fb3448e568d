"""Bucketing: ``murmur3("<salt>.<seed>.<unitKey>") mod 10000`` and variant ranges."""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Sequence, Tuple

from .murmur3 import HashPrefix, create_hash_prefix, hash_with_prefix

BUCKET_COUNT = 10_000
"""Buckets per unit space: resolution one basis point, the unit of ``coverage``."""


def format_bucketing_prefix(salt: str, seed: int = 0) -> str:
    return f"{salt}.{seed}."


def create_bucketing_prefix(salt: str, seed: int = 0) -> HashPrefix:
    return create_hash_prefix(format_bucketing_prefix(salt, seed))


def compute_bucket(prefix: HashPrefix, unit_key: str) -> int:
    """The unit's bucket in [0, 10000)."""
    return hash_with_prefix(prefix, unit_key) % BUCKET_COUNT


def bucket_unit(*, salt: str, unit_key: str, seed: int = 0) -> int:
    """One-off bucket of a unit for a salt and seed."""
    return compute_bucket(create_bucketing_prefix(salt, seed), unit_key)


class Allocation(NamedTuple):
    """Entry i owns [starts[i], ends[i]); coverage takes the same leading share of every range,
    so raising coverage only adds units and never moves a unit already in."""

    starts: Tuple[int, ...]
    ends: Tuple[int, ...]
    coverage: int


def create_allocation(weights: Sequence[int], coverage: int) -> Allocation:
    """Ranges for integer weights (sum > 0) and a coverage in basis points."""
    total = sum(weights)
    starts = []
    ends = []
    before = 0
    for weight in weights:
        starts.append(before * BUCKET_COUNT // total)
        before += weight
        ends.append(before * BUCKET_COUNT // total)
    return Allocation(tuple(starts), tuple(ends), coverage)


def allocate_bucket(allocation: Allocation, bucket: int) -> int:
    """Index of the weight entry a bucket is allocated to, or -1 outside coverage."""
    for i, end in enumerate(allocation.ends):
        if bucket < end:
            start = allocation.starts[i]
            covered = (bucket - start) * BUCKET_COUNT < (end - start) * allocation.coverage
            return i if covered else -1
    return -1


ALLOCATION_MEMO_SIZE = 50_000
"""Entries (rollout, unit) an AllocationMemo holds in all before its tables start over: ~10 MB."""


class AllocationMemo:
    """What each unit is allocated to, one table (unit key -> the rollout's result for it) per
    rollout of one compiled config (a client's fast path keeps its own tables, unit key -> its
    record of that result, with the same share: fast_path.py). murmur3 in pure Python costs
    ~1.7 µs a unit, a dict lookup ~30 ns, and a service sees the same units again and again. A
    memo of a pure function: a hit gives what a miss computes. Bounded: the config's
    ``capacity`` is shared by its tables, and a full table is cleared, so memory stays flat
    however many units arrive. Single dict operations only, so threads share it without a
    lock."""

    def __init__(self, capacity: int = ALLOCATION_MEMO_SIZE) -> None:
        self.capacity = capacity
        self.tables: List[Dict[str, Any]] = []

    def new_table(self) -> Dict[str, Any]:
        """The table of one more rollout."""
        table: Dict[str, Any] = {}
        self.tables.append(table)
        return table

    def table_capacity(self) -> int:
        """Entries one table holds before it is cleared: an equal share of ``capacity``."""
        return max(1, self.capacity // max(1, len(self.tables)))
