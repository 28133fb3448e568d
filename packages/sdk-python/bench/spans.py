"""The OpenTelemetry SDK setups of the benchmarks: a real ``TracerProvider`` whose spans go
through ``SimpleSpanProcessor`` (synchronous, no export thread competing for the pinned core)
to an exporter that drops them, with or without ``TripwireSpanProcessor`` before it."""

from __future__ import annotations

from typing import Sequence

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from tripwire import TripwireSpanProcessor


class DroppingExporter(SpanExporter):
    """Counts the spans it is handed and keeps none, so memory stays flat over millions."""

    def __init__(self) -> None:
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def create_provider(*, with_tripwire: bool) -> tuple[TracerProvider, DroppingExporter]:
    """A host's provider: ``TripwireSpanProcessor`` first when asked, then the exporter's."""
    exporter = DroppingExporter()
    provider = TracerProvider()
    if with_tripwire:
        provider.add_span_processor(TripwireSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter
