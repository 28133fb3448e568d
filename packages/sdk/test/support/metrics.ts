import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';

/** A meter whose metrics are collected on demand into OTel's in-memory exporter. */
export function createMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('test');
  /** Collects now and returns the data points of one instrument. */
  const collect = async (name: string): Promise<{ value: number; attributes: Attributes }[]> => {
    exporter.reset();
    await reader.forceFlush();
    const points: { value: number; attributes: Attributes }[] = [];
    for (const resourceMetrics of exporter.getMetrics()) {
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== name) continue;
          for (const point of metric.dataPoints) {
            points.push({ value: point.value as number, attributes: point.attributes });
          }
        }
      }
    }
    return points;
  };
  return { meter, provider, collect };
}
