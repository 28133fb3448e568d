"""Whether the host registered an OpenTelemetry SDK's tracer provider."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.environment_variables import OTEL_PYTHON_TRACER_PROVIDER

# Read once: a provider named by the environment is configured at startup, not later.
PROVIDER_FROM_ENVIRONMENT = OTEL_PYTHON_TRACER_PROVIDER in os.environ


def is_tracer_provider_registered() -> bool:
    """True once the host set a tracer provider (``trace.set_tracer_provider`` or
    ``OTEL_PYTHON_TRACER_PROVIDER``). Until then the API is a no-op: exposure spans would go
    nowhere and baggage would not travel, so the client skips the exposure bookkeeping and the
    HMAC, as ``@tripwire/sdk`` does. Any provider counts, a NoOpTracerProvider included.

    Asked on every evaluation that would be an exposure until it is true, so the common "not
    yet" answer reads the API's global directly (``get_tracer_provider`` looks the environment
    up on every call); without that global (another API version) it asks the API."""
    if not PROVIDER_FROM_ENVIRONMENT and getattr(trace, "_TRACER_PROVIDER", True) is None:
        return False
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
