/**
 * The results endpoint's data from the rollups of migration 0203: passes over the by-unit
 * rollup (FINAL) give units and request moments, histograms, quantile moments, breakdown and the
 * exposure series; the request series comes from the by-minute rollup (minus what units that do
 * not count contributed, when there are any); conversions look up only the converting units. Same numbers as the raw queries (`fetchResultsData({ source: 'raw' })`) up
 * to floating-point summation order.
 */
import { buildScopeParams, type ScopeParams } from './arm-queries.js';
import { chooseRollupMerge, rollupMergeOf } from './choose-rollup-merge.js';
import { fetchRollupConversionsByEvent } from './fetch-conversion-stats.js';
import type { FetchResultsDataOptions } from './fetch-results-data.js';
import {
  buildRequestMoments,
  fetchLatencyHistograms,
  fetchQuantilesByMetric,
  fetchSeriesMoments,
  type RequestMomentSums,
  type RequestMoments,
} from './fetch-request-stats.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  chooseBucketSeconds,
  type BreakdownCell,
  type ResultsData,
  type SeriesRow,
} from './results-data.js';
import {
  buildExcludedRequestSeriesSql,
  buildRollupArmsSql,
  buildRollupBreakdownSql,
  buildRollupExposureSeriesSql,
  buildRollupRequestSeriesSql,
  buildRollupTimeRangeSql,
} from './rollup-queries.js';

interface ArmRow extends RequestMomentSums {
  variant: string;
  first_exposure_ms: string | number;
  multi_variant_units: string | number;
  request_units: string | number;
  excluded_request_units: string | number;
}

interface BreakdownRow extends RequestMomentSums {
  variant: string;
  dimension: string;
  segment: string;
}

export async function fetchRollupResultsData(
  context: AnalysisContext,
  options: FetchResultsDataOptions,
): Promise<ResultsData> {
  const params = await chooseRollupMerge(
    context,
    buildScopeParams({ flagKey: options.flagKey, environment: options.environment }),
  );
  const [range] = await queryRows<{ first_minute: number; last_minute: number; rows: string }>(
    context,
    buildRollupTimeRangeSql(context.tables),
    params,
  );
  const bucketSeconds =
    range === undefined || Number(range.rows) === 0
      ? 60
      : chooseBucketSeconds(range.first_minute, range.last_minute);
  const arms = await queryRows<ArmRow>(
    context,
    buildRollupArmsSql(context.tables, rollupMergeOf(params)),
    params,
  );
  const valid = arms.filter((row) => row.variant !== '' && Number(row.units) > 0);
  const excluded = arms.some((row) => Number(row.excluded_request_units) > 0);
  const quantiles = await fetchRollupQuantiles(context, params, excluded);
  const windowUnits = new Map(valid.map((row) => [row.variant, Number(row.units)]));
  const conversions = await fetchRollupConversionsByEvent(context, {
    params,
    windowSeconds: options.conversionWindowSeconds,
    windowUnits,
  });
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
    excludedMultiVariant: arms.reduce((sum, row) => sum + Number(row.multi_variant_units), 0),
    requests: buildArmMoments(valid),
    quantiles,
    conversions,
    breakdown: await fetchRollupBreakdown(context, params),
    series: {
      bucketSeconds,
      rows: [
        ...requestRows,
        ...(await fetchRollupExposureSeries(context, {
          ...params,
          bucketSeconds,
          variants: valid.map((row) => row.variant),
        })),
      ],
      moments: await fetchSeriesMoments(context, { ...params, bucketSeconds }),
    },
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
  hasExcluded: boolean,
): Promise<ResultsData['quantiles']> {
  const histograms = (await fetchLatencyHistograms(context, params, 'rollup', hasExcluded))
    .byVariant;
  return fetchQuantilesByMetric(context, { params, histograms, source: 'rollup' });
}

async function fetchRollupBreakdown(
  context: AnalysisContext,
  params: ScopeParams,
): Promise<BreakdownCell[]> {
  const rows = await queryRows<BreakdownRow>(
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
  context: AnalysisContext,
  params: ScopeParams & { bucketSeconds: number; variants: string[] },
): Promise<SeriesRow[]> {
  const rows = await queryRows<{ variant: string; bucket: number; units: string | number }>(
    context,
    buildRollupExposureSeriesSql(context.tables, rollupMergeOf(params)),
    params,
  );
  return rows.map((row) => ({
    variant: row.variant,
    bucket: row.bucket,
    units: Number(row.units),
  }));
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
