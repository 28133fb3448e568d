/**
 * The results endpoint's data from the rollups of migration 0203: one pass over the by-unit
 * rollup gives units, request moments, histograms, breakdown sums and the exposure series; a
 * second gives the quantile moments; the request series comes from the by-minute rollup (minus
 * what units that do not count contributed, when there are any); conversions look up only the
 * converting units. Same numbers as the raw queries (`fetchResultsData({ source: 'raw' })`) up
 * to floating-point summation order.
 */
import type { QuantileStats } from '@tripwire/stats';
import { buildScopeParams, type ScopeParams } from './arm-queries.js';
import { fetchConversionStats } from './fetch-conversion-stats.js';
import type { FetchResultsDataOptions } from './fetch-results-data.js';
import {
  buildRequestMoments,
  fetchQuantileStats,
  type RequestMomentSums,
  type RequestMoments,
} from './fetch-request-stats.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  chooseBucketSeconds,
  QUANTILE_METRICS,
  type BreakdownCell,
  type QuantileMetric,
  type ResultsData,
  type SeriesRow,
} from './results-data.js';
import {
  buildExcludedRequestSeriesSql,
  buildRollupArmsSql,
  buildRollupConversionEventsSql,
  buildRollupRequestSeriesSql,
  buildRollupTimeRangeSql,
  UNEXPOSED_GROUP,
} from './rollup-queries.js';

/** Breakdown sums per "dimension \x1F segment": units, n, n², e, e², e·n, l, l², l·n. */
type BreakdownSums = [string[], number[], number[], number[], number[], number[], ...number[][]];

interface ArmRow extends RequestMomentSums {
  variant: string;
  first_exposure_ms: string | number;
  request_units: string | number;
  histogram: LatencyHistogram;
  breakdown: BreakdownSums;
  exposure_series: [number[], (string | number)[]];
  excluded_request_units: string | number;
}

export async function fetchRollupResultsData(
  context: AnalysisContext,
  options: FetchResultsDataOptions,
): Promise<ResultsData> {
  const params = buildScopeParams({ flagKey: options.flagKey, environment: options.environment });
  const [range] = await queryRows<{ first_minute: number; last_minute: number; rows: string }>(
    context,
    buildRollupTimeRangeSql(context.tables),
    params,
  );
  const bucketSeconds =
    range === undefined || Number(range.rows) === 0
      ? 60
      : chooseBucketSeconds(range.first_minute, range.last_minute);
  const arms = await queryRows<ArmRow>(context, buildRollupArmsSql(context.tables), {
    ...params,
    bucketSeconds,
  });
  const valid = arms.filter((row) => row.variant !== '' && row.variant !== UNEXPOSED_GROUP);
  const quantiles = await fetchRollupQuantiles(context, params, valid);
  const windowUnits = new Map(valid.map((row) => [row.variant, Number(row.units)]));
  const conversions = await fetchRollupConversions(context, params, {
    windowSeconds: options.conversionWindowSeconds,
    windowUnits,
  });
  const excluded = arms.some((row) => Number(row.excluded_request_units) > 0);
  const requestRows = await fetchRollupRequestSeries(
    context,
    { ...params, bucketSeconds },
    excluded,
  );
  return {
    units: valid.map((row) => ({
      variant: row.variant,
      units: Number(row.units),
      firstExposureMs: Number(row.first_exposure_ms),
    })),
    excludedMultiVariant: Number(arms.find((row) => row.variant === '')?.units ?? 0),
    requests: buildArmMoments(valid),
    quantiles,
    conversions,
    breakdown: buildBreakdownCells(valid),
    series: { bucketSeconds, rows: [...requestRows, ...buildExposureSeries(valid)] },
  };
}

/** Request moments of the arms with requests (units = units with requests, as the raw query). */
function buildArmMoments(rows: readonly ArmRow[]): Map<string, RequestMoments> {
  return new Map(
    rows
      .filter((row) => Number(row.request_units) > 0)
      .map((row) => [row.variant, buildRequestMoments({ ...row, units: row.request_units })]),
  );
}

async function fetchRollupQuantiles(
  context: AnalysisContext,
  params: ScopeParams,
  rows: readonly ArmRow[],
): Promise<ResultsData['quantiles']> {
  const histograms = new Map(
    rows
      .filter((row) => Number(row.request_units) > 0)
      .map((row) => [row.variant, row.histogram] as const),
  );
  const metrics = Object.keys(QUANTILE_METRICS) as QuantileMetric[];
  const fetched = await fetchQuantileStats(context, {
    params,
    histograms,
    probabilities: metrics.map((metric) => QUANTILE_METRICS[metric]),
    source: 'rollup',
  });
  return Object.fromEntries(
    metrics.map((metric, j) => [
      metric,
      fetched.byProbability[j] ?? new Map<string, QuantileStats>(),
    ]),
  ) as ResultsData['quantiles'];
}

async function fetchRollupConversions(
  context: AnalysisContext,
  params: ScopeParams,
  options: { windowSeconds: number; windowUnits: ReadonlyMap<string, number> },
): Promise<ResultsData['conversions']> {
  const events = await queryRows<{ event: string }>(
    context,
    buildRollupConversionEventsSql(context.tables),
    { ...params, unitFilter: 1 },
    { indexForInSubqueries: true },
  );
  const out: ResultsData['conversions'] = [];
  for (const { event } of events) {
    const stats = await fetchConversionStats(context, {
      ...options,
      params,
      event,
      source: 'rollup',
    });
    out.push({ event, byVariant: stats.byVariant });
  }
  return out;
}

/** Breakdown cells in the raw query's order (dimension, segment, variant). */
function buildBreakdownCells(rows: readonly ArmRow[]): BreakdownCell[] {
  const cells: BreakdownCell[] = [];
  for (const row of rows) {
    const [keys, ...sums] = row.breakdown;
    keys.forEach((key, i) => {
      const [dimension = '', segment = ''] = splitOnce(key);
      const at = (k: number) => Number(sums[k]?.[i] ?? 0);
      cells.push({
        dimension,
        segment,
        variant: row.variant,
        moments: buildRequestMoments({
          units: at(0),
          sum_requests: at(1),
          sum_requests_sq: at(2),
          sum_errors: at(3),
          sum_errors_sq: at(4),
          sum_errors_requests: at(5),
          sum_latency: at(6),
          sum_latency_sq: at(7),
          sum_latency_requests: at(8),
        }),
      });
    });
  }
  const order = (cell: BreakdownCell) => [cell.dimension, cell.segment, cell.variant];
  return cells.sort((a, b) => compareTuples(order(a), order(b)));
}

function splitOnce(key: string): [string, string] {
  const at = key.indexOf('\x1F');
  return [key.slice(0, at), key.slice(at + 1)];
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function buildExposureSeries(rows: readonly ArmRow[]): SeriesRow[] {
  return rows.flatMap((row) => {
    const [buckets, counts] = row.exposure_series;
    return buckets.map((bucket, i) => ({
      variant: row.variant,
      bucket: Number(bucket),
      units: Number(counts[i] ?? 0),
    }));
  });
}

/**
 * Per variant and bucket: the by-minute totals, minus the requests of units that do not count
 * (only queried when the arms pass found some).
 */
async function fetchRollupRequestSeries(
  context: AnalysisContext,
  params: ScopeParams & { bucketSeconds: number },
  hasExcluded: boolean,
): Promise<SeriesRow[]> {
  type Row = Required<Omit<SeriesRow, 'units'>>;
  const totals = await queryRows<Row>(context, buildRollupRequestSeriesSql(context.tables), params);
  if (!hasExcluded) return totals;
  const excluded = await queryRows<Row>(
    context,
    buildExcludedRequestSeriesSql(context.tables),
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
