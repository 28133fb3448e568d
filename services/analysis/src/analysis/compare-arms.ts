/**
 * Treatment-vs-control comparison of one metric from summarized arms: fixed-horizon lift
 * (absolute and relative, Wald interval and Welch–Satterthwaite t p-value) and the always-valid counterparts
 * (confidence sequence and always-valid p-value), all via @tripwire/stats.
 */
import type {
  ArmEstimate,
  LiftEstimate,
  LiftResult,
  MetricStats,
  StatsEngine,
} from '@tripwire/stats';
import {
  DEFAULT_GUARDRAIL_TARGET_UNITS,
  StatsError,
  alwaysValidPValue,
  computeMinimumDetectableEffect,
  computePower,
  confidenceSequence,
  estimateLift,
  summarizeMetric,
} from '@tripwire/stats';
import { describeSequentialState } from './describe-sequential-state.js';
import type { Comparison, Lift, MetricError } from './results-schema.js';

export type { MetricError } from './results-schema.js';

/** A finite number, or null (JSON has no Infinity/NaN). */
export function toFinite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** How an experiment's results are computed: level and statistical conventions (flag field). */
export interface InferenceSettings {
  alpha: number;
  statsEngine: StatsEngine;
}

/** t* of the always-valid intervals: Tripwire's guardrail default, or gbstats' tuning (5000). */
export const SEQUENTIAL_TARGET_UNITS: Record<StatsEngine, number> = {
  tripwire: DEFAULT_GUARDRAIL_TARGET_UNITS,
  gbstats: 5000,
};

/** Power the fixed-horizon minimum detectable effect is stated at. */
export const FIXED_HORIZON_POWER = 0.8;

/** An arm's estimate, or why there is none. */
export type ArmSummary = { estimate: ArmEstimate } | { error: MetricError };

/** A comparison, or why there is none; a declined comparison carries its reason too. */
export type ComparisonOutcome = { comparison?: Comparison; error?: MetricError };

/** Runs `compute`, turning a `StatsError` (bad or impossible statistics) into a `MetricError`. */
export function catchStatsError<T>(compute: () => T, prefix = ''): T | { error: MetricError } {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof StatsError)) throw error;
    return { error: { code: error.code, message: `${prefix}${error.message}` } };
  }
}

/**
 * Summarizes the arm `where` (the variant, named in error messages). No units, an empty ratio
 * denominator and impossible moments are errors, never thrown. `isProportion` (0/1 per unit)
 * takes GrowthBook's Bernoulli variance under gbstats.
 */
export function summarizeArm(
  stats: MetricStats | undefined,
  settings: InferenceSettings & { where: string; isProportion?: boolean },
): ArmSummary {
  const { where } = settings;
  if (stats === undefined || stats.units === 0) {
    return { error: { code: 'insufficient_data', message: `${where}: no units with data yet` } };
  }
  const isBernoulli = settings.isProportion === true && settings.statsEngine === 'gbstats';
  return catchStatsError(() => ({
    estimate: summarizeMetric(stats, {
      alpha: settings.alpha,
      where,
      ...(isBernoulli ? { variance: 'bernoulli' as const } : {}),
    }),
  }));
}

/** The arm's estimate, or undefined when it has none (breakdowns skip such cells). */
export function trySummarize(
  stats: MetricStats | undefined,
  settings: InferenceSettings & { where?: string; isProportion?: boolean },
): ArmEstimate | undefined {
  const summary = summarizeArm(stats, { ...settings, where: settings.where ?? 'arm' });
  return 'estimate' in summary ? summary.estimate : undefined;
}

function buildAlwaysValid(
  estimate: number,
  variance: number,
  options: { units: number; alpha: number; targetUnits: number },
): Pick<Lift, 'alwaysValidInterval' | 'alwaysValidPValue'> {
  if (!Number.isFinite(estimate) || !(variance > 0) || !Number.isFinite(variance)) {
    return { alwaysValidInterval: [null, null], alwaysValidPValue: null };
  }
  const common = { estimate, variance, units: options.units };
  const sequence = confidenceSequence({
    ...common,
    alpha: options.alpha,
    targetUnits: options.targetUnits,
  });
  return {
    alwaysValidInterval: [toFinite(sequence.interval[0]), toFinite(sequence.interval[1])],
    alwaysValidPValue: toFinite(
      alwaysValidPValue({
        ...common,
        targetUnits: options.targetUnits,
        tuningAlpha: options.alpha,
      }),
    ),
  };
}

/** One scale of a fixed-horizon lift as the results API shows it (finite numbers or null). */
function toLift(
  lift: LiftEstimate,
  alwaysValid: Pick<Lift, 'alwaysValidInterval' | 'alwaysValidPValue'>,
): Lift {
  return {
    status: lift.status,
    estimate: toFinite(lift.estimate),
    standardError: toFinite(lift.standardError),
    statistic: lift.status === 'ok' ? toFinite(lift.statistic) : null,
    degreesOfFreedom: toFinite(lift.degreesOfFreedom),
    interval: [toFinite(lift.interval[0]), toFinite(lift.interval[1])],
    pValue: toFinite(lift.pValue),
    ...alwaysValid,
  };
}

/** Why an arm with an estimate cannot be compared: infinite variance or none to learn from. */
function describeUnusableArm(arm: ArmEstimate, where: string): MetricError | undefined {
  if (!Number.isFinite(arm.variance)) {
    const why = arm.units < 2 ? `${arm.units} unit` : 'too few requests for its interval';
    return { code: 'insufficient_data', message: `${where}: no standard error yet (${why})` };
  }
  if (arm.variance > 0) return undefined;
  return {
    code: 'not_enough_information',
    message: `${where}: every one of its ${arm.units} units has the same value (${arm.mean}), e.g. no conversion or no error; the test declines until it varies`,
  };
}

/**
 * Both scales of the comparison of two summaries (named `control` and `treatment` after their
 * variants in `names`); none when either arm has no estimate or no standard error, and a
 * declined comparison (zero-variance arm) with the reason as `error`.
 */
export function compareArms(
  control: ArmSummary,
  treatment: ArmSummary,
  settings: InferenceSettings & { names: { control: string; treatment: string } },
): ComparisonOutcome {
  if ('error' in treatment) return treatment;
  if ('error' in control) return control;
  const { names } = settings;
  const unusable =
    describeUnusableArm(treatment.estimate, names.treatment) ??
    describeUnusableArm(control.estimate, names.control);
  if (unusable?.code === 'insufficient_data') return { error: unusable };
  const outcome = catchStatsError(() => ({
    comparison: compareEstimates(control.estimate, treatment.estimate, settings),
  }));
  return unusable === undefined || 'error' in outcome ? outcome : { ...outcome, error: unusable };
}

/** Both scales of the comparison of two arms with finite variances. */
function compareEstimates(
  control: ArmEstimate,
  treatment: ArmEstimate,
  settings: InferenceSettings,
): Comparison {
  const { alpha, statsEngine } = settings;
  const lift = estimateLift({ control, treatment, alpha, statsEngine });
  const units = control.units + treatment.units;
  const isDeclined = lift.absolute.status !== 'ok';
  const targetUnits = SEQUENTIAL_TARGET_UNITS[statsEngine];
  const alwaysValid = (scale: LiftEstimate) =>
    buildAlwaysValid(scale.estimate, isDeclined ? 0 : scale.standardError ** 2, {
      units,
      alpha,
      targetUnits,
    });
  const absolute = toLift(lift.absolute, alwaysValid(lift.absolute));
  const sequential = (scale: 'absolute' | 'relative', of: Lift) =>
    describeSequentialState({ ...of, scale, units, alpha, targetUnits });
  if (lift.relative === undefined) {
    const state = sequential('absolute', absolute);
    const power = describePower(lift, alpha);
    return {
      absolute,
      ...(state === undefined ? {} : { sequential: state }),
      ...(power === undefined ? {} : { power }),
    };
  }
  const relative = toLift(lift.relative, alwaysValid(lift.relative));
  const state = sequential('relative', relative) ?? sequential('absolute', absolute);
  const power = describePower(lift, alpha);
  return {
    absolute,
    relative,
    ...(state === undefined ? {} : { sequential: state }),
    ...(power === undefined ? {} : { power }),
  };
}

/**
 * Fixed-horizon power at the units so far (`@tripwire/stats` computePower /
 * computeMinimumDetectableEffect): the smallest true lift, absolute and relative, a two-sided
 * test at `alpha` detects with probability `FIXED_HORIZON_POWER`, and the power against a true
 * lift equal to the current estimate (for planning, not evidence).
 */
function describePower(lift: LiftResult, alpha: number): Comparison['power'] {
  const se = lift.absolute.standardError;
  if (lift.absolute.status !== 'ok' || !(se > 0) || !Number.isFinite(se)) return undefined;
  const mde = (standardError: number) =>
    computeMinimumDetectableEffect({ standardError, alpha, power: FIXED_HORIZON_POWER });
  const relativeSe = lift.relative?.standardError;
  return {
    level: FIXED_HORIZON_POWER,
    alpha,
    minimumDetectableEffect: toFinite(mde(se)),
    relativeMinimumDetectableEffect:
      relativeSe !== undefined && relativeSe > 0 ? toFinite(mde(relativeSe)) : null,
    estimatePower: toFinite(
      computePower({ effect: lift.absolute.estimate, standardError: se, alpha }),
    ),
  };
}
