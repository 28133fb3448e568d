/**
 * What the statistics queries return, and the row → sufficient-statistics mappings both
 * implementations of `StatsQueries` share (so the raw and the rollup family cannot drift apart
 * in how a row is read).
 */
import { quantileSketchLevels, type CovariateStats, type MeanStats } from '@tripwire/stats';
import type { QuantileStats, RatioStats } from '@tripwire/stats';
import { locateQuantile, sampleQuantiles, type LatencyHistogram } from './latency-histogram.js';

/** Which query family answered: the per-unit tables ('raw') or migration 0203's rollups. */
export type StatsSource = 'raw' | 'rollup';

/** Default attribution window of a conversion after a unit's first exposure: 7 days. */
export const DEFAULT_CONVERSION_WINDOW_SECONDS = 7 * 24 * 3600;

/** A query's answer and the SQL that gave it (shown in kill reports). */
export interface Fetched<T> {
  value: T;
  sql: string;
}

export interface RequestMoments {
  errorRate: RatioStats;
  latencyMean: RatioStats;
}

/** The request sums one SQL row carries (request moments, breakdown cells, series increments). */
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

export function addMomentSums(a: RequestMomentSums, b: RequestMomentSums): RequestMomentSums {
  const sum = { units: Number(a.units) + Number(b.units) } as RequestMomentSums;
  for (const key of MOMENT_SUMS) sum[key] = Number(a[key]) + Number(b[key]);
  return sum;
}

/** The valid units per arm, the multi-variant units left out, and each arm's request moments. */
export interface ArmUnits {
  units: { variant: string; units: number; firstExposureMs: number }[];
  excludedMultiVariant: number;
  /** Arms with requests only (units = units with requests). */
  requests: Map<string, RequestMoments>;
}

export interface BreakdownCell {
  dimension: string;
  segment: string;
  variant: string;
  moments: RequestMoments;
}

export interface SeriesRow {
  variant: string;
  /** Bucket start, unix seconds. */
  bucket: number;
  units?: number;
  requests?: number;
  errors?: number;
  latency?: number;
}

/** One arm's request moments over everything up to the end of one bucket. */
export interface SeriesMoments {
  bucket: number;
  variant: string;
  moments: RequestMoments;
}

/** Valid units of one arm whose first counted conversion of `event` falls in one minute. */
export interface SeriesConversions {
  event: string;
  variant: string;
  /** Minute start, unix seconds. */
  minute: number;
  converted: number;
}

/** First and last request minute of the flag (unix seconds) and how many rows hold requests. */
export interface TimeRange {
  firstMinute: number;
  lastMinute: number;
  rows: number;
}

export interface ConversionArm {
  /** y_i = converted within the window after first exposure (0/1), per unit. */
  converted: MeanStats;
  /** The same with the pre-exposure period as covariate x_i (CUPED). */
  covariate: CovariateStats;
  /** Conversions counted (all of them, not just the first per unit). */
  conversions: number;
  /** Units that converted in the pre-exposure period (0 = no usable pre-period). */
  preConverted: number;
}

export interface ConversionRow {
  variant: string;
  units: string | number;
  sum_converted: number;
  sum_pre: number;
  sum_pre_sq: number;
  sum_pre_converted: number;
  conversions: string | number;
}

export function buildConversionArms(rows: readonly ConversionRow[]): Map<string, ConversionArm> {
  const byVariant = new Map<string, ConversionArm>();
  for (const row of rows) {
    const units = Number(row.units);
    // y is 0/1, so Σy² = Σy.
    byVariant.set(row.variant, {
      converted: { kind: 'mean', units, sum: row.sum_converted, sumSquares: row.sum_converted },
      covariate: {
        units,
        sum: row.sum_converted,
        sumSquares: row.sum_converted,
        covariateSum: row.sum_pre,
        covariateSumSquares: row.sum_pre_sq,
        sumCrossProducts: row.sum_pre_converted,
      },
      conversions: Number(row.conversions),
      preConverted: row.sum_pre,
    });
  }
  return byVariant;
}

export interface QuantileMomentsRow {
  variant: string;
  units: string | number;
  sum_below: number[];
  sum_below_sq: number[];
  sum_below_requests: number[];
  sum_requests: number;
  sum_requests_sq: number;
}

/**
 * The quantile moments query's parameters: per variant (in `histograms`' order) the bucket and
 * fraction where each probability's quantile lies in the arm's histogram.
 */
export function buildQuantilePositions(
  histograms: ReadonlyMap<string, LatencyHistogram>,
  probabilities: readonly number[],
): { variants: string[]; buckets: number[][]; fractions: number[][] } {
  const variants = [...histograms.keys()];
  const positions = variants.map((variant) =>
    probabilities.map((p) => locateQuantile(histograms.get(variant) ?? {}, p)),
  );
  return {
    variants,
    buckets: positions.map((list) => list.map((position) => position.bucket)),
    fractions: positions.map((list) => list.map((position) => position.fraction)),
  };
}

/**
 * Clustered-quantile statistics (Deng, Knoblich & Lu 2018, §4.2) per probability, in the order
 * given: the arm's quantile function sampled at `quantileSketchLevels(p)` from its histogram, and
 * the per-unit moments of the requests below the arm's quantile from the moments rows.
 */
export function buildQuantileStats(input: {
  rows: readonly QuantileMomentsRow[];
  histograms: ReadonlyMap<string, LatencyHistogram>;
  probabilities: readonly number[];
}): Map<string, QuantileStats>[] {
  return input.probabilities.map((probability, j) => {
    const levels = quantileSketchLevels(probability);
    const byVariant = new Map<string, QuantileStats>();
    for (const row of input.rows) {
      byVariant.set(row.variant, {
        kind: 'quantile',
        probability,
        units: Number(row.units),
        levels,
        values: sampleQuantiles(input.histograms.get(row.variant) ?? {}, levels),
        sumBelow: row.sum_below[j] ?? 0,
        sumRequests: row.sum_requests,
        sumBelowSquares: row.sum_below_sq[j] ?? 0,
        sumRequestsSquares: row.sum_requests_sq,
        sumBelowRequests: row.sum_below_requests[j] ?? 0,
      });
    }
    return byVariant;
  });
}
