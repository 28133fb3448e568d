"""Assignments in W3C baggage: ``tripwire.unit`` = hashed unit id, ``tripwire.assignments`` =
``flagKey:variant`` pairs joined by ``,`` — the Node SDK's keys and format."""

from __future__ import annotations

import re
import threading
from typing import Any, Dict, Mapping, MutableMapping, Optional

from opentelemetry import baggage
from opentelemetry.context import Context, create_key, set_value

from ..schema.telemetry import BaggageKeys

MAX_ASSIGNMENTS_BYTES = 4096
"""W3C baggage limit for one entry; pairs past it are dropped, never cut mid-pair."""

_KEY = re.compile(r"[A-Za-z0-9_.-]+\Z")
_COLLECTOR_KEY = create_key("tripwire.assignment-collector")


def parse_assignments(value: str) -> Dict[str, str]:
    """Parses ``flagKey:variant,…``; malformed pairs and characters outside ``[A-Za-z0-9_.-]``
    are skipped (baggage comes from other processes and is not trusted)."""
    pairs: Dict[str, str] = {}
    for pair in value.split(","):
        colon = pair.find(":")
        flag_key = pair[:colon].strip()
        variant = pair[colon + 1 :].strip()
        if colon <= 0 or not _KEY.match(flag_key) or not _KEY.match(variant):
            continue
        pairs[flag_key] = variant
    return pairs


def format_assignments(pairs: Mapping[str, str]) -> str:
    """The ``tripwire.assignments`` value, kept within one entry's byte limit."""
    out = ""
    for flag_key, variant in pairs.items():
        pair = f"{flag_key}:{variant}"
        candidate = pair if out == "" else f"{out},{pair}"
        if len(candidate.encode("utf-8")) > MAX_ASSIGNMENTS_BYTES:
            break
        out = candidate
    return out


class AssignmentCollector:
    """The assignments made in one scope (a request, usually), written live into the scope's
    baggage so outbound requests and later spans carry them. Upstream assignments (inherited
    baggage) are kept; local ones win per flag; a later unit replaces the unit id."""

    def __init__(self, live: MutableMapping[str, object], upstream: Mapping[str, object]) -> None:
        self._live = live
        value = upstream.get(BaggageKeys.assignments)
        self._assignments = parse_assignments(value) if isinstance(value, str) else {}
        self._lock = threading.Lock()

    def record(self, unit_id: str, flag_key: str, variant: str) -> None:
        with self._lock:
            if (
                self._assignments.get(flag_key) == variant
                and self._live.get(BaggageKeys.unit) == unit_id
            ):
                return
            self._assignments.pop(flag_key, None)
            self._assignments[flag_key] = variant
            self._live[BaggageKeys.unit] = unit_id
            self._live[BaggageKeys.assignments] = format_assignments(self._assignments)


_SENTINEL = object()


def _live_baggage(ctx: Context) -> Optional[MutableMapping[str, object]]:
    """The dict holding ``ctx``'s baggage, found through a sentinel entry (the API keeps its
    context key private); None if the API stores baggage some other way."""
    for value in ctx.values():
        if isinstance(value, dict) and value.get(BaggageKeys.unit) is _SENTINEL:
            return value
    return None


def create_assignment_context(parent: Context) -> Context:
    """A context derived from ``parent`` whose baggage carries, live, every assignment made
    while it is active, on top of the baggage ``parent`` already had."""
    upstream: Dict[str, Any] = dict(baggage.get_all(parent))
    ctx = baggage.set_baggage(BaggageKeys.unit, _SENTINEL, parent)
    live = _live_baggage(ctx)
    if live is None:
        return parent
    if BaggageKeys.unit in upstream:
        live[BaggageKeys.unit] = upstream[BaggageKeys.unit]
    else:
        del live[BaggageKeys.unit]
    return set_value(_COLLECTOR_KEY, AssignmentCollector(live, upstream), ctx)


def find_collector(ctx: Context) -> Optional[AssignmentCollector]:
    collector = ctx.get(_COLLECTOR_KEY)  # a Context is a dict: get_value without the call
    return collector if isinstance(collector, AssignmentCollector) else None
