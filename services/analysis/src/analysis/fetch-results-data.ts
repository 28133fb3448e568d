import type { QuantileStats } from '@tripwire/stats';
import { buildScopeParams, buildUnitCountsSql, type ScopeParams } from './arm-queries.js';
import { fetchConversionStats, type ConversionArm } from './fetch-conversion-stats.js';
import {
  buildRequestMoments,
  fetchLatencyHistograms,
  fetchQuantileStats,
  fetchRequestMoments,
  type RequestMomentSums,
  type RequestMoments,
} from './fetch-request-stats.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  buildBreakdownSql,
  buildConversionEventsSql,
  buildExposureSeriesSql,
  buildRequestSeriesSql,
  buildTimeRangeSql,
} from './results-queries.js';

export type QuantileMetric = 'latency_p50' | 'latency_p95' | 'latency_p99';
export const QUANTILE_METRICS: Record<QuantileMetric, number> = {
  latency_p50: 0.5,
  latency_p95: 0.95,
  latency_p99: 0.99,
};

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

/** Everything the results computation needs, as fetched from ClickHouse (sufficient statistics only). */
export interface ResultsData {
  units: { variant: string; units: number; firstExposureMs: number }[];
  excludedMultiVariant: number;
  requests: Map<string, RequestMoments>;
  quantiles: Record<QuantileMetric, Map<string, QuantileStats>>;
  conversions: { event: string; byVariant: Map<string, ConversionArm> }[];
  breakdown: BreakdownCell[];
  series: { bucketSeconds: number; rows: SeriesRow[] };
}

export interface FetchResultsDataOptions {
  flagKey: string;
  environment?: string | undefined;
  conversionWindowSeconds: number;
}

/**
 * Runs the results queries for one flag. Independent queries run concurrently (a server runs
 * them in parallel; the embedded engine serialises parameterized queries anyway).
 */
export async function fetchResultsData(
  context: AnalysisContext,
  options: FetchResultsDataOptions,
): Promise<ResultsData> {
  const params = buildScopeParams({ flagKey: options.flagKey, environment: options.environment });
  const [unitRows, requests, quantiles, conversions, breakdown, series] = await Promise.all([
    queryRows<{ arm: string; units: string; first_exposure_ms: string }>(
      context,
      buildUnitCountsSql(context.tables),
      params,
    ),
    fetchRequestMoments(context, params),
    fetchAllQuantiles(context, params),
    fetchConversions(context, params, options.conversionWindowSeconds),
    fetchBreakdown(context, params),
    fetchSeries(context, params),
  ]);
  return {
    units: unitRows
      .filter((row) => row.arm !== '')
      .map((row) => ({
        variant: row.arm,
        units: Number(row.units),
        firstExposureMs: Number(row.first_exposure_ms),
      })),
    excludedMultiVariant: Number(unitRows.find((row) => row.arm === '')?.units ?? 0),
    requests: requests.byVariant,
    quantiles,
    conversions,
    breakdown,
    series,
  };
}

async function fetchAllQuantiles(
  context: AnalysisContext,
  params: ScopeParams,
): Promise<ResultsData['quantiles']> {
  const histograms = await fetchLatencyHistograms(context, params);
  const metrics = Object.keys(QUANTILE_METRICS) as QuantileMetric[];
  const fetched = await fetchQuantileStats(context, {
    params,
    histograms: histograms.byVariant,
    probabilities: metrics.map((metric) => QUANTILE_METRICS[metric]),
  });
  return Object.fromEntries(
    metrics.map((metric, j) => [
      metric,
      fetched.byProbability[j] ?? new Map<string, QuantileStats>(),
    ]),
  ) as ResultsData['quantiles'];
}

async function fetchConversions(
  context: AnalysisContext,
  params: ScopeParams,
  windowSeconds: number,
): Promise<ResultsData['conversions']> {
  const events = await queryRows<{ event: string }>(
    context,
    buildConversionEventsSql(context.tables),
    params,
  );
  const out: ResultsData['conversions'] = [];
  for (const { event } of events) {
    const stats = await fetchConversionStats(context, { params, event, windowSeconds });
    out.push({ event, byVariant: stats.byVariant });
  }
  return out;
}

interface BreakdownRow extends RequestMomentSums {
  dimension: string;
  segment: string;
  variant: string;
  units: string;
}

async function fetchBreakdown(
  context: AnalysisContext,
  params: ScopeParams,
): Promise<BreakdownCell[]> {
  const rows = await queryRows<BreakdownRow>(context, buildBreakdownSql(context.tables), params);
  return rows.map((row) => ({
    dimension: row.dimension,
    segment: row.segment,
    variant: row.variant,
    moments: buildRequestMoments(row),
  }));
}

const BUCKET_CHOICES = [60, 300, 900, 3600, 10_800, 21_600, 86_400, 604_800];
const MAX_POINTS = 100;

/** The smallest bucket that keeps the series at or under 100 points. */
export function chooseBucketSeconds(firstSeconds: number, lastSeconds: number): number {
  const span = Math.max(0, lastSeconds - firstSeconds);
  return BUCKET_CHOICES.find((b) => span / b < MAX_POINTS) ?? BUCKET_CHOICES.at(-1) ?? 604_800;
}

async function fetchSeries(
  context: AnalysisContext,
  params: ScopeParams,
): Promise<ResultsData['series']> {
  const [range] = await queryRows<{ first_minute: number; last_minute: number; rows: string }>(
    context,
    buildTimeRangeSql(context.tables),
    params,
  );
  const bucketSeconds =
    range === undefined || Number(range.rows) === 0
      ? 60
      : chooseBucketSeconds(range.first_minute, range.last_minute);
  const withBucket = { ...params, bucketSeconds };
  const requestRows = await queryRows<SeriesRow>(
    context,
    buildRequestSeriesSql(context.tables),
    withBucket,
  );
  const exposureRows = await queryRows<SeriesRow & { units: string }>(
    context,
    buildExposureSeriesSql(context.tables),
    withBucket,
  );
  return {
    bucketSeconds,
    rows: [...requestRows, ...exposureRows.map((row) => ({ ...row, units: Number(row.units) }))],
  };
}
