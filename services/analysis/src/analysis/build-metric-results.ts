/**
 * Every metric of the results per variant: the built-in request metrics, each tracked
 * conversion event (with CUPED on its pre-exposure covariate) and the experiment's catalog
 * metrics, each summarized and compared with the control arm.
 */
import { BUILTIN_METRICS, type MetricDefinition } from '@tripwire/schema';
import { adjustRatioWithCuped, adjustWithCuped } from '@tripwire/stats';
import type { MetricCovariate } from '../repositories/metrics/metric-kind.js';
import { catchStatsError, compareArms, summarizeArm, toFinite } from './compare-arms.js';
import { isNonNegativeMetric } from './is-non-negative-metric.js';
import type { ArmSummary, ComparisonOutcome, InferenceSettings } from './compare-arms.js';
import { QUANTILE_METRICS, type ResultsData } from './results-data.js';
import type {
  Comparison,
  MetricError,
  MetricResult,
  MetricRole,
  ResultMetric,
  VariantResult,
} from './results-schema.js';

/** One metric of the results: its description, and how to read its statistics per variant. */
interface MetricColumn {
  metric: ResultMetric;
  pick: (variant: string) => Parameters<typeof summarizeArm>[0];
  count: (variant: string) => number;
  /** CUPED inputs per variant, when the metric is adjusted. */
  covariate?: (variant: string) => MetricCovariate | undefined;
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
    nonNegative: isNonNegativeMetric(definition),
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
    const cuped = metric.cuped;
    return {
      metric: {
        ...describeMetric(metric.definition),
        version: metric.version,
        updatedAt: metric.updatedAt,
        updatedBy: metric.updatedBy,
        changedDuringExperiment: metric.version > 1 && changedAt > firstExposureMs,
        ...(cuped === undefined
          ? {}
          : {
              cuped:
                'notApplicable' in cuped
                  ? { applied: false, reason: `CUPED not applicable: ${cuped.notApplicable}` }
                  : { applied: true, lookbackDays: cuped.lookbackDays },
            }),
      },
      pick: (name) => metric.arms.get(name),
      count: (name) => metric.arms.get(name)?.units ?? 0,
      ...(cuped === undefined || 'notApplicable' in cuped
        ? {}
        : { covariate: (name: string) => cuped.covariates.get(name) }),
    };
  });
}

/** Every metric of the results, in display order, with the roles the experiment gives them. */
export function listResultMetrics(
  data: ResultsData,
  roles: Map<string, MetricRole[]>,
): ResultMetric[] {
  return [
    ...listRequestColumns(data).map((column) => column.metric),
    ...data.conversions.map((c) => describeMetric(BUILTIN_METRICS.conversion, c.event)),
    ...listCatalogColumns(data).map((column) => column.metric),
  ].map((metric) => {
    const named = roles.get(metric.id);
    return named === undefined ? metric : { ...metric, roles: named };
  });
}

export function buildVariantResult(input: {
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
  const toResult = ({ metric, pick, count, covariate }: MetricColumn): MetricResult => {
    const arm = summarize(pick(variant), variant);
    const names = { control, treatment: variant };
    let outcome = isControl
      ? {}
      : compareArms(summarize(pick(control), control), arm, { ...settings, names });
    if (!isControl && covariate !== undefined) {
      const cuped = computeCuped({
        control: covariate(control),
        treatment: covariate(variant),
        settings,
        names,
      });
      outcome = addCuped(outcome, cuped);
    }
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
    // Only when some unit converted before exposure: else the covariate is 0 for every unit.
    if (
      controlArm !== undefined &&
      arm !== undefined &&
      controlArm.preConverted + arm.preConverted > 0
    ) {
      const cuped = computeCuped({
        control: { kind: 'mean', stats: controlArm.covariate },
        treatment: { kind: 'mean', stats: arm.covariate },
        settings,
        names,
      });
      outcome = addCuped(outcome, cuped);
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

/** The comparison with its CUPED lift, or the CUPED fault beside the unadjusted comparison. */
function addCuped(
  outcome: ComparisonOutcome,
  cuped: Comparison['cuped'] | { error: MetricError },
): ComparisonOutcome {
  if (outcome.comparison === undefined || cuped === undefined) return outcome;
  if ('error' in cuped) return { error: cuped.error, ...outcome };
  return { ...outcome, comparison: { ...outcome.comparison, cuped } };
}

/** CUPED of a mean (`adjustWithCuped`) or a ratio (`adjustRatioWithCuped`) metric. */
function adjust(control: MetricCovariate, treatment: MetricCovariate) {
  if (control.kind === 'ratio' && treatment.kind === 'ratio')
    return adjustRatioWithCuped({ control: control.stats, treatment: treatment.stats });
  if (control.kind === 'mean' && treatment.kind === 'mean')
    return adjustWithCuped({ control: control.stats, treatment: treatment.stats });
  throw new Error(`CUPED inputs of two kinds: ${control.kind} and ${treatment.kind}`);
}

/**
 * CUPED on each arm's pre-exposure covariate, when both arms have ≥ 2 units (and, for a ratio,
 * a denominator); an error when the covariate moments are impossible (the unadjusted comparison
 * stands). A ratio without pre-exposure data or with a constant one is compared unadjusted (θ 0).
 */
function computeCuped(input: {
  control: MetricCovariate | undefined;
  treatment: MetricCovariate | undefined;
  settings: InferenceSettings;
  names: { control: string; treatment: string };
}): Comparison['cuped'] | { error: MetricError } {
  const { control, treatment, settings, names } = input;
  if (control === undefined || treatment === undefined) return undefined;
  if (control.stats.units < 2 || treatment.stats.units < 2) return undefined;
  const isEmptyRatio = (arm: MetricCovariate) =>
    arm.kind === 'ratio' && arm.stats.sumDenominator === 0;
  if (isEmptyRatio(control) || isEmptyRatio(treatment)) return undefined;
  const adjusted = catchStatsError(() => adjust(control, treatment), 'CUPED: ');
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
