/**
 * Every materialized catalog metric of one flag in one query: the flag's valid units built once
 * (a materialized CTE) instead of once per metric, each metric's per-unit totals read from
 * `metricTotals` (migration 0262: kept at ingest, one row per unit) — or for tracked events, and
 * when the window cuts some unit's records, its records from `metricRecords` added up per unit
 * (`UNIT_TOTALS_SQL`) —, then each kind's per-unit value (`buildTotalsSql`) and the per-arm
 * moments its `readStats` reads: the same statistics as `buildMetricSql` on the same records, one
 * metric at a time. Kinds without totals SQL (quantiles), definitions with CUPED, and versions
 * whose records are not complete are not served here (`fetchMetricArms` reads them).
 */
import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { buildValidUnitsCte } from '../arm-queries.js';
import { queryRows, type AnalysisContext } from '../query-rows.js';
import type { MetricArms } from './fetch-metric-arms.js';
import { EMPTY_UNIT_TOTALS, readNumber, UNIT_TOTALS_SQL } from './metric-kind.js';
import { METRIC_KIND_MODULES } from './metric-kinds.js';
import type { SqlParams } from './metric-predicates.js';
import { isMetricRecordsReady } from './metric-records.js';
import {
  isMaterializable,
  metricSourceCountsAfterExposure,
  type MetricScope,
} from './metric-sql.js';

const FAR_FUTURE_MS = Date.UTC(2200, 0, 1);

/** A catalog metric at its version. */
export interface VersionedMetric {
  definition: MetricDefinition;
  version: number;
}

/** Whether `fetchMetricTotalsArms` can serve a definition (records complete aside). */
export function hasMetricTotals(definition: MetricDefinition, covariate: boolean): boolean {
  const kind = METRIC_KIND_MODULES[definition.kind];
  return !covariate && isMaterializable(definition) && kind.buildTotalsSql !== undefined;
}

/** `{name:Type}` placeholders of one metric's parameters renamed with the metric's prefix. */
function prefixParams(sql: string, params: SqlParams, prefix: string): string {
  let out = sql;
  for (const name of Object.keys(params)) out = out.replaceAll(`{${name}:`, `{${prefix}_${name}:`);
  return out;
}

/** One metric's parts of the query: which rows are its, its per-unit value and whether counted. */
interface MetricPart {
  /** The metric's rows of the records or totals table (alias `r`). */
  key: string;
  /** The metric's rows by id (alias `r`). */
  id: string;
  y: string;
  x: string;
  counted: string;
  afterExposure: boolean;
}

function buildParts(metrics: readonly VersionedMetric[], params: SqlParams): MetricPart[] {
  return metrics.map(({ definition, version }, i) => {
    const kind = METRIC_KIND_MODULES[definition.kind];
    const totals = kind.buildTotalsSql?.(definition);
    if (totals === undefined) throw new Error(`metric ${definition.id}: no totals SQL`);
    const prefix = `m${i}`;
    const own = kind.buildParams(definition);
    for (const [name, value] of Object.entries(own)) params[`${prefix}_${name}`] = value;
    params[`${prefix}_id`] = definition.id;
    params[`${prefix}_version`] = version;
    const is = `metric_id = {${prefix}_id:String}`;
    return {
      key: `(r.${is} AND r.metric_version = {${prefix}_version:UInt32})`,
      id: `r.${is}`,
      y: `${is}, ${prefixParams(totals.y, own, prefix)}`,
      x: `${is}, ${prefixParams(totals.x, own, prefix)}`,
      counted: `${is}, ${prefixParams(totals.counted, own, prefix)}`,
      afterExposure: metricSourceCountsAfterExposure(definition),
    };
  });
}

const SINCE = 'fromUnixTimestamp64Milli({sinceMs:Int64})';
const UNTIL = 'fromUnixTimestamp64Milli({untilMs:Int64})';

/** Per metric, arm and unit its totals added up from its records in the window (`outside` 0). */
function buildRecordUnitsSql(tables: AnalysisContext['tables'], parts: readonly MetricPart[]) {
  const afterExposure = parts.filter((p) => p.afterExposure).map((p) => p.id);
  const after =
    afterExposure.length === 0
      ? '1'
      : `NOT (${afterExposure.join(' OR ')}) OR r.rec_time >= v.first_exposure`;
  return `SELECT r.metric_id AS metric_id, v.arm AS variant, r.unit_id AS unit_id,
      toUInt8(0) AS outside, ${UNIT_TOTALS_SQL}
    FROM ${tables.metricRecords} AS r INNER JOIN valid_units AS v ON v.unit_id = r.unit_id
    WHERE r.flag_key = {flagKey:String} AND (${parts.map((p) => p.key).join(' OR ')})
      AND r.rec_time >= ${SINCE} AND r.rec_time < ${UNTIL} AND (${after})
    GROUP BY metric_id, variant, unit_id`;
}

/**
 * Per metric, arm and unit its totals from `metricTotals` (every record, whatever the window),
 * `outside` when the window cuts the unit's records (a record before `since` or at/after `until`).
 * FINAL adds up a unit's rows of unmerged parts; on merged parts it costs little (measured at
 * 100 k units: 11 ms against 270 ms for the same sums by GROUP BY). Joined on the units' 128-bit
 * key (migration 0265), not the String id: hashing and comparing ids was most of the query.
 */
function buildTotalUnitsSql(tables: AnalysisContext['tables'], parts: readonly MetricPart[]) {
  return `SELECT r.metric_id AS metric_id, v.arm AS variant, r.unit_id AS unit_id,
      toUInt8(r.rec_time_min < ${SINCE} OR r.rec_time_max >= ${UNTIL}) AS outside,
      r.y_rec_sum AS y_sum, r.y_rec_hits AS y_hits, r.y_rec_positive AS y_positive,
      r.y_rec_max AS y_max, r.y_rec_min AS y_min, r.y_rec_sum / r.y_rec_hits AS y_avg,
      r.x_rec_sum AS x_sum, r.x_rec_hits AS x_hits
    FROM ${tables.metricTotals} AS r FINAL INNER JOIN valid_units AS v ON v.unit_key = r.unit_key
    WHERE r.flag_key = {flagKey:String} AND (${parts.map((p) => p.key).join(' OR ')})`;
}

/**
 * The query: per metric and arm the moments of the kind's per-unit value over its counted
 * units (`units`, `sum_y`, `sum_x`, `sum_y_sq`, `sum_x_sq`, `sum_xy`) and `outside`, the units
 * whose records the window cuts (then the per-unit totals do not apply: read it with
 * `fromRecords`); and per arm its valid units (metric_id ''), which `everyUnit` kinds count units
 * without records against. Metrics come from their per-unit totals (`metricTotals`) except
 * tracked events (counted from first exposure on, which totals do not keep) and `fromRecords`,
 * which come from their records.
 */
export function buildMetricTotalsSql(input: {
  metrics: readonly VersionedMetric[];
  tables: AnalysisContext['tables'];
  scope: MetricScope;
  fromRecords?: ReadonlySet<string> | undefined;
}): { sql: string; params: SqlParams } {
  const { scope, tables } = input;
  const params: SqlParams = {
    flagKey: scope.flagKey,
    environment: scope.environment,
    sinceMs: scope.sinceMs,
    untilMs: scope.untilMs,
  };
  const parts = buildParts(input.metrics, params);
  const isRecords = (part: MetricPart, i: number) =>
    part.afterExposure || input.fromRecords?.has(input.metrics[i]?.definition.id ?? '') === true;
  const records = parts.filter((p, i) => isRecords(p, i));
  const totals = parts.filter((p, i) => !isRecords(p, i));
  const units = [
    ...(totals.length === 0 ? [] : [buildTotalUnitsSql(tables, totals)]),
    ...(records.length === 0 ? [] : [buildRecordUnitsSql(tables, records)]),
  ].join('\n    UNION ALL\n    ');
  const sql = `WITH ${buildValidUnitsCte(tables, { materialized: true })}
SELECT metric_id, variant, countIf(counted) AS units, sumIf(y, counted) AS sum_y,
  sumIf(x, counted) AS sum_x, sumIf(y * y, counted) AS sum_y_sq, sumIf(x * x, counted) AS sum_x_sq,
  sumIf(x * y, counted) AS sum_xy, countIf(outside) AS outside
FROM (
  SELECT metric_id, variant, outside, multiIf(${parts.map((p) => p.y).join(', ')}, 0) AS y,
    multiIf(${parts.map((p) => p.x).join(', ')}, 0) AS x,
    multiIf(${parts.map((p) => p.counted).join(', ')}, 0) AS counted
  FROM (
    ${units}
  )
)
GROUP BY metric_id, variant
UNION ALL
SELECT '' AS metric_id, arm AS variant, count() AS units, 0, 0, 0, 0, 0, 0
FROM valid_units
GROUP BY arm`;
  return { sql, params };
}

/**
 * Adds the arm's valid units without records to an `everyUnit` kind's mean statistics, each
 * with the value of empty totals (as the per-metric query's LEFT JOIN counts them).
 */
function addUnitsWithoutRecords(
  stats: MetricStats,
  definition: MetricDefinition,
  armUnits: number,
): MetricStats {
  const empty = METRIC_KIND_MODULES[definition.kind].summarizeUnits?.(
    [EMPTY_UNIT_TOTALS],
    definition,
  );
  if (stats.kind !== 'mean' || empty?.kind !== 'mean') return stats;
  const missing = armUnits - stats.units;
  return {
    kind: 'mean',
    units: armUnits,
    sum: stats.sum + missing * empty.sum,
    sumSquares: stats.sumSquares + missing * empty.sumSquares,
  };
}

/** The query's rows and text, per metric (by id) where its rows came from. */
interface TotalsAnswer {
  rows: Record<string, unknown>[];
  query: Map<string, { sql: string; params: SqlParams }>;
}

/**
 * The rows of `buildMetricTotalsSql` for `metrics`, from their per-unit totals; the metrics whose
 * window cuts some unit's records (`outside`) read again from their records, in a second query.
 */
async function queryTotals(
  context: AnalysisContext,
  input: { metrics: readonly VersionedMetric[]; scope: MetricScope },
): Promise<TotalsAnswer> {
  const first = buildMetricTotalsSql({ ...input, tables: context.tables });
  const rows = await queryRows<Record<string, unknown>>(context, first.sql, first.params);
  const cut = new Set(
    rows.filter((row) => readNumber(row, 'outside') > 0).map((row) => String(row.metric_id)),
  );
  const query = new Map(input.metrics.map(({ definition }) => [definition.id, first]));
  if (cut.size === 0) return { rows, query };
  const again = buildMetricTotalsSql({
    metrics: input.metrics.filter(({ definition }) => cut.has(definition.id)),
    scope: input.scope,
    tables: context.tables,
    fromRecords: cut,
  });
  const reread = await queryRows<Record<string, unknown>>(context, again.sql, again.params);
  for (const id of cut) query.set(id, again);
  return {
    rows: [
      ...rows.filter((row) => !cut.has(String(row.metric_id))),
      ...reread.filter((row) => cut.has(String(row.metric_id))),
    ],
    query,
  };
}

/**
 * Per metric (by id) the arms of every metric `hasMetricTotals` accepts whose records for that
 * version are complete, in one query (two when the window cuts a unit's records); the others are
 * left out of the map.
 */
export async function fetchMetricTotalsArms(
  context: AnalysisContext,
  input: {
    metrics: readonly VersionedMetric[];
    flagKey: string;
    /** Exposures in this environment only; default every environment. */
    environment?: string | undefined;
    /** Records at or after / before these instants. */
    since?: Date | undefined;
    until?: Date | undefined;
    /** Arms to return even without data (zero statistics). */
    variants?: readonly string[] | undefined;
  },
): Promise<Map<string, MetricArms>> {
  const scope: MetricScope = {
    flagKey: input.flagKey,
    environment: input.environment ?? '',
    sinceMs: input.since?.getTime() ?? 0,
    untilMs: input.until?.getTime() ?? FAR_FUTURE_MS,
  };
  const ready = await Promise.all(
    input.metrics.map(({ definition, version }) =>
      hasMetricTotals(definition, false)
        ? isMetricRecordsReady(context, {
            flagKey: scope.flagKey,
            metricId: definition.id,
            version,
          })
        : Promise.resolve(false),
    ),
  );
  const metrics = input.metrics.filter((_, i) => ready[i] === true);
  const out = new Map<string, MetricArms>();
  if (metrics.length === 0) return out;
  const { rows, query } = await queryTotals(context, { metrics, scope });
  const armUnits = new Map(
    rows.filter((row) => row.metric_id === '').map((row) => [String(row.variant), row]),
  );
  for (const { definition } of metrics) {
    const kind = METRIC_KIND_MODULES[definition.kind];
    const everyUnit = kind.buildTotalsSql?.(definition).everyUnit === true;
    const arms = new Map<string, MetricStats>();
    // An arm whose units are all left uncounted has no row, as in the per-metric query.
    const own = rows.filter(
      (row) => row.metric_id === definition.id && readNumber(row, 'units') > 0,
    );
    for (const row of own) arms.set(String(row.variant), kind.readStats(row, definition));
    if (everyUnit) {
      for (const [variant, row] of armUnits) {
        const stats = arms.get(variant) ?? kind.emptyStats(definition);
        arms.set(variant, addUnitsWithoutRecords(stats, definition, readNumber(row, 'units')));
      }
    }
    for (const variant of input.variants ?? []) {
      if (!arms.has(variant)) arms.set(variant, kind.emptyStats(definition));
    }
    const { sql, params } = query.get(definition.id)!;
    out.set(definition.id, { arms, sql, params, records: 'materialized' });
  }
  return out;
}
