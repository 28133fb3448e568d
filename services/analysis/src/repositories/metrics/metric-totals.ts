/**
 * Every materialized catalog metric of one flag in one query: the flag's valid units built once
 * (a materialized CTE) instead of once per metric, each metric's records read from
 * `metricRecords` and added up per unit (`UNIT_TOTALS_SQL`), then each kind's per-unit value
 * (`buildTotalsSql`) and the per-arm moments its `readStats` reads — the same statistics as
 * `buildMetricSql` on the same records, one metric at a time. Kinds without totals SQL
 * (quantiles), definitions with CUPED, and versions whose records are not complete are not
 * served here (`fetchMetricArms` reads them).
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

/**
 * The query: per metric and arm the moments of the kind's per-unit value over its counted
 * units (`units`, `sum_y`, `sum_x`, `sum_y_sq`, `sum_x_sq`, `sum_xy`), and per arm its valid
 * units (metric_id ''), which `everyUnit` kinds count units without records against.
 */
export function buildMetricTotalsSql(input: {
  metrics: readonly VersionedMetric[];
  tables: AnalysisContext['tables'];
  scope: MetricScope;
}): { sql: string; params: SqlParams } {
  const { scope, tables } = input;
  const params: SqlParams = {
    flagKey: scope.flagKey,
    environment: scope.environment,
    sinceMs: scope.sinceMs,
    untilMs: scope.untilMs,
  };
  const keys: string[] = [];
  const y: string[] = [];
  const x: string[] = [];
  const counted: string[] = [];
  const afterExposure: string[] = [];
  input.metrics.forEach(({ definition, version }, i) => {
    const kind = METRIC_KIND_MODULES[definition.kind];
    const totals = kind.buildTotalsSql?.(definition);
    if (totals === undefined) throw new Error(`metric ${definition.id}: no totals SQL`);
    const prefix = `m${i}`;
    const own = kind.buildParams(definition);
    for (const [name, value] of Object.entries(own)) params[`${prefix}_${name}`] = value;
    params[`${prefix}_id`] = definition.id;
    params[`${prefix}_version`] = version;
    const is = `metric_id = {${prefix}_id:String}`;
    keys.push(`(r.${is} AND r.metric_version = {${prefix}_version:UInt32})`);
    y.push(is, prefixParams(totals.y, own, prefix));
    x.push(is, prefixParams(totals.x, own, prefix));
    counted.push(is, prefixParams(totals.counted, own, prefix));
    if (metricSourceCountsAfterExposure(definition)) afterExposure.push(`r.${is}`);
  });
  const after =
    afterExposure.length === 0
      ? '1'
      : `NOT (${afterExposure.join(' OR ')})
        OR r.rec_time >= v.first_exposure`;
  const sql = `WITH ${buildValidUnitsCte(tables, { materialized: true })}
SELECT metric_id, variant, count() AS units, sum(y) AS sum_y, sum(x) AS sum_x,
  sum(y * y) AS sum_y_sq, sum(x * x) AS sum_x_sq, sum(x * y) AS sum_xy
FROM (
  SELECT metric_id, variant, multiIf(${y.join(', ')}, 0) AS y, multiIf(${x.join(', ')}, 0) AS x,
    multiIf(${counted.join(', ')}, 0) AS counted
  FROM (
    SELECT r.metric_id AS metric_id, v.arm AS variant, r.unit_id AS unit_id,
      ${UNIT_TOTALS_SQL}
    FROM ${tables.metricRecords} AS r INNER JOIN valid_units AS v ON v.unit_id = r.unit_id
    WHERE r.flag_key = {flagKey:String} AND (${keys.join(' OR ')})
      AND r.rec_time >= fromUnixTimestamp64Milli({sinceMs:Int64})
      AND r.rec_time < fromUnixTimestamp64Milli({untilMs:Int64})
      AND (${after})
    GROUP BY metric_id, variant, unit_id
  )
  WHERE counted
)
GROUP BY metric_id, variant
UNION ALL
SELECT '' AS metric_id, arm AS variant, count() AS units, 0, 0, 0, 0, 0
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

/**
 * Per metric (by id) the arms of every metric `hasMetricTotals` accepts whose records for that
 * version are complete, in one query; the others are left out of the map.
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
  const { sql, params } = buildMetricTotalsSql({ metrics, tables: context.tables, scope });
  const rows = await queryRows<Record<string, unknown>>(context, sql, params);
  const armUnits = new Map(
    rows.filter((row) => row.metric_id === '').map((row) => [String(row.variant), row]),
  );
  for (const { definition } of metrics) {
    const kind = METRIC_KIND_MODULES[definition.kind];
    const everyUnit = kind.buildTotalsSql?.(definition).everyUnit === true;
    const arms = new Map<string, MetricStats>();
    const own = rows.filter((row) => row.metric_id === definition.id);
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
    out.set(definition.id, { arms, sql, params, records: 'materialized' });
  }
  return out;
}
