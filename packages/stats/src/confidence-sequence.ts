/**
 * Asymptotic confidence sequences with the normal-mixture boundary: Waudby-Smith, Arnold, Wu,
 * McAuliffe & Ramdas (2023), "Time-uniform central limit theory and asymptotic confidence
 * sequences", Ann. Statist. (Thm 2.2 and §2.3 for ρ); boundary of Howard, Ramdas, McAuliffe &
 * Sekhon (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann.
 * Statist., eq. (14) two-sided and the one-sided half-normal mixture bound.
 *
 * With s² = Var(θ̂_t) (so σ̂² = t·s²), a = t·ρ² and ρ² = (−2 ln α + ln(1 − 2 ln α)) / t*:
 *   two-sided radius  s·√(2(1 + 1/a)·ln(√(1 + a)/α))
 *   one-sided radius  s·√(2(1 + 1/a)·ln(√(1 + a)/(2α) + 1))
 * The radius is tightest near t = t* (`targetUnits`), and valid at every t simultaneously.
 */
import {
  requireFinite,
  requireNonNegative,
  requireOneOf,
  requireOpenProbability,
} from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import type { Alternative, Interval } from './types.js';
import { ALTERNATIVES } from './welch-test.js';

export interface ConfidenceSequenceOptions {
  /** θ̂_t, e.g. a difference of arm means. */
  readonly estimate: number;
  /** Var(θ̂_t), the squared standard error at time t. */
  readonly variance: number;
  /** t: units observed so far (for a comparison, both arms together). */
  readonly units: number;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Default 'two-sided'; 'greater' gives [θ̂ − r, ∞), 'less' gives (−∞, θ̂ + r]. */
  readonly alternative?: Alternative;
  /** t*: the number of units (same count as `units`) at which the sequence is tightest. */
  readonly targetUnits: number;
}

export interface ConfidenceSequenceResult {
  readonly interval: Interval;
  readonly radius: number;
  /** The mixing parameter ρ of the standardized boundary. */
  readonly rho: number;
}

/** ρ minimising the two-sided boundary at t* (Waudby-Smith et al. 2023, §2.3). */
export function computeMixingRho(options: { targetUnits: number; alpha?: number }): number {
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const target = requireFinite(options.targetUnits, 'targetUnits');
  if (!(target > 0)) {
    throw new StatsError('invalid_option', `targetUnits must be > 0, got ${target}`);
  }
  const logTerm = -2 * Math.log(alpha);
  return Math.sqrt((logTerm + Math.log(1 + logTerm)) / target);
}

function computeRadiusFactor(units: number, rho: number, alpha: number, alternative: Alternative) {
  const a = units * rho * rho;
  const log =
    alternative === 'two-sided'
      ? Math.log(Math.sqrt(1 + a) / alpha)
      : Math.log1p(Math.sqrt(1 + a) / (2 * alpha));
  return Math.sqrt(2 * (1 + 1 / a) * log);
}

function validateCommon(options: { estimate: number; variance: number; units: number }) {
  requireFinite(options.estimate, 'estimate');
  if (!(options.variance >= 0)) {
    throw new StatsError('non_finite', `variance must be ≥ 0, got ${options.variance}`);
  }
  requireNonNegative(options.units, 'units');
}

/** Always-valid 1 − alpha confidence sequence for θ at the current look. */
export function confidenceSequence(options: ConfidenceSequenceOptions): ConfidenceSequenceResult {
  validateCommon(options);
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const rho = computeMixingRho({ targetUnits: options.targetUnits, alpha });
  const radius =
    options.units > 0
      ? Math.sqrt(options.variance) * computeRadiusFactor(options.units, rho, alpha, alternative)
      : Infinity;
  const { estimate } = options;
  const interval: Interval =
    alternative === 'greater'
      ? [estimate - radius, Infinity]
      : alternative === 'less'
        ? [-Infinity, estimate + radius]
        : [estimate - radius, estimate + radius];
  return { interval, radius, rho };
}

export interface AlwaysValidPValueOptions {
  readonly estimate: number;
  readonly variance: number;
  readonly units: number;
  /** θ0 of H0; for 'greater' H0 is θ ≤ θ0, for 'less' θ ≥ θ0. Default 0. */
  readonly nullValue?: number;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
  readonly targetUnits: number;
  /** α used to tune ρ (as in `confidenceSequence`); default 0.05. */
  readonly tuningAlpha?: number;
}

/**
 * The smallest α at which the confidence sequence (with ρ fixed by `tuningAlpha`) excludes θ0,
 * in closed form: L = d²/(2s²(1 + 1/a)), p = √(1 + a)·e^(−L) two-sided and
 * √(1 + a)/(2(e^L − 1)) one-sided (1 when d is on the null side). P(∃t: p_t ≤ α) ≤ α under H0.
 */
export function alwaysValidPValue(options: AlwaysValidPValueOptions): number {
  validateCommon(options);
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const rho = computeMixingRho({
    targetUnits: options.targetUnits,
    alpha: options.tuningAlpha ?? 0.05,
  });
  const d = options.estimate - requireFinite(options.nullValue ?? 0, 'nullValue');
  const signed = alternative === 'less' ? -d : d;
  if (options.units === 0 || (alternative !== 'two-sided' && signed <= 0)) return 1;
  if (options.variance === 0) return d === 0 ? 1 : 0;
  const a = options.units * rho * rho;
  const exponent = (d * d) / (2 * options.variance * (1 + 1 / a));
  const p =
    alternative === 'two-sided'
      ? Math.sqrt(1 + a) * Math.exp(-exponent)
      : Math.sqrt(1 + a) / (2 * Math.expm1(exponent));
  return Math.min(1, p);
}
