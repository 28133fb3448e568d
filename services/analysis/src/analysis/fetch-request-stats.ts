/**
 * Per-variant sufficient statistics of request metrics (error rate, mean latency, latency
 * quantiles), computed in ClickHouse from the variant-requests view.
 */
import type { QuantileStats, RatioStats } from '@tripwire/stats';
import { quantileSketchLevels } from '@tripwire/stats';
import {
  buildLatencyHistogramSql,
  buildQuantileMomentsSql,
  buildRequestMomentsSql,
  type ScopeParams,
} from './arm-queries.js';
import { rollupMergeOf } from './choose-rollup-merge.js';
import { locateQuantile, sampleQuantiles, type LatencyHistogram } from './latency-histogram.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import { QUANTILE_METRICS, type ResultsData, type SeriesMoments } from './results-data.js';
import { buildSeriesMomentIncrementsSql } from './results-queries.js';
import {
  buildExcludedHistogramSql,
  buildRollupMinuteHistogramSql,
  buildRollupQuantileMomentsSql,
  buildRollupRequestMomentsSql,
} from './rollup-queries.js';

/**
 * Where request statistics come from: 'raw' = the per-unit tables with any scope (service, span
 * name, time window); 'rollup' = migration 0203's by-unit rollup, for the unfiltered scope
 * (server spans of every service, all time). Both give the same numbers for that scope.
 */
export type StatsSource = 'raw' | 'rollup';

export interface RequestMoments {
  errorRate: RatioStats;
  latencyMean: RatioStats;
}

/** The request sums one SQL row carries (selected by `buildRequestMomentsSql` and `buildBreakdownSql`). */
export interface RequestMomentSums {
  units: string | number;
  sum_requests: number;
  sum_requests_sq: number;
  sum_errors: number;
  sum_errors_sq: number;
  sum_errors_requests: number;
  sum_latency: number;
  sum_latency_sq: number;
  sum_latency_requests: number;
}

/** Error-rate and mean-latency ratio statistics from one row of request sums. */
export function buildRequestMoments(row: RequestMomentSums): RequestMoments {
  const denominator = {
    units: Number(row.units),
    sumDenominator: row.sum_requests,
    sumDenominatorSquares: row.sum_requests_sq,
  };
  return {
    errorRate: {
      kind: 'ratio',
      ...denominator,
      sumNumerator: row.sum_errors,
      sumNumeratorSquares: row.sum_errors_sq,
      sumCrossProducts: row.sum_errors_requests,
    },
    latencyMean: {
      kind: 'ratio',
      ...denominator,
      sumNumerator: row.sum_latency,
      sumNumeratorSquares: row.sum_latency_sq,
      sumCrossProducts: row.sum_latency_requests,
    },
  };
}

/**
 * Request moments over everything up to the end of each bucket, per variant: the running sums
 * of `buildSeriesMomentIncrementsSql`'s increments, at every bucket where some variant has
 * requests, from the variant's first request on. Always from the per-unit table: a unit's
 * square sums need its own running total, which no rollup keeps.
 */
export async function fetchSeriesMoments(
  context: AnalysisContext,
  params: ScopeParams & { bucketSeconds: number },
): Promise<SeriesMoments[]> {
  type Row = RequestMomentSums & { variant: string; bucket: number | string };
  const rows = await queryRows<Row>(
    context,
    buildSeriesMomentIncrementsSql(context.tables),
    params,
  );
  const buckets = [...new Set(rows.map((row) => Number(row.bucket)))].sort((a, b) => a - b);
  const out: SeriesMoments[] = [];
  for (const variant of new Set(rows.map((row) => row.variant))) {
    const added = new Map(
      rows.filter((row) => row.variant === variant).map((row) => [Number(row.bucket), row]),
    );
    let total: RequestMomentSums | undefined;
    for (const bucket of buckets) {
      const row = added.get(bucket);
      if (row !== undefined) total = total === undefined ? row : addMomentSums(total, row);
      if (total !== undefined) out.push({ bucket, variant, moments: buildRequestMoments(total) });
    }
  }
  return out;
}

/** The sums of `RequestMomentSums` besides `units`. */
const MOMENT_SUMS = [
  'sum_requests',
  'sum_requests_sq',
  'sum_errors',
  'sum_errors_sq',
  'sum_errors_requests',
  'sum_latency',
  'sum_latency_sq',
  'sum_latency_requests',
] as const;

function addMomentSums(a: RequestMomentSums, b: RequestMomentSums): RequestMomentSums {
  const sum = { units: Number(a.units) + Number(b.units) } as RequestMomentSums;
  for (const key of MOMENT_SUMS) sum[key] = Number(a[key]) + Number(b[key]);
  return sum;
}

/** Error-rate and mean-latency ratio statistics per variant (variants with requests only). */
export async function fetchRequestMoments(
  context: AnalysisContext,
  params: ScopeParams,
  source: StatsSource = 'raw',
): Promise<{ byVariant: Map<string, RequestMoments>; sql: string }> {
  const sql =
    source === 'rollup'
      ? buildRollupRequestMomentsSql(context.tables, rollupMergeOf(params))
      : buildRequestMomentsSql(context.tables);
  const rows = await queryRows<RequestMomentSums & { variant: string }>(context, sql, params);
  const byVariant = new Map<string, RequestMoments>();
  for (const row of rows) byVariant.set(row.variant, buildRequestMoments(row));
  return { byVariant, sql };
}

/** Merged latency histogram per variant. */
export async function fetchLatencyHistograms(
  context: AnalysisContext,
  params: ScopeParams,
  source: StatsSource = 'raw',
  /** Rollup only: false when the caller knows no unit has requests that do not count. */
  hasExcluded = true,
): Promise<{ byVariant: Map<string, LatencyHistogram>; sql: string }> {
  if (source === 'rollup') return fetchRollupHistograms(context, params, hasExcluded);
  const sql = buildLatencyHistogramSql(context.tables);
  const rows = await queryRows<{ variant: string; histogram: LatencyHistogram }>(
    context,
    sql,
    params,
  );
  return { byVariant: new Map(rows.map((row) => [row.variant, row.histogram])), sql };
}

type BucketRow = { variant: string; bucket: number; requests: string | number };

/**
 * The by-minute histograms of every unit minus those of the requests that do not count: the
 * per-unit pass only touches units with excluded requests (usually few), not every unit.
 */
async function fetchRollupHistograms(
  context: AnalysisContext,
  params: ScopeParams,
  hasExcluded: boolean,
): Promise<{ byVariant: Map<string, LatencyHistogram>; sql: string }> {
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
  return { byVariant, sql: hasExcluded ? `${totalSql};\n\n${excludedSql}` : totalSql };
}

interface QuantileMomentsRow {
  variant: string;
  units: string | number;
  sum_below: number[];
  sum_below_sq: number[];
  sum_below_requests: number[];
  sum_requests: number;
  sum_requests_sq: number;
}

/** Every results quantile (`QUANTILE_METRICS`) per variant, from the arms' latency histograms. */
export async function fetchQuantilesByMetric(
  context: AnalysisContext,
  options: {
    params: ScopeParams;
    histograms: ReadonlyMap<string, LatencyHistogram>;
    source?: StatsSource;
  },
): Promise<ResultsData['quantiles']> {
  const fetched = await fetchQuantileStats(context, {
    ...options,
    probabilities: QUANTILE_METRICS.map(([, probability]) => probability),
  });
  return Object.fromEntries(
    QUANTILE_METRICS.map(([metric], j) => [
      metric,
      fetched.byProbability[j] ?? new Map<string, QuantileStats>(),
    ]),
  );
}

/**
 * Clustered-quantile statistics per variant at each of `probabilities`, in one scan: the
 * quantile function sampled at `quantileSketchLevels(p)` from the arm's histogram, and the
 * per-unit moments of the requests below the arm's quantile (Deng, Knoblich & Lu 2018, §4.2).
 * Returns one map (variant → statistics) per probability, in the order given.
 */
export async function fetchQuantileStats(
  context: AnalysisContext,
  options: {
    params: ScopeParams;
    histograms: ReadonlyMap<string, LatencyHistogram>;
    probabilities: readonly number[];
    source?: StatsSource | undefined;
  },
): Promise<{ byProbability: Map<string, QuantileStats>[]; sql: string }> {
  const { histograms, probabilities } = options;
  const variants = [...histograms.keys()];
  const positions = variants.map((variant) =>
    probabilities.map((p) => locateQuantile(histograms.get(variant) ?? {}, p)),
  );
  const sql =
    options.source === 'rollup'
      ? buildRollupQuantileMomentsSql(context.tables, rollupMergeOf(options.params))
      : buildQuantileMomentsSql(context.tables);
  const byProbability = probabilities.map(() => new Map<string, QuantileStats>());
  if (variants.length === 0) return { byProbability, sql };
  const rows = await queryRows<QuantileMomentsRow>(context, sql, {
    ...options.params,
    variants,
    buckets: positions.map((list) => list.map((position) => position.bucket)),
    fractions: positions.map((list) => list.map((position) => position.fraction)),
  });
  probabilities.forEach((probability, j) => {
    const levels = quantileSketchLevels(probability);
    for (const row of rows) {
      byProbability[j]?.set(row.variant, {
        kind: 'quantile',
        probability,
        units: Number(row.units),
        levels,
        values: sampleQuantiles(histograms.get(row.variant) ?? {}, levels),
        sumBelow: row.sum_below[j] ?? 0,
        sumRequests: row.sum_requests,
        sumBelowSquares: row.sum_below_sq[j] ?? 0,
        sumRequestsSquares: row.sum_requests_sq,
        sumBelowRequests: row.sum_below_requests[j] ?? 0,
      });
    }
  });
  return { byProbability, sql };
}
