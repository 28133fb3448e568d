import type { ClickHouseClient } from '../storage/clickhouse.js';
import type { TableNames } from '../config.js';

/** One span of a trace as the results page's trace view shows it. */
export interface TraceSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: string;
  status: string;
  /** ISO 8601 start, microsecond precision. */
  start: string;
  durationMs: number;
  attributes: Record<string, string>;
}

/** Most spans a trace view returns (a trace is for reading, not for bulk export). */
export const MAX_TRACE_SPANS = 2000;

/**
 * Reads one trace's spans, oldest first. The trace-id lookup table bounds the time window first
 * (REFERENCE §3.2), so the span query prunes partitions instead of scanning every day.
 */
export async function readTrace(
  clickhouse: ClickHouseClient,
  tables: Pick<TableNames, 'traces' | 'traceIdTs'>,
  traceId: string,
): Promise<TraceSpan[]> {
  const result = await clickhouse.query({
    query: `
      WITH (SELECT (min(Start), max(End)) FROM ${tables.traceIdTs} WHERE TraceId = {traceId:String}) AS bounds
      SELECT SpanId AS spanId, ParentSpanId AS parentSpanId, SpanName AS name,
             ServiceName AS service, SpanKind AS kind, StatusCode AS status,
             formatDateTime(Timestamp, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS start,
             Duration / 1e6 AS durationMs, SpanAttributes AS attributes
      FROM ${tables.traces}
      WHERE TraceId = {traceId:String}
        AND Timestamp >= bounds.1 AND Timestamp <= bounds.2 + INTERVAL 1 SECOND
      ORDER BY Timestamp
      LIMIT ${MAX_TRACE_SPANS}`,
    query_params: { traceId },
    format: 'JSONEachRow',
  });
  return result.json<TraceSpan>();
}
