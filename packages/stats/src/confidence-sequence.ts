/**
 * Asymptotic confidence sequences with normal-mixture boundaries.
 * Validity under the CLT with an estimated variance: Waudby-Smith, Arbour, Sinha, Kennedy &
 * Ramdas (2024), "Time-uniform central limit theory and asymptotic confidence sequences",
 * Ann. Statist. (arXiv:2103.06476). Boundaries: Howard, Ramdas, McAuliffe & Sekhon (2021),
 * "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist., §3 (normal
 * mixture), with the tuning of their reference implementation `confseq` (best_rho).
 *
 * Standardised sum S_t = (θ̂_t − θ)·√t / s_t (s_t² = Var(θ̂_t), so σ̂² = t·s_t²), intrinsic time
 * v = t (units), mixing variance m = t* / (2 ln(1/α') + ln(1 + 2 ln(1/α'))) with α' = α two-sided
 * and α' = 2α one-sided.
 *   two-sided mixture  ln M = ½ln(m/(v + m)) + S²/(2(v + m));  boundary √((v + m)(ln(1 + v/m) + 2 ln(1/α)))
 *   one-sided mixture  ln M = ½ln(4m/(v + m)) + S²/(2(v + m)) + ln Φ(S/√(v + m));  boundary by root
 * Radius on the θ scale = boundary · s_t / √t. Always-valid p-value = min(1, 1/M) (Ville).
 */
import { normalCdf, normalDensity } from './distributions.js';
import {
  requireFinite,
  requireNonNegative,
  requireOneOf,
  requireOpenProbability,
} from './internal/validate-input.js';
import { ALTERNATIVES } from './internal/test-tails.js';
import { StatsError } from './stats-error.js';
import type { Alternative, Interval } from './types.js';

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
  /** Half-width on the θ scale (one-sided: distance to the finite end). */
  readonly radius: number;
  /** m, the normal mixture's variance on the intrinsic-time (units) scale (Howard et al. §3). */
  readonly mixingUnits: number;
}

/** m (in units) minimising the boundary at v = t* (confseq's best_rho; one-sided uses 2α). */
export function computeMixingUnits(options: {
  targetUnits: number;
  alpha?: number;
  alternative?: Alternative;
}): number {
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const target = requireFinite(options.targetUnits, 'targetUnits');
  if (!(target > 0)) {
    throw new StatsError('invalid_option', `targetUnits must be > 0, got ${target}`);
  }
  const effective = (options.alternative ?? 'two-sided') === 'two-sided' ? alpha : 2 * alpha;
  const logTerm = 2 * Math.log(1 / effective);
  return target / (logTerm + Math.log1p(logTerm));
}

/** Solves u²/2 + ln Φ(u) = k for u (increasing in u) by safeguarded Newton steps. */
function solveOneSidedBoundary(k: number): number {
  let u = Math.sqrt(2 * Math.max(k, 1e-3));
  for (let i = 0; i < 50; i += 1) {
    const cdf = normalCdf(u);
    const value = 0.5 * u * u + Math.log(cdf) - k;
    const slope = u + normalDensity(u) / cdf;
    const step = value / slope;
    u -= step;
    if (Math.abs(step) < 1e-13 * Math.max(1, Math.abs(u))) break;
  }
  return u;
}

/** Boundary on the standardised sum S at intrinsic time v. */
function computeBoundary(
  v: number,
  mixingUnits: number,
  alpha: number,
  alternative: Alternative,
): number {
  if (alternative === 'two-sided') {
    return Math.sqrt((v + mixingUnits) * (Math.log1p(v / mixingUnits) + 2 * Math.log(1 / alpha)));
  }
  const k = Math.log(1 / alpha) - 0.5 * Math.log((4 * mixingUnits) / (v + mixingUnits));
  return solveOneSidedBoundary(k) * Math.sqrt(v + mixingUnits);
}

/** Variance must be > 0 (Infinity allowed: no information yet); 0 has nothing to scale by. */
function validateCommon(options: { estimate: number; variance: number; units: number }) {
  requireFinite(options.estimate, 'estimate');
  if (Number.isNaN(options.variance) || options.variance < 0) {
    throw new StatsError('non_finite', `variance must be > 0, got ${options.variance}`);
  }
  if (options.variance === 0) {
    throw new StatsError(
      'insufficient_data',
      'variance is 0: a zero-variance estimate has no confidence sequence (not enough information)',
    );
  }
  requireNonNegative(options.units, 'units');
}

/** Always-valid 1 − alpha confidence sequence for θ at the current look. */
export function confidenceSequence(options: ConfidenceSequenceOptions): ConfidenceSequenceResult {
  validateCommon(options);
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const mixingUnits = computeMixingUnits({ targetUnits: options.targetUnits, alpha, alternative });
  const t = options.units;
  const radius =
    t > 0 && Number.isFinite(options.variance)
      ? (computeBoundary(t, mixingUnits, alpha, alternative) * Math.sqrt(options.variance)) /
        Math.sqrt(t)
      : Infinity;
  const { estimate } = options;
  const interval: Interval =
    alternative === 'greater'
      ? [estimate - radius, Infinity]
      : alternative === 'less'
        ? [-Infinity, estimate + radius]
        : [estimate - radius, estimate + radius];
  return { interval, radius, mixingUnits };
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
  /** α used to tune m (as in `confidenceSequence`); default 0.05. */
  readonly tuningAlpha?: number;
}

/**
 * Always-valid p-value min(1, 1/M_t) of the normal-mixture martingale at S_t = (θ̂ − θ0)√t/s;
 * P(∃t: p_t ≤ α) ≤ α under H0, and p_t ≤ α exactly when the confidence sequence of the same
 * m (tuned at α = `tuningAlpha`) excludes θ0.
 */
export function alwaysValidPValue(options: AlwaysValidPValueOptions): number {
  validateCommon(options);
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const mixingUnits = computeMixingUnits({
    targetUnits: options.targetUnits,
    alpha: options.tuningAlpha ?? 0.05,
    alternative,
  });
  const d = options.estimate - requireFinite(options.nullValue ?? 0, 'nullValue');
  const t = options.units;
  if (t === 0 || !Number.isFinite(options.variance)) return 1;
  const signed = alternative === 'less' ? -d : d;
  const s = (signed * Math.sqrt(t)) / Math.sqrt(options.variance);
  const quadratic = (s * s) / (2 * (t + mixingUnits));
  const logM =
    alternative === 'two-sided'
      ? 0.5 * Math.log(mixingUnits / (t + mixingUnits)) + quadratic
      : 0.5 * Math.log((4 * mixingUnits) / (t + mixingUnits)) +
        quadratic +
        Math.log(normalCdf(s / Math.sqrt(t + mixingUnits)));
  return Math.min(1, Math.exp(-logM));
}
