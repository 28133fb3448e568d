import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { queryRows, type AnalysisContext } from '../query-rows.js';
import { readCovariateStats, type MetricCovariate } from './metric-kind.js';
import { METRIC_KIND_MODULES } from './metric-kinds.js';
import { isMetricRecordsReady } from './metric-records.js';
import { buildMetricSql, isMaterializable } from './metric-sql.js';

const FAR_FUTURE_MS = Date.UTC(2200, 0, 1);

export interface FetchMetricArmsOptions {
  definition: MetricDefinition;
  flagKey: string;
  /** Exposures in this environment only; default every environment. */
  environment?: string | undefined;
  /** Records at or after this instant. */
  since?: Date | undefined;
  /** Records before this instant. */
  until?: Date | undefined;
  /** Arms to return even without data (zero statistics), e.g. the flag's variant keys. */
  variants?: readonly string[] | undefined;
  /**
   * Also each arm's CUPED input: the per-unit value over the unit's records in the
   * `CUPED_LOOKBACK_DAYS` before its first exposure as covariate (kinds and sources that have
   * one: `explainCupedLimit` of @tripwire/schema; otherwise a 400 naming `/cuped`).
   */
  covariate?: boolean | undefined;
  /**
   * 'materialized': read the records `metric-records.ts` keeps for this `version` when they are
   * complete (not with `covariate`: the pre-exposure records are read raw anyway); else the raw
   * signal. 'raw' (default): always the raw signal.
   */
  records?: MetricRecordsSource | undefined;
  /** The definition's version (the materialized records are per version). */
  version?: number | undefined;
}

export type MetricRecordsSource = 'raw' | 'materialized';

export interface MetricArms {
  /** Sufficient statistics per variant (`@tripwire/stats` input of the definition's kind). */
  arms: Map<string, MetricStats>;
  /** Per variant the CUPED input (`covariate: true` only). */
  covariates?: Map<string, MetricCovariate>;
  /** The query (shown in kill reports) and its parameter values. */
  sql: string;
  params: Record<string, unknown>;
  /** Where the records came from. */
  records: MetricRecordsSource;
}

/**
 * Per variant, the sufficient statistics of any metric definition, computed in ClickHouse from
 * the raw signal (spans, tracked events, logs) or its materialized records (`records`) over the
 * flag's valid units.
 */
export async function fetchMetricArms(
  context: AnalysisContext,
  options: FetchMetricArmsOptions,
): Promise<MetricArms> {
  const { definition } = options;
  const kind = METRIC_KIND_MODULES[definition.kind];
  const records = await chooseRecords(context, options);
  const { sql, params } = buildMetricSql({
    definition,
    tables: context.tables,
    scope: {
      flagKey: options.flagKey,
      environment: options.environment ?? '',
      sinceMs: options.since?.getTime() ?? 0,
      untilMs: options.until?.getTime() ?? FAR_FUTURE_MS,
      materializedVersion: records === 'materialized' ? options.version : undefined,
    },
    covariate: options.covariate,
  });
  const rows = await queryRows<Record<string, unknown>>(context, sql, params);
  const arms = new Map<string, MetricStats>();
  for (const row of rows) arms.set(String(row.variant), kind.readStats(row, definition));
  for (const variant of options.variants ?? []) {
    if (!arms.has(variant)) arms.set(variant, kind.emptyStats(definition));
  }
  if (options.covariate !== true) return { arms, sql, params, records };
  const read = (row: Record<string, unknown>): MetricCovariate =>
    kind.readCovariate?.(row) ?? { kind: 'mean', stats: readCovariateStats(row) };
  const covariates = new Map(rows.map((row) => [String(row.variant), read(row)]));
  // An arm without rows: every moment 0 (a missing column reads as 0).
  for (const variant of arms.keys())
    if (!covariates.has(variant)) covariates.set(variant, read({}));
  return { arms, covariates, sql, params, records };
}

/** The materialized records when asked for, kept for this version and complete; else raw. */
async function chooseRecords(
  context: AnalysisContext,
  options: FetchMetricArmsOptions,
): Promise<MetricRecordsSource> {
  const { version, definition } = options;
  if (options.records !== 'materialized' || version === undefined) return 'raw';
  if (options.covariate === true || !isMaterializable(definition)) return 'raw';
  const key = { flagKey: options.flagKey, metricId: definition.id, version };
  return (await isMetricRecordsReady(context, key)) ? 'materialized' : 'raw';
}
