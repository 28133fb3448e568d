"""A SpanProcessor for the host's ``opentelemetry-sdk`` that stamps Tripwire attribution."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

from opentelemetry import baggage, trace
from opentelemetry.context import Context

from ..schema.telemetry import BaggageKeys, TripwireAttributes
from .assignment_baggage import parse_assignments
from .hash_unit import is_unit_id
from .local_root import mark_local_root

_MAX_PARSED_VALUES = 256


class TripwireSpanProcessor:
    """On the start of every span, sets ``tripwire.unit.id`` and ``tripwire.variant.<flagKey>``
    from the ``tripwire.unit`` / ``tripwire.assignments`` baggage of its parent context (so
    downstream services that install it stamp their spans too), and records each span's local
    root, so the client can stamp an assignment made later in a request on its server span.

    Structurally an ``opentelemetry.sdk.trace.SpanProcessor`` (this package does not depend on
    the SDK): ``provider.add_span_processor(TripwireSpanProcessor())``, before the exporter's."""

    def __init__(self) -> None:
        self._parsed: Dict[str, List[Tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Any, parent_context: Optional[Context] = None) -> None:
        try:
            parent = trace.get_current_span(parent_context)
            mark_local_root(span, parent if parent.get_span_context().is_valid else None)
            entries = baggage.get_all(parent_context)
            if entries:
                self._stamp(span, entries)
        except Exception:  # attribution must never break the host's tracing
            return

    def _on_ending(self, span: Any) -> None:
        return None

    def on_end(self, span: Any) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _stamp(self, span: Any, entries: Any) -> None:
        unit_id = entries.get(BaggageKeys.unit)
        if isinstance(unit_id, str) and is_unit_id(unit_id):
            span.set_attribute(TripwireAttributes.unit_id, unit_id)
        assignments = entries.get(BaggageKeys.assignments)
        if isinstance(assignments, str) and assignments:
            for attribute, variant in self._attributes_of(assignments):
                span.set_attribute(attribute, variant)

    def _attributes_of(self, value: str) -> List[Tuple[str, str]]:
        """Parsed (attribute, variant) pairs of a baggage value, memoized (values repeat)."""
        cached = self._parsed.get(value)
        if cached is not None:
            return cached
        pairs = [
            (TripwireAttributes.variant_prefix + f, v) for f, v in parse_assignments(value).items()
        ]
        with self._lock:
            if len(self._parsed) >= _MAX_PARSED_VALUES:
                self._parsed.clear()
            self._parsed[value] = pairs
        return pairs
