/**
 * The results endpoint's data: from the rollups of migration 0203 (default), or from the
 * per-unit tables of 0200–0202 with the original queries (`source: 'raw'`; kept as the
 * reference the rollup path is tested against, and as the guardian's path for filtered scopes).
 */
import { buildScopeParams, buildUnitCountsSql, type ScopeParams } from './arm-queries.js';
import { fetchConversionStats } from './fetch-conversion-stats.js';
import {
  buildRequestMoments,
  fetchSeriesMoments,
  fetchLatencyHistograms,
  fetchQuantilesByMetric,
  fetchRequestMoments,
  type RequestMomentSums,
} from './fetch-request-stats.js';
import { fetchRollupResultsData } from './fetch-rollup-results.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  chooseBucketSeconds,
  type BreakdownCell,
  type ResultsData,
  type SeriesRow,
} from './results-data.js';
import {
  buildBreakdownSql,
  buildConversionEventsSql,
  buildExposureSeriesSql,
  buildRequestSeriesSql,
  buildTimeRangeSql,
} from './results-queries.js';

export interface FetchResultsDataOptions {
  flagKey: string;
  environment?: string | undefined;
  conversionWindowSeconds: number;
  /** 'rollup' (default): migration 0203's rollups; 'raw': the per-unit tables (reference). */
  source?: 'rollup' | 'raw' | undefined;
}

/** Runs the results queries for one flag (see `FetchResultsDataOptions.source`). */
export async function fetchResultsData(
  context: AnalysisContext,
  options: FetchResultsDataOptions,
): Promise<ResultsData> {
  return options.source === 'raw'
    ? fetchRawResultsData(context, options)
    : fetchRollupResultsData(context, options);
}

/**
 * The original queries: per unit at query time over the per-unit tables. Independent queries
 * run concurrently (a server runs them in parallel; the embedded engine serialises them).
 */
async function fetchRawResultsData(
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
  return fetchQuantilesByMetric(context, { params, histograms: histograms.byVariant });
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
  const moments = await fetchSeriesMoments(context, withBucket);
  return {
    bucketSeconds,
    rows: [...requestRows, ...exposureRows.map((row) => ({ ...row, units: Number(row.units) }))],
    moments,
  };
}
