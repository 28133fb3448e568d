/**
 * Pure core of the results endpoint: fetched sufficient statistics in, the response out.
 * Time comes in as an argument (`now`), nothing is read from the clock or storage here.
 */
import { BUILTIN_METRICS, type Flag, type MetricDefinition } from '@tripwire/schema';
import { adjustPValues, adjustWithCuped, estimateLift, sampleRatioMismatch } from '@tripwire/stats';
import { buildSeriesLifts } from './build-series-lifts.js';
import { listExperimentMetrics } from './fetch-catalog-metrics.js';
import {
  catchStatsError,
  compareArms,
  summarizeArm,
  toFinite,
  trySummarize,
} from './compare-arms.js';
import type { ArmSummary, ComparisonOutcome, InferenceSettings } from './compare-arms.js';
import {
  findSplitDimensions,
  rankBreakdowns,
  type RankBreakdownsOptions,
  type UnrankedBreakdownRow,
} from './rank-breakdowns.js';
import {
  QUANTILE_METRICS,
  type BreakdownCell,
  type ResultsData,
  type SeriesRow,
} from './results-data.js';
import type {
  MetricRole,
  BreakdownRow,
  Comparison,
  MetricError,
  MetricResult,
  PointLift,
  ResultMetric,
  ResultsResponse,
  Srm,
  Timeseries,
  VariantResult,
} from './results-schema.js';

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
    buildVariant({ variant, control, weight: weights?.get(variant), data, settings }),
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
    timeseries: buildTimeseries(data.series, { control, settings }),
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

/** One metric of the results: its description, and how to read its statistics per variant. */
interface MetricColumn {
  metric: ResultMetric;
  pick: (variant: string) => Parameters<typeof summarizeArm>[0];
  count: (variant: string) => number;
}

/** The results' description of a metric definition (per tracked event when `event` is set). */
export function describeMetric(definition: MetricDefinition, event?: string): ResultMetric {
  return {
    key: event === undefined ? definition.id : `${definition.id}:${event}`,
    id: definition.id,
    name: event === undefined ? definition.name : `${definition.name}: ${event}`,
    kind: definition.kind,
    direction: definition.direction,
    unit: definition.unit ?? null,
    ...(definition.quantile === undefined ? {} : { quantile: definition.quantile }),
    ...(event === undefined ? {} : { event }),
  };
}

/** The request metrics the fetched data holds, in display order (conversions follow). */
function listRequestColumns(data: ResultsData): MetricColumn[] {
  const requests = (name: string) => data.requests.get(name)?.errorRate.sumDenominator ?? 0;
  return [
    {
      metric: describeMetric(BUILTIN_METRICS.error_rate),
      pick: (name) => data.requests.get(name)?.errorRate,
      count: requests,
    },
    {
      metric: describeMetric(BUILTIN_METRICS.latency_mean),
      pick: (name) => data.requests.get(name)?.latencyMean,
      count: requests,
    },
    ...QUANTILE_METRICS.map(([id]) => ({
      metric: describeMetric(BUILTIN_METRICS[id]),
      pick: (name: string) => data.quantiles[id]?.get(name),
      count: requests,
    })),
  ];
}

/** The catalog metrics the experiment names, after the built-ins. */
function listCatalogColumns(data: ResultsData): MetricColumn[] {
  const firstExposureMs = Math.min(...data.units.map((u) => u.firstExposureMs));
  return (data.catalog ?? []).map((metric) => {
    const changedAt = metric.updatedAt === null ? NaN : Date.parse(metric.updatedAt);
    return {
      metric: {
        ...describeMetric(metric.definition),
        version: metric.version,
        updatedAt: metric.updatedAt,
        updatedBy: metric.updatedBy,
        changedDuringExperiment: metric.version > 1 && changedAt > firstExposureMs,
      },
      pick: (name) => metric.arms.get(name),
      count: (name) => metric.arms.get(name)?.units ?? 0,
    };
  });
}

/** Every metric of the results, in display order, with the roles the experiment gives them. */
function listResultMetrics(data: ResultsData, roles: Map<string, MetricRole[]>): ResultMetric[] {
  return [
    ...listRequestColumns(data).map((column) => column.metric),
    ...data.conversions.map((c) => describeMetric(BUILTIN_METRICS.conversion, c.event)),
    ...listCatalogColumns(data).map((column) => column.metric),
  ].map((metric) => {
    const named = roles.get(metric.id);
    return named === undefined ? metric : { ...metric, roles: named };
  });
}

function buildVariant(input: {
  variant: string;
  control: string;
  weight: number | undefined;
  data: ResultsData;
  settings: InferenceSettings;
}): VariantResult {
  const { variant, control, data, settings } = input;
  const isControl = variant === control;
  const unitRow = data.units.find((u) => u.variant === variant);
  const summarize = (stats: Parameters<typeof summarizeArm>[0], where: string) =>
    summarizeArm(stats, { ...settings, where });
  const toResult = ({ metric, pick, count }: MetricColumn): MetricResult => {
    const arm = summarize(pick(variant), variant);
    const outcome = isControl
      ? {}
      : compareArms(summarize(pick(control), control), arm, {
          ...settings,
          names: { control, treatment: variant },
        });
    return {
      key: metric.key,
      metric: metric.id,
      ...describeArmResult(arm, isControl ? ('error' in arm ? arm : {}) : outcome),
      units: pick(variant)?.units ?? 0,
      count: count(variant),
    };
  };
  const metrics: MetricResult[] = [
    ...listRequestColumns(data).map(toResult),
    ...data.conversions.map((conversion) =>
      buildConversionMetric({ conversion, variant, control, settings }),
    ),
    ...listCatalogColumns(data).map(toResult),
  ];
  return {
    variant,
    isControl,
    units: unitRow?.units ?? 0,
    weight: input.weight ?? null,
    firstExposure: unitRow === undefined ? null : new Date(unitRow.firstExposureMs).toISOString(),
    metrics,
  };
}

/** Value, standard error, comparison and error of one metric result from its arm summary. */
function describeArmResult(
  arm: ArmSummary,
  outcome: ComparisonOutcome,
): Pick<MetricResult, 'value' | 'standardError' | 'comparison' | 'error'> {
  const estimate = 'estimate' in arm ? arm.estimate : undefined;
  return {
    value: toFinite(estimate?.mean),
    standardError: toFinite(estimate === undefined ? undefined : Math.sqrt(estimate.variance)),
    ...(outcome.comparison === undefined ? {} : { comparison: outcome.comparison }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  };
}

function buildConversionMetric(input: {
  conversion: ResultsData['conversions'][number];
  variant: string;
  control: string;
  settings: InferenceSettings;
}): MetricResult {
  const { conversion, variant, control, settings } = input;
  const arm = conversion.byVariant.get(variant);
  const controlArm = conversion.byVariant.get(control);
  const summarize = (stats: ConversionArm['converted'] | undefined, where: string) =>
    summarizeArm(stats, { ...settings, where, isProportion: true });
  const estimate = summarize(arm?.converted, variant);
  let outcome: ComparisonOutcome = 'error' in estimate ? estimate : {};
  if (variant !== control) {
    const names = { control, treatment: variant };
    outcome = compareArms(summarize(controlArm?.converted, control), estimate, {
      ...settings,
      names,
    });
    const cuped = computeCuped({ control: controlArm, treatment: arm, settings, names });
    if (outcome.comparison !== undefined && cuped !== undefined) {
      if ('error' in cuped) outcome = { error: cuped.error, ...outcome };
      else outcome = { ...outcome, comparison: { ...outcome.comparison, cuped } };
    }
  }
  const { key, id } = describeMetric(BUILTIN_METRICS.conversion, conversion.event);
  return {
    key,
    metric: id,
    event: conversion.event,
    ...describeArmResult(estimate, outcome),
    units: arm?.converted.units ?? 0,
    count: arm?.conversions ?? 0,
  };
}

type ConversionArm =
  ResultsData['conversions'][number]['byVariant'] extends Map<string, infer A> ? A : never;

/**
 * CUPED on the pre-exposure conversion covariate, only when some unit converted before; an
 * error when the covariate moments are impossible (the unadjusted comparison stands).
 */
function computeCuped(input: {
  control: ConversionArm | undefined;
  treatment: ConversionArm | undefined;
  settings: InferenceSettings;
  names: { control: string; treatment: string };
}): Comparison['cuped'] | { error: MetricError } {
  const { control, treatment, settings, names } = input;
  if (control === undefined || treatment === undefined) return undefined;
  if (control.preConverted + treatment.preConverted === 0) return undefined;
  if (control.covariate.units < 2 || treatment.covariate.units < 2) return undefined;
  const adjusted = catchStatsError(
    () => adjustWithCuped({ control: control.covariate, treatment: treatment.covariate }),
    'CUPED: ',
  );
  if ('error' in adjusted) return adjusted;
  const { comparison } = compareArms(
    { estimate: adjusted.control },
    { estimate: adjusted.treatment },
    { ...settings, names },
  );
  if (comparison === undefined) return undefined;
  return {
    absolute: comparison.absolute,
    ...(comparison.relative === undefined ? {} : { relative: comparison.relative }),
    theta: toFinite(adjusted.theta),
    varianceReduction: toFinite(adjusted.varianceReduction),
  };
}

/** Cumulative per-variant series (units by first exposure; requests, errors, latency). */
export function buildTimeseries(
  series: ResultsData['series'],
  options: { control: string; settings: InferenceSettings },
): Timeseries {
  const lifts = buildSeriesLifts({ moments: series.moments, ...options });
  const buckets = [...new Set(series.rows.map((row) => row.bucket))].sort((a, b) => a - b);
  const byVariant = new Map<string, SeriesRow[]>();
  for (const row of series.rows) {
    byVariant.set(row.variant, [...(byVariant.get(row.variant) ?? []), row]);
  }
  const variants: Timeseries['variants'] = {};
  for (const [variant, rows] of byVariant) {
    const total = { units: 0, requests: 0, errors: 0, latency: 0 };
    // A bucket without requests (exposures only) keeps the lifts of the last one with requests.
    let pointLifts: Record<string, PointLift> | undefined;
    variants[variant] = buckets.map((bucket) => {
      pointLifts = lifts.get(variant)?.get(bucket) ?? pointLifts;
      for (const row of rows.filter((r) => r.bucket === bucket)) {
        total.units += row.units ?? 0;
        total.requests += Number(row.requests ?? 0);
        total.errors += Number(row.errors ?? 0);
        total.latency += Number(row.latency ?? 0);
      }
      return {
        time: new Date((bucket + series.bucketSeconds) * 1000).toISOString(),
        units: total.units,
        requests: total.requests,
        errorRate: total.requests > 0 ? total.errors / total.requests : null,
        latencyMeanMs: total.requests > 0 ? total.latency / total.requests : null,
        ...(pointLifts === undefined ? {} : { lifts: pointLifts }),
      };
    });
  }
  return { bucketSeconds: series.bucketSeconds, variants };
}

/**
 * Error rate and mean latency per segment, each treatment vs control, with the
 * Benjamini–Hochberg adjustment over all rows (one family), most significant first.
 */
export function buildBreakdowns(input: {
  data: ResultsData;
  control: string;
  settings: InferenceSettings;
}): BreakdownRow[] {
  const { data, control, settings } = input;
  const { alpha } = settings;
  const rows: Omit<UnrankedBreakdownRow, 'adjustedPValue' | 'significant'>[] = [];
  const split = findSplitDimensions(data.breakdown);
  for (const cell of data.breakdown) {
    if (cell.variant === control || !split.has(cell.dimension)) continue;
    const base = data.breakdown.find(
      (c) => c.variant === control && c.dimension === cell.dimension && c.segment === cell.segment,
    );
    if (base === undefined) continue;
    for (const metric of ['error_rate', 'latency_mean'] as const) {
      const pick = metric === 'error_rate' ? 'errorRate' : 'latencyMean';
      const c = trySummarize(base.moments[pick], settings);
      const t = trySummarize(cell.moments[pick], settings);
      if (c === undefined || t === undefined) continue;
      if (!Number.isFinite(c.variance) || !Number.isFinite(t.variance)) continue;
      const lift = estimateLift({ control: c, treatment: t, ...settings });
      rows.push({
        dimension: cell.dimension as BreakdownRow['dimension'],
        segment: cell.segment,
        metric,
        variant: cell.variant,
        controlValue: toFinite(c.mean),
        treatmentValue: toFinite(t.mean),
        controlUnits: c.units,
        treatmentUnits: t.units,
        absoluteLift: toFinite(lift.absolute.estimate),
        relativeLift: toFinite(lift.relative?.estimate),
        pValue: toFinite(lift.absolute.pValue),
      });
    }
  }
  const pValues = rows.map((row) => row.pValue ?? 1);
  const adjusted =
    pValues.length === 0 ? [] : adjustPValues({ pValues, method: 'benjamini-hochberg' });
  const unranked = rows.map((row, i) => {
    const adjustedPValue = adjusted[i] ?? 1;
    return { ...row, adjustedPValue, significant: adjustedPValue < alpha };
  });
  return rankBreakdowns(unranked, describeBreakdownTraffic({ data, control, settings }));
}

/** Requests per segment and dimension, and the overall lifts, that rank the breakdown. */
function describeBreakdownTraffic(input: {
  data: ResultsData;
  control: string;
  settings: InferenceSettings;
}): RankBreakdownsOptions {
  const { data, control, settings } = input;
  const requestsOf = (cell: BreakdownCell) => cell.moments.errorRate.sumDenominator;
  const cellOf = (variant: string, dimension: string, segment: string) =>
    data.breakdown.find(
      (c) => c.variant === variant && c.dimension === dimension && c.segment === segment,
    );
  const overallMean = (variant: string, metric: BreakdownRow['metric']) => {
    const moments = data.requests.get(variant);
    const stats = metric === 'error_rate' ? moments?.errorRate : moments?.latencyMean;
    return trySummarize(stats, settings)?.mean;
  };
  return {
    dimensionRequests: (variant, dimension) =>
      data.breakdown
        .filter((c) => c.variant === variant && c.dimension === dimension)
        .reduce((sum, c) => sum + requestsOf(c), 0),
    segmentRequests: (row) => {
      const cell = cellOf(row.variant, row.dimension, row.segment);
      return cell === undefined ? 0 : requestsOf(cell);
    },
    overallLift: (variant, metric) =>
      toFinite((overallMean(variant, metric) ?? NaN) - (overallMean(control, metric) ?? NaN)),
  };
}
