import { BUILTIN_METRICS, type BuiltinMetricId, type Guardrail } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { METRIC_KIND_MODULES } from '../repositories/metrics/metric-kinds.js';
import type { AnalysisContext } from '../repositories/query-rows.js';
import { openStatsQueries, type StatsQueries } from '../repositories/stats-queries.js';
import { DEFAULT_CONVERSION_WINDOW_SECONDS, type StatsSource } from '../repositories/stats-rows.js';

export interface FetchArmStatisticsOptions {
  flagKey: string;
  /** Exposures in this environment only; default every environment. */
  environment?: string | undefined;
  /** metric, and the optional service / spanName / conversionEvent filters. */
  guardrail: { metric: BuiltinMetricId } & Partial<
    Pick<Guardrail, 'service' | 'spanName' | 'conversionEvent'>
  >;
  /** Requests at or after this instant (minute resolution); units first exposed after it (conversion). */
  since?: Date | undefined;
  until?: Date | undefined;
  /** Arms to return even without data (zero statistics), e.g. the flag's variant keys. */
  variants?: readonly string[] | undefined;
  /** Conversion attribution window after first exposure; default 7 days. */
  conversionWindowSeconds?: number | undefined;
  /** Exemplar trace ids per arm; default 5. */
  exemplarLimit?: number | undefined;
  /** 'auto' (default): the rollup when the scope allows it (`chooseStatsSource`); 'raw': never. */
  source?: 'auto' | 'raw' | undefined;
}

export interface ArmStatistics {
  variant: string;
  /** Input of `decideGuardrail` for this arm: ratio, quantile or mean statistics. */
  stats: MetricStats;
  /** Failing (error_rate) or slowest (latency_*) request trace ids of this arm; none for conversion. */
  exemplarTraceIds: string[];
}

export interface ArmStatisticsResult {
  arms: ArmStatistics[];
  /** The ClickHouse queries used, in order, separated by `;\n\n` (for the kill report). */
  sql: string;
  /** Their parameter values. */
  params: Record<string, string | number>;
  /** Which tables answered: the per-unit tables ('raw') or migration 0203's rollups. */
  source: StatsSource;
}

/**
 * Per variant, the sufficient statistics of one guardrail metric that `decideGuardrail`
 * takes, plus exemplar trace ids and the SQL used. Units seen in more than one variant are
 * excluded. Request metrics count spans of kind server (or the guardrail's `spanName`).
 */
export async function fetchArmStatistics(
  context: AnalysisContext,
  options: FetchArmStatisticsOptions,
): Promise<ArmStatisticsResult> {
  const { guardrail } = options;
  const definition = BUILTIN_METRICS[guardrail.metric];
  const queries = await openStatsQueries(context, {
    scope: {
      flagKey: options.flagKey,
      environment: options.environment,
      service: guardrail.service,
      spanName: guardrail.spanName,
      since: options.since,
      until: options.until,
    },
    source: options.source === 'raw' ? 'raw' : 'auto',
    events: definition.source === 'events',
  });
  const { byVariant, sql } = await fetchMetricStats(queries, options);
  // Conversions have no spans to show; a limit of 0 (the guardian between breaches) skips the query.
  const limit = options.exemplarLimit ?? 5;
  const exemplars =
    definition.source === 'spans' && limit > 0
      ? await queries.exemplars({
          value: definition.value.type === 'error' ? 'error' : 'duration',
          limit,
        })
      : undefined;
  const names = new Set([...(options.variants ?? []), ...byVariant.keys()]);
  const arms = [...names].sort().map((variant) => ({
    variant,
    stats: byVariant.get(variant) ?? emptyArmStats(guardrail.metric),
    exemplarTraceIds: exemplars?.value.get(variant) ?? [],
  }));
  const allSql = [...sql, ...(exemplars ? [exemplars.sql] : [])].join(';\n\n');
  const params = { ...queries.params } as Record<string, string | number>;
  return { arms, sql: allSql, params, source: queries.source };
}

async function fetchMetricStats(
  queries: StatsQueries,
  options: FetchArmStatisticsOptions,
): Promise<{ byVariant: Map<string, MetricStats>; sql: string[] }> {
  const definition = BUILTIN_METRICS[options.guardrail.metric];
  if (definition.source === 'events') {
    const conversions = await queries.conversionStats({
      event: options.guardrail.conversionEvent ?? '',
      windowSeconds: options.conversionWindowSeconds ?? DEFAULT_CONVERSION_WINDOW_SECONDS,
    });
    return {
      byVariant: new Map([...conversions.value].map(([v, arm]) => [v, arm.converted])),
      sql: [conversions.sql],
    };
  }
  if (definition.kind === 'quantile') {
    const histograms = await queries.latencyHistograms();
    const quantiles = await queries.quantileStats({
      histograms: histograms.value,
      probabilities: [quantileLevel(options.guardrail.metric)],
    });
    return {
      byVariant: quantiles.value[0] ?? new Map<string, MetricStats>(),
      sql: [histograms.sql, quantiles.sql],
    };
  }
  // The request ratios: errors or total duration over server spans.
  const moments = await queries.requestMoments();
  const pick = (m: { errorRate: MetricStats; latencyMean: MetricStats }) =>
    definition.value.type === 'error' ? m.errorRate : m.latencyMean;
  return {
    byVariant: new Map([...moments.value].map(([v, m]) => [v, pick(m)])),
    sql: [moments.sql],
  };
}

/** The level of a built-in quantile metric, from its definition. */
function quantileLevel(metric: BuiltinMetricId): number {
  const { quantile } = BUILTIN_METRICS[metric];
  if (quantile === undefined) throw new Error(`metric ${metric} is not a quantile`);
  return quantile;
}

/** Statistics of an arm with no data: `decideGuardrail` answers `no_traffic` for it. */
export function emptyArmStats(metric: BuiltinMetricId): MetricStats {
  const definition = BUILTIN_METRICS[metric];
  return METRIC_KIND_MODULES[definition.kind].emptyStats(definition);
}
