import { requireFinite } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';

export interface MsprtOptions {
  /** θ̂_n, e.g. the difference of arm means. */
  readonly estimate: number;
  /** Var(θ̂_n), e.g. σ²_T/n_T + σ²_C/n_C. */
  readonly variance: number;
  /** θ0, default 0. */
  readonly nullValue?: number;
  /** τ² of the N(θ0, τ²) mixing distribution over effects (same units as θ², > 0). */
  readonly mixingVariance: number;
  /** The p-value returned at the previous look (running minimum); default 1. */
  readonly previousPValue?: number;
}

export interface MsprtResult {
  /** Always-valid p-value min(previous, 1/Λ_n). */
  readonly pValue: number;
  /** ln Λ_n, the log mixture likelihood ratio. */
  readonly logLikelihoodRatio: number;
}

/**
 * Two-sided mSPRT with a normal mixture (Johari, Koomen, Pekelis & Walsh 2017, "Peeking at A/B
 * tests", KDD; Johari, Pekelis & Walsh 2022, Oper. Res.), on the asymptotically normal θ̂_n:
 * Λ_n = √(V/(V + τ²))·exp(τ²(θ̂ − θ0)² / (2V(V + τ²))), p_n = min(p_{n−1}, 1/Λ_n).
 */
export function msprtPValue(options: MsprtOptions): MsprtResult {
  const d =
    requireFinite(options.estimate, 'estimate') -
    requireFinite(options.nullValue ?? 0, 'nullValue');
  const v = requireFinite(options.variance, 'variance');
  const tau2 = requireFinite(options.mixingVariance, 'mixingVariance');
  const previous = requireFinite(options.previousPValue ?? 1, 'previousPValue');
  if (!(v > 0) || !(tau2 > 0)) {
    throw new StatsError('invalid_option', 'variance and mixingVariance must be > 0');
  }
  const logLikelihoodRatio = 0.5 * Math.log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2));
  return {
    pValue: Math.min(previous, 1, Math.exp(-logLikelihoodRatio)),
    logLikelihoodRatio,
  };
}
