import {
  buildInference,
  declineInference,
  hasZeroVariance,
  toComponent,
} from './internal/build-inference.js';
import type { VarianceComponent } from './internal/build-inference.js';
import { ALTERNATIVES } from './internal/test-tails.js';
import { requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import type { Alternative, ArmEstimate, LiftResult } from './types.js';

export interface EstimateLiftOptions {
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** Default 0.05. */
  readonly alpha?: number;
  /** 'student_t' (default): Welch–Satterthwaite ν; 'normal': z (large-sample) reference. */
  readonly reference?: 'student_t' | 'normal';
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
  const { control, treatment } = options;
  const isDeclined = hasZeroVariance(control, treatment);
  const common = { alternative, alpha, reference };
  const difference = treatment.mean - control.mean;
  const absolute = isDeclined
    ? declineInference(difference)
    : buildInference({
        ...common,
        estimate: difference,
        components: [toComponent(treatment), toComponent(control)],
      });
  if (control.mean === 0) return { absolute, alternative, alpha };
  const ratio = treatment.mean / control.mean - 1;
  const relative = isDeclined
    ? declineInference(ratio)
    : buildInference({
        ...common,
        estimate: ratio,
        components: computeRelativeComponents({ control, treatment }),
      });
  return { absolute, relative, alternative, alpha };
}
