/**
 * Treatment-vs-control comparison of one metric from summarized arms: fixed-horizon lift
 * (absolute and relative, Wald interval and Welch–Satterthwaite t p-value) and the always-valid counterparts
 * (confidence sequence and always-valid p-value), all via @tripwire/stats.
 */
import type { ArmEstimate, LiftEstimate, MetricStats } from '@tripwire/stats';
import {
  DEFAULT_GUARDRAIL_TARGET_UNITS,
  alwaysValidPValue,
  computeRelativeVariance,
  confidenceSequence,
  estimateLift,
  summarizeMetric,
} from '@tripwire/stats';
import type { Comparison, Lift } from './results-schema.js';

/** A finite number, or null (JSON has no Infinity/NaN). */
export function toFinite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** Summarizes an arm, or undefined when it cannot be estimated (no units, no requests, …). */
export function trySummarize(
  stats: MetricStats | undefined,
  alpha: number,
): ArmEstimate | undefined {
  if (stats === undefined || stats.units === 0) return undefined;
  try {
    return summarizeMetric(stats, { alpha });
  } catch {
    return undefined;
  }
}

function buildAlwaysValid(
  estimate: number,
  variance: number,
  options: { units: number; alpha: number },
): Pick<Lift, 'alwaysValidInterval' | 'alwaysValidPValue'> {
  if (!Number.isFinite(estimate) || !(variance > 0) || !Number.isFinite(variance)) {
    return { alwaysValidInterval: [null, null], alwaysValidPValue: null };
  }
  const common = { estimate, variance, units: options.units };
  const sequence = confidenceSequence({
    ...common,
    alpha: options.alpha,
    targetUnits: DEFAULT_GUARDRAIL_TARGET_UNITS,
  });
  return {
    alwaysValidInterval: [toFinite(sequence.interval[0]), toFinite(sequence.interval[1])],
    alwaysValidPValue: toFinite(
      alwaysValidPValue({
        ...common,
        targetUnits: DEFAULT_GUARDRAIL_TARGET_UNITS,
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
  alpha: number,
): Comparison | undefined {
  if (control === undefined || treatment === undefined) return undefined;
  if (!Number.isFinite(control.variance) || !Number.isFinite(treatment.variance)) return undefined;
  const lift = estimateLift({ control, treatment, alpha });
  const units = control.units + treatment.units;
  const isDeclined = lift.absolute.status !== 'ok';
  const alwaysValid = (estimate: number, variance: number) =>
    buildAlwaysValid(estimate, isDeclined ? 0 : variance, { units, alpha });
  const absolute = toLift(
    lift.absolute,
    alwaysValid(lift.absolute.estimate, treatment.variance + control.variance),
  );
  if (lift.relative === undefined) return { absolute };
  const relative = toLift(
    lift.relative,
    alwaysValid(lift.relative.estimate, computeRelativeVariance({ control, treatment })),
  );
  return { absolute, relative };
}
