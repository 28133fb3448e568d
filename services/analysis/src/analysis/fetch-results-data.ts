/**
 * The results endpoint's data: every input of `computeResults` through one `StatsQueries`
 * (`openStatsQueries` chooses the family: the rollups of migration 0203 for the results' unfiltered
 * scope; `source: 'raw'` forces the per-unit tables, the reference the rollups are tested against).
 */
import { openStatsQueries, type StatsQueries } from '../repositories/stats-queries.js';
import type { StatsSource } from '../repositories/stats-rows.js';
import { chooseSeriesBucketSeconds, QUANTILE_METRICS, type ResultsData } from './results-data.js';

export interface FetchResultsDataOptions {
  flagKey: string;
  environment?: string | undefined;
  conversionWindowSeconds: number;
  /** Default: the family `openStatsQueries` chooses (the rollups); 'raw': the per-unit tables. */
  source?: StatsSource | undefined;
}

/**
 * Runs the results queries for one flag. The arms pass first (the rollup family learns from it
 * whether any unit's requests need subtracting); the other queries run concurrently (a server
 * runs them in parallel; the embedded engine serialises them).
 */
export async function fetchResultsData(
  context: Parameters<typeof openStatsQueries>[0],
  options: FetchResultsDataOptions,
): Promise<ResultsData> {
  const queries = await openStatsQueries(context, {
    scope: { flagKey: options.flagKey, environment: options.environment },
    source: options.source,
  });
  const windowSeconds = options.conversionWindowSeconds;
  const [range, arms, conversions] = await Promise.all([
    queries.timeRange(),
    queries.armUnits(),
    queries.conversionsByEvent(windowSeconds),
  ]);
  const seriesConversions = await queries.seriesConversions({
    events: conversions.map((c) => c.event),
    windowSeconds,
  });
  const bucketSeconds = chooseSeriesBucketSeconds(range, seriesConversions);
  const probabilities = QUANTILE_METRICS.map(([, probability]) => probability);
  const [quantiles, breakdown, requestRows, exposureRows, moments, seriesQuantiles] =
    await Promise.all([
      fetchQuantilesByMetric(queries),
      queries.breakdown(),
      queries.requestSeries(bucketSeconds),
      queries.exposureSeries(bucketSeconds),
      queries.seriesMoments(bucketSeconds),
      queries.seriesQuantiles({ bucketSeconds, probabilities }),
    ]);
  return {
    ...arms,
    quantiles,
    conversions,
    breakdown,
    series: {
      bucketSeconds,
      rows: [...requestRows, ...exposureRows],
      moments,
      quantiles: seriesQuantiles,
      conversions: seriesConversions,
    },
  };
}

/** Every results quantile (`QUANTILE_METRICS`) per variant, from the arms' latency histograms. */
async function fetchQuantilesByMetric(queries: StatsQueries): Promise<ResultsData['quantiles']> {
  const histograms = await queries.latencyHistograms();
  const fetched = await queries.quantileStats({
    histograms: histograms.value,
    probabilities: QUANTILE_METRICS.map(([, probability]) => probability),
  });
  return Object.fromEntries(
    QUANTILE_METRICS.map(([metric], j) => [metric, fetched.value[j] ?? new Map()]),
  );
}
