import {
  FlagAttributes,
  DeprecatedFlagAttributes,
  SpanNames,
  TripwireAttributes,
} from '@tripwire/schema';
import type { TableNames } from '../config.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';

/** Span kinds a summary can be restricted to, with both spellings found in `otel_traces`. */
export const SUMMARY_SPAN_KINDS = {
  internal: ['Internal', 'SPAN_KIND_INTERNAL'],
  server: ['Server', 'SPAN_KIND_SERVER'],
  client: ['Client', 'SPAN_KIND_CLIENT'],
  producer: ['Producer', 'SPAN_KIND_PRODUCER'],
  consumer: ['Consumer', 'SPAN_KIND_CONSUMER'],
} as const;
export type SummarySpanKind = keyof typeof SUMMARY_SPAN_KINDS;

export interface SpanSummaryQuery {
  flagKey: string;
  /** Inclusive start and exclusive end of the span start time window. */
  from: Date;
  to: Date;
  /** Only spans of this service (resource `service.name`). */
  service?: string;
  /** Only spans of this kind. */
  kind?: SummarySpanKind;
}

export interface VariantSpanSummary {
  variant: string;
  spans: number;
  errors: number;
  /** errors / spans. */
  errorRate: number;
  /** Latency (span duration) in milliseconds. */
  latencyMs: { mean: number; p50: number; p95: number; p99: number };
}

interface SummaryRow {
  variant: string;
  spans: string;
  errors: string;
  mean_ns: number;
  quantiles_ns: number[];
}

/**
 * Per-variant span count, error rate and latency for one flag, aggregated inside ClickHouse.
 * A span belongs to a variant when it carries the semconv pair `feature_flag.key` = the flag and
 * `feature_flag.result.variant` (or the deprecated `feature_flag.variant`), or the SDK's
 * attribution attribute `tripwire.variant.<flag>`. The SDK's own exposure and conversion spans
 * are not requests and are left out. Both span kind and status spellings are accepted.
 * Quantiles are exact (`quantilesExactInclusive`, linear interpolation between order statistics).
 */
export async function summarizeFlagSpans(
  clickhouse: ClickHouseClient,
  tables: TableNames,
  query: SpanSummaryQuery,
): Promise<VariantSpanSummary[]> {
  const kindFilter = query.kind === undefined ? '' : 'AND SpanKind IN {kinds:Array(String)}';
  const serviceFilter = query.service === undefined ? '' : 'AND ServiceName = {service:String}';
  const result = await clickhouse.query({
    query: `
      SELECT
        variant,
        count() AS spans,
        countIf(StatusCode IN ('Error', 'STATUS_CODE_ERROR')) AS errors,
        avg(Duration) AS mean_ns,
        quantilesExactInclusive(0.5, 0.95, 0.99)(Duration) AS quantiles_ns
      FROM (
        SELECT
          Duration,
          StatusCode,
          multiIf(
            SpanAttributes[{keyAttr:String}] = {flag:String}
              AND SpanAttributes[{variantAttr:String}] != '',
            SpanAttributes[{variantAttr:String}],
            SpanAttributes[{keyAttr:String}] = {flag:String}
              AND SpanAttributes[{legacyVariantAttr:String}] != '',
            SpanAttributes[{legacyVariantAttr:String}],
            SpanAttributes[{attributionAttr:String}]
          ) AS variant
        FROM ${tables.traces}
        WHERE Timestamp >= {from:DateTime64(9, 'UTC')} AND Timestamp < {to:DateTime64(9, 'UTC')}
          AND SpanName NOT IN {sdkSpans:Array(String)}
          AND (SpanAttributes[{keyAttr:String}] = {flag:String}
               OR mapContains(SpanAttributes, {attributionAttr:String}))
          ${kindFilter} ${serviceFilter}
      )
      WHERE variant != ''
      GROUP BY variant
      ORDER BY variant`,
    query_params: {
      flag: query.flagKey,
      keyAttr: FlagAttributes.key,
      variantAttr: FlagAttributes.variant,
      legacyVariantAttr: legacyVariantAttribute(),
      attributionAttr: `${TripwireAttributes.variantPrefix}${query.flagKey}`,
      from: toDateTime64(query.from),
      to: toDateTime64(query.to),
      sdkSpans: [SpanNames.exposure, SpanNames.conversion],
      kinds: query.kind === undefined ? [] : [...SUMMARY_SPAN_KINDS[query.kind]],
      ...(query.service === undefined ? {} : { service: query.service }),
    },
    format: 'JSONEachRow',
  });
  const rows = await result.json<SummaryRow>();
  return rows.map(toSummary);
}

function legacyVariantAttribute(): string {
  const entry = Object.entries(DeprecatedFlagAttributes).find(
    ([, current]) => current === FlagAttributes.variant,
  );
  return entry?.[0] ?? 'feature_flag.variant';
}

function toSummary(row: SummaryRow): VariantSpanSummary {
  const spans = Number(row.spans);
  const errors = Number(row.errors);
  const [p50 = 0, p95 = 0, p99 = 0] = row.quantiles_ns;
  return {
    variant: row.variant,
    spans,
    errors,
    errorRate: spans === 0 ? 0 : errors / spans,
    latencyMs: { mean: row.mean_ns / 1e6, p50: p50 / 1e6, p95: p95 / 1e6, p99: p99 / 1e6 },
  };
}

/** DateTime64(9) parameter text (UTC, nanoseconds). */
function toDateTime64(date: Date): string {
  return `${date.toISOString().slice(0, 23).replace('T', ' ')}000000`;
}
