import type { SpanRow } from '../dashboards/demo-telemetry.js';

/** OTLP span kinds and status codes by the collector's spellings (both generations). */
const KINDS: Record<string, number> = {
  Internal: 1,
  SPAN_KIND_INTERNAL: 1,
  Server: 2,
  SPAN_KIND_SERVER: 2,
  Client: 3,
  SPAN_KIND_CLIENT: 3,
};
const STATUS: Record<string, number> = { Unset: 0, Ok: 1, Error: 2, STATUS_CODE_ERROR: 2 };

const attributes = (map: Record<string, string>) =>
  Object.entries(map).map(([key, value]) => ({ key, value: { stringValue: value } }));

/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC) as OTLP's unix nanoseconds string. */
function toUnixNanos(timestamp: string): bigint {
  const [seconds = '', fraction = '0'] = timestamp.split('.');
  const ms = Date.parse(`${seconds.replace(' ', 'T')}Z`);
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

/**
 * Turns collector-shaped span rows back into an OTLP/HTTP JSON `ExportTraceServiceRequest`
 * (one resource per service), so tests send demo data through the service's real receiver.
 */
export function toOtlpTraces(rows: readonly SpanRow[]): unknown {
  const byService = new Map<string, SpanRow[]>();
  for (const row of rows)
    byService.set(row.ServiceName, [...(byService.get(row.ServiceName) ?? []), row]);
  return {
    resourceSpans: [...byService.values()].map((spans) => ({
      resource: { attributes: attributes(spans[0]!.ResourceAttributes) },
      scopeSpans: [
        {
          scope: { name: 'tripwire-e2e' },
          spans: spans.map((row) => {
            const start = toUnixNanos(row.Timestamp);
            return {
              traceId: row.TraceId,
              spanId: row.SpanId,
              name: row.SpanName,
              kind: KINDS[row.SpanKind] ?? 0,
              startTimeUnixNano: String(start),
              endTimeUnixNano: String(start + BigInt(row.Duration)),
              attributes: attributes(row.SpanAttributes),
              status: { code: STATUS[row.StatusCode] ?? 0 },
            };
          }),
        },
      ],
    })),
  };
}
