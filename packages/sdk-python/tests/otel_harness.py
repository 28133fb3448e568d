"""A real opentelemetry-sdk setup per test: in-memory span exporter and metric reader."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tripwire import TripwireSpanProcessor


class OtelHarness:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(TripwireSpanProcessor())  # type: ignore[arg-type]
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("test")
        self.reader = InMemoryMetricReader()
        self.meter = MeterProvider(metric_readers=[self.reader]).get_meter("test")

    def spans(self, name: Optional[str] = None) -> List[ReadableSpan]:
        spans = list(self.exporter.get_finished_spans())
        return [s for s in spans if name is None or s.name == name]

    def metric_points(self, name: str) -> List[Dict[str, Any]]:
        """Every data point of a metric as ``{"value": …, **attributes}``."""
        data = self.reader.get_metrics_data()
        points: List[Dict[str, Any]] = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        points += [
                            {"value": getattr(p, "value", None), **dict(p.attributes or {})}
                            for p in metric.data.data_points
                        ]
        return points
