import {
  buildInference,
  declineInference,
  hasZeroVariance,
  toComponent,
} from './internal/build-inference.js';
import type { VarianceComponent } from './internal/build-inference.js';
import { ALTERNATIVES } from './internal/test-tails.js';
import { requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import { StatsEngines } from '@tripwire/schema';
import type { Alternative, ArmEstimate, LiftResult, StatsEngine } from './types.js';

export interface EstimateLiftOptions {
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** Default 0.05. */
  readonly alpha?: number;
  /** 'student_t' (default): Welch–Satterthwaite ν; 'normal': z (large-sample) reference. */
  readonly reference?: 'student_t' | 'normal';
  /**
   * 'tripwire' (default) or 'gbstats': GrowthBook's conventions — ν from the two arms' absolute
   * variances on both scales, and the relative lift (T − C)/C₀ over the control's
   * `unadjustedMean` C₀ (CUPED), with means unadjusted in its delta-method variance.
   */
  readonly statsEngine?: StatsEngine;
}

/**
 * The two independent terms of Var(μ̂_T/μ̂_C − 1) by the delta method: V_T/μ_C² (treatment) and
 * μ_T²·V_C/μ_C⁴ (control), each with its arm's degrees of freedom.
 */
export function computeRelativeComponents(arms: {
  control: ArmEstimate;
  treatment: ArmEstimate;
}): [treatment: VarianceComponent, control: VarianceComponent] {
  const { control, treatment } = arms;
  const c2 = control.mean * control.mean;
  return [
    toComponent(treatment, 1 / c2),
    toComponent(control, (treatment.mean * treatment.mean) / (c2 * c2)),
  ];
}

/** Var(μ̂_T/μ̂_C − 1) by the delta method for independent arms: V_T/μ_C² + μ_T²·V_C/μ_C⁴. */
export function computeRelativeVariance(arms: {
  control: ArmEstimate;
  treatment: ArmEstimate;
}): number {
  const [t, c] = computeRelativeComponents(arms);
  return t.variance + c.variance;
}

/** gbstats' variance term of an arm: ν = n − 1 always (also after CUPED). */
function toGbstatsComponent(arm: ArmEstimate): VarianceComponent {
  return { variance: arm.variance, degreesOfFreedom: arm.units - 1 };
}

/**
 * GrowthBook's relative lift (T − C)/C₀ with C₀, T₀ the unadjusted means (equal to C, T without
 * CUPED): Var = V_T/C₀² + T₀²·V_C/C₀⁴, ν from the absolute variances (gbstats TTest).
 */
function buildGbstatsRelative(control: ArmEstimate, treatment: ArmEstimate) {
  const c0 = control.unadjustedMean ?? control.mean;
  const t0 = treatment.unadjustedMean ?? treatment.mean;
  const absolute = [toGbstatsComponent(treatment), toGbstatsComponent(control)];
  const variance = treatment.variance / (c0 * c0) + (t0 * t0 * control.variance) / c0 ** 4;
  return {
    estimate: (treatment.mean - control.mean) / c0,
    // Scaling both components by one factor keeps ν = ν(absolute); the sum is the variance.
    components: absolute.map((c) => ({
      variance: (c.variance * variance) / (treatment.variance + control.variance),
      degreesOfFreedom: c.degreesOfFreedom,
    })),
  };
}

/**
 * Fixed-horizon absolute (μ_T − μ_C, Var = V_T + V_C) and relative (μ_T/μ_C − 1, delta method)
 * lift, Wald intervals with a Student t reference whose ν is Welch–Satterthwaite over the two
 * arms' variance terms (each with n − 1), tests of H0: lift = 0. Any metric kind once
 * summarized (`summarizeMetric`). An arm with zero variance declines
 * (`not_enough_information`); `relative` is absent when μ_C = 0.
 */
export function estimateLift(options: EstimateLiftOptions): LiftResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const reference = requireOneOf(
    options.reference ?? 'student_t',
    ['student_t', 'normal'],
    'reference',
  );
  const engine = requireOneOf(options.statsEngine ?? 'tripwire', StatsEngines, 'statsEngine');
  const { control, treatment } = options;
  const isDeclined = hasZeroVariance(control, treatment);
  const common = { alternative, alpha, reference };
  const difference = treatment.mean - control.mean;
  const absolute = isDeclined
    ? declineInference(difference)
    : buildInference({
        ...common,
        estimate: difference,
        components:
          engine === 'gbstats'
            ? [toGbstatsComponent(treatment), toGbstatsComponent(control)]
            : [toComponent(treatment), toComponent(control)],
      });
  const base = engine === 'gbstats' ? (control.unadjustedMean ?? control.mean) : control.mean;
  if (base === 0) {
    return { absolute, alternative, alpha };
  }
  const relativeInput =
    engine === 'gbstats'
      ? buildGbstatsRelative(control, treatment)
      : {
          estimate: treatment.mean / control.mean - 1,
          components: computeRelativeComponents({ control, treatment }),
        };
  const relative = isDeclined
    ? declineInference(relativeInput.estimate)
    : buildInference({ ...common, ...relativeInput });
  return { absolute, relative, alternative, alpha };
}
