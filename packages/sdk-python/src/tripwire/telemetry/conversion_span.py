"""``track()``: a ``tripwire.conversion`` span attributed to a unit."""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

from ..evaluation.compiled_flag import DEFAULT_UNIT_ATTRIBUTE
from ..schema.telemetry import BaggageKeys, FlagAttributes, SpanNames, TripwireAttributes
from .exposure_recorder import variant_attribute
from .hash_unit import is_unit_id
from .unit_cache import UnitCache


def record_conversion(
    *,
    tracer: Tracer,
    units: UnitCache,
    environment: str,
    event_name: str,
    context: Optional[Mapping[str, Any]],
    unit_key: Optional[str],
    value: Optional[float],
) -> None:
    """The unit is ``unit_key``, else the context's targeting key (with the variants this
    process exposed it to, attributable without baggage), else the ``tripwire.unit`` of the
    active baggage; ``value`` is kept when a finite number."""
    active = otel_context.get_current()
    attributes: Dict[str, AttributeValue] = {
        TripwireAttributes.conversion_event: str(event_name),
        FlagAttributes.set_id: environment,
    }
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        attributes[TripwireAttributes.conversion_value] = value
    key = unit_key if unit_key is not None else (context or {}).get(DEFAULT_UNIT_ATTRIBUTE)
    if isinstance(key, str) and key != "":
        attributes[TripwireAttributes.unit_id] = units.id_for(key)
        for flag_key, variant in units.exposed_variants(key):
            attributes[variant_attribute(flag_key)] = variant
    else:
        from_baggage = baggage.get_baggage(BaggageKeys.unit, active)
        if isinstance(from_baggage, str) and is_unit_id(from_baggage):
            attributes[TripwireAttributes.unit_id] = from_baggage
    span = tracer.start_span(
        SpanNames.conversion, context=active, kind=SpanKind.INTERNAL, attributes=attributes
    )
    span.end()
