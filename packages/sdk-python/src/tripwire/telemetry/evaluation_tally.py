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
    """Counts per series, one list of counts per thread (indexed by the series' slot), so an
    increment takes no lock (it is on every evaluation): only its own thread writes a shard, and
    readers copy shards whole (``list.copy`` is atomic). The client's hot path increments
    ``local.counts[slot]`` itself (``slot_of`` gives the slot once per prebuilt result) and
    falls back on ``add`` when its thread has no shard yet or the shard is too short. Shards of
    threads that ended are folded into one at collection, so a server that starts a thread per
    request does not grow the list for ever."""

    def __init__(self) -> None:
        self.local = threading.local()
        self._lock = threading.Lock()  # guards the series and the list of shards
        self._slots: Dict[Series, int] = {}
        self._series: List[Series] = []
        self._shards: List[Tuple[threading.Thread, List[int]]] = []
        self._ended: List[int] = []

    def slot_of(self, flag_key: str, variant: str, reason: str) -> int:
        series = (flag_key, variant, reason)
        slot = self._slots.get(series)
        if slot is None:
            with self._lock:
                slot = self._slots.get(series)
                if slot is None:
                    slot = self._slots[series] = len(self._series)
                    self._series.append(series)
        return slot

    def increment(self, flag_key: str, variant: str, reason: str) -> None:
        self.add(self.slot_of(flag_key, variant, reason))

    def add(self, slot: int) -> None:
        try:
            counts: List[int] = self.local.counts
        except AttributeError:
            counts = self.local.counts = []
            with self._lock:
                self._shards.append((threading.current_thread(), counts))
        if slot >= len(counts):
            counts.extend([0] * (len(self._series) - len(counts)))
        counts[slot] += 1

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
            totals = list(self._ended)
            for _, counts in live:
                _add_into(totals, counts.copy())
            series = list(self._series)
        return {series[slot]: count for slot, count in enumerate(totals) if count}


def _add_into(totals: List[int], counts: List[int]) -> None:
    if len(totals) < len(counts):
        totals.extend([0] * (len(counts) - len(totals)))
    for slot, count in enumerate(counts):
        totals[slot] += count
