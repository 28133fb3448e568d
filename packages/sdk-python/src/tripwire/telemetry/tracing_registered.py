"""Whether the host registered an OpenTelemetry SDK's tracer provider."""

from __future__ import annotations

from opentelemetry import trace


def is_tracer_provider_registered() -> bool:
    """True once the host set a tracer provider (``trace.set_tracer_provider`` or
    ``OTEL_PYTHON_TRACER_PROVIDER``). Until then the API is a no-op: exposure spans would go
    nowhere and baggage would not travel, so the client skips the exposure bookkeeping and the
    HMAC, as ``@tripwire/sdk`` does. Any provider counts, a NoOpTracerProvider included."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
