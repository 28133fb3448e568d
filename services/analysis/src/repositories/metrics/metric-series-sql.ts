/**
 * The time series of one catalog metric in one query: at every checkpoint (bucket starts, ascending)
 * each arm's sufficient statistics over the units first exposed and the records before that
 * bucket's end, computed by the metric's own kind (`buildMetricSeriesSql`). A record or an
 * exposure after the last checkpoint counts at the last one, so the last point holds everything
 * the scorecard's query reads.
 *
 * Sum-based kinds (proportion, mean, count, ratio): each unit's record totals per checkpoint,
 * added up along its checkpoints (`arrayCumSum`), its per-unit value at each by the kind's own
 * `buildTotalsSql` (the SQL `metric-totals.ts` reads all-time totals with), and what each
 * checkpoint changes in the arm's sums (units, Σy, Σy², Σx, Σx², Σxy); one row per arm and
 * checkpoint with a change, cumulated by the caller. Cost: one pass over the records, no product
 * of records and checkpoints. Quantiles need every record's value below each checkpoint's
 * quantile: each record is repeated at every checkpoint from its own on (at most
 * `MAX_QUANTILE_CHECKPOINTS` of them), one row per arm and checkpoint, already cumulative.
 * Metric data points: a series' record is its total over its points (not a sum of records), so
 * the records are each series' total at every checkpoint (`MetricScope.atCheckpoints`), taken
 * as the unit's totals there as they are, not cumulated again.
 */
import type { MetricDefinition } from '@tripwire/schema';
import type { TableNames } from '../../config.js';
import { buildValidUnitsCte } from '../arm-queries.js';
import { buildQuantileSql } from './kinds/quantile.js';
import { buildCheckpointParams, POINT_OF, POINTS_FROM } from './metric-checkpoints.js';
import { METRIC_KIND_MODULES } from './metric-kinds.js';
import type { SqlParams } from './metric-predicates.js';
import {
  buildRecordRowsQuery,
  buildScopedRecords,
  type MetricScope,
  UNIT_MINUTE_TOTALS,
} from './metric-sql.js';

/**
 * The totals `TotalsSql` (`buildTotalsSql` of each kind) reads, as lambda parameters over the
 * unit's cumulative arrays; `y_avg` is Σ/count so far (the mean of its numerator values).
 */
const TOTALS = [
  'y_sum',
  'y_hits',
  'y_positive',
  'y_max',
  'y_min',
  'y_avg',
  'x_sum',
  'x_hits',
] as const;
type TotalName = (typeof TOTALS)[number];

const EXPOSED_MINUTE = 'intDiv(toUnixTimestamp(first_exposure), 60)';

/** Each valid unit's record totals per checkpoint, with a zero row at its exposure's checkpoint. */
const UNIT_POINTS_CTE = `unit_points AS (
    SELECT unit_id, ${POINT_OF('minute')} AS point,
      sum(y_sum) AS y_sum, sum(y_hits) AS y_hits, sum(y_positive) AS y_positive,
      max(y_max) AS y_max, min(y_min) AS y_min, sum(x_sum) AS x_sum, sum(x_hits) AS x_hits
    FROM ${UNIT_MINUTE_TOTALS}
    GROUP BY unit_id, point
  )`;

/** Position of each summed total in the `unit_series` tuples (`y_avg` is derived). */
const TUPLE: Record<Exclude<TotalName, 'y_avg'>, number> = {
  y_sum: 2,
  y_hits: 3,
  y_positive: 4,
  y_max: 5,
  y_min: 6,
  x_sum: 7,
  x_hits: 8,
};

/** The kind's per-unit SQL over the totals (`buildTotalsSql`): counted, y and x. */
function readTotalsSql(definition: MetricDefinition): { counted: string; y: string; x: string } {
  const totals = METRIC_KIND_MODULES[definition.kind].buildTotalsSql?.(definition);
  if (totals === undefined) throw new Error(`kind ${definition.kind} has no totals SQL`);
  return totals;
}

/** Whether the kind's per-unit SQL (`counted y x`) reads the unit's total `total`. */
const readsTotal = (sql: string, total: TotalName) => new RegExp(`\\b${total}\\b`).test(sql);

/**
 * The unit's totals along its checkpoints so far: sums cumulated, max/min running (only when the
 * kind reads them: O(checkpoints²) per unit), the mean as Σ/count.
 */
function cumulateTotal(total: TotalName, input: { sql: string; isStates: boolean }): string {
  const { sql, isStates } = input;
  if (total === 'y_avg')
    return 'arrayMap((total, hits) -> total / hits, c_y_sum, c_y_hits) AS c_y_avg';
  const values = `arrayMap(t -> toFloat64(t.${TUPLE[total]}), s)`;
  // States (metric data points at checkpoints): each checkpoint's records are the totals so far.
  if (isStates) return `${values} AS c_${total}`;
  if (total === 'y_max' || total === 'y_min') {
    if (!readsTotal(sql, total)) return `c_y_sum AS c_${total}`;
    const pick = total === 'y_max' ? 'arrayMax' : 'arrayMin';
    return `arrayMap(i -> ${pick}(arraySlice(${values}, 1, i)), arrayEnumerate(s)) AS c_${total}`;
  }
  return `arrayCumSum(${values}) AS c_${total}`;
}

/** [a1, a2 − a1, …]: what each checkpoint adds. */
const DELTA = (values: string) => `arrayPopFront(arrayDifference(arrayPushFront(${values}, 0)))`;

function buildSumKindSelect(definition: MetricDefinition, isStates: boolean): string {
  const { counted, y, x } = readTotalsSql(definition);
  // Each checkpoint's per-unit value: the kind's own SQL over the totals so far.
  const perPoint = (sql: string) =>
    `arrayMap((${TOTALS.join(', ')}) -> ${sql}, ${TOTALS.map((t) => `c_${t}`).join(', ')})`;
  return `SELECT variant, point, sum(d_units) AS units, sum(d_y) AS sum_y, sum(d_y_sq) AS sum_y_sq,
  sum(d_x) AS sum_x, sum(d_x_sq) AS sum_x_sq, sum(d_xy) AS sum_xy
FROM (
  SELECT variant, points, ${TOTALS.map((t) => cumulateTotal(t, { sql: `${counted} ${y} ${x}`, isStates })).join(',\n    ')},
    arrayMap((p, c) -> toFloat64(p >= exposed AND c), points, ${perPoint(counted)}) AS counted,
    arrayMap((c, v) -> if(c > 0, v, 0), counted, ${perPoint(y)}) AS ys,
    arrayMap((c, v) -> if(c > 0, v, 0), counted, ${perPoint(x)}) AS xs,
    ${DELTA('counted')} AS d_units_all, ${DELTA('ys')} AS d_y_all,
    ${DELTA('arrayMap(y -> y * y, ys)')} AS d_y_sq_all, ${DELTA('xs')} AS d_x_all,
    ${DELTA('arrayMap(x -> x * x, xs)')} AS d_x_sq_all,
    ${DELTA('arrayMap((x, y) -> x * y, xs, ys)')} AS d_xy_all
  FROM (
    SELECT v.arm AS variant, v.exposed AS exposed,
      arraySort(groupArray(tuple(p.point, p.y_sum, p.y_hits, p.y_positive, p.y_max, p.y_min, p.x_sum, p.x_hits))) AS s,
      arrayMap(t -> t.1, s) AS points
    FROM unit_points AS p
    INNER JOIN (SELECT unit_id, arm, ${POINT_OF(EXPOSED_MINUTE)} AS exposed FROM valid_units) AS v
      ON v.unit_id = p.unit_id
    GROUP BY variant, p.unit_id, exposed
  )
)
ARRAY JOIN points AS point, d_units_all AS d_units, d_y_all AS d_y, d_y_sq_all AS d_y_sq,
  d_x_all AS d_x, d_x_sq_all AS d_x_sq, d_xy_all AS d_xy
GROUP BY variant, point
ORDER BY variant, point`;
}

/**
 * The quantile kind's query (`kinds/quantile.ts`) with each record at every checkpoint from its
 * own on (`isStates`: at its own checkpoint only, metric data points already are per checkpoint),
 * from its unit's exposure's on.
 */
const buildQuantileSeriesSql = (isStates: boolean) =>
  buildQuantileSql({
    point: isStates ? POINT_OF('r.rec_minute') : POINTS_FROM(POINT_OF('r.rec_minute')),
    where: `point >= ${POINT_OF('intDiv(toUnixTimestamp(v.first_exposure), 60)')}`,
  });

/** How the rows of `buildMetricSeriesSql` read: what each checkpoint adds, or the totals so far. */
export type MetricSeriesRows = 'increments' | 'cumulative';

/**
 * Metric data points: each series' states where they change (`MetricScope.atCheckpoints`), by
 * series and checkpoint index.
 */
const POINT_STATES_CTE = (rows: string) => `point_states AS (
    SELECT r.unit_id AS unit_id, r.series AS series, ${POINT_OF('intDiv(toUnixTimestamp(r.rec_time), 60)')} AS point,
      r.y_rec AS y_rec, r.y_hit AS y_hit, r.x_rec AS x_rec, r.x_hit AS x_hit
    FROM (${rows}) AS r
  )`;

/** The window of a series' states up to the current one. */
const SERIES_SO_FAR =
  'PARTITION BY series ORDER BY point ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

/**
 * Each valid unit's totals as its series change: per series and checkpoint with a new state, the
 * state's change over the series' previous one (its Σ, 1 series more at its first, the change
 * in whether it is positive), summed per unit and checkpoint, with a zero row at the unit's
 * exposure's checkpoint; cumulated, the totals of its series' states. Not for `y_max`/`y_min`.
 */
const POINT_CHANGES_CTE = `unit_points AS (
    SELECT unit_id, point, sum(y_sum) AS y_sum, sum(y_hits) AS y_hits, sum(y_positive) AS y_positive,
      -inf AS y_max, inf AS y_min, sum(x_sum) AS x_sum, sum(x_hits) AS x_hits
    FROM (
      SELECT unit_id, ${POINT_OF(EXPOSED_MINUTE)} AS point, 0 AS y_sum, 0 AS y_hits, 0 AS y_positive,
        0 AS x_sum, 0 AS x_hits
      FROM valid_units
      UNION ALL
      SELECT unit_id, point, ys - lagInFrame(ys, 1, 0.) OVER w AS y_sum,
        yh - lagInFrame(yh, 1, 0.) OVER w AS y_hits, yp - lagInFrame(yp, 1, 0.) OVER w AS y_positive,
        xs - lagInFrame(xs, 1, 0.) OVER w AS x_sum, xh - lagInFrame(xh, 1, 0.) OVER w AS x_hits
      FROM (
        SELECT unit_id, series, point, if(y_hit, y_rec, 0.) AS ys, toFloat64(y_hit) AS yh,
          toFloat64(y_hit AND y_rec > 0) AS yp, if(x_hit, x_rec, 0.) AS xs, toFloat64(x_hit) AS xh
        FROM point_states
      )
      WINDOW w AS (${SERIES_SO_FAR})
    )
    GROUP BY unit_id, point
  )`;

/**
 * The `records` of every series at every checkpoint from its first state on: each state repeated
 * up to the series' next one, timed at the checkpoint's start (what the quantile kind and a
 * unit's running max or min read). O(series × checkpoints) rows.
 */
const POINT_RECORDS_CTE = `records AS (
    SELECT unit_id, y_rec, y_hit, x_rec, x_hit, intDiv({checkpoints:Array(Int64)}[at], 60) AS rec_minute
    FROM (
      SELECT *, leadInFrame(point, 1, toUInt32(length({checkpoints:Array(Int64)}) + 1)) OVER (
        PARTITION BY series ORDER BY point ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next
      FROM point_states
    )
    ARRAY JOIN range(point, next) AS at
  )`;

/** Whether a sum kind's per-unit values read the unit's running max or min. */
function readsExtremes(definition: MetricDefinition): boolean {
  const { counted, y, x } = readTotalsSql(definition);
  const sql = `${counted} ${y} ${x}`;
  return readsTotal(sql, 'y_max') || readsTotal(sql, 'y_min');
}

/**
 * Metric data points: their records (`POINT_RECORDS_CTE`, as states, for the quantile kind and
 * running max/min) or each unit's totals as its series change (`POINT_CHANGES_CTE`, cumulated).
 */
function buildPointCtes(input: {
  definition: MetricDefinition;
  tables: TableNames;
  scope: MetricScope;
}): { ctes: string[]; params: SqlParams; isStates: boolean } {
  const { definition } = input;
  const rows = buildRecordRowsQuery({ ...input, scope: { ...input.scope, atCheckpoints: true } });
  const states = POINT_STATES_CTE(rows.sql);
  const isStates = definition.kind === 'quantile' || readsExtremes(definition);
  const ctes = isStates
    ? [states, POINT_RECORDS_CTE, ...(definition.kind === 'quantile' ? [] : [UNIT_POINTS_CTE])]
    : [states, POINT_CHANGES_CTE];
  return { ctes, params: rows.params, isStates };
}

/**
 * The series query of one definition: rows (variant, point = 1-based checkpoint index, the
 * kind's statistic columns). Every value is a typed parameter; `checkpoints` are bucket starts
 * (unix seconds, ascending) of `bucketSeconds`-wide buckets (a multiple of 60).
 */
export function buildMetricSeriesSql(input: {
  definition: MetricDefinition;
  tables: TableNames;
  scope: MetricScope;
  bucketSeconds: number;
  checkpoints: readonly number[];
}): { sql: string; params: SqlParams; rows: MetricSeriesRows } {
  const { definition, tables } = input;
  const kind = definition.kind;
  // A data-point series' record is its total over its points: its states instead.
  const built =
    definition.source === 'metric_points'
      ? buildPointCtes(input)
      : (() => {
          const { records, params } = buildScopedRecords(input);
          const ctes = kind === 'quantile' ? [records] : [records, UNIT_POINTS_CTE];
          return { ctes, params, isStates: false };
        })();
  const { ctes, params, isStates } = built;
  Object.assign(
    params,
    METRIC_KIND_MODULES[kind].buildParams(definition),
    buildCheckpointParams(input),
  );
  const base = [buildValidUnitsCte(tables), ...ctes];
  if (kind === 'quantile') {
    const quantile = buildQuantileSeriesSql(isStates);
    const sql = `WITH ${[...base, ...quantile.ctes].join(',\n  ')}\n${quantile.select}`;
    return { sql, params, rows: 'cumulative' };
  }
  const sql = `WITH ${base.join(',\n  ')}\n${buildSumKindSelect(definition, isStates)}`;
  return { sql, params, rows: 'increments' };
}
