/**
 * `StatsQueries` over the rollups of migration 0203, for the unfiltered scope: passes over the
 * by-unit rollup give units and request moments, histograms, quantile moments, breakdown and the
 * exposure series; the histograms and request series come from the by-minute rollup (minus what
 * units that do not count contributed, when there are any); conversions look up only the
 * converting units. Same numbers as the raw family up to floating-point summation order.
 */
import type { ScopeParams } from './arm-queries.js';
import { chooseRollupMerge, rollupMergeOf } from './choose-rollup-merge.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  fetchExemplars,
  fetchSeriesConversions,
  fetchScopedMetricArms,
  fetchSeriesMoments,
  fetchTimeRange,
  runQuantileStats,
  type ScopedQueries,
} from './raw-stats-queries.js';
import { MAX_CONVERSION_EVENTS } from './results-queries.js';
import {
  buildExcludedHistogramSql,
  buildExcludedRequestSeriesSql,
  buildRollupArmsSql,
  buildRollupBreakdownSql,
  buildRollupConversionMomentsSql,
  buildRollupConversionsByEventSql,
  buildRollupExposureSeriesSql,
  buildRollupMinuteHistogramSql,
  buildRollupQuantileMomentsSql,
  buildRollupRequestMomentsSql,
  buildRollupRequestSeriesSql,
  buildRollupSeriesConversionsSql,
  buildRollupTimeRangeSql,
  buildRollupWindowUnitsSql,
} from './rollup-queries.js';
import { fetchSeriesQuantiles } from './series-quantile-stats.js';
import type { StatsQueries } from './stats-queries.js';
import {
  buildConversionArms,
  buildRequestMoments,
  type ArmUnits,
  type BreakdownCell,
  type ConversionArm,
  type ConversionRow,
  type Fetched,
  type RequestMomentSums,
  type RequestMoments,
  type SeriesRow,
} from './stats-rows.js';

interface ArmRow extends RequestMomentSums {
  variant: string;
  first_exposure_ms: string | number;
  multi_variant_units: string | number;
  request_units: string | number;
  excluded_request_units: string | number;
}

/** The arms pass, read once per handle: later queries use what it found. */
interface RollupState extends ScopedQueries {
  arms?: Promise<{ units: ArmUnits; hasExcluded: boolean }>;
}

/**
 * Opens the rollup family on a scope: chooses how its reads merge the by-unit parts
 * (`chooseRollupMerge`, two queries, ~0.5 s at 1 M units), or with `chooseMerge: false` keeps the
 * scope's default (FINAL, the maps read: always right, slower for the built-ins) — for handles
 * opened for catalog metrics, which never read the by-unit rollup.
 */
export async function createRollupStatsQueries(
  context: AnalysisContext,
  scope: ScopeParams,
  options: { chooseMerge?: boolean } = {},
): Promise<StatsQueries> {
  const params = options.chooseMerge === false ? scope : await chooseRollupMerge(context, scope);
  const q: RollupState = { context, params };
  const merge = rollupMergeOf(params);
  const tables = context.tables;
  const arms = () => (q.arms ??= fetchRollupArms(q));
  return {
    source: 'rollup',
    params,
    armUnits: async () => (await arms()).units,
    requestMoments: () => fetchRollupRequestMoments(q),
    latencyHistograms: () => fetchRollupHistograms(q),
    quantileStats: (input) =>
      runQuantileStats(context, {
        ...input,
        params,
        sql: buildRollupQuantileMomentsSql(tables, merge),
      }),
    conversionStats: (input) => fetchRollupConversionStats(q, input),
    conversionsByEvent: (windowSeconds) => fetchRollupConversionsByEvent(q, windowSeconds),
    breakdown: () => fetchRollupBreakdown(q),
    timeRange: () => fetchTimeRange(context, buildRollupTimeRangeSql(tables), params),
    requestSeries: (bucketSeconds) => fetchRollupRequestSeries(q, bucketSeconds),
    exposureSeries: async (bucketSeconds) =>
      fetchRollupExposureSeries(q, {
        bucketSeconds,
        variants: (await arms()).units.units.map((row) => row.variant),
      }),
    seriesMoments: (bucketSeconds) => fetchSeriesMoments(context, { ...params, bucketSeconds }),
    seriesQuantiles: (input) => fetchSeriesQuantiles(context, { ...input, params }),
    seriesConversions: (input) =>
      fetchSeriesConversions(context, {
        sql: buildRollupSeriesConversionsSql(tables, merge),
        params: { ...params, unitFilter: 1 },
        ...input,
      }),
    exemplars: (input) => fetchExemplars(context, { ...input, params }),
    metricArms: (input) => fetchScopedMetricArms(q, { ...input, records: 'materialized' }),
  };
}

/** Whether some unit has requests that do not count (true until the arms pass says otherwise). */
async function hasExcludedRequests(q: RollupState): Promise<boolean> {
  return q.arms === undefined ? true : (await q.arms).hasExcluded;
}

async function fetchRollupArms(
  q: ScopedQueries,
): Promise<{ units: ArmUnits; hasExcluded: boolean }> {
  const rows = await queryRows<ArmRow>(
    q.context,
    buildRollupArmsSql(q.context.tables, rollupMergeOf(q.params)),
    q.params,
  );
  const valid = rows.filter((row) => row.variant !== '' && Number(row.units) > 0);
  // Request moments of the arms with requests (units = units with requests, as the raw query).
  const requests = new Map(
    valid
      .filter((row) => Number(row.request_units) > 0)
      .map((row) => [row.variant, buildRequestMoments({ ...row, units: row.request_units })]),
  );
  return {
    units: {
      units: valid.map((row) => ({
        variant: row.variant,
        units: Number(row.units),
        firstExposureMs: Number(row.first_exposure_ms),
      })),
      excludedMultiVariant: rows.reduce((sum, row) => sum + Number(row.multi_variant_units), 0),
      requests,
    },
    hasExcluded: rows.some((row) => Number(row.excluded_request_units) > 0),
  };
}

async function fetchRollupRequestMoments({
  context,
  params,
}: ScopedQueries): Promise<Fetched<Map<string, RequestMoments>>> {
  const sql = buildRollupRequestMomentsSql(context.tables, rollupMergeOf(params));
  const rows = await queryRows<RequestMomentSums & { variant: string }>(context, sql, params);
  return { value: new Map(rows.map((row) => [row.variant, buildRequestMoments(row)])), sql };
}

type BucketRow = { variant: string; bucket: number; requests: string | number };

/**
 * The by-minute histograms of every unit minus those of the requests that do not count: the
 * per-unit pass only touches units with excluded requests (usually few), not every unit.
 */
async function fetchRollupHistograms(
  q: RollupState,
): Promise<Fetched<Map<string, LatencyHistogram>>> {
  const { context, params } = q;
  const hasExcluded = await hasExcludedRequests(q);
  const totalSql = buildRollupMinuteHistogramSql(context.tables);
  const excludedSql = buildExcludedHistogramSql(context.tables, rollupMergeOf(params));
  const totals = await queryRows<BucketRow>(context, totalSql, params);
  const excluded = hasExcluded ? await queryRows<BucketRow>(context, excludedSql, params) : [];
  const minus = new Map(excluded.map((row) => [`${row.variant}\x1F${row.bucket}`, row.requests]));
  const byVariant = new Map<string, Record<string, number>>();
  for (const row of totals) {
    const count = Number(row.requests) - Number(minus.get(`${row.variant}\x1F${row.bucket}`) ?? 0);
    if (count <= 0) continue;
    const histogram = byVariant.get(row.variant) ?? {};
    histogram[String(row.bucket)] = count;
    byVariant.set(row.variant, histogram);
  }
  return { value: byVariant, sql: hasExcluded ? `${totalSql};\n\n${excludedSql}` : totalSql };
}

/** Valid units per arm first exposed in the window: from the arms pass when it covers all time. */
async function fetchWindowUnits(q: RollupState): Promise<ReadonlyMap<string, number>> {
  if (q.arms !== undefined && q.params.sinceMs === 0) {
    return new Map((await q.arms).units.units.map((row) => [row.variant, row.units]));
  }
  const rows = await queryRows<{ variant: string; units: string }>(
    q.context,
    buildRollupWindowUnitsSql(q.context.tables, rollupMergeOf(q.params)),
    q.params,
  );
  return new Map(rows.map((row) => [row.variant, Number(row.units)]));
}

/** Conversions of one event: only the converting units are looked up (cost follows conversions). */
async function fetchRollupConversionStats(
  q: RollupState,
  input: { event: string; windowSeconds: number },
): Promise<Fetched<Map<string, ConversionArm>>> {
  const sql = buildRollupConversionMomentsSql(q.context.tables, rollupMergeOf(q.params));
  const sums = await queryRows<Omit<ConversionRow, 'units'>>(
    q.context,
    sql,
    { ...q.params, ...input, unitFilter: 1 },
    { indexForInSubqueries: true },
  );
  return { value: buildWindowConversionArms(sums, await fetchWindowUnits(q)), sql };
}

/**
 * Conversion statistics of the flag's most frequent events ({@link MAX_CONVERSION_EVENTS}), all
 * from one pass over the converting units of the rollup (`buildRollupConversionsByEventSql`).
 */
async function fetchRollupConversionsByEvent(
  q: RollupState,
  windowSeconds: number,
): Promise<{ event: string; byVariant: Map<string, ConversionArm> }[]> {
  const rows = await queryRows<
    Omit<ConversionRow, 'units'> & { event: string; event_conversions: string | number }
  >(
    q.context,
    buildRollupConversionsByEventSql(q.context.tables, rollupMergeOf(q.params)),
    { ...q.params, event: '', windowSeconds, unitFilter: 1 },
    { indexForInSubqueries: true },
  );
  const windowUnits = await fetchWindowUnits(q);
  const byEvent = new Map<string, { total: number; rows: typeof rows }>();
  for (const row of rows) {
    const entry = byEvent.get(row.event) ?? { total: 0, rows: [] };
    entry.total += Number(row.event_conversions);
    entry.rows.push(row);
    byEvent.set(row.event, entry);
  }
  return [...byEvent]
    .sort(([a, x], [b, y]) => y.total - x.total || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_CONVERSION_EVENTS)
    .map(([event, entry]) => ({
      event,
      byVariant: buildWindowConversionArms(entry.rows, windowUnits),
    }));
}

/**
 * Arms with valid units in the window (`windowUnits`), with the sums of their converting units
 * (arms without any add zeros: non-converting units add 0 to every sum).
 */
function buildWindowConversionArms(
  sums: readonly Omit<ConversionRow, 'units'>[],
  windowUnits: ReadonlyMap<string, number>,
): Map<string, ConversionArm> {
  const byArm = new Map(sums.map((row) => [row.variant, row]));
  const rows: ConversionRow[] = [...windowUnits]
    .filter(([, units]) => units > 0)
    .map(([variant, units]) => ({
      sum_converted: 0,
      sum_pre: 0,
      sum_pre_sq: 0,
      sum_pre_converted: 0,
      conversions: 0,
      ...byArm.get(variant),
      variant,
      units,
    }));
  return buildConversionArms(rows);
}

async function fetchRollupBreakdown({ context, params }: ScopedQueries): Promise<BreakdownCell[]> {
  type Row = RequestMomentSums & { variant: string; dimension: string; segment: string };
  const rows = await queryRows<Row>(
    context,
    buildRollupBreakdownSql(context.tables, rollupMergeOf(params)),
    params,
  );
  return rows.map((row) => ({
    dimension: row.dimension,
    segment: row.segment,
    variant: row.variant,
    moments: buildRequestMoments(row),
  }));
}

async function fetchRollupExposureSeries(
  { context, params }: ScopedQueries,
  input: { bucketSeconds: number; variants: string[] },
): Promise<SeriesRow[]> {
  const rows = await queryRows<{ variant: string; bucket: number; units: string | number }>(
    context,
    buildRollupExposureSeriesSql(context.tables, rollupMergeOf(params)),
    { ...params, ...input },
  );
  return rows.map((row) => ({
    variant: row.variant,
    bucket: row.bucket,
    units: Number(row.units),
  }));
}

/**
 * Per variant and bucket: the by-minute totals, minus the requests of units that do not count
 * (only queried when the arms pass found some, or was not run).
 */
async function fetchRollupRequestSeries(
  q: RollupState,
  bucketSeconds: number,
): Promise<SeriesRow[]> {
  type Row = Required<Omit<SeriesRow, 'units'>>;
  const { context } = q;
  const params = { ...q.params, bucketSeconds };
  const totals = await queryRows<Row>(context, buildRollupRequestSeriesSql(context.tables), params);
  if (!(await hasExcludedRequests(q))) return totals;
  const excluded = await queryRows<Row>(
    context,
    buildExcludedRequestSeriesSql(context.tables, rollupMergeOf(params)),
    params,
  );
  const minus = new Map(excluded.map((row) => [`${row.variant}\x1F${row.bucket}`, row]));
  return totals
    .map((row) => {
      const out = minus.get(`${row.variant}\x1F${row.bucket}`);
      if (out === undefined) return row;
      return {
        ...row,
        requests: row.requests - out.requests,
        errors: row.errors - out.errors,
        latency: row.latency - out.latency,
      };
    })
    .filter((row) => row.requests > 0);
}
