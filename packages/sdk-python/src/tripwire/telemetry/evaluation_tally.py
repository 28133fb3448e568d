"""Plain in-process counters per flag, variant and reason, read by the metrics at collection
time (no metric SDK code runs per evaluation)."""

from __future__ import annotations

import threading
from typing import Dict, List, NamedTuple, Tuple

Series = Tuple[str, str, str]


class FlagCount(NamedTuple):
    """One counted series; never carries a unit id (metric attribute sets stay bounded)."""

    flag_key: str
    variant: str
    reason: str
    total: int


class FlagCounters:
    def __init__(self) -> None:
        self._counts: Dict[Series, int] = {}
        self._lock = threading.Lock()

    def increment(self, flag_key: str, variant: str, reason: str) -> None:
        series = (flag_key, variant, reason)
        with self._lock:
            self._counts[series] = self._counts.get(series, 0) + 1

    def get(self, flag_key: str, variant: str, reason: str) -> int:
        return self._counts.get((flag_key, variant, reason), 0)

    def entries(self) -> List[FlagCount]:
        with self._lock:
            items = list(self._counts.items())
        return [FlagCount(f, v, r, count) for (f, v, r), count in items]
