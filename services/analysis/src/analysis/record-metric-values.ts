/**
 * Records the values of every catalog metric each experiment names, per variant, in
 * `tripwire_metric_values` (migration 0254), so dashboards chart any metric over time, not only
 * the guardrails the guardian checks. The numbers are the results API's: the same
 * `fetchCatalogMetrics` read and `computeResults` comparisons (CUPED included), every environment.
 */
import type { Flag } from '@tripwire/schema';
import type { AppContext } from '../context.js';
import { findRunningRollouts } from '../guardian/running-rollouts.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';
import { computeResults } from './compute-results.js';
import { fetchCatalogMetrics, listExperimentMetrics } from './fetch-catalog-metrics.js';
import type { ResultsData } from './results-data.js';
import type { Lift, ResultsResponse } from './results-schema.js';

/** The comparisons' alpha: the results API's default. */
const ALPHA = 0.05;

type RecorderContext = Pick<AppContext, 'clickhouse' | 'tables' | 'flags'>;

/** One row of `tripwire_metric_values`. */
interface MetricValueRow {
  recorded_at: string;
  flag_key: string;
  environment: string;
  metric: string;
  metric_version: number;
  roles: string[];
  variant: string;
  is_control: boolean;
  units: number;
  value: number | null;
  standard_error: number | null;
  relative_lift: number | null;
  relative_lower: number | null;
  relative_upper: number | null;
  cuped_relative_lift: number | null;
  cuped_relative_lower: number | null;
  cuped_relative_upper: number | null;
}

/**
 * Records one row per catalog metric and variant with units of every running experiment (a
 * rollout the guardian watches: `findRunningRollouts`) naming one; a finished or killed one stops.
 */
export async function recordMetricValues(
  context: RecorderContext,
  options: { now: Date },
): Promise<{ rows: number }> {
  const rows: MetricValueRow[] = [];
  const flags = context.flags.list();
  const running = new Set(findRunningRollouts(flags).map((rollout) => rollout.flagKey));
  for (const flag of flags) {
    if (!running.has(flag.key) || listExperimentMetrics(flag).size === 0) continue;
    const catalog = await fetchCatalogMetrics(context, { flag });
    if (catalog.metrics.length === 0) continue;
    const response = computeResults({
      flag,
      alpha: ALPHA,
      conversionWindowSeconds: 0,
      now: options.now,
      data: catalogOnly(catalog.metrics),
    });
    rows.push(...toRows(flag, response, options.now));
  }
  if (rows.length > 0)
    await insertRows(context.clickhouse, {
      table: context.tables.metricValues,
      rows,
      failure: 'recording metric values failed',
    });
  return { rows: rows.length };
}

/** Results data holding the catalog metrics only (the built-ins are the rollups' business). */
function catalogOnly(catalog: NonNullable<ResultsData['catalog']>): ResultsData {
  return {
    units: [],
    excludedMultiVariant: 0,
    requests: new Map(),
    quantiles: {},
    conversions: [],
    breakdown: [],
    series: { bucketSeconds: 60, rows: [], moments: [], quantiles: [], conversions: [] },
    catalog,
  };
}

function toRows(flag: Pick<Flag, 'key'>, response: ResultsResponse, now: Date): MetricValueRow[] {
  const catalog = response.metrics.filter((metric) => metric.version !== undefined);
  return response.variants.flatMap((variant) =>
    catalog.flatMap((metric) => {
      const result = variant.metrics.find((m) => m.key === metric.key);
      if (result === undefined || result.units === 0) return [];
      const lift = (l: Lift | undefined) => ({
        estimate: l?.estimate ?? null,
        lower: l?.interval[0] ?? null,
        upper: l?.interval[1] ?? null,
      });
      const relative = lift(result.comparison?.relative);
      const cuped = lift(result.comparison?.cuped?.relative);
      return [
        {
          recorded_at: formatInsertTime(now.toISOString()),
          flag_key: flag.key,
          environment: '',
          metric: metric.id,
          metric_version: metric.version ?? 0,
          roles: metric.roles ?? [],
          variant: variant.variant,
          is_control: variant.isControl,
          units: result.units,
          value: result.value,
          standard_error: result.standardError,
          relative_lift: relative.estimate,
          relative_lower: relative.lower,
          relative_upper: relative.upper,
          cuped_relative_lift: cuped.estimate,
          cuped_relative_lower: cuped.lower,
          cuped_relative_upper: cuped.upper,
        },
      ];
    }),
  );
}

/**
 * Records every `intervalMs` (the first run one interval after start), and never busy more than
 * half the time: after a run that took d, the next starts ≥ d later (one query per catalog metric
 * and experiment: seconds at millions of units, which the guardian shares). One run at a time, a
 * failed run logged and retried at the next tick. `stop` waits for the run in flight.
 */
export function startMetricValuesRecorder(input: {
  context: RecorderContext;
  intervalMs: number;
  log: { warn(details: object, message: string): void };
  now?: () => Date;
}): { stop(): Promise<void> } {
  const now = input.now ?? (() => new Date());
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const started = now();
    running = recordMetricValues(input.context, { now: started })
      .then(() => undefined)
      .catch((error: unknown) => input.log.warn({ err: error }, 'recording metric values failed'))
      .finally(() => {
        const took = now().getTime() - started.getTime();
        if (timer !== undefined) timer = setTimeout(tick, Math.max(input.intervalMs, took));
      });
  };
  timer = setTimeout(tick, input.intervalMs);
  return {
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
