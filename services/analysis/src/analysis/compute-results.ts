/**
 * Pure core of the results endpoint: fetched sufficient statistics in, the response out.
 * Time comes in as an argument (`now`), nothing is read from the clock or storage here.
 */
import type { Flag } from '@tripwire/schema';
import { sampleRatioMismatch } from '@tripwire/stats';
import { buildBreakdowns } from './build-breakdowns.js';
import { buildVariantResult, listResultMetrics } from './build-metric-results.js';
import { buildTimeseries } from './build-timeseries.js';
import { listExperimentMetrics } from './fetch-catalog-metrics.js';
import type { ResultsData } from './results-data.js';
import type { ResultsResponse, Srm } from './results-schema.js';

/** p-value under which the split is reported as a sample ratio mismatch. */
export const SRM_THRESHOLD = 0.001;

export interface ComputeResultsOptions {
  flag: Pick<
    Flag,
    | 'key'
    | 'defaultVariant'
    | 'variants'
    | 'environments'
    | 'statsEngine'
    | 'metrics'
    | 'guardrails'
  >;
  /** Metric ids the flag names that no definition has (`fetchCatalogMetrics`). */
  unknownMetrics?: string[] | undefined;
  environment?: string | undefined;
  alpha: number;
  conversionWindowSeconds: number;
  now: Date;
  data: ResultsData;
}

export function computeResults(options: ComputeResultsOptions): ResultsResponse {
  const { flag, data, alpha } = options;
  const settings = { alpha, statsEngine: flag.statsEngine ?? 'tripwire' } as const;
  const control = flag.defaultVariant;
  const weights = findRolloutWeights(flag, options.environment);
  const names = [
    ...new Set([control, ...flag.variants.map((v) => v.key), ...data.units.map((u) => u.variant)]),
  ];
  const variants = names.map((variant) =>
    buildVariantResult({ variant, control, weight: weights?.get(variant), data, settings }),
  );
  return {
    flagKey: flag.key,
    environment: options.environment ?? null,
    control,
    alpha,
    statsEngine: settings.statsEngine,
    generatedAt: options.now.toISOString(),
    conversionWindowSeconds: options.conversionWindowSeconds,
    units: {
      total: data.units.reduce((sum, row) => sum + row.units, 0),
      excludedMultiVariant: data.excludedMultiVariant,
    },
    srm: computeSrm(data, weights),
    metrics: listResultMetrics(data, listExperimentMetrics(flag)),
    ...(options.unknownMetrics?.length ? { unknownMetrics: options.unknownMetrics } : {}),
    variants,
    timeseries: buildTimeseries(data.series, { control, settings, catalog: data.catalog }),
    breakdowns: buildBreakdowns({ data, control, settings }),
  };
}

/**
 * Allocation weights of the flag's rollout in the environment (or the first environment that
 * has one): the fallthrough rollout, else the first rule serving a rollout.
 */
export function findRolloutWeights(
  flag: Pick<Flag, 'environments'>,
  environment: string | undefined,
): Map<string, number> | undefined {
  const states =
    environment === undefined
      ? Object.values(flag.environments)
      : [flag.environments[environment]].filter((state) => state !== undefined);
  for (const state of states) {
    const serves = [state.fallthrough, ...state.rules.map((rule) => rule.serve)];
    for (const serve of serves) {
      if ('rollout' in serve) {
        return new Map(serve.rollout.weights.map((w) => [w.variant, w.weight]));
      }
    }
  }
  return undefined;
}

function computeSrm(data: ResultsData, weights: Map<string, number> | undefined): Srm | null {
  if (weights === undefined) return null;
  const arms = [...weights].filter(([, weight]) => weight > 0);
  const observed = arms.map(
    ([variant]) => data.units.find((u) => u.variant === variant)?.units ?? 0,
  );
  if (arms.length < 2 || observed.every((count) => count === 0)) return null;
  const result = sampleRatioMismatch({ counts: observed, weights: arms.map(([, w]) => w) });
  return {
    statistic: result.statistic,
    degreesOfFreedom: result.degreesOfFreedom,
    pValue: result.pValue,
    mismatch: result.pValue < SRM_THRESHOLD,
    threshold: SRM_THRESHOLD,
    observed: Object.fromEntries(arms.map(([variant], i) => [variant, observed[i] ?? 0])),
    expected: Object.fromEntries(arms.map(([variant], i) => [variant, result.expected[i] ?? 0])),
  };
}
