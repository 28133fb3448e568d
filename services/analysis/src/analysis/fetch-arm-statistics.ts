import { BUILTIN_METRICS, type BuiltinMetricId, type Guardrail } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import {
  buildErrorExemplarsSql,
  buildScopeParams,
  buildSlowExemplarsSql,
  type ScopeParams,
} from './arm-queries.js';
import {
  DEFAULT_CONVERSION_WINDOW_SECONDS,
  fetchConversionStats,
} from './fetch-conversion-stats.js';
import {
  fetchLatencyHistograms,
  fetchQuantileStats,
  fetchRequestMoments,
  type StatsSource,
} from './fetch-request-stats.js';
import { METRIC_KIND_MODULES } from '../metrics/metric-kinds.js';
import { chooseRollupMerge } from './choose-rollup-merge.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import { buildRollupTimeRangeSql } from './rollup-queries.js';

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
  /** 'auto' (default): the rollup when the scope allows it (see `chooseStatsSource`); 'raw': never. */
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
  const params = buildScopeParams({
    flagKey: options.flagKey,
    environment: options.environment,
    service: guardrail.service,
    spanName: guardrail.spanName,
    since: options.since,
    until: options.until,
  });
  const source = await chooseStatsSource(context, options, params);
  const scoped = source === 'rollup' ? await chooseRollupMerge(context, params) : params;
  const { byVariant, sql } = await fetchMetricStats(context, options, { params: scoped, source });
  const exemplars = await fetchExemplars(context, {
    metric: guardrail.metric,
    params,
    limit: options.exemplarLimit ?? 5,
  });
  const names = new Set([...(options.variants ?? []), ...byVariant.keys()]);
  const arms = [...names].sort().map((variant) => ({
    variant,
    stats: byVariant.get(variant) ?? emptyArmStats(guardrail.metric),
    exemplarTraceIds: exemplars.byVariant.get(variant) ?? [],
  }));
  const allSql = [...sql, ...(exemplars.sql ? [exemplars.sql] : [])].join(';\n\n');
  return { arms, sql: allSql, params: { ...scoped } as Record<string, string | number>, source };
}

/**
 * The rollup answers exactly when the scope is unfiltered: no service or span-name filter, no
 * `until`, and `since` filters nothing (no request of the flag is older than its minute: the
 * usual case for the guardian, whose `since` is the rollout's start). Conversions always can
 * (their window is on the unit's first exposure, which the rollup keeps).
 */
async function chooseStatsSource(
  context: AnalysisContext,
  options: FetchArmStatisticsOptions,
  params: ScopeParams,
): Promise<StatsSource> {
  if (options.source === 'raw') return 'raw';
  if (BUILTIN_METRICS[options.guardrail.metric].source === 'events') return 'rollup';
  if (params.service !== '' || params.spanName !== '' || options.until !== undefined) return 'raw';
  if (options.since === undefined) return 'rollup';
  const [range] = await queryRows<{ first_minute: number; rows: string | number }>(
    context,
    buildRollupTimeRangeSql(context.tables),
    params,
  );
  if (range === undefined || Number(range.rows) === 0) return 'rollup';
  const sinceMinuteSeconds = Math.floor(options.since.getTime() / 60_000) * 60;
  return range.first_minute >= sinceMinuteSeconds ? 'rollup' : 'raw';
}

async function fetchMetricStats(
  context: AnalysisContext,
  options: FetchArmStatisticsOptions,
  scope: { params: ScopeParams; source: StatsSource },
): Promise<{ byVariant: Map<string, MetricStats>; sql: string[] }> {
  const definition = BUILTIN_METRICS[options.guardrail.metric];
  const { params, source } = scope;
  if (definition.source === 'events') {
    const conversions = await fetchConversionStats(context, {
      params,
      event: options.guardrail.conversionEvent ?? '',
      windowSeconds: options.conversionWindowSeconds ?? DEFAULT_CONVERSION_WINDOW_SECONDS,
      source,
    });
    return {
      byVariant: new Map([...conversions.byVariant].map(([v, arm]) => [v, arm.converted])),
      sql: [conversions.sql],
    };
  }
  if (definition.kind === 'quantile') {
    const histograms = await fetchLatencyHistograms(context, params, source);
    const quantiles = await fetchQuantileStats(context, {
      params,
      histograms: histograms.byVariant,
      probabilities: [quantileLevel(options.guardrail.metric)],
      source,
    });
    return {
      byVariant: quantiles.byProbability[0] ?? new Map<string, MetricStats>(),
      sql: [histograms.sql, quantiles.sql],
    };
  }
  // The request ratios: errors or total duration over server spans.
  const moments = await fetchRequestMoments(context, params, source);
  const pick = (m: { errorRate: MetricStats; latencyMean: MetricStats }) =>
    definition.value.type === 'error' ? m.errorRate : m.latencyMean;
  return {
    byVariant: new Map([...moments.byVariant].map(([v, m]) => [v, pick(m)])),
    sql: [moments.sql],
  };
}

/** The level of a built-in quantile metric, from its definition. */
function quantileLevel(metric: BuiltinMetricId): number {
  const { quantile } = BUILTIN_METRICS[metric];
  if (quantile === undefined) throw new Error(`metric ${metric} is not a quantile`);
  return quantile;
}

async function fetchExemplars(
  context: AnalysisContext,
  options: { metric: BuiltinMetricId; params: ScopeParams; limit: number },
): Promise<{ byVariant: Map<string, string[]>; sql: string }> {
  // Conversions have no spans to show, and a limit of 0 (the guardian between breaches) skips the query.
  const definition = BUILTIN_METRICS[options.metric];
  if (definition.source !== 'spans' || options.limit <= 0) return { byVariant: new Map(), sql: '' };
  const sql =
    definition.value.type === 'error'
      ? buildErrorExemplarsSql(context.tables)
      : buildSlowExemplarsSql(context.tables);
  const rows = await queryRows<{ variant: string; trace_ids: string[] }>(context, sql, {
    ...options.params,
    limit: options.limit,
  });
  return { byVariant: new Map(rows.map((row) => [row.variant, row.trace_ids])), sql };
}

/** Statistics of an arm with no data: `decideGuardrail` answers `no_traffic` for it. */
export function emptyArmStats(metric: BuiltinMetricId): MetricStats {
  const definition = BUILTIN_METRICS[metric];
  return METRIC_KIND_MODULES[definition.kind].emptyStats(definition);
}
