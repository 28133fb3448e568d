import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { queryRows, type AnalysisContext } from '../query-rows.js';
import type { MetricRecordsSource } from './fetch-metric-arms.js';
import { METRIC_KIND_MODULES } from './metric-kinds.js';
import { buildMetricSeriesSql } from './metric-series-sql.js';

const FAR_FUTURE_MS = Date.UTC(2200, 0, 1);

/** Statistic columns summed along the checkpoints for the sum-based kinds. */
const SUMMED = ['units', 'sum_y', 'sum_y_sq', 'sum_x', 'sum_x_sq', 'sum_xy'] as const;

/** One arm's statistics of a catalog metric over everything up to one checkpoint's end. */
export interface MetricSeriesPoint {
  /** The checkpoint: its bucket's start (unix seconds). */
  bucket: number;
  variant: string;
  stats: MetricStats;
}

export interface FetchMetricSeriesOptions {
  definition: MetricDefinition;
  flagKey: string;
  /** Exposures in this environment only; default every environment. */
  environment?: string | undefined;
  /** The records the scorecard read (`MetricArms.records`): materialized ones need `version`. */
  records: MetricRecordsSource;
  version?: number | undefined;
  bucketSeconds: number;
  /** Bucket starts (unix seconds, ascending) to compute the statistics at. */
  checkpoints: readonly number[];
}

/**
 * Each arm's statistics of one catalog metric at every checkpoint from its first unit on, in one
 * query (`buildMetricSeriesSql`): at the last checkpoint what `fetchMetricArms` answers for the
 * same records, at each earlier one the units first exposed and the records before its end.
 */
export async function fetchMetricSeries(
  context: AnalysisContext,
  options: FetchMetricSeriesOptions,
): Promise<MetricSeriesPoint[]> {
  const { definition, checkpoints } = options;
  if (checkpoints.length === 0) return [];
  const kind = METRIC_KIND_MODULES[definition.kind];
  const { sql, params, rows } = buildMetricSeriesSql({
    definition,
    tables: context.tables,
    scope: {
      flagKey: options.flagKey,
      environment: options.environment ?? '',
      sinceMs: 0,
      untilMs: FAR_FUTURE_MS,
      materializedVersion: options.records === 'materialized' ? options.version : undefined,
    },
    bucketSeconds: options.bucketSeconds,
    checkpoints,
  });
  const fetched = await queryRows<Record<string, unknown>>(context, sql, params);
  const out: MetricSeriesPoint[] = [];
  for (const variant of new Set(fetched.map((row) => String(row.variant)))) {
    const byPoint = new Map(
      fetched.filter((row) => row.variant === variant).map((row) => [Number(row.point), row]),
    );
    const first = Math.min(...byPoint.keys());
    const total: Record<string, unknown> = Object.fromEntries(SUMMED.map((name) => [name, 0]));
    checkpoints.forEach((bucket, i) => {
      const row = byPoint.get(i + 1);
      if (i + 1 < first || (rows === 'cumulative' && row === undefined)) return;
      if (rows === 'cumulative') {
        out.push({ bucket, variant, stats: kind.readStats(row ?? {}, definition) });
        return;
      }
      for (const name of SUMMED) total[name] = Number(total[name]) + Number(row?.[name] ?? 0);
      out.push({ bucket, variant, stats: kind.readStats(total, definition) });
    });
  }
  return out;
}
