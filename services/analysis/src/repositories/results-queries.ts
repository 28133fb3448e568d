/**
 * Results-only SQL (breakdowns, time series, conversion events). Same rules as
 * `arm-queries.ts`: fixed text, typed parameters, aggregation per unit inside ClickHouse.
 */
import type { TableNames } from '../config.js';
import { buildRequestWhere, buildValidUnitsCte, COUNTED_CONVERSION_WHERE } from './arm-queries.js';

/** Most conversion events the results list (most frequent first), in either family. */
export const MAX_CONVERSION_EVENTS = 20;

/**
 * Per dimension (service, span name, region, service version), segment and variant: the
 * per-unit moments of requests, errors and latency (delta method per segment). Empty
 * segments (attribute absent) are left out.
 */
export function buildBreakdownSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT dimension, segment, variant,
  count() AS units,
  sum(n) AS sum_requests, sum(n * n) AS sum_requests_sq,
  sum(e) AS sum_errors, sum(e * e) AS sum_errors_sq, sum(e * n) AS sum_errors_requests,
  sum(l) AS sum_latency, sum(l * l) AS sum_latency_sq, sum(l * n) AS sum_latency_requests
FROM (
  SELECT dim.1 AS dimension, dim.2 AS segment, variant, unit_id,
    toFloat64(sum(requests)) AS n, toFloat64(sum(errors)) AS e, sum(latency_sum_ms) AS l
  FROM ${tables.variantRequests}
  ARRAY JOIN [
    ('service', toString(service_name)),
    ('span_name', toString(span_name)),
    ('region', toString(region)),
    ('service_version', toString(service_version))
  ] AS dim
  WHERE ${buildRequestWhere()} AND dim.2 != ''
  GROUP BY dimension, segment, variant, unit_id
)
GROUP BY dimension, segment, variant
ORDER BY dimension, segment, variant`;
}

/** First and last request minute of the flag (to size the time-series buckets). */
export function buildTimeRangeSql(tables: TableNames): string {
  return `SELECT toUnixTimestamp(min(minute)) AS first_minute, toUnixTimestamp(max(minute)) AS last_minute,
  count() AS rows
FROM ${tables.variantRequests}
WHERE flag_key = {flagKey:String}`;
}

/** Per variant and time bucket: requests, errors and latency sum of valid units' requests. */
export function buildRequestSeriesSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant,
  toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({bucketSeconds:UInt32}))) AS bucket,
  toFloat64(sum(requests)) AS requests, toFloat64(sum(errors)) AS errors, sum(latency_sum_ms) AS latency
FROM ${tables.variantRequests}
WHERE ${buildRequestWhere()}
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/**
 * Per variant and time bucket: how much the bucket adds to the request moments across units
 * (`buildRequestMomentsSql`'s sums) when the moments cover everything up to its end. A unit
 * with cumulative n' before the bucket and n in it adds n(2n' + n) to Σn², e·(n' + n) + e'·n to
 * Σen, and counts as a unit in its first bucket with requests; summing the increments over the
 * buckets up to a point gives that point's moments (`fetchSeriesMoments`). One pass: one GROUP
 * BY unit (its buckets as one sorted sumMap), an ARRAY JOIN over the unit's own buckets only,
 * and one GROUP BY bucket, so no row count grows beyond the per-unit-bucket cells.
 */
export function buildSeriesMomentIncrementsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant, bucket,
  countIf(i = 1) AS units,
  sum(n) AS sum_requests, sum(n * (2 * (cn - n) + n)) AS sum_requests_sq,
  sum(e) AS sum_errors, sum(e * (2 * (ce - e) + e)) AS sum_errors_sq,
  sum(e * cn + (ce - e) * n) AS sum_errors_requests,
  sum(l) AS sum_latency, sum(l * (2 * (cl - l) + l)) AS sum_latency_sq,
  sum(l * cn + (cl - l) * n) AS sum_latency_requests
FROM (
  SELECT variant, cells.1 AS buckets, cells.2 AS ns, cells.3 AS es, cells.4 AS ls
  FROM (
    SELECT variant, sumMap(
        [toUInt32(toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({bucketSeconds:UInt32}))))],
        [toFloat64(requests)], [toFloat64(errors)], [latency_sum_ms]) AS cells
    FROM ${tables.variantRequests}
    WHERE ${buildRequestWhere()}
    GROUP BY variant, unit_id
  )
)
ARRAY JOIN buckets AS bucket, ns AS n, es AS e, ls AS l, arrayEnumerate(buckets) AS i,
  arrayCumSum(ns) AS cn, arrayCumSum(es) AS ce, arrayCumSum(ls) AS cl
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/** Per variant and time bucket: valid units first exposed in that bucket. */
export function buildExposureSeriesSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT arm AS variant,
  toUnixTimestamp(toStartOfInterval(first_exposure, toIntervalSecond({bucketSeconds:UInt32}))) AS bucket,
  count() AS units
FROM valid_units
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/** Conversion events of the flag's valid units (at most MAX_CONVERSION_EVENTS, most frequent first). */
export function buildConversionEventsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT event, count() AS conversions
FROM ${tables.conversions}
WHERE unit_id IN (SELECT unit_id FROM valid_units)
GROUP BY event
ORDER BY conversions DESC, event
LIMIT ${MAX_CONVERSION_EVENTS}`;
}

/**
 * Per event ({events}), arm and minute (unix seconds): units of `units` (a subquery of valid units
 * first exposed in the window: unit_id, arm, first_exposure) whose first conversion counted by the
 * results (`COUNTED_CONVERSION_WHERE`) falls in that minute. By minute, not bucket: the series'
 * bucket size depends on the last of them (`chooseSeriesBucketSeconds`). Shared by both families.
 */
export function buildFirstConversionsSql(input: {
  tables: TableNames;
  cte: string;
  units: string;
}): string {
  return `WITH ${input.cte}
SELECT event, toString(arm) AS variant,
  toUInt32(toUnixTimestamp(toStartOfMinute(first_conversion))) AS minute, count() AS converted
FROM (
  SELECT c.event AS event, u.arm AS arm, u.unit_id AS unit_id, min(c.timestamp) AS first_conversion
  FROM (${input.units}) AS u
  INNER JOIN (
    SELECT unit_id, event, timestamp FROM ${input.tables.conversions}
    WHERE has({events:Array(String)}, event)
  ) AS c ON c.unit_id = u.unit_id
  WHERE ${COUNTED_CONVERSION_WHERE}
  GROUP BY c.event, u.arm, u.unit_id
)
GROUP BY event, arm, minute
ORDER BY event, variant, minute`;
}

/** `buildFirstConversionsSql` over the per-unit exposures (valid units at query time). */
export function buildSeriesConversionsSql(tables: TableNames): string {
  return buildFirstConversionsSql({
    tables,
    cte: buildValidUnitsCte(tables),
    units: `SELECT unit_id, arm, first_exposure FROM valid_units
    WHERE first_exposure >= fromUnixTimestamp64Milli({sinceMs:Int64})
      AND first_exposure < fromUnixTimestamp64Milli({untilMs:Int64})`,
  });
}

/** The time bucket (start, unix seconds) of a request row's minute, as every series query has it. */
const REQUEST_BUCKET = `toUInt32(toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({bucketSeconds:UInt32}))))`;

/** Per variant and time bucket: the merged latency histogram of that bucket's requests. */
export function buildSeriesHistogramsSql(tables: TableNames): string {
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant, ${REQUEST_BUCKET} AS bucket, sumMap(latency_histogram) AS histogram
FROM ${tables.variantRequests}
WHERE ${buildRequestWhere()}
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/**
 * Per variant: `buildQuantileMomentsSql`'s moments at every checkpoint at once, as arrays.
 * {checkpoints} are bucket starts; checkpoint j covers every request up to the end of its bucket.
 * Entry e = (checkpoint {pointOf}[e] (1-based), quantile) has the arm's threshold bucket and
 * fraction at that checkpoint ({thresholds}/{fractions}[arm][e]). Each unit keeps its histogram
 * as flat (segment, bucket key, count) triples (segment = the first checkpoint at or after the
 * row's bucket), so a unit's requests below entry e are one sum over its triples: no map is
 * filtered per entry. Work grows with histogram cells × entries (checkpoints × quantiles).
 */
export function buildSeriesQuantileMomentsSql(tables: TableNames): string {
  const points = 'range(1, length({checkpoints:Array(UInt32)}) + 1)';
  return `WITH ${buildValidUnitsCte(tables)}
SELECT variant,
  sumForEach(arrayMap(j -> toFloat64(arrayMin(segments) <= j), ${points})) AS units,
  sumForEach(nj) AS sum_requests, sumForEach(arrayMap(x -> x * x, nj)) AS sum_requests_sq,
  sumForEach(be) AS sum_below, sumForEach(arrayMap(x -> x * x, be)) AS sum_below_sq,
  sumForEach(arrayMap((x, j) -> x * nj[j], be, {pointOf:Array(UInt32)})) AS sum_below_requests
FROM (
  SELECT variant, segments,
    arrayMap(j -> arraySum(arrayMap((s, c) -> if(s <= j, c, 0), segments, counts)), ${points}) AS nj,
    arrayMap((j, t, f) -> arraySum(arrayMap(
        (s, k, c) -> if(s <= j, if(k < t, c, if(k = t, f * c, 0)), 0), segments, keys, counts)),
      {pointOf:Array(UInt32)},
      {thresholds:Array(Array(UInt16))}[indexOf({variants:Array(String)}, variant)],
      {fractions:Array(Array(Float64))}[indexOf({variants:Array(String)}, variant)]) AS be
  FROM (
    SELECT variant, unit_id,
      groupArray(segment) AS segments, groupArray(hk) AS keys, groupArray(hc) AS counts
    FROM (
      SELECT variant, unit_id, hk, toFloat64(hn) AS hc,
        toUInt32(arrayFirstIndex(cp -> ${REQUEST_BUCKET} <= cp, {checkpoints:Array(UInt32)})) AS segment
      FROM ${tables.variantRequests}
      ARRAY JOIN mapKeys(latency_histogram) AS hk, mapValues(latency_histogram) AS hn
      WHERE ${buildRequestWhere()}
    )
    WHERE segment > 0
    GROUP BY variant, unit_id
  )
)
GROUP BY variant
ORDER BY variant`;
}
