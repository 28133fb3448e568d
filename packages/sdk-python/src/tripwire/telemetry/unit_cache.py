"""Units this process has seen: their hashed ids and, per flag, the variants they were exposed
to. Both are kept in two generations: a hit in ``recent`` is one dict lookup (no lock, no
reordering); an entry found in the older generation moves back into ``recent``; when ``recent``
holds half the capacity it becomes the older generation and the older one is dropped. So an
entry used within the last ``capacity / 2`` admissions is always kept, and at most ``capacity``
are. A unit dropped and seen again is exposed again: the analysis counts distinct units, so a
repeat exposure costs a span, never a wrong number."""

from __future__ import annotations

import threading
from typing import Any, Dict, Generic, Optional, Sequence, Tuple, TypeVar

from .hash_unit import hash_unit

DEFAULT_UNIT_CACHE_SIZE = 50_000
V = TypeVar("V")


class Generations(Generic[V]):
    """Unit key -> value in two generations (see the module's docstring). ``recent`` may be read
    without the lock; everything else takes it."""

    def __init__(self, capacity: int) -> None:
        self._half = max(1, capacity // 2)
        self.recent: Dict[str, V] = {}
        self._older: Dict[str, V] = {}
        self.lock = threading.Lock()

    def find(self, unit_key: str) -> Optional[V]:
        """The unit's value, moved back into ``recent`` if it was older (under the lock)."""
        value = self.recent.get(unit_key)
        if value is None:
            value = self._older.pop(unit_key, None)
            if value is not None:
                self.put(unit_key, value)
        return value

    def put(self, unit_key: str, value: V) -> None:
        """Sets the unit's value in ``recent`` (under the lock, after ``find``)."""
        recent = self.recent
        recent[unit_key] = value
        if len(recent) >= self._half:
            self._older = recent
            self.recent = {}

    def peek(self, unit_key: str) -> Optional[V]:
        with self.lock:
            value = self.recent.get(unit_key)
            return value if value is not None else self._older.get(unit_key)

    def size(self) -> int:
        with self.lock:
            return len(self.recent) + len(self._older)


class UnitEntry:
    """One unit's hashed id (what telemetry carries instead of the unit key)."""

    __slots__ = ("unit_id",)

    def __init__(self, unit_id: str) -> None:
        self.unit_id = unit_id


class ExposureLog(Generations[str]):
    """One flag's exposures: unit key -> the variant the unit was last exposed to. It also
    knows the client's memos of the flag's rollouts (``memos``, set per applied config by
    fast_path.py: unit key -> the client's record of the unit's result), where a unit may map
    to the repeat twin of its record (``remember_repeat``) while this log says the unit was
    last exposed to that variant: every change of a unit's variant here drops its twins."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.memos: Sequence[Dict[str, Any]] = ()

    def record(self, unit_key: str, variant: str) -> bool:
        """Records the exposure; True when it is the unit's first to this variant (since it
        was last exposed to another variant of the flag, or dropped)."""
        if self.recent.get(unit_key) == variant:  # a repeat: read without the lock
            return False
        with self.lock:
            first = self.find(unit_key) != variant
            if first:
                self.put(unit_key, variant)
                for memo in self.memos:  # a twin of another variant is no longer a repeat
                    held = memo.get(unit_key)
                    if held is not None and held.repeat and held.variant != variant:
                        memo.pop(unit_key, None)
            return first

    def remember_repeat(self, unit_key: str, served: Any) -> None:
        """Where a memo maps the unit to ``served`` (an exposure's record, with a ``twin``), and
        this log says the unit was last exposed to its variant, maps it to the twin instead, so
        the unit's next repeats are the memo's one lookup (client.py). Under the lock, like
        ``record``'s drops: a twin is only ever installed while it holds."""
        twin = served.twin
        with self.lock:
            if self.find(unit_key) != served.variant:
                return
            for memo in self.memos:
                if memo.get(unit_key) is served:
                    memo[unit_key] = twin


class UnitCache:
    """The units' HMACs (computed once per unit) and one ExposureLog per flag (exposures are
    deduplicated per unit, flag and variant; a repeat is one lookup in the flag's log), each
    bounded to ``capacity`` units."""

    def __init__(self, hash_key: str, capacity: int = DEFAULT_UNIT_CACHE_SIZE) -> None:
        self._hash_key = hash_key
        self._capacity = capacity
        self.entries: Generations[UnitEntry] = Generations(capacity)
        self._logs: Dict[str, ExposureLog] = {}
        self._lock = threading.Lock()  # guards the dict of logs

    def entry_for(self, unit_key: str) -> UnitEntry:
        entries = self.entries
        entry = entries.recent.get(unit_key)
        if entry is not None:
            return entry
        with entries.lock:
            entry = entries.find(unit_key)
        if entry is not None:
            return entry
        fresh = UnitEntry(hash_unit(unit_key, self._hash_key))  # the HMAC, outside the lock
        with entries.lock:
            entry = entries.find(unit_key)  # another thread may have admitted it meanwhile
            if entry is None:
                entry = fresh
                entries.put(unit_key, entry)
        return entry

    def id_for(self, unit_key: str) -> str:
        return self.entry_for(unit_key).unit_id

    def log_for(self, flag_key: str) -> ExposureLog:
        """The flag's exposure log (one per flag key, kept across configs)."""
        log = self._logs.get(flag_key)
        if log is None:
            with self._lock:
                log = self._logs.setdefault(flag_key, ExposureLog(self._capacity))
        return log

    def record_exposure(self, unit_key: str, flag_key: str, variant: str) -> bool:
        """Records the exposure; True when it is the unit's first to this flag and variant
        (since it was last exposed to another variant of the flag, or dropped)."""
        return self.log_for(flag_key).record(unit_key, variant)

    def exposed_variants(self, unit_key: str) -> Tuple[Tuple[str, str], ...]:
        """(flag key, variant) pairs this process exposed the unit to, as far as it remembers."""
        with self._lock:
            logs = list(self._logs.items())
        found = ((flag_key, log.peek(unit_key)) for flag_key, log in logs)
        return tuple((flag_key, variant) for flag_key, variant in found if variant is not None)

    def peek(self, unit_key: str) -> Optional[UnitEntry]:
        return self.entries.peek(unit_key)
