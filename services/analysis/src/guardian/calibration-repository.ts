import type { Guardrail, MetricDefinition } from '@tripwire/schema';
import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import { buildValidUnitsCte } from '../repositories/arm-queries.js';
import type { UnitTotals } from '../repositories/metrics/metric-kind.js';
import { buildMetricMinutesSql, buildScopedRecords } from '../repositories/metrics/metric-sql.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import type { MetricUnitMinute } from './calibrate-catalog-guardrail.js';
import type { UnitMinute } from './calibrate-guardrail.js';

interface UnitMinuteRow {
  unit_id: string;
  minute: number;
  requests: string | number;
  errors: string | number;
  latency_sum_ms: number;
  latency_sum_squares_ms: number;
  histogram: Record<string, string | number>;
}

/**
 * Per unit and minute, the stored request metrics of a flag (every variant), for calibration
 * replays. Same scope as the guardian: server spans, or the guardrail's span name; its service.
 */
export async function readUnitMinutes(
  client: ClickHouseClient,
  tables: TableNames,
  input: { flagKey: string; guardrail: Guardrail },
): Promise<UnitMinute[]> {
  const query = `SELECT unit_id, intDiv(toUnixTimestamp(minute), 60) AS minute,
      sum(requests) AS requests, sum(errors) AS errors,
      sum(latency_sum_ms) AS latency_sum_ms, sum(latency_sum_squares_ms) AS latency_sum_squares_ms,
      sumMap(latency_histogram) AS histogram
    FROM ${tables.variantRequests}
    WHERE flag_key = {flagKey:String}
      AND (service_name = {service:String} OR {service:String} = '')
      AND if({spanName:String} = '', span_kind = 'server', span_name = {spanName:String})
    GROUP BY unit_id, minute
    ORDER BY minute, unit_id`;
  try {
    const result = await client.query({
      query,
      query_params: {
        flagKey: input.flagKey,
        service: input.guardrail.service ?? '',
        spanName: input.guardrail.spanName ?? '',
      },
      format: 'JSONEachRow',
    });
    return (await result.json<UnitMinuteRow>()).map((row) => ({
      unitId: row.unit_id,
      minute: Number(row.minute),
      requests: Number(row.requests),
      errors: Number(row.errors),
      latencySumMs: Number(row.latency_sum_ms),
      latencySumSquaresMs: Number(row.latency_sum_squares_ms),
      histogram: Object.fromEntries(Object.entries(row.histogram).map(([k, v]) => [k, Number(v)])),
    }));
  } catch (cause) {
    throw createError(
      'TRIPWIRE_ERR_STORAGE',
      `reading stored requests of "${input.flagKey}" failed`,
      { cause },
    );
  }
}

/** The whole-signal scope of a calibration read. */
const scopeOf = (flagKey: string) => ({
  flagKey,
  environment: '',
  sinceMs: 0,
  untilMs: Date.UTC(2200, 0, 1),
});

function readTotals(row: TotalsRow): UnitTotals {
  const hits = Number(row.y_hits);
  return {
    ySum: Number(row.y_sum),
    yHits: hits,
    yPositive: Number(row.y_positive),
    // Without a numerator record the extremes are ±inf (null in JSON): unused.
    yMax: hits > 0 ? Number(row.y_max) : 0,
    yMin: hits > 0 ? Number(row.y_min) : 0,
    xSum: Number(row.x_sum),
    xHits: Number(row.x_hits),
  };
}

type TotalsRow = Record<
  'y_sum' | 'y_hits' | 'y_positive' | 'y_max' | 'y_min' | 'x_sum' | 'x_hits',
  string | number | null
>;

/**
 * Per valid unit and minute, a catalog metric's record totals over the raw signal (the query of
 * `buildMetricMinutesSql`), for replaying a guardrail on that metric.
 */
export async function readMetricUnitMinutes(
  client: ClickHouseClient,
  tables: TableNames,
  input: { flagKey: string; definition: MetricDefinition },
): Promise<MetricUnitMinute[]> {
  const { sql, params } = buildMetricMinutesSql({
    definition: input.definition,
    tables,
    scope: scopeOf(input.flagKey),
  });
  try {
    const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    const rows = await result.json<TotalsRow & { unit_id: string; minute: string | number }>();
    return rows.map((row) => ({
      unitId: row.unit_id,
      minute: Number(row.minute),
      totals: readTotals(row),
    }));
  } catch (cause) {
    throw createError(
      'TRIPWIRE_ERR_STORAGE',
      `reading metric ${input.definition.id} of "${input.flagKey}" failed`,
      { cause },
    );
  }
}

/**
 * Per valid unit with any, its totals of a catalog metric's records in the CUPED lookback before
 * its first exposure (the `records` the guardian's covariate SQL reads: `p_hit`, `q_hit`).
 */
export async function readMetricPreTotals(
  client: ClickHouseClient,
  tables: TableNames,
  input: { flagKey: string; definition: MetricDefinition },
): Promise<Map<string, UnitTotals>> {
  const { definition } = input;
  const scope = scopeOf(input.flagKey);
  const { records, params } = buildScopedRecords({ definition, tables, scope, covariate: true });
  const sql = `WITH ${[buildValidUnitsCte(tables), records].join(',\n  ')}
SELECT unit_id, sumIf(y_rec, p_hit) AS y_sum, countIf(p_hit) AS y_hits,
  countIf(p_hit AND y_rec > 0) AS y_positive, maxIf(y_rec, p_hit) AS y_max,
  minIf(y_rec, p_hit) AS y_min, sumIf(x_rec, q_hit) AS x_sum, countIf(q_hit) AS x_hits
FROM records
WHERE p_hit OR q_hit
GROUP BY unit_id`;
  try {
    const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    const rows = await result.json<TotalsRow & { unit_id: string }>();
    return new Map(rows.map((row) => [row.unit_id, readTotals(row)]));
  } catch (cause) {
    throw createError(
      'TRIPWIRE_ERR_STORAGE',
      `reading pre-exposure records of metric ${definition.id} for "${input.flagKey}" failed`,
      { cause },
    );
  }
}
