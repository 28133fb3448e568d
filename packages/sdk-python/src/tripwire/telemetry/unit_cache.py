"""Units this process has seen: their hashed ids and the variants they were exposed to."""

from __future__ import annotations

import threading
from collections import OrderedDict
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
    """A bounded LRU of units (HMACs are computed once per unit; exposures are deduplicated
    per unit, flag and variant). A unit evicted and seen again is exposed again: the analysis
    counts distinct units, so a repeat exposure costs a span, never a wrong number."""

    def __init__(self, hash_key: str, capacity: int = DEFAULT_UNIT_CACHE_SIZE) -> None:
        self._hash_key = hash_key
        self._capacity = capacity
        self._entries: OrderedDict[str, UnitEntry] = OrderedDict()
        self._lock = threading.Lock()

    def entry_for(self, unit_key: str) -> UnitEntry:
        # A hit (every repeat exposure) takes no lock: get and move_to_end are each one C
        # call on the OrderedDict, atomic; the unit may be evicted between the two.
        entry = self._entries.get(unit_key)
        if entry is not None:
            try:
                self._entries.move_to_end(unit_key)
            except KeyError:  # evicted meanwhile: still the unit's entry
                pass
            return entry
        entry = UnitEntry(hash_unit(unit_key, self._hash_key))
        with self._lock:
            existing = self._entries.get(unit_key)
            if existing is not None:
                return existing
            self._entries[unit_key] = entry
            if len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return entry

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
        with self._lock:
            entry = self._entries.get(unit_key)
            return () if entry is None else tuple(entry.exposures.items())

    def peek(self, unit_key: str) -> Optional[UnitEntry]:
        with self._lock:
            return self._entries.get(unit_key)
