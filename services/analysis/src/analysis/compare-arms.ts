/**
 * Treatment-vs-control comparison of one metric from summarized arms: fixed-horizon lift
 * (absolute and relative, Wald interval and Welch–Satterthwaite t p-value) and the always-valid counterparts
 * (confidence sequence and always-valid p-value), all via @tripwire/stats.
 */
import type { ArmEstimate, LiftEstimate, MetricStats, StatsEngine } from '@tripwire/stats';
import {
  DEFAULT_GUARDRAIL_TARGET_UNITS,
  alwaysValidPValue,
  confidenceSequence,
  estimateLift,
  summarizeMetric,
} from '@tripwire/stats';
import { describeSequentialState } from './describe-sequential-state.js';
import type { Comparison, Lift } from './results-schema.js';

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

/**
 * Summarizes an arm, or undefined when it cannot be estimated (no units, no requests, …).
 * `isProportion` (0/1 per unit) takes GrowthBook's Bernoulli variance under gbstats.
 */
export function trySummarize(
  stats: MetricStats | undefined,
  settings: InferenceSettings & { isProportion?: boolean },
): ArmEstimate | undefined {
  if (stats === undefined || stats.units === 0) return undefined;
  const isBernoulli = settings.isProportion === true && settings.statsEngine === 'gbstats';
  try {
    return summarizeMetric(stats, {
      alpha: settings.alpha,
      ...(isBernoulli ? { variance: 'bernoulli' as const } : {}),
    });
  } catch {
    return undefined;
  }
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

/** Both scales of the comparison; undefined when either arm cannot be estimated. */
export function compareArms(
  control: ArmEstimate | undefined,
  treatment: ArmEstimate | undefined,
  settings: InferenceSettings,
): Comparison | undefined {
  if (control === undefined || treatment === undefined) return undefined;
  if (!Number.isFinite(control.variance) || !Number.isFinite(treatment.variance)) return undefined;
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
    return state === undefined ? { absolute } : { absolute, sequential: state };
  }
  const relative = toLift(lift.relative, alwaysValid(lift.relative));
  const state = sequential('relative', relative) ?? sequential('absolute', absolute);
  return state === undefined ? { absolute, relative } : { absolute, relative, sequential: state };
}
