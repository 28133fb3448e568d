"""Records evaluations: counters, first-exposure spans and attribution (spans and baggage)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Dict, Optional, Sequence, Tuple

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

from ..evaluation.compiled_flag import CompiledFlag, EvaluationResult, read_unit_key
from ..schema.telemetry import PROVIDER_NAME, FlagAttributes, SpanNames, TripwireAttributes
from .active_context import current_context
from .assignment_baggage import find_collector
from .evaluation_tally import FlagCounters
from .local_root import find_open_local_root
from .tracing_registered import PROVIDER_FROM_ENVIRONMENT, is_tracer_provider_registered
from .unit_cache import UnitCache

DEFAULT_EXPOSURE_REASONS: Tuple[str, ...] = ("split",)
"""Only evaluations that allocate a unit (experiments, percentage rollouts), as in
``@tripwire/sdk``; add ``"targeting_match"`` for rule matches of release and permission flags
(a flag's ``recordExposures`` overrides both ways)."""
_FLAG_EXPOSURE_REASONS = frozenset(("split", "targeting_match"))
_MAX_CACHED_ATTRIBUTES = 4096
StaticKey = Tuple[str, str, str, Optional[int], str]


def variant_attribute(flag_key: str) -> str:
    """``tripwire.variant.<flagKey>``: the per-flag attribution attribute on spans."""
    return TripwireAttributes.variant_prefix + flag_key


class ExposureRecorder:
    """Counts every evaluation; for results that are exposures (reason in ``exposure_reasons``,
    a variant, a unit key), once tracing is live (``tracing_live`` or a registered provider),
    stamps attribution on every call and emits one
    ``tripwire.exposure`` span per unit, flag and variant per process (its first exposure)."""

    def __init__(
        self,
        *,
        tracer: Tracer,
        environment: str,
        units: UnitCache,
        exposure_reasons: Sequence[str] = DEFAULT_EXPOSURE_REASONS,
        tracing_live: bool = False,
    ) -> None:
        self._tracer = tracer
        self._environment = environment
        self.units = units
        self._exposure_reasons = frozenset(exposure_reasons)
        # An explicit tracer, or a registered provider seen once: stays true.
        self.tracing_live = tracing_live
        self.evaluations = FlagCounters()
        self.exposures = FlagCounters()
        self._static: Dict[StaticKey, Dict[str, AttributeValue]] = {}
        self.inert: Optional[otel_context.Context] = None  # the last context with no stamping
        self._lock = threading.Lock()

    def record(
        self,
        flag_key: str,
        flag: Optional[CompiledFlag],
        context: Any,
        result: EvaluationResult[Any],
    ) -> None:
        """Counts the evaluation of ``flag_key`` (``flag``: its compiled facts, None when it is
        not in the config) and records the exposure and attribution it is."""
        variant = result.variant
        self.evaluations.increment(flag_key, variant or "", result.reason)
        if variant is None or flag is None or not self.is_exposure(flag, result.reason):
            return
        self.expose(flag_key, flag.unit, variant, result.reason, result.flag_version, context)

    def is_exposure(self, flag: CompiledFlag, reason: str) -> bool:
        """Whether a result of ``flag`` with ``reason`` (and a variant) is an exposure: the
        flag's ``recordExposures`` when set (True: splits and rule matches, False: none), else
        the client's ``exposure_reasons``."""
        asked = flag.record_exposures
        if asked is None:
            return reason in self._exposure_reasons
        return asked and reason in _FLAG_EXPOSURE_REASONS

    def expose(
        self,
        flag_key: str,
        unit_kind: str,
        variant: str,
        reason: str,
        version: Optional[int],
        context: Any,
    ) -> Optional[str]:
        """Records an exposure (``is_exposure`` said so): once tracing is live, stamps the
        assignment and, on the unit's first exposure to this flag and variant, emits its span.
        A repeat in a context with nothing to stamp is a few dict reads. Returns the unit key
        when the flag's log holds the exposure (a repeat, or recorded now), else None."""
        if not self.tracing_live:
            # is_tracer_provider_registered's common "not yet" answer, without the call
            if not PROVIDER_FROM_ENVIRONMENT and getattr(trace, "_TRACER_PROVIDER", True) is None:
                return None
            if not is_tracer_provider_registered():
                return None  # the OTel API is a no-op: no HMAC, dedup, stamping or span
            self.tracing_live = True
        if type(context) is not dict and not isinstance(context, Mapping):
            return None
        unit_key = context.get(unit_kind)
        if type(unit_key) is not str or not unit_key:  # the common case skips the call
            unit_key = read_unit_key(context, unit_kind)
            if unit_key is None:
                return None
        active = current_context()
        units = self.units
        repeat = units.log_for(flag_key).recent.get(unit_key) == variant  # the lock-free read
        if repeat and active is self.inert:
            return unit_key
        entry = units.entry_for(unit_key)
        # A context found with nothing to stamp (no collector, no recording span) stays so:
        # a Context is immutable and an ended span never records again.
        if active is not self.inert and not stamp_assignment(
            active, entry.unit_id, flag_key, variant
        ):
            self.inert = active
        if repeat or not units.record_exposure(unit_key, flag_key, variant):
            return unit_key  # another thread may have recorded it meanwhile
        self.exposures.increment(flag_key, variant, reason)
        key: StaticKey = (flag_key, variant, reason, version, unit_kind)
        attributes = dict(self._static_attributes(key))
        attributes[FlagAttributes.context_id] = entry.unit_id
        # given at the start: the SDK cleans them once, not per set_attribute call
        self._tracer.start_span(
            SpanNames.exposure, context=active, kind=SpanKind.INTERNAL, attributes=attributes
        ).end()
        return unit_key

    def _static_attributes(self, key: StaticKey) -> Dict[str, AttributeValue]:
        """The per-(flag, variant, reason) attributes of an exposure, built once."""
        cached = self._static.get(key)
        if cached is not None:
            return cached
        flag_key, variant, reason, version, unit_kind = key
        attributes: Dict[str, AttributeValue] = {
            FlagAttributes.key: flag_key,
            FlagAttributes.variant: variant,
            FlagAttributes.reason: reason,
            FlagAttributes.provider_name: PROVIDER_NAME,
            FlagAttributes.set_id: self._environment,
            TripwireAttributes.unit_kind: unit_kind,
        }
        if version is not None:
            attributes[FlagAttributes.version] = str(version)
        with self._lock:
            if len(self._static) >= _MAX_CACHED_ATTRIBUTES:
                self._static.clear()
            self._static[key] = attributes
        return attributes


def stamp_assignment(ctx: otel_context.Context, unit_id: str, flag_key: str, variant: str) -> bool:
    """Records one assignment for attribution: into the scope's baggage (inside
    ``with_assignments``), and as ``tripwire.variant.<flagKey>`` + ``tripwire.unit.id`` on the
    active span and on the open local root span of its trace (with TripwireSpanProcessor).
    False when ``ctx`` had neither a collector nor a recording span: nothing to stamp."""
    collector = find_collector(ctx)
    if collector is not None:
        collector.record(unit_id, flag_key, variant)
    span = trace.get_current_span(ctx)
    if not span.is_recording():
        return collector is not None
    attribute = variant_attribute(flag_key)
    span.set_attribute(attribute, variant)
    span.set_attribute(TripwireAttributes.unit_id, unit_id)
    root = find_open_local_root(span)
    if root is not None:
        root.set_attribute(attribute, variant)
        root.set_attribute(TripwireAttributes.unit_id, unit_id)
    return True
