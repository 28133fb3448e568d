/**
 * `StatsQueries` over the per-unit tables of migrations 0200–0202: per unit at query time, any
 * scope (service, span name, time window). The reference the rollup family is tested against.
 */
import {
  buildConversionMomentsSql,
  buildErrorExemplarsSql,
  buildLatencyHistogramSql,
  buildQuantileMomentsSql,
  buildRequestMomentsSql,
  buildSlowExemplarsSql,
  buildUnitCountsSql,
  type ScopeParams,
} from './arm-queries.js';
import type { QuantileStats } from '@tripwire/stats';
import type { LatencyHistogram } from './latency-histogram.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  buildBreakdownSql,
  buildConversionEventsSql,
  buildExposureSeriesSql,
  buildRequestSeriesSql,
  buildSeriesConversionsSql,
  buildSeriesMomentIncrementsSql,
  buildTimeRangeSql,
} from './results-queries.js';
import {
  fetchMetricArms,
  type MetricArms,
  type MetricRecordsSource,
} from './metrics/fetch-metric-arms.js';
import { fetchSeriesQuantiles } from './series-quantile-stats.js';
import type { MetricArmsInput, StatsQueries } from './stats-queries.js';
import {
  addMomentSums,
  type ArmUnits,
  type BreakdownCell,
  type ConversionArm,
  type Fetched,
  type RequestMoments,
  buildConversionArms,
  buildQuantilePositions,
  buildQuantileStats,
  buildRequestMoments,
  type ConversionRow,
  type QuantileMomentsRow,
  type RequestMomentSums,
  type SeriesConversions,
  type SeriesMoments,
  type SeriesRow,
  type TimeRange,
} from './stats-rows.js';

/** A query family's handle on one scope. */
export interface ScopedQueries {
  context: AnalysisContext;
  params: ScopeParams;
}

export function createRawStatsQueries(context: AnalysisContext, params: ScopeParams): StatsQueries {
  const q = { context, params };
  const tables = context.tables;
  return {
    source: 'raw',
    params,
    armUnits: () => fetchRawArmUnits(q),
    requestMoments: () => fetchRawRequestMoments(q),
    latencyHistograms: () => fetchRawHistograms(q),
    quantileStats: (input) =>
      runQuantileStats(context, { ...input, params, sql: buildQuantileMomentsSql(tables) }),
    conversionStats: (input) => fetchRawConversionStats(q, input),
    conversionsByEvent: (windowSeconds) => fetchRawConversionsByEvent(q, windowSeconds),
    breakdown: () => fetchRawBreakdown(q),
    timeRange: () => fetchTimeRange(context, buildTimeRangeSql(tables), params),
    requestSeries: (bucketSeconds) =>
      queryRows<SeriesRow>(context, buildRequestSeriesSql(tables), { ...params, bucketSeconds }),
    exposureSeries: (bucketSeconds) => fetchRawExposureSeries(q, bucketSeconds),
    seriesMoments: (bucketSeconds) => fetchSeriesMoments(context, { ...params, bucketSeconds }),
    seriesQuantiles: (input) => fetchSeriesQuantiles(context, { ...input, params }),
    seriesConversions: (input) =>
      fetchSeriesConversions(context, { sql: buildSeriesConversionsSql(tables), params, ...input }),
    exemplars: (input) => fetchExemplars(context, { ...input, params }),
    metricArms: (input) => fetchScopedMetricArms(q, { ...input, records: 'raw' }),
  };
}

async function fetchRawRequestMoments({
  context,
  params,
}: ScopedQueries): Promise<Fetched<Map<string, RequestMoments>>> {
  const sql = buildRequestMomentsSql(context.tables);
  const rows = await queryRows<RequestMomentSums & { variant: string }>(context, sql, params);
  return { value: new Map(rows.map((row) => [row.variant, buildRequestMoments(row)])), sql };
}

async function fetchRawArmUnits(q: ScopedQueries): Promise<ArmUnits> {
  const [unitRows, requests] = await Promise.all([
    queryRows<{ arm: string; units: string; first_exposure_ms: string }>(
      q.context,
      buildUnitCountsSql(q.context.tables),
      q.params,
    ),
    fetchRawRequestMoments(q),
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
    requests: requests.value,
  };
}

async function fetchRawHistograms({
  context,
  params,
}: ScopedQueries): Promise<Fetched<Map<string, LatencyHistogram>>> {
  const sql = buildLatencyHistogramSql(context.tables);
  const rows = await queryRows<{ variant: string; histogram: LatencyHistogram }>(
    context,
    sql,
    params,
  );
  return { value: new Map(rows.map((row) => [row.variant, row.histogram])), sql };
}

async function fetchRawConversionStats(
  { context, params }: ScopedQueries,
  input: { event: string; windowSeconds: number },
): Promise<Fetched<Map<string, ConversionArm>>> {
  const sql = buildConversionMomentsSql(context.tables);
  const rows = await queryRows<ConversionRow>(context, sql, { ...params, ...input });
  return { value: buildConversionArms(rows), sql };
}

async function fetchRawConversionsByEvent(
  q: ScopedQueries,
  windowSeconds: number,
): Promise<{ event: string; byVariant: Map<string, ConversionArm> }[]> {
  const events = await queryRows<{ event: string }>(
    q.context,
    buildConversionEventsSql(q.context.tables),
    q.params,
  );
  const out: { event: string; byVariant: Map<string, ConversionArm> }[] = [];
  for (const { event } of events) {
    out.push({
      event,
      byVariant: (await fetchRawConversionStats(q, { event, windowSeconds })).value,
    });
  }
  return out;
}

async function fetchRawBreakdown({ context, params }: ScopedQueries): Promise<BreakdownCell[]> {
  type Row = RequestMomentSums & { dimension: string; segment: string; variant: string };
  const rows = await queryRows<Row>(context, buildBreakdownSql(context.tables), params);
  return rows.map((row) => ({
    dimension: row.dimension,
    segment: row.segment,
    variant: row.variant,
    moments: buildRequestMoments(row),
  }));
}

async function fetchRawExposureSeries(
  { context, params }: ScopedQueries,
  bucketSeconds: number,
): Promise<SeriesRow[]> {
  const rows = await queryRows<SeriesRow & { units: string }>(
    context,
    buildExposureSeriesSql(context.tables),
    { ...params, bucketSeconds },
  );
  return rows.map((row) => ({ ...row, units: Number(row.units) }));
}

/** First and last request minute of the flag from a time-range query (raw or rollup). */
export async function fetchTimeRange(
  context: AnalysisContext,
  sql: string,
  params: ScopeParams,
): Promise<TimeRange> {
  const [range] = await queryRows<{ first_minute: number; last_minute: number; rows: string }>(
    context,
    sql,
    params,
  );
  return {
    firstMinute: Number(range?.first_minute ?? 0),
    lastMinute: Number(range?.last_minute ?? 0),
    rows: Number(range?.rows ?? 0),
  };
}

/** Quantile statistics from a quantile moments query (raw or rollup: same parameters and rows). */
export async function runQuantileStats(
  context: AnalysisContext,
  input: {
    params: ScopeParams;
    sql: string;
    histograms: ReadonlyMap<string, LatencyHistogram>;
    probabilities: readonly number[];
  },
): Promise<{ value: ReturnType<typeof buildQuantileStats>; sql: string }> {
  const { histograms, probabilities, sql } = input;
  const positions = buildQuantilePositions(histograms, probabilities);
  if (positions.variants.length === 0) {
    return { value: probabilities.map(() => new Map<string, QuantileStats>()), sql };
  }
  const rows = await queryRows<QuantileMomentsRow>(context, sql, {
    ...input.params,
    ...positions,
  });
  return { value: buildQuantileStats({ rows, histograms, probabilities }), sql };
}

/**
 * Request moments over everything up to the end of each bucket, per variant: the running sums
 * of `buildSeriesMomentIncrementsSql`'s increments, at every bucket where some variant has
 * requests, from the variant's first request on. From the per-unit table in both families: a
 * unit's square sums need its own running total, which no rollup keeps.
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

/**
 * A catalog metric's arms on the handle's scope (flag, environment, window): from the raw signal
 * ('raw') or its materialized records when complete ('materialized', the rollup family).
 */
export function fetchScopedMetricArms(
  q: ScopedQueries,
  input: MetricArmsInput & { records: MetricRecordsSource },
): Promise<MetricArms> {
  const { params } = q;
  return fetchMetricArms(q.context, {
    ...input,
    flagKey: params.flagKey,
    environment: params.environment,
    since: new Date(params.sinceMs),
    until: new Date(params.untilMs),
  });
}

/** Exemplar trace ids from the per-unit table (both families: no rollup keeps trace ids). */
export async function fetchExemplars(
  context: AnalysisContext,
  input: { value: 'error' | 'duration'; limit: number; params: ScopeParams },
): Promise<{ value: Map<string, string[]>; sql: string }> {
  const sql =
    input.value === 'error'
      ? buildErrorExemplarsSql(context.tables)
      : buildSlowExemplarsSql(context.tables);
  const rows = await queryRows<{ variant: string; trace_ids: string[] }>(context, sql, {
    ...input.params,
    limit: input.limit,
  });
  return { value: new Map(rows.map((row) => [row.variant, row.trace_ids])), sql };
}

/**
 * Units per event, arm and minute of their first counted conversion, from a first-conversions
 * query (raw, or the rollup's with {unitFilter} = 1: the converting units looked up by key).
 */
export async function fetchSeriesConversions(
  context: AnalysisContext,
  input: { sql: string; params: ScopeParams; events: readonly string[]; windowSeconds: number },
): Promise<SeriesConversions[]> {
  if (input.events.length === 0) return [];
  type Row = { event: string; variant: string; minute: number | string; converted: string };
  const rows = await queryRows<Row>(
    context,
    input.sql,
    { ...input.params, events: input.events, windowSeconds: input.windowSeconds },
    { indexForInSubqueries: input.params.unitFilter === 1 },
  );
  return rows.map((row) => ({
    event: row.event,
    variant: row.variant,
    minute: Number(row.minute),
    converted: Number(row.converted),
  }));
}
