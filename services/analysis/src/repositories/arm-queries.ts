/**
 * The analysis SQL. Identifiers (table names) come from validated configuration; every value is
 * a typed `{name:Type}` parameter, so the text of each query is fixed per table set and can be
 * shown in a kill report as is. Aggregation happens in ClickHouse: per unit first, then the
 * moments across units, so only sufficient statistics per variant leave the database.
 */
import type { TableNames } from '../config.js';

/** Values of the parameters every scoped query takes (see `buildScopeParams`). */
export interface ScopeParams {
  flagKey: string;
  /** '' = every environment. */
  environment: string;
  /** '' = every service. */
  service: string;
  /** '' = server spans (either SpanKind spelling); otherwise exactly this span name, any kind. */
  spanName: string;
  sinceMs: number;
  untilMs: number;
  /** 1 = rollup queries look only at units with conversions (by primary key); 0 = all units. */
  unitFilter: number;
  /** How rollup queries merge the by-unit rows: 0 = FINAL, 1 = largest part + the rest (`chooseRollupMerge`). */
  largestPart: number;
  /** 1 = rollup queries also read the units their scalar columns do not decide from the maps (`chooseRollupMerge`). */
  mixedUnits: number;
  [key: string]:
    string | number | readonly string[] | readonly number[] | readonly (readonly number[])[];
}

export interface ArmScope {
  flagKey: string;
  environment?: string | undefined;
  service?: string | undefined;
  spanName?: string | undefined;
  /** Telemetry at or after this instant (minute resolution for requests). */
  since?: Date | undefined;
  /** Telemetry before this instant. */
  until?: Date | undefined;
}

const FAR_FUTURE_MS = Date.UTC(2200, 0, 1);

export function buildScopeParams(scope: ArmScope): ScopeParams {
  return {
    flagKey: scope.flagKey,
    environment: scope.environment ?? '',
    service: scope.service ?? '',
    spanName: scope.spanName ?? '',
    sinceMs: scope.since?.getTime() ?? 0,
    untilMs: scope.until?.getTime() ?? FAR_FUTURE_MS,
    unitFilter: 0,
    largestPart: 0,
    mixedUnits: 1,
  };
}

/**
 * Every unit exposed to the flag in the environment ('' = any): unit_id, unit_key (its 128-bit
 * hash, migration 0265, for joins on a number), arm and last_arm (its smallest and largest
 * variant: equal when it saw one variant), first_exposure. Read from the
 * per-unit summary kept at ingest (migration 0264) with FINAL, which folds a unit's rows of
 * unmerged parts and streams merged ones (1 M units: ~0.1 s against ~1 s for the same rows by
 * GROUP BY, `bench/valid-units.bench.ts`); the one source of the valid units and the unit counts.
 */
function buildExposedUnitsSql(tables: TableNames): string {
  return `SELECT unit_id, unit_key, variant_min AS arm, variant_max AS last_arm,
      first_seen AS first_exposure
    FROM ${tables.exposureUnits} FINAL
    WHERE flag_key = {flagKey:String} AND scope = {environment:String}`;
}

/**
 * Units exposed to exactly one variant of the flag (in the environment, when given), with their
 * first exposure (columns unit_id, unit_key, arm, first_exposure). Units seen in more than one
 * variant are left out here and counted elsewhere.
 */
export function buildValidUnitsCte(
  tables: TableNames,
  options: { materialized?: boolean } = {},
): string {
  // MATERIALIZED: computed once however often the query reads it (else once per reference).
  return `valid_units AS ${options.materialized === true ? 'MATERIALIZED ' : ''}(
    SELECT unit_id, unit_key, arm, first_exposure FROM (${buildExposedUnitsSql(tables)})
    WHERE arm = last_arm
  )`;
}

/** The request rows in scope: the flag, the service/span filter, the time window, valid units. */
export function buildRequestWhere(): string {
  return `flag_key = {flagKey:String}
      AND ({service:String} = '' OR service_name = {service:String})
      AND (({spanName:String} = '' AND span_kind = 'server') OR span_name = {spanName:String})
      AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({sinceMs:Int64}))
      AND minute < fromUnixTimestamp64Milli({untilMs:Int64})
      AND (unit_id, variant) IN (SELECT unit_id, arm FROM valid_units)`;
}

/**
 * Per variant: moments across units of n_i (requests), e_i (errors) and l_i (latency sum, ms),
 * the inputs of the delta method for error rate (Σe/Σn) and mean latency (Σl/Σn).
 */
export function buildRequestMomentsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant,
  count() AS units,
  sum(n) AS sum_requests, sum(n * n) AS sum_requests_sq,
  sum(e) AS sum_errors, sum(e * e) AS sum_errors_sq, sum(e * n) AS sum_errors_requests,
  sum(l) AS sum_latency, sum(l * l) AS sum_latency_sq, sum(l * n) AS sum_latency_requests
FROM (
  SELECT variant, unit_id,
    toFloat64(sum(requests)) AS n, toFloat64(sum(errors)) AS e, sum(latency_sum_ms) AS l
  FROM ${tables.variantRequests}
  WHERE ${buildRequestWhere()}
  GROUP BY variant, unit_id
)
GROUP BY variant
ORDER BY variant`;
}

/** Per variant: the merged latency histogram of every request in scope. */
export function buildLatencyHistogramSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant, sumMap(latency_histogram) AS histogram
FROM ${tables.variantRequests}
WHERE ${buildRequestWhere()}
GROUP BY variant
ORDER BY variant`;
}

/**
 * Per variant: moments across units of n_i and, for each requested quantile j, b_ij (requests
 * below the arm's quantile: whole buckets under {buckets}[arm][j] plus {fractions}[arm][j] of
 * that bucket), for the clustered-quantile delta method. {variants} lists the arms; {buckets}
 * and {fractions} hold one array (one entry per quantile) per arm. b-sums come back as arrays.
 */
export function buildQuantileMomentsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant,
  count() AS units,
  sumForEach(b) AS sum_below,
  sumForEach(arrayMap(x -> x * x, b)) AS sum_below_sq,
  sumForEach(arrayMap(x -> x * n, b)) AS sum_below_requests,
  sum(n) AS sum_requests, sum(n * n) AS sum_requests_sq
FROM (
  SELECT variant, unit_id,
    toFloat64(sum(requests)) AS n,
    sumForEach(arrayMap(
      (t, f) -> arraySum(mapValues(mapFilter((k, v) -> k < t, latency_histogram))) + f * latency_histogram[t],
      thresholds, fractions
    )) AS b
  FROM (
    SELECT *,
      {buckets:Array(Array(UInt16))}[indexOf({variants:Array(String)}, variant)] AS thresholds,
      {fractions:Array(Array(Float64))}[indexOf({variants:Array(String)}, variant)] AS fractions
    FROM ${tables.variantRequests}
    WHERE ${buildRequestWhere()}
  )
  GROUP BY variant, unit_id
)
GROUP BY variant
ORDER BY variant`;
}

/**
 * Over `u` (valid units, `first_exposure`) joined to conversions `c`: a conversion the results
 * count: within {windowSeconds} after the first exposure and before {untilMs}.
 */
export const COUNTED_CONVERSION_WHERE = `c.timestamp >= u.first_exposure
    AND c.timestamp < u.first_exposure + toIntervalSecond({windowSeconds:UInt32})
    AND c.timestamp < fromUnixTimestamp64Milli({untilMs:Int64})`;

/**
 * Per unit `u` (with `first_exposure`) joined to its conversion events `c`: `conversions` within
 * {windowSeconds} after the first exposure (and before {untilMs}), y = converted at all, x = the
 * same over the equally long period before it (the CUPED covariate). Shared by the per-unit and
 * the rollup queries so both define a conversion the same way.
 */
export const UNIT_CONVERSION_COLUMNS = `countIf(${COUNTED_CONVERSION_WHERE}) AS conversions,
    toFloat64(conversions > 0) AS y,
    toFloat64(countIf(c.timestamp < u.first_exposure
      AND c.timestamp >= u.first_exposure - toIntervalSecond({windowSeconds:UInt32})) > 0) AS x`;

/** The `c` side of a unit → conversions join: events named {event}, or any when ''. */
export function buildConversionsJoin(tables: TableNames): string {
  return `(
    SELECT unit_id, timestamp FROM ${tables.conversions}
    WHERE {event:String} = '' OR event = {event:String}
  ) AS c ON c.unit_id = u.unit_id`;
}

/**
 * Per variant, over valid units first exposed in the window: y_i = 1 when the unit converted
 * ({event}, or any event when '') within {windowSeconds} after its first exposure, x_i = the
 * same over the equally long period before it (the CUPED covariate).
 */
export function buildConversionMomentsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant,
  count() AS units,
  sum(y) AS sum_converted, sum(x) AS sum_pre, sum(x * x) AS sum_pre_sq, sum(x * y) AS sum_pre_converted,
  sum(conversions) AS conversions
FROM (
  SELECT u.arm AS variant, u.unit_id AS unit_id,
    ${UNIT_CONVERSION_COLUMNS}
  FROM valid_units AS u
  LEFT JOIN ${buildConversionsJoin(tables)}
  WHERE u.first_exposure >= fromUnixTimestamp64Milli({sinceMs:Int64})
    AND u.first_exposure < fromUnixTimestamp64Milli({untilMs:Int64})
  GROUP BY u.arm, u.unit_id
)
GROUP BY variant
ORDER BY variant`;
}

/** Trace ids of the newest failing request rows per variant (at most {limit} per variant). */
export function buildErrorExemplarsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant, groupArray(error_trace_id) AS trace_ids
FROM (
  SELECT variant, error_trace_id FROM ${tables.variantRequests}
  WHERE ${buildRequestWhere()} AND errors > 0 AND error_trace_id != ''
  ORDER BY minute DESC
  LIMIT {limit:UInt32} BY variant
)
GROUP BY variant`;
}

/** Trace ids of the slowest requests per variant (at most {limit} per variant). */
export function buildSlowExemplarsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant, groupArray(slowest.2) AS trace_ids
FROM (
  SELECT variant, slowest FROM ${tables.variantRequests}
  WHERE ${buildRequestWhere()} AND slowest.2 != ''
  ORDER BY slowest.1 DESC
  LIMIT {limit:UInt32} BY variant
)
GROUP BY variant`;
}

/** Units per variant (valid only); arm '' counts the units excluded as multi-variant. */
export function buildUnitCountsSql(tables: TableNames): string {
  return `SELECT if(is_multi, '', only_variant) AS arm, count() AS units,
  min(first_seen_ms) AS first_exposure_ms
FROM (
  SELECT arm AS only_variant, last_arm != arm AS is_multi,
    toUnixTimestamp64Milli(first_exposure) AS first_seen_ms
  FROM (${buildExposedUnitsSql(tables)})
)
GROUP BY arm
ORDER BY arm`;
}
