import { FlagAttributes, MetricNames, SpanNames, TripwireAttributes } from '@tripwire/schema';

/** A collector-shaped `otel_traces` row (the columns the exporter writes that we need). */
export interface SpanRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
}

/** A collector-shaped `otel_metrics_gauge` / `otel_metrics_sum` row. */
export interface MetricRow {
  ServiceName: string;
  MetricName: string;
  Attributes: Record<string, string>;
  StartTimeUnix: string;
  TimeUnix: string;
  Value: number;
}

export interface DemoTelemetry {
  spans: SpanRow[];
  gauges: MetricRow[];
  sums: MetricRow[];
}

export interface DemoTelemetryOptions {
  flagKey: string;
  now: Date;
  units: number;
  /** A seeded generator in [0, 1). */
  rng: () => number;
  /** Error probability of a treatment request (control: 0.03). Default 0.12. */
  treatmentErrorRate?: number;
}

/** Mulberry32: a small seeded generator, so demo data is the same on every run. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rng: () => number, length: number): string =>
  Array.from({ length }, () => Math.floor(rng() * 16).toString(16)).join('');
const nanos = (ms: number): string => {
  const iso = new Date(Math.floor(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(Math.floor(ms % 1000)).padStart(3, '0')}000000`;
};
const seconds = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Telemetry as the demo shop emits it through a collector: one exposure span per unit, request
 * spans stamped with the unit's variant (treatment slower and failing more), conversions, and
 * the SDK's config gauges and evaluation counters, spread over the 30 minutes before `now`.
 */
export function createDemoTelemetry(options: DemoTelemetryOptions): DemoTelemetry {
  const { flagKey, rng } = options;
  const end = options.now.getTime();
  const start = end - 30 * 60_000;
  const resource = {
    'service.name': 'demo-shop',
    'service.version': '1.4.2',
    'cloud.region': 'eu-west-1',
  };
  const spans: SpanRow[] = [];
  for (let i = 0; i < options.units; i++) {
    const unitId = hex(rng, 32);
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const exposedAt = start + rng() * 25 * 60_000;
    const traceId = hex(rng, 32);
    const stamp = {
      [TripwireAttributes.unitId]: unitId,
      [TripwireAttributes.variantPrefix + flagKey]: variant,
    };
    spans.push({
      Timestamp: nanos(exposedAt),
      TraceId: traceId,
      SpanId: hex(rng, 16),
      SpanName: SpanNames.exposure,
      SpanKind: 'Internal',
      ServiceName: 'demo-shop',
      ResourceAttributes: resource,
      SpanAttributes: {
        [FlagAttributes.key]: flagKey,
        [FlagAttributes.variant]: variant,
        [FlagAttributes.reason]: 'split',
        [FlagAttributes.contextId]: unitId,
        [FlagAttributes.setId]: 'production',
        [TripwireAttributes.unitId]: unitId,
      },
      Duration: '20000',
      StatusCode: 'Unset',
    });
    for (let r = 0; r < 4; r++) {
      const at = exposedAt + r * 30_000;
      if (at >= end) break;
      const slow = variant === 'treatment' ? 1.4 : 1;
      const failed =
        rng() < (variant === 'treatment' ? (options.treatmentErrorRate ?? 0.12) : 0.03);
      spans.push({
        Timestamp: nanos(at),
        TraceId: r === 0 ? traceId : hex(rng, 32),
        SpanId: hex(rng, 16),
        SpanName: 'GET /checkout',
        SpanKind: r % 2 === 0 ? 'Server' : 'SPAN_KIND_SERVER',
        ServiceName: 'demo-shop',
        ResourceAttributes: resource,
        SpanAttributes: { ...stamp, 'http.route': '/checkout' },
        Duration: String(Math.round((20 + rng() * 60) * slow * 1e6)),
        StatusCode: failed ? (r % 2 === 0 ? 'Error' : 'STATUS_CODE_ERROR') : 'Unset',
      });
    }
    if (rng() < (variant === 'treatment' ? 0.2 : 0.3)) {
      spans.push({
        Timestamp: nanos(Math.min(end - 1000, exposedAt + 90_000)),
        TraceId: hex(rng, 32),
        SpanId: hex(rng, 16),
        SpanName: SpanNames.conversion,
        SpanKind: 'Internal',
        ServiceName: 'demo-shop',
        ResourceAttributes: resource,
        SpanAttributes: {
          ...stamp,
          [TripwireAttributes.conversionEvent]: 'purchase',
          [TripwireAttributes.conversionValue]: '42.5',
        },
        Duration: '1000',
        StatusCode: 'Unset',
      });
    }
  }
  return { spans, ...createSdkMetrics(start, end) };
}

function createSdkMetrics(start: number, end: number): Pick<DemoTelemetry, 'gauges' | 'sums'> {
  const gauges: MetricRow[] = [];
  const sums: MetricRow[] = [];
  for (const service of ['demo-shop', 'demo-payments']) {
    const lag = service === 'demo-shop' ? 1 : 3;
    for (let t = start; t < end; t += 10_000) {
      const version = t < start + 20 * 60_000 ? 7 : 8;
      const base = {
        ServiceName: service,
        Attributes: { [FlagAttributes.setId]: 'production' },
        StartTimeUnix: seconds(start),
        TimeUnix: seconds(t),
      };
      gauges.push({ ...base, MetricName: MetricNames.configVersion, Value: version });
      gauges.push({
        ...base,
        MetricName: MetricNames.configAge,
        Value: lag + ((t - start) % 60_000) / 1000,
      });
      sums.push({
        ...base,
        MetricName: MetricNames.evaluations,
        Value: Math.round((t - start) / 100),
      });
    }
  }
  return { gauges, sums };
}
