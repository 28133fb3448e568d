import { normalCdf, normalDensity } from './distributions.js';
import { requireFinite, requireOneOf } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import type { ArmEstimate, Direction, InferenceStatus } from './types.js';
import { computeRelativeVariance } from './estimate-lift.js';
import { hasZeroVariance } from './internal/build-inference.js';

export interface CompareBayesianOptions {
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
  /** Scale of the effect δ: 'relative' (T/C − 1, default) or 'absolute' (T − C). */
  readonly scale?: 'relative' | 'absolute';
  /** Gaussian prior N(mean, variance) on δ; default flat (improper). */
  readonly prior?: { readonly mean: number; readonly variance: number };
  /** Which way is harm; default 'higher_is_better' (a larger metric is better). */
  readonly direction?: Direction;
}

export interface CompareBayesianResult {
  /** `not_enough_information` when the effect has zero variance or no relative scale (μ_C = 0). */
  readonly status: InferenceStatus;
  /** Posterior of δ under the Gaussian approximation. */
  readonly posterior: { readonly mean: number; readonly variance: number };
  /** P(treatment better than control | data). */
  readonly chanceToBeatControl: number;
  /** E[loss] of shipping each arm: E[max(δ_bad, 0)] on the scale of δ. */
  readonly expectedLoss: { readonly control: number; readonly treatment: number };
}

/** GrowthBook's uninformative answer: even odds, no loss, no posterior. */
const DECLINED: CompareBayesianResult = {
  status: 'not_enough_information',
  posterior: { mean: NaN, variance: NaN },
  chanceToBeatControl: 0.5,
  expectedLoss: { control: 0, treatment: 0 },
};

/**
 * Gaussian-approximation Bayesian comparison (as GrowthBook's engine): δ̂ ~ N(δ, V) with V the
 * delta-method variance, posterior N((δ̂/V + μ0/τ0²)/(1/V + 1/τ0²), 1/(1/V + 1/τ0²)).
 * With D = ±δ oriented so positive is good, m = E[D], s = sd(D):
 * chance = Φ(m/s); loss(treatment) = E[max(−D, 0)] = s·φ(m/s) − m·Φ(−m/s);
 * loss(control) = E[max(D, 0)] = s·φ(m/s) + m·Φ(m/s).
 */
export function compareBayesian(options: CompareBayesianOptions): CompareBayesianResult {
  const scale = requireOneOf(options.scale ?? 'relative', ['relative', 'absolute'], 'scale');
  const direction = requireOneOf(
    options.direction ?? 'higher_is_better',
    ['lower_is_better', 'higher_is_better'],
    'direction',
  );
  const { control, treatment } = options;
  if ((scale === 'relative' && control.mean === 0) || hasZeroVariance(control, treatment)) {
    return DECLINED;
  }
  const estimate =
    scale === 'relative' ? treatment.mean / control.mean - 1 : treatment.mean - control.mean;
  const likelihoodVariance =
    scale === 'relative'
      ? computeRelativeVariance({ control, treatment })
      : control.variance + treatment.variance;
  requireFinite(estimate, 'estimate');
  if (!Number.isFinite(likelihoodVariance)) {
    throw new StatsError('insufficient_data', 'the variance of the effect must be finite');
  }
  let precision = 1 / likelihoodVariance;
  let weighted = estimate / likelihoodVariance;
  if (options.prior !== undefined) {
    const priorVariance = requireFinite(options.prior.variance, 'prior.variance');
    if (!(priorVariance > 0)) throw new StatsError('invalid_option', 'prior.variance must be > 0');
    precision += 1 / priorVariance;
    weighted += requireFinite(options.prior.mean, 'prior.mean') / priorVariance;
  }
  const posterior = { mean: weighted / precision, variance: 1 / precision };
  const m = direction === 'higher_is_better' ? posterior.mean : -posterior.mean;
  const s = Math.sqrt(posterior.variance);
  const ratio = m / s;
  return {
    status: 'ok',
    posterior,
    chanceToBeatControl: normalCdf(ratio),
    expectedLoss: {
      treatment: s * normalDensity(ratio) - m * normalCdf(-ratio),
      control: s * normalDensity(ratio) + m * normalCdf(ratio),
    },
  };
}
