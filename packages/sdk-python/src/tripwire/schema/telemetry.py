"""The telemetry contract, mirrored from @tripwire/schema (packages/schema/src/telemetry.ts);
tests/test_cross_language.py fails when the two drift."""

from __future__ import annotations

from typing import Final, Tuple


class FlagAttributes:
    """OpenTelemetry semantic-conventions feature-flag attribute names (v1.44)."""

    key: Final = "feature_flag.key"
    variant: Final = "feature_flag.result.variant"
    value: Final = "feature_flag.result.value"
    reason: Final = "feature_flag.result.reason"
    provider_name: Final = "feature_flag.provider.name"
    context_id: Final = "feature_flag.context.id"
    set_id: Final = "feature_flag.set.id"
    version: Final = "feature_flag.version"
    error_type: Final = "error.type"
    error_message: Final = "feature_flag.error.message"


class TripwireAttributes:
    unit_id: Final = "tripwire.unit.id"
    unit_kind: Final = "tripwire.unit.kind"
    variant_prefix: Final = "tripwire.variant."
    environment: Final = "tripwire.environment"
    conversion_event: Final = "tripwire.conversion.event"
    conversion_value: Final = "tripwire.conversion.value"


class SpanNames:
    exposure: Final = "tripwire.exposure"
    conversion: Final = "tripwire.conversion"


class BaggageKeys:
    unit: Final = "tripwire.unit"
    assignments: Final = "tripwire.assignments"


class MetricNames:
    evaluations: Final = "tripwire.sdk.evaluations"
    exposures: Final = "tripwire.sdk.exposures"
    config_version: Final = "tripwire.sdk.config.version"
    config_age: Final = "tripwire.sdk.config.age"


FLAG_EVALUATION_EVENT: Final = "feature_flag.evaluation"

EVALUATION_REASONS: Final[Tuple[str, ...]] = (
    "static",
    "default",
    "targeting_match",
    "split",
    "cached",
    "disabled",
    "unknown",
    "stale",
    "error",
)
EVALUATION_ERROR_CODES: Final[Tuple[str, ...]] = (
    "flag_not_found",
    "invalid_context",
    "parse_error",
    "provider_fatal",
    "provider_not_ready",
    "targeting_key_missing",
    "type_mismatch",
    "general",
)
FLAG_KEY_PATTERN: Final = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
SCHEMA_VERSION: Final = 1

PROVIDER_NAME: Final = "tripwire"
"""``feature_flag.provider.name`` on every exposure, as the Node SDK writes it."""
