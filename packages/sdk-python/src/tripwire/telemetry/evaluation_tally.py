"""Plain in-process counters per flag, variant and reason, read by the metrics at collection
time (no metric SDK code runs per evaluation)."""

from __future__ import annotations

import threading
from typing import Dict, List, NamedTuple, Tuple

Series = Tuple[str, str, str]
Counts = Dict[Series, int]


class FlagCount(NamedTuple):
    """One counted series; never carries a unit id (metric attribute sets stay bounded)."""

    flag_key: str
    variant: str
    reason: str
    total: int


class FlagCounters:
    """One dict of counts per thread, so an increment takes no lock (it is on every
    evaluation): only its own thread writes a shard, and readers copy shards whole
    (``dict.copy`` is atomic). Shards of threads that ended are folded into one at collection,
    so a server that starts a thread per request does not grow the list for ever."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()  # guards the list of shards, never an increment
        self._shards: List[Tuple[threading.Thread, Counts]] = []
        self._ended: Counts = {}

    def increment(self, flag_key: str, variant: str, reason: str) -> None:
        try:
            counts: Counts = self._local.counts
        except AttributeError:
            counts = self._add_shard()
        series = (flag_key, variant, reason)
        counts[series] = counts.get(series, 0) + 1

    def _add_shard(self) -> Counts:
        counts: Counts = {}
        self._local.counts = counts
        with self._lock:
            self._shards.append((threading.current_thread(), counts))
        return counts

    def get(self, flag_key: str, variant: str, reason: str) -> int:
        return self._totals().get((flag_key, variant, reason), 0)

    def entries(self) -> List[FlagCount]:
        return [FlagCount(f, v, r, count) for (f, v, r), count in self._totals().items()]

    def _totals(self) -> Counts:
        with self._lock:
            live = []
            for thread, counts in self._shards:
                if thread.is_alive():
                    live.append((thread, counts))
                else:  # its thread is gone: nobody writes it any more
                    _add_into(self._ended, counts)
            self._shards = live
            totals = dict(self._ended)
            for _, counts in live:
                _add_into(totals, counts.copy())
        return totals


def _add_into(totals: Counts, counts: Counts) -> None:
    for series, count in counts.items():
        totals[series] = totals.get(series, 0) + count
