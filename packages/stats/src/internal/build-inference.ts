/**
 * The one builder of fixed-horizon Wald inference: estimate ± q·SE with a Student t reference
 * whose degrees of freedom come from Welch–Satterthwaite, or a normal reference.
 */
import {
  normalQuantile,
  normalSurvival,
  studentTQuantile,
  studentTSurvival,
} from '../distributions.js';
import type { Alternative, ArmEstimate, Inference } from '../types.js';
import { computeInterval, computePValue } from './test-tails.js';

/** One independent variance component c_k·V_k with the degrees of freedom of V_k. */
export interface VarianceComponent {
  readonly variance: number;
  readonly degreesOfFreedom: number;
}

/**
 * Welch–Satterthwaite ν = (Σ v_k)² / Σ (v_k²/ν_k) for a sum of independent variance estimates
 * (Satterthwaite 1946, Biometrics Bulletin 2:110; Welch 1947, Biometrika 34:28). For delta-method
 * estimates v_k is each arm's term of the linearised variance, ν_k its arm's n − 1.
 */
export function computeSatterthwaiteDof(components: readonly VarianceComponent[]): number {
  let total = 0;
  let denominator = 0;
  for (const { variance, degreesOfFreedom } of components) {
    total += variance;
    denominator += (variance * variance) / degreesOfFreedom;
  }
  return denominator === 0 ? Infinity : (total * total) / denominator;
}

/** The arm's variance term with its degrees of freedom (default units − 1). */
export function toComponent(arm: ArmEstimate, scale = 1): VarianceComponent {
  return {
    variance: scale * arm.variance,
    degreesOfFreedom: arm.degreesOfFreedom ?? arm.units - 1,
  };
}

/** True when an arm's estimate has no spread to learn from (zero variance, or none at all). */
export function hasZeroVariance(...arms: readonly ArmEstimate[]): boolean {
  return arms.some((arm) => !(arm.variance > 0));
}

/** The declined result: no statistic, p = 1, the whole line as interval. */
export function declineInference(estimate: number, degreesOfFreedom = NaN): Inference {
  return {
    status: 'not_enough_information',
    estimate,
    standardError: 0,
    statistic: 0,
    degreesOfFreedom,
    pValue: 1,
    interval: [-Infinity, Infinity],
  };
}

/** Above this ν the t and normal quantiles agree to ~1e-8; stdlib's t needs a finite ν. */
const NORMAL_DOF = 1e8;

/** Wald inference for θ̂ with Var = Σ components, H0: θ = nullValue, t(ν) or normal (ν = ∞). */
export function buildInference(input: {
  estimate: number;
  components: readonly VarianceComponent[];
  alternative: Alternative;
  alpha: number;
  nullValue?: number;
  reference?: 'student_t' | 'normal';
}): Inference {
  const { estimate, components, alternative, alpha } = input;
  const variance = components.reduce((sum, c) => sum + c.variance, 0);
  const standardError = Math.sqrt(variance);
  const dof = input.reference === 'normal' ? Infinity : computeSatterthwaiteDof(components);
  const isNormal = !(dof < NORMAL_DOF);
  const statistic = (estimate - (input.nullValue ?? 0)) / standardError;
  const survival = isNormal ? normalSurvival : (x: number) => studentTSurvival(x, dof);
  const quantile = isNormal ? normalQuantile : (p: number) => studentTQuantile(p, dof);
  return {
    status: 'ok',
    estimate,
    standardError,
    statistic,
    degreesOfFreedom: dof,
    pValue: computePValue(statistic, alternative, survival),
    interval: computeInterval(estimate, standardError, { alternative, alpha, quantile }),
  };
}
