/**
 * The metrics an experiment names (goal, secondary, guardrails) and, for those the catalog
 * defines, their per-variant statistics (`StatsQueries.metricArms`: materialized records when
 * complete, else the raw signal).
 */
import { explainCupedLimit, isBuiltinMetricId, type Flag } from '@tripwire/schema';
import { createMetricStore, type CatalogMetric } from '../control-plane/metric-store.js';
import { fetchMetricSeries } from '../repositories/metrics/fetch-metric-series.js';
import type { MetricRecordsSource } from '../repositories/metrics/fetch-metric-arms.js';
import { CUPED_LOOKBACK_DAYS } from '../repositories/metrics/metric-sources.js';
import { chooseCheckpoints } from '../repositories/series-quantile-stats.js';
import type { AnalysisContext } from '../repositories/query-rows.js';
import { fetchMetricTotalsArms } from '../repositories/metrics/metric-totals.js';
import { openStatsQueries } from '../repositories/stats-queries.js';
import type { StatsSource } from '../repositories/stats-rows.js';
import type { CatalogMetricData } from './results-data.js';
import type { MetricRole } from './results-schema.js';

type NamingFlag = Pick<Flag, 'metrics' | 'guardrails'>;

/** Metric id → the roles the flag gives it, in the order goal, secondary, guardrail. */
export function listExperimentMetrics(flag: NamingFlag): Map<string, MetricRole[]> {
  const roles = new Map<string, MetricRole[]>();
  const add = (id: string, role: MetricRole) => {
    const list = roles.get(id) ?? [];
    if (!list.includes(role)) list.push(role);
    roles.set(id, list);
  };
  if (flag.metrics?.goal !== undefined) add(flag.metrics.goal, 'goal');
  for (const id of flag.metrics?.secondary ?? []) add(id, 'secondary');
  for (const guardrail of flag.guardrails ?? []) add(guardrail.metric, 'guardrail');
  return roles;
}

export interface CatalogMetricsResult {
  metrics: CatalogMetricData[];
  /** Ids the flag names that neither the built-ins nor the catalog define. */
  unknown: string[];
}

/** The time series' buckets (`listSeriesBuckets`), to compute each metric's series at. */
export interface CatalogSeriesBuckets {
  bucketSeconds: number;
  /** Bucket starts, unix seconds, ascending. */
  buckets: readonly number[];
}

/**
 * Every non-built-in metric the flag names, read from the catalog (current version) and
 * computed per variant in the environment (all environments when none). The rollup family reads
 * every metric with complete materialized records and totals SQL in one query
 * (`fetchMetricTotalsArms`), the rest one query each (`StatsQueries.metricArms`). With `series`, one more
 * query per metric for its statistics at the series' buckets, from the same records.
 */
export async function fetchCatalogMetrics(
  context: AnalysisContext,
  options: {
    flag: NamingFlag & Pick<Flag, 'key'>;
    environment?: string | undefined;
    /** Default: the family `openStatsQueries` chooses (rollup); 'raw': the raw signal. */
    source?: StatsSource | undefined;
    series?: CatalogSeriesBuckets | undefined;
  },
): Promise<CatalogMetricsResult> {
  const catalog = createMetricStore(context);
  const ids = [...listExperimentMetrics(options.flag).keys()].filter(
    (id) => !isBuiltinMetricId(id),
  );
  const found = await Promise.all(ids.map((id) => catalog.get(id)));
  const metrics: CatalogMetricData[] = [];
  const unknown: string[] = [];
  const queries = await openStatsQueries(context, {
    scope: { flagKey: options.flag.key, environment: options.environment },
    source: options.source,
    catalog: true,
  });
  const batched = await fetchBatched(context, {
    flagKey: options.flag.key,
    environment: options.environment,
    found: queries.source === 'rollup' ? found : [],
  });
  for (const [i, metric] of found.entries()) {
    if (metric === undefined) {
      unknown.push(ids[i] ?? '');
      continue;
    }
    const { definition } = metric;
    // A definition stored before CUPED was refused where it cannot apply says why instead.
    const cupedLimit = definition.cuped === true ? explainCupedLimit(definition) : undefined;
    const covariate = definition.cuped === true && cupedLimit === undefined;
    const { arms, covariates, records } =
      batched.get(definition.id) ??
      (await queries.metricArms({ definition, version: metric.version, covariate }));
    const series = await fetchCatalogSeries(context, { ...options, metric, records });
    metrics.push({
      definition,
      version: metric.version,
      updatedAt: metric.updatedAt,
      updatedBy: metric.updatedBy,
      arms,
      ...(cupedLimit === undefined ? {} : { cuped: { notApplicable: cupedLimit } }),
      ...(covariates === undefined
        ? {}
        : { cuped: { covariates, lookbackDays: CUPED_LOOKBACK_DAYS } }),
      ...(series === undefined ? {} : { series }),
    });
  }
  return { metrics, unknown };
}

/** The catalog entries `fetchMetricTotalsArms` serves (no CUPED asked), read in one query. */
function fetchBatched(
  context: AnalysisContext,
  input: {
    flagKey: string;
    environment: string | undefined;
    found: readonly (CatalogMetric | undefined)[];
  },
) {
  const metrics = input.found
    .filter((m): m is CatalogMetric => m !== undefined && m.definition.cuped !== true)
    .map((m) => ({ definition: m.definition, version: m.version }));
  return fetchMetricTotalsArms(context, {
    metrics,
    flagKey: input.flagKey,
    environment: input.environment,
  });
}

/**
 * One metric's series at every bucket of `series` (none without it); a quantile's at up to 12
 * checkpoints, as the latency quantiles (each checkpoint re-reads the records below it).
 */
async function fetchCatalogSeries(
  context: AnalysisContext,
  input: {
    series?: CatalogSeriesBuckets | undefined;
    flag: Pick<Flag, 'key'>;
    environment?: string | undefined;
    metric: CatalogMetric;
    records: MetricRecordsSource;
  },
): Promise<CatalogMetricData['series']> {
  const { series, metric } = input;
  if (series === undefined) return undefined;
  const { definition } = metric;
  const atCheckpoints = definition.kind === 'quantile';
  const points = await fetchMetricSeries(context, {
    definition,
    version: metric.version,
    records: input.records,
    flagKey: input.flag.key,
    environment: input.environment,
    bucketSeconds: series.bucketSeconds,
    checkpoints: atCheckpoints ? chooseCheckpoints(series.buckets) : series.buckets,
  });
  return { points, atCheckpoints };
}
