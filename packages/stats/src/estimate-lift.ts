import { normalQuantile, normalSurvival } from './distributions.js';
import { ALTERNATIVES, computeInterval, computePValue } from './internal/test-tails.js';
import { requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import type { Alternative, ArmEstimate, LiftEstimate, LiftResult } from './types.js';

export interface EstimateLiftOptions {
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** Default 0.05. */
  readonly alpha?: number;
}

/** Var(μ̂_T/μ̂_C − 1) by the delta method for independent arms: V_T/μ_C² + μ_T²·V_C/μ_C⁴. */
export function computeRelativeVariance(control: ArmEstimate, treatment: ArmEstimate): number {
  const c2 = control.mean * control.mean;
  return treatment.variance / c2 + (treatment.mean * treatment.mean * control.variance) / (c2 * c2);
}

function buildLift(
  estimate: number,
  variance: number,
  alternative: Alternative,
  alpha: number,
): LiftEstimate {
  const standardError = Math.sqrt(variance);
  const statistic = estimate / standardError;
  return {
    estimate,
    standardError,
    interval: computeInterval(estimate, standardError, {
      alternative,
      alpha,
      quantile: normalQuantile,
    }),
    pValue:
      standardError === 0
        ? estimate === 0
          ? 1
          : computePValue(Math.sign(estimate) * Infinity, alternative, normalSurvival)
        : computePValue(statistic, alternative, normalSurvival),
  };
}

/**
 * Fixed-horizon absolute (μ_T − μ_C, Var = V_T + V_C) and relative (μ_T/μ_C − 1, delta method)
 * lift with normal (Wald) intervals and z-test p-values of H0: lift = 0. Works for any metric
 * kind once summarized (`summarizeMetric`).
 */
export function estimateLift(options: EstimateLiftOptions): LiftResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const { control, treatment } = options;
  const absolute = buildLift(
    treatment.mean - control.mean,
    treatment.variance + control.variance,
    alternative,
    alpha,
  );
  if (control.mean === 0) return { absolute, alternative, alpha };
  const relative = buildLift(
    treatment.mean / control.mean - 1,
    computeRelativeVariance(control, treatment),
    alternative,
    alpha,
  );
  return { absolute, relative, alternative, alpha };
}
