/**
 * Analysis SQL over the rollups of migration 0203: `<exposures>_by_unit` (one row per flag and
 * unit after merges, read with FINAL) and `<variantRequests>_by_minute`. Same rules as
 * `arm-queries.ts` (fixed text, typed parameters, only sufficient statistics leave ClickHouse),
 * and the same answers: a unit counts when it was exposed to exactly one variant (in the
 * environment asked for) and only its requests stamped with that variant count. What the rollups
 * remove is the query-time GROUP BY unit and the join of exposures to requests: both cost
 * seconds per query at millions of units, while a FINAL read of merged rows streams.
 */
import type { TableNames } from '../config.js';
import { buildConversionsJoin, UNIT_CONVERSION_COLUMNS } from './arm-queries.js';
import { buildFirstConversionsSql } from './results-queries.js';

/**
 * Over `units` ARRAY JOIN `requests.1 AS stamped`: a stamped variant whose requests do not count
 * (the unit is not valid, or the stamp is not its arm); subtracted from the by-minute totals.
 */
const UNCOUNTED_STAMP = 'excluded_requests AND NOT (valid AND stamped = arm)';

/** Names of the rollup tables, derived from the configured names as migration 0203 does. */
export function rollupTables(tables: TableNames): { byUnit: string; byMinute: string } {
  return { byUnit: `${tables.exposures}_by_unit`, byMinute: `${tables.variantRequests}_by_minute` };
}

/** Key separator inside the rollup maps: "environment \x1F variant", "variant \x1F dimension \x1F segment". */
const SEP = `'\\x1F'`;

/**
 * A unit the scalar columns of migration 0211 decide alone: its server spans carry one stamped
 * variant (or none) and, when the query is scoped to an environment, it was exposed in one
 * environment (or none). Other units ("mixed") are decided from the maps.
 */
const SCALAR_UNIT = `((({environment:String} = '' OR exposed_env_first = exposed_env_last OR exposed_arm_last = '')
      AND (stamp_first = stamp_last OR stamp_last = '')))`;

/** The columns of the units CTE (`buildRollupUnitsCte`). */
const UNIT_COLUMNS = [
  'unit_id',
  'requests',
  'latency_histogram',
  'segments',
  'arm_count',
  'valid',
  'arm',
  'first_ns',
  'has_requests',
  'n',
  'e',
  'l',
  'base',
  'excluded_requests',
].join(', ');

/** The by-unit columns every units CTE reads from its merged rows. */
const MAP_COLUMNS = ['unit_id', 'exposures', 'requests', 'latency_histogram', 'segments'];
const SCALAR_COLUMNS: readonly [string, 'min' | 'max' | 'sum'][] = [
  ['exposed_env_first', 'min'],
  ['exposed_env_last', 'max'],
  ['exposed_arm_first', 'min'],
  ['exposed_arm_last', 'max'],
  ['first_exposure_ns', 'min'],
  ['stamp_first', 'min'],
  ['stamp_last', 'max'],
  ['server_requests', 'sum'],
  ['server_errors', 'sum'],
  ['server_latency_ms', 'sum'],
];
/** What a merged by-unit row holds: the maps and the scalar columns. */
const MERGED_COLUMNS = [...MAP_COLUMNS, ...SCALAR_COLUMNS.map(([name]) => name)].join(', ');

/**
 * One row per unit of the flag (units never exposed in the environment, {environment} '' = any,
 * have arm_count 0), its by-unit rows merged as `merge` says: arm_count (0, 1 = valid, 2 = more
 * than one variant), arm, first_ns (first exposure, ns), the arm's server-span sums n, e, l (0
 * when none; has_requests says whether any), base (the arm's histogram key prefix) and
 * excluded_requests (the unit has request sums that do not count: another variant, or the unit
 * is not valid). Units the scalar columns decide (nearly all) are read from them; the others,
 * when {mixedUnits} = 1, from their maps, merged by GROUP BY (see `chooseRollupMerge`).
 */
export function buildRollupUnitsCte(tables: TableNames, merge: RollupMerge = 'final'): string {
  const { byUnit } = rollupTables(tables);
  const rows =
    merge === 'final'
      ? `SELECT ${MERGED_COLUMNS} FROM ${byUnit} FINAL WHERE flag_key = {flagKey:String} AND`
      : `SELECT ${MERGED_COLUMNS} FROM ${buildLargestPartUnitsSql(byUnit)} WHERE`;
  return `merged AS (
    ${rows} ({unitFilter:UInt8} = 0 OR unit_id IN (SELECT unit_id FROM ${tables.conversions}))
  ),
  units AS (
    SELECT ${UNIT_COLUMNS} FROM (SELECT unit_id, requests, latency_histogram, segments,
      exposed_arm_last != '' AND ({environment:String} = '' OR exposed_env_last = {environment:String}) AS in_scope,
      in_scope AND exposed_arm_first = exposed_arm_last AS valid,
      toUInt8(multiIf(NOT in_scope, 0, valid, 1, 2)) AS arm_count,
      if(valid, exposed_arm_last, toLowCardinality('')) AS arm,
      if(in_scope, first_exposure_ns, 0) AS first_ns,
      valid AND stamp_last = exposed_arm_last AS has_requests,
      toFloat64(if(has_requests, server_requests, 0)) AS n,
      toFloat64(if(has_requests, server_errors, 0)) AS e,
      if(has_requests, server_latency_ms, 0) AS l,
      bitShiftLeft(bitAnd(cityHash64(arm), 281474976710655), 16) AS base,
      stamp_last != '' AND NOT has_requests AS excluded_requests
    FROM merged
    WHERE ${SCALAR_UNIT})
    UNION ALL
    SELECT ${UNIT_COLUMNS} FROM (SELECT unit_id, requests, latency_histogram, segments,
      mapFilter((k, v) -> {environment:String} = '' OR startsWith(k, concat({environment:String}, ${SEP})), exposures) AS scoped,
      arraySort(arrayDistinct(arrayMap(k -> substring(k, position(k, ${SEP}) + 1), mapKeys(scoped)))) AS arms,
      toUInt8(least(length(arms), 2)) AS arm_count,
      arm_count = 1 AS valid,
      toLowCardinality(if(valid, arms[1], '')) AS arm,
      if(arm_count > 0, arrayMin(mapValues(scoped)), 0) AS first_ns,
      if(valid, indexOf(requests.1, arm), 0) AS request_index,
      request_index > 0 AS has_requests,
      toFloat64(requests.2[request_index]) AS n,
      toFloat64(requests.3[request_index]) AS e,
      requests.4[request_index] AS l,
      bitShiftLeft(bitAnd(cityHash64(arm), 281474976710655), 16) AS base,
      length(requests.1) > toUInt8(has_requests) AS excluded_requests
    FROM (
      SELECT unit_id, minMap(exposures) AS exposures, sumMap(requests) AS requests,
        sumMap(latency_histogram) AS latency_histogram, sumMap(segments) AS segments
      FROM ${byUnit}
      WHERE flag_key = {flagKey:String}
        AND unit_id IN (SELECT unit_id FROM merged WHERE {mixedUnits:UInt8} = 1 AND NOT ${SCALAR_UNIT})
      GROUP BY unit_id
    ))
  )`;
}

/**
 * How the rollup queries merge a flag's by-unit rows per unit: 'final' = FINAL; 'largest-part' =
 * the rows of the flag's largest merged part (`MERGED_PART`) as they are, except for units that also appear in other
 * parts, which are merged with GROUP BY and the functions the engine merges with — the same rows
 * as FINAL. FINAL merges every row whose key range overlaps a fresh part, and with random unit ids
 * a fresh part overlaps everything (one 20k-row part made FINAL over 1M units 5× slower); the
 * second way wins when few rows lie outside the largest part and loses when parts are of similar
 * size, so the caller picks by part sizes (`chooseRollupMerge`).
 */
export type RollupMerge = 'final' | 'largest-part';

/**
 * A part whose rows are one per key: merged in the background, or collapsed by the insert that
 * wrote it (`optimize_on_insert`). ClickHouse gives both level ≥ 1 (the fourth field of the part
 * name `partition_min_max_level[_mutation]`); a level-0 part, as telemetry inserts write them
 * (`TELEMETRY_INSERT_SETTINGS`), may hold a unit more than once, so only merged parts are read
 * as they are.
 */
const MERGED_PART = `toUInt32OrZero(splitByChar('_', _part)[4]) > 0`;

/** The flag's largest merged by-unit part (none: every row is merged at read time), read as it is. */
function buildLargestMergedPartSql(byUnit: string): string {
  return `SELECT _part FROM ${byUnit} WHERE flag_key = {flagKey:String} AND ${MERGED_PART}
      GROUP BY _part ORDER BY count() DESC, _part LIMIT 1`;
}

function buildLargestPartUnitsSql(byUnit: string): string {
  const merged = [
    'unit_id',
    'minMap(exposures) AS exposures',
    'sumMap(requests) AS requests',
    'sumMap(latency_histogram) AS latency_histogram',
    'sumMap(segments) AS segments',
    ...SCALAR_COLUMNS.map(([name, merge]) => `${merge}(${name}) AS ${name}`),
  ].join(', ');
  const largestPart = buildLargestMergedPartSql(byUnit);
  const elsewhere = `SELECT unit_id FROM ${byUnit}
      WHERE flag_key = {flagKey:String} AND _part NOT IN (${largestPart})`;
  return `(
      SELECT ${MERGED_COLUMNS}
      FROM ${byUnit}
      WHERE flag_key = {flagKey:String} AND _part IN (${largestPart})
        AND unit_id NOT IN (${elsewhere})
      UNION ALL
      SELECT ${merged}
      FROM ${byUnit}
      WHERE flag_key = {flagKey:String} AND unit_id IN (${elsewhere})
      GROUP BY unit_id
    )`;
}

/** How many of the flag's units the scalar columns do not decide (see `buildRollupUnitsCte`). */
export function buildRollupMixedUnitsSql(tables: TableNames, merge: RollupMerge = 'final'): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT count() AS mixed FROM merged WHERE NOT ${SCALAR_UNIT}`;
}

/** The flag's by-unit rows and the rows of its largest merged part (to choose how to merge them). */
export function buildRollupPartsSql(tables: TableNames): string {
  const { byUnit } = rollupTables(tables);
  return `SELECT sum(part_rows) AS rows, max(if(merged, part_rows, 0)) AS largest
FROM (SELECT _part, ${MERGED_PART} AS merged, count() AS part_rows FROM ${byUnit}
  WHERE flag_key = {flagKey:String} GROUP BY _part)`;
}

/**
 * Per arm (valid units; '' = units that are not valid: exposed to more than one variant, or never
 * exposed in the environment): valid units, units exposed to more than one variant, first
 * exposure, units with requests and their request moments (delta method), and units with request
 * sums that do not count (they decide whether the time series needs a correction). Grouped by the
 * arm alone: grouping by two keys cost this engine several times more.
 */
export function buildRollupArmsSql(tables: TableNames, merge: RollupMerge = 'final'): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT toString(arm) AS variant,
  countIf(valid) AS units,
  countIf(arm_count > 1) AS multi_variant_units,
  minIf(intDiv(first_ns, 1000000), valid) AS first_exposure_ms,
  countIf(has_requests) AS request_units,
  sum(n) AS sum_requests, sum(n * n) AS sum_requests_sq,
  sum(e) AS sum_errors, sum(e * e) AS sum_errors_sq, sum(e * n) AS sum_errors_requests,
  sum(l) AS sum_latency, sum(l * l) AS sum_latency_sq, sum(l * n) AS sum_latency_requests,
  countIf(excluded_requests) AS excluded_request_units
FROM units
GROUP BY arm
ORDER BY variant`;
}

/**
 * Per arm of {variants} (the valid arms) and {bucketSeconds} bucket: valid units first exposed in
 * it. One numeric grouping key (bucket, arm index): two keys cost this engine several times more.
 */
export function buildRollupExposureSeriesSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT {variants:Array(String)}[toUInt32(key % 65536)] AS variant,
  intDiv(key, 65536) * {bucketSeconds:UInt32} AS bucket,
  count() AS units
FROM units
WHERE valid AND has({variants:Array(String)}, arm)
GROUP BY intDiv(first_ns, {bucketSeconds:UInt32} * 1000000000) * 65536 + indexOf({variants:Array(String)}, arm) AS key
ORDER BY variant, bucket`;
}

/**
 * Per arm, dimension and segment: the per-unit moments of the valid units' requests stamped with
 * their arm (cells of other variants left out). ARRAY JOIN + GROUP BY the cell key alone (it
 * starts with the arm): far cheaper than sumMap over parallel arrays, and 2x cheaper than
 * grouping by arm and cell.
 */
export function buildRollupBreakdownSql(tables: TableNames, merge: RollupMerge = 'final'): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT variant,
  substring(cell, length(variant) + 2) AS cell_key,
  substring(cell_key, 1, position(cell_key, ${SEP}) - 1) AS dimension,
  substring(cell_key, position(cell_key, ${SEP}) + 1) AS segment,
  units, sum_requests, sum_requests_sq, sum_errors, sum_errors_sq, sum_errors_requests,
  sum_latency, sum_latency_sq, sum_latency_requests
FROM (
  SELECT cell, toString(any(arm)) AS variant,
    count() AS units,
    sum(cn) AS sum_requests, sum(cn * cn) AS sum_requests_sq,
    sum(ce) AS sum_errors, sum(ce * ce) AS sum_errors_sq, sum(ce * cn) AS sum_errors_requests,
    sum(cl) AS sum_latency, sum(cl * cl) AS sum_latency_sq, sum(cl * cn) AS sum_latency_requests
  FROM (
    SELECT arm, cell, toFloat64(cell_n) AS cn, toFloat64(cell_e) AS ce, cell_l AS cl
    FROM units
    ARRAY JOIN segments.1 AS cell, segments.2 AS cell_n, segments.3 AS cell_e, segments.4 AS cell_l
    WHERE valid AND startsWith(cell, concat(arm, ${SEP}))
  )
  GROUP BY cell
)
ORDER BY dimension, segment, variant`;
}

/** Per arm: request moments only (the guardian's error_rate / latency_mean). */
export function buildRollupRequestMomentsSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT arm AS variant,
  count() AS units,
  sum(n) AS sum_requests, sum(n * n) AS sum_requests_sq,
  sum(e) AS sum_errors, sum(e * e) AS sum_errors_sq, sum(e * n) AS sum_errors_requests,
  sum(l) AS sum_latency, sum(l * l) AS sum_latency_sq, sum(l * n) AS sum_latency_requests
FROM units
WHERE valid AND has_requests
GROUP BY variant
ORDER BY variant`;
}

/**
 * Per stamped variant and latency bucket: server-span requests of every unit (valid or not),
 * from the by-minute rollup. Equal to the arms' histograms when no unit has requests that do not
 * count; otherwise subtract `buildExcludedHistogramSql`.
 */
export function buildRollupMinuteHistogramSql(tables: TableNames): string {
  const { byMinute } = rollupTables(tables);
  return `SELECT variant, bucket, sum(bucket_count) AS requests
FROM ${byMinute}
ARRAY JOIN mapKeys(latency_histogram) AS bucket, mapValues(latency_histogram) AS bucket_count
WHERE flag_key = {flagKey:String} AND span_kind = 'server'
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/** Per stamped variant and latency bucket: the server-span requests that do not count. */
export function buildExcludedHistogramSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT stamped AS variant, toUInt16(key - stamped_base) AS bucket, sum(bucket_count) AS requests
FROM (
  SELECT stamped, bitShiftLeft(bitAnd(cityHash64(stamped), 281474976710655), 16) AS stamped_base,
    latency_histogram.1 AS keys, latency_histogram.2 AS counts
  FROM units
  ARRAY JOIN requests.1 AS stamped
  WHERE ${UNCOUNTED_STAMP}
)
ARRAY JOIN keys AS key, counts AS bucket_count
WHERE key >= stamped_base AND key < stamped_base + 65536
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/**
 * Per arm, the clustered-quantile moments (see `buildQuantileMomentsSql`): for each quantile j,
 * b_j = the unit's requests below bucket {buckets}[arm][j] plus {fractions}[arm][j] of that bucket.
 */
export function buildRollupQuantileMomentsSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT arm AS variant,
  count() AS units,
  sumForEach(b) AS sum_below,
  sumForEach(arrayMap(x -> x * x, b)) AS sum_below_sq,
  sumForEach(arrayMap(x -> x * n, b)) AS sum_below_requests,
  sum(n) AS sum_requests, sum(n * n) AS sum_requests_sq
FROM (
  SELECT arm, n,
    arrayMap((t, f) ->
      toFloat64(arraySum((k, c) -> if(k >= base AND k < base + t, c, 0), latency_histogram.1, latency_histogram.2))
        + f * arraySum((k, c) -> if(k = base + t, c, 0), latency_histogram.1, latency_histogram.2),
      {buckets:Array(Array(UInt16))}[indexOf({variants:Array(String)}, arm)],
      {fractions:Array(Array(Float64))}[indexOf({variants:Array(String)}, arm)]
    ) AS b
  FROM units
  WHERE valid AND has_requests AND has({variants:Array(String)}, arm)
)
GROUP BY variant
ORDER BY variant`;
}

/** First and last request minute of the flag (any span kind) and whether it has any. */
export function buildRollupTimeRangeSql(tables: TableNames): string {
  const { byMinute } = rollupTables(tables);
  return `SELECT toUnixTimestamp(min(minute)) AS first_minute, toUnixTimestamp(max(minute)) AS last_minute,
  count() AS rows
FROM ${byMinute}
WHERE flag_key = {flagKey:String}`;
}

/** Per stamped variant and time bucket: server-span sums of every unit (valid or not). */
export function buildRollupRequestSeriesSql(tables: TableNames): string {
  const { byMinute } = rollupTables(tables);
  return `SELECT variant,
  toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({bucketSeconds:UInt32}))) AS bucket,
  toFloat64(sum(requests)) AS requests, toFloat64(sum(errors)) AS errors, sum(latency_sum_ms) AS latency
FROM ${byMinute}
WHERE flag_key = {flagKey:String} AND span_kind = 'server'
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/**
 * Per stamped variant and time bucket: the server-span sums that do NOT count (units not
 * valid, or a variant other than the unit's arm), to subtract from the by-minute totals.
 */
export function buildExcludedRequestSeriesSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT variant,
  toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({bucketSeconds:UInt32}))) AS bucket,
  toFloat64(sum(requests)) AS requests, toFloat64(sum(errors)) AS errors, sum(latency_sum_ms) AS latency
FROM ${tables.variantRequests}
WHERE flag_key = {flagKey:String} AND span_kind = 'server'
  AND (unit_id, toString(variant)) IN (
    SELECT unit_id, stamped FROM units ARRAY JOIN requests.1 AS stamped
    WHERE ${UNCOUNTED_STAMP}
  )
GROUP BY variant, bucket
ORDER BY variant, bucket`;
}

/**
 * Conversions through the rollup. Only units that converted ({event} or any) are looked up
 * (their by-unit rows by primary key), so the cost follows the converting units, not all units:
 * per arm, over valid converting units first exposed in [{sinceMs}, {untilMs}): Σy, Σx, Σx²,
 * Σxy and conversions (y, x as in `buildConversionMomentsSql`). Non-converting units add 0 to
 * every sum; the caller adds their count.
 */
export function buildRollupConversionMomentsSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT arm AS variant,
  sum(y) AS sum_converted, sum(x) AS sum_pre, sum(x * x) AS sum_pre_sq, sum(x * y) AS sum_pre_converted,
  sum(conversions) AS conversions
FROM (
  SELECT u.arm AS arm, u.unit_id AS unit_id,
    ${UNIT_CONVERSION_COLUMNS}
  FROM (
    SELECT unit_id, arm, fromUnixTimestamp64Nano(first_ns) AS first_exposure FROM units
    WHERE valid
      AND first_ns >= {sinceMs:Int64} * 1000000 AND first_ns < {untilMs:Int64} * 1000000
  ) AS u
  INNER JOIN ${buildConversionsJoin(tables)}
  GROUP BY u.arm, u.unit_id
)
GROUP BY variant
ORDER BY variant`;
}

/** Per arm: valid units first exposed in [{sinceMs}, {untilMs}) (conversion denominators). */
export function buildRollupWindowUnitsSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT arm AS variant, count() AS units
FROM units
WHERE valid AND first_ns >= {sinceMs:Int64} * 1000000 AND first_ns < {untilMs:Int64} * 1000000
GROUP BY variant
ORDER BY variant`;
}

/**
 * Conversions of every event at once, through the rollup (converting units only, looked up as in
 * `buildRollupConversionMomentsSql`): per event and arm, the conversions of the flag's valid
 * units (any time: the events are ranked by them) and, over valid units first exposed in
 * [{sinceMs}, {untilMs}), the moments of `buildRollupConversionMomentsSql` for that event.
 */
export function buildRollupConversionsByEventSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return `WITH ${buildRollupUnitsCte(tables, merge)}
SELECT event, toString(arm) AS variant,
  sum(unit_conversions) AS event_conversions,
  sumIf(y, in_window) AS sum_converted, sumIf(x, in_window) AS sum_pre,
  sumIf(x * x, in_window) AS sum_pre_sq, sumIf(x * y, in_window) AS sum_pre_converted,
  sumIf(conversions, in_window) AS conversions
FROM (
  SELECT c.event AS event, u.arm AS arm, u.unit_id AS unit_id, any(u.in_window) AS in_window,
    count() AS unit_conversions,
    ${UNIT_CONVERSION_COLUMNS}
  FROM (
    SELECT unit_id, arm, fromUnixTimestamp64Nano(first_ns) AS first_exposure,
      first_ns >= {sinceMs:Int64} * 1000000 AND first_ns < {untilMs:Int64} * 1000000 AS in_window
    FROM units
    WHERE valid
  ) AS u
  INNER JOIN (SELECT unit_id, event, timestamp FROM ${tables.conversions}) AS c ON c.unit_id = u.unit_id
  GROUP BY c.event, u.arm, u.unit_id
)
GROUP BY event, arm
ORDER BY event, variant`;
}

/**
 * `buildFirstConversionsSql` through the rollup: valid units from the merged by-unit rows (read
 * with {unitFilter} = 1, so only units with conversions are looked up, by primary key).
 */
export function buildRollupSeriesConversionsSql(
  tables: TableNames,
  merge: RollupMerge = 'final',
): string {
  return buildFirstConversionsSql({
    tables,
    cte: buildRollupUnitsCte(tables, merge),
    units: `SELECT unit_id, arm, fromUnixTimestamp64Nano(first_ns) AS first_exposure FROM units
    WHERE valid AND first_ns >= {sinceMs:Int64} * 1000000 AND first_ns < {untilMs:Int64} * 1000000`,
  });
}
