"""Units this process has seen: their hashed ids and the variants they were exposed to."""

from __future__ import annotations

import threading
from typing import Dict, Optional, Tuple

from .hash_unit import hash_unit

DEFAULT_UNIT_CACHE_SIZE = 50_000


class UnitEntry:
    """One unit: its id and, per flag, the variant of its first exposure in this process."""

    __slots__ = ("exposures", "unit_id")

    def __init__(self, unit_id: str) -> None:
        self.unit_id = unit_id
        self.exposures: Dict[str, str] = {}


class UnitCache:
    """A bounded cache of units (HMACs are computed once per unit; exposures are deduplicated
    per unit, flag and variant) in two generations: a hit in ``recent`` is one dict lookup (no
    lock, no reordering); a unit found in the older generation moves back into ``recent``; when
    ``recent`` holds half the capacity it becomes the older generation and the older one is
    dropped. So a unit seen within the last ``capacity / 2`` admissions is always kept, and at
    most ``capacity`` are. A unit dropped and seen again is exposed again: the analysis counts
    distinct units, so a repeat exposure costs a span, never a wrong number."""

    def __init__(self, hash_key: str, capacity: int = DEFAULT_UNIT_CACHE_SIZE) -> None:
        self._hash_key = hash_key
        self._half = max(1, capacity // 2)
        self.recent: Dict[str, UnitEntry] = {}  # read without the lock (one dict lookup)
        self._older: Dict[str, UnitEntry] = {}
        self._lock = threading.Lock()

    def entry_for(self, unit_key: str) -> UnitEntry:
        entry = self.recent.get(unit_key)
        if entry is not None:
            return entry
        with self._lock:
            entry = self._find(unit_key)
        if entry is not None:
            return entry
        fresh = UnitEntry(hash_unit(unit_key, self._hash_key))  # the HMAC, outside the lock
        with self._lock:
            entry = self._find(unit_key)  # another thread may have admitted it meanwhile
            if entry is None:
                entry = fresh
                self._admit(unit_key, entry)
        return entry

    def _find(self, unit_key: str) -> Optional[UnitEntry]:
        """The unit's entry, moved back into ``recent`` if it was older (under the lock)."""
        entry = self.recent.get(unit_key)
        if entry is None:
            entry = self._older.pop(unit_key, None)
            if entry is not None:
                self._admit(unit_key, entry)
        return entry

    def _admit(self, unit_key: str, entry: UnitEntry) -> None:
        recent = self.recent
        recent[unit_key] = entry
        if len(recent) >= self._half:
            self._older = recent
            self.recent = {}

    def id_for(self, unit_key: str) -> str:
        return self.entry_for(unit_key).unit_id

    def record_exposure(self, entry: UnitEntry, flag_key: str, variant: str) -> bool:
        """Records the exposure; True when it is the unit's first to this flag and variant."""
        if entry.exposures.get(flag_key) == variant:  # a repeat: read without the lock
            return False
        with self._lock:
            if entry.exposures.get(flag_key) == variant:
                return False
            entry.exposures[flag_key] = variant
            return True

    def exposed_variants(self, unit_key: str) -> Tuple[Tuple[str, str], ...]:
        """(flag key, variant) pairs this process exposed the unit to, if it is cached."""
        entry = self.peek(unit_key)
        return () if entry is None else tuple(entry.exposures.items())

    def peek(self, unit_key: str) -> Optional[UnitEntry]:
        with self._lock:
            entry = self.recent.get(unit_key)
            return entry if entry is not None else self._older.get(unit_key)
