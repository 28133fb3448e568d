/**
 * Span rows in the OpenTelemetry Collector ClickHouse exporter's value format (REFERENCE §3.5),
 * for inserting known telemetry straight into otel_traces.
 */
export interface SpanRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
}

/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC) for a DateTime64(9) column. */
export function formatTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000000`;
}

let spanCounter = 0;

export function makeSpan(fields: Partial<SpanRow> & { timeMs: number }): SpanRow {
  spanCounter += 1;
  const { timeMs, ...rest } = fields;
  return {
    Timestamp: formatTimestamp(timeMs),
    TraceId: `trace${spanCounter.toString(16).padStart(27, '0')}`,
    SpanId: spanCounter.toString(16).padStart(16, '0'),
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'GET /',
    SpanKind: 'Server',
    ServiceName: 'api',
    ResourceAttributes: {},
    ScopeName: 'test',
    ScopeVersion: '',
    SpanAttributes: {},
    Duration: '1000000',
    StatusCode: 'Unset',
    StatusMessage: '',
    ...rest,
  };
}

/** An exposure span as the SDK emits it: the unit in `feature_flag.context.id` only. */
export function makeExposureSpan(input: {
  flagKey: string;
  variant: string;
  unitId: string;
  timeMs: number;
  environment?: string;
}): SpanRow {
  return makeSpan({
    timeMs: input.timeMs,
    SpanName: 'tripwire.exposure',
    SpanKind: 'Internal',
    SpanAttributes: {
      'feature_flag.key': input.flagKey,
      'feature_flag.result.variant': input.variant,
      'feature_flag.context.id': input.unitId,
      ...(input.environment ? { 'tripwire.environment': input.environment } : {}),
    },
  });
}

/**
 * A checkout experiment's spans: per unit (`u<i>`, arms `off`/`on` alternating) an exposure at
 * `timeMs` and `payments` `POST /pay` spans a second apart, each stamped with the variant and a
 * `payment.amount` uniform on [20, 60] EUR, the `on` arm's × (1 + `lift`).
 */
export function makePaymentSpans(input: {
  flagKey: string;
  units: number;
  payments: number;
  lift: number;
  timeMs: number;
  rng: () => number;
}): SpanRow[] {
  const spans: SpanRow[] = [];
  for (let i = 0; i < input.units; i++) {
    const variant = i % 2 === 0 ? 'off' : 'on';
    const unitId = `u${i}`;
    spans.push(makeExposureSpan({ flagKey: input.flagKey, variant, unitId, timeMs: input.timeMs }));
    for (let r = 0; r < input.payments; r++) {
      const amount = (20 + 40 * input.rng()) * (variant === 'on' ? 1 + input.lift : 1);
      spans.push(
        makeSpan({
          timeMs: input.timeMs + 1000 * (r + 1),
          SpanName: 'POST /pay',
          SpanAttributes: {
            [`tripwire.variant.${input.flagKey}`]: variant,
            'tripwire.unit.id': unitId,
            'payment.amount': amount.toFixed(2),
          },
        }),
      );
    }
  }
  return spans;
}

/** A tracked conversion event as the SDK's `track()` emits it: a `tripwire.conversion` span. */
export function makeConversionSpan(input: {
  unitId: string;
  timeMs: number;
  event: string;
  value: number | string;
}): SpanRow {
  return makeSpan({
    timeMs: input.timeMs,
    SpanName: 'tripwire.conversion',
    SpanKind: 'Internal',
    SpanAttributes: {
      'tripwire.unit.id': input.unitId,
      'tripwire.conversion.event': input.event,
      'tripwire.conversion.value': String(input.value),
    },
  });
}
