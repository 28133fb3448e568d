import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsHttpExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsHttpExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TraceHttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestHarness, type IngestHarness } from './ingest-harness.js';

let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness(['--flush-interval-ms', '5']);
});
afterAll(async () => {
  await harness?.close();
});

/** Calls an exporter's callback-style export and resolves with its result code (0 = success). */
function exportWith<T>(
  exporter: { export(items: T, done: (result: { code: number; error?: Error }) => void): void },
  items: T,
): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

const START: HrTime = [1_764_000_000, 123_456_789];
const END: HrTime = [1_764_000_000, 373_456_790]; // 250 ms + 1 ns later

/** Two spans (server parent with an event and an error, client child) from the real SDK. */
function recordSpans(service: string) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'deployment.environment.name': 'test',
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('checkout-scope', '1.2.3');
  const server = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    startTime: START,
    attributes: {
      'feature_flag.key': 'new-checkout',
      'feature_flag.result.variant': 'treatment',
      'http.response.status_code': 500,
      'retry.ratio': 0.25,
      'cache.hit': false,
      tags: ['a', 'b'],
    },
  });
  server.addEvent('exception', { 'exception.type': 'TimeoutError' }, [1_764_000_000, 200_000_000]);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'payment timed out' });
  const parent = server.spanContext();
  const client = tracer.startSpan(
    'POST /pay',
    { kind: SpanKind.CLIENT, startTime: [1_764_000_000, 130_000_000] },
    trace.setSpan(ROOT_CONTEXT, server),
  );
  client.end([1_764_000_000, 330_000_000]);
  server.end(END);
  return { spans: memory.getFinishedSpans(), traceId: parent.traceId, spanId: parent.spanId };
}

interface TraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string | number;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
}

describe.each([
  ['protobuf', (url: string) => new TraceProtoExporter({ url })],
  ['JSON', (url: string) => new TraceHttpExporter({ url })],
])('traces sent by the official OTLP %s exporter', (_name, makeExporter) => {
  it('are stored with the exporter-compatible ids, times, kinds, statuses, attributes and events', async () => {
    const service = `shop-${_name}`;
    const { spans, traceId, spanId } = recordSpans(service);
    const result = await exportWith(makeExporter(`${harness.otlpUrl}/v1/traces`), spans);
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);

    const rows = await harness.select<TraceRow>(
      `SELECT * FROM otel_traces WHERE ServiceName = '${service}' ORDER BY SpanName`,
    );
    expect(rows).toHaveLength(2);
    const [server, client] = [rows[0]!, rows[1]!];
    expect(server).toMatchObject({
      Timestamp: '2025-11-24 16:00:00.123456789',
      TraceId: traceId,
      SpanId: spanId,
      ParentSpanId: '',
      SpanName: 'GET /checkout',
      SpanKind: 'Server',
      ServiceName: service,
      ScopeName: 'checkout-scope',
      ScopeVersion: '1.2.3',
      StatusCode: 'Error',
      StatusMessage: 'payment timed out',
      'Events.Timestamp': ['2025-11-24 16:00:00.200000000'],
      'Events.Name': ['exception'],
      'Events.Attributes': [{ 'exception.type': 'TimeoutError' }],
    });
    // UInt64 arrives as a string from a server and as a number from the embedded engine.
    expect(Number(server.Duration)).toBe(250_000_001);
    expect(server.SpanAttributes).toEqual({
      'cache.hit': 'false',
      'feature_flag.key': 'new-checkout',
      'feature_flag.result.variant': 'treatment',
      'http.response.status_code': '500',
      'retry.ratio': '0.25',
      tags: '["a","b"]',
    });
    expect(server.ResourceAttributes).toMatchObject({
      'service.name': service,
      'deployment.environment.name': 'test',
    });
    expect(Object.keys(server.ResourceAttributes)).toEqual(
      [...Object.keys(server.ResourceAttributes)].sort(),
    );
    expect(client).toMatchObject({
      TraceId: traceId,
      ParentSpanId: spanId,
      SpanKind: 'Client',
      StatusCode: 'Unset',
      'Events.Name': [],
    });
    expect(Number(client.Duration)).toBe(200_000_000);
    const lookup = await harness.select<{ Start: string }>(
      `SELECT Start FROM otel_traces_trace_id_ts WHERE TraceId = '${traceId}'`,
    );
    expect(lookup.map((row) => row.Start)).toEqual(['2025-11-24 16:00:00']);
  });
});

/** A metric reader that collects only when asked. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

describe.each([
  ['protobuf', (url: string) => new MetricsProtoExporter({ url })],
  ['JSON', (url: string) => new MetricsHttpExporter({ url })],
])('metrics sent by the official OTLP %s exporter', (name, makeExporter) => {
  it('land in the sum, gauge and histogram tables', async () => {
    const service = `metrics-${name}`;
    const reader = new ManualReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      readers: [reader],
    });
    const meter = provider.getMeter('tripwire-sdk', '0.1.0');
    meter.createCounter('tripwire.sdk.evaluations').add(3, { 'feature_flag.key': 'new-checkout' });
    meter.createGauge('tripwire.sdk.config.age', { unit: 's' }).record(4.5);
    const histogram = meter.createHistogram('http.server.duration', { unit: 'ms' });
    for (const value of [3, 30, 300]) histogram.record(value, { route: '/checkout' });
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const result = await exportWith(makeExporter(`${harness.otlpUrl}/v1/metrics`), resourceMetrics);
    expect(result.code).toBe(0);

    const sums = await harness.select(
      `SELECT MetricName, Value, Attributes, AggregationTemporality, IsMonotonic, ScopeName
       FROM otel_metrics_sum WHERE ServiceName = '${service}'`,
    );
    expect(sums).toEqual([
      {
        MetricName: 'tripwire.sdk.evaluations',
        Value: 3,
        Attributes: { 'feature_flag.key': 'new-checkout' },
        AggregationTemporality: 2,
        IsMonotonic: true,
        ScopeName: 'tripwire-sdk',
      },
    ]);
    const gauges = await harness.select(
      `SELECT MetricName, MetricUnit, Value FROM otel_metrics_gauge WHERE ServiceName = '${service}'`,
    );
    expect(gauges).toEqual([
      { MetricName: 'tripwire.sdk.config.age', MetricUnit: 's', Value: 4.5 },
    ]);
    const histograms = await harness.select<Record<string, unknown>>(
      `SELECT Count, Sum, Min, Max, BucketCounts, ExplicitBounds, Attributes
       FROM otel_metrics_histogram WHERE ServiceName = '${service}'`,
    );
    expect(histograms).toHaveLength(1);
    expect(Number(histograms[0]!.Count)).toBe(3);
    expect(histograms[0]).toMatchObject({
      Sum: 333,
      Min: 3,
      Max: 300,
      Attributes: { route: '/checkout' },
    });
    const counts = (histograms[0]!.BucketCounts as string[]).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect((histograms[0]!.ExplicitBounds as number[]).length).toBe(counts.length - 1);
  });
});

describe.each([
  ['protobuf', (url: string) => new LogsProtoExporter({ url })],
  ['JSON', (url: string) => new LogsHttpExporter({ url })],
])('logs sent by the official OTLP %s exporter', (name, makeExporter) => {
  it('are stored with event name, severity, body, attributes and trace context', async () => {
    const service = `logs-${name}`;
    // Collects emitted records (the SDK's SimpleLogRecordProcessor 0.223 drops them silently here).
    const records: SdkLogRecord[] = [];
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'k8s.pod.name': 'pod-1' }),
      processors: [
        {
          onEmit: (record: SdkLogRecord) => void records.push(record),
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
        },
      ],
    });
    provider.getLogger('tripwire-sdk', '0.1.0').emit({
      eventName: 'feature_flag.evaluation',
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: 'evaluated',
      timestamp: [1_764_000_000, 5],
      attributes: { 'feature_flag.key': 'new-checkout', 'feature_flag.result.variant': 'on' },
    });
    expect(records).toHaveLength(1);
    const result = await exportWith(makeExporter(`${harness.otlpUrl}/v1/logs`), records);
    expect(result.code).toBe(0);
    const rows = await harness.select(
      `SELECT Timestamp, EventName, SeverityNumber, SeverityText, Body, LogAttributes, ScopeName,
              TraceId, \`__otel_materialized_k8s.pod.name\` AS pod
       FROM otel_logs WHERE ServiceName = '${service}'`,
    );
    expect(rows).toEqual([
      {
        Timestamp: '2025-11-24 16:00:00.000000005',
        EventName: 'feature_flag.evaluation',
        SeverityNumber: 9,
        SeverityText: 'INFO',
        Body: 'evaluated',
        LogAttributes: { 'feature_flag.key': 'new-checkout', 'feature_flag.result.variant': 'on' },
        ScopeName: 'tripwire-sdk',
        TraceId: '',
        pod: 'pod-1',
      },
    ]);
  });
});
