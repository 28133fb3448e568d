/**
 * Point estimates and their variances from per-arm sufficient statistics.
 * Mean: sample variance with n − 1. Ratio: delta method (Deng, Knoblich & Lu 2018, §3).
 * Quantile: delta method for clustered quantiles with the outer-CI (Woodruff-type) inversion,
 * Deng, Knoblich & Lu 2018, §4.2.
 */
import { normalQuantile } from './distributions.js';
import {
  computeCentredCrossProduct,
  computeCentredSquares,
  requireCount,
  requireFinite,
  requireNonNegative,
  requireOneOf,
  requireOpenProbability,
} from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import type {
  ArmEstimate,
  MeanStats,
  MetricStats,
  QuantileStats,
  RatioStats,
  SampleMoments,
} from './types.js';

function requireUnits(units: number, where: string): number {
  requireCount(units, where, 'units');
  if (units === 0) {
    throw new StatsError('insufficient_data', `${where}.units is 0: no unit to estimate from`);
  }
  return units;
}

/** Options of every `summarize*` function (each reads the ones that apply to it). */
export interface SummarizeOptions {
  /** Where the stats come from (`control`, `treatment`, …): prefix of the field names in error messages; default 'stats'. */
  readonly where?: string;
  /** Quantiles: 1 − alpha is the level of the interval the standard error is read from; default 0.05. */
  readonly alpha?: number;
  /**
   * Means: 'sample' (default): s² with n − 1. 'bernoulli': p(1 − p) for 0/1 values (Σy² = Σy),
   * as GrowthBook's ProportionStatistic; anything else throws `invalid_option`.
   */
  readonly variance?: 'sample' | 'bernoulli';
}

/**
 * Mean per unit ȳ = Σy/n with Var(ȳ) = s²/n, s² the (n − 1) sample variance; Infinity if n = 1.
 * Throws `impossible_moments` when Σy² < (Σy)²/n beyond float tolerance.
 */
export function summarizeMean(stats: SampleMoments, options: SummarizeOptions = {}): ArmEstimate {
  const where = options.where ?? 'stats';
  const n = requireUnits(stats.units, where);
  requireFinite(stats.sum, where, 'sum');
  requireNonNegative(stats.sumSquares, where, 'sumSquares');
  const centred = computeCentredSquares(stats, where, 'sumSquares');
  const mean = stats.sum / n;
  const kind = requireOneOf(options.variance ?? 'sample', ['sample', 'bernoulli'], 'variance');
  if (kind === 'bernoulli') {
    if (Math.abs(stats.sumSquares - stats.sum) > 1e-9 * Math.max(1, stats.sum) || mean > 1) {
      throw new StatsError(
        'invalid_option',
        `${where}: variance 'bernoulli' needs 0/1 values (sumSquares = sum ≤ units), got sum ${stats.sum}, sumSquares ${stats.sumSquares}`,
      );
    }
    return { mean, variance: (mean * (1 - mean)) / n, units: n, degreesOfFreedom: n - 1 };
  }
  const variance = n < 2 ? Infinity : centred / (n - 1) / n;
  return { mean, variance, units: n, degreesOfFreedom: n - 1 };
}

/**
 * Ratio R = Σy/Σx with the delta-method variance
 * Var(R̂) = (s_yy − 2R·s_xy + R²·s_xx) / (n·x̄²), sample (co)variances with n − 1.
 * Throws `impossible_moments` for moments no data produce (negative centred squares, a cross
 * product beyond Cauchy–Schwarz).
 */
export function summarizeRatio(
  stats: Omit<RatioStats, 'kind'>,
  options: SummarizeOptions = {},
): ArmEstimate {
  const where = options.where ?? 'stats';
  const n = requireUnits(stats.units, where);
  const sy = requireFinite(stats.sumNumerator, where, 'sumNumerator');
  const sx = requireNonNegative(stats.sumDenominator, where, 'sumDenominator');
  const syy = requireNonNegative(stats.sumNumeratorSquares, where, 'sumNumeratorSquares');
  const sxx = requireNonNegative(stats.sumDenominatorSquares, where, 'sumDenominatorSquares');
  const sxy = requireFinite(stats.sumCrossProducts, where, 'sumCrossProducts');
  const cyy = computeCentredSquares(
    { units: n, sum: sy, sumSquares: syy },
    where,
    'sumNumeratorSquares',
  );
  const cxx = computeCentredSquares(
    { units: n, sum: sx, sumSquares: sxx },
    where,
    'sumDenominatorSquares',
  );
  const cxy = computeCentredCrossProduct(
    { units: n, sumX: sx, sumY: sy, sumXY: sxy, cxx, cyy },
    where,
    'sumCrossProducts',
  );
  if (sx === 0) {
    throw new StatsError('insufficient_data', `${where}.sumDenominator is 0: ratio undefined`);
  }
  const ratio = sy / sx;
  const xBar = sx / n;
  // Positive semi-definite by Cauchy–Schwarz; max(0, ·) only absorbs rounding.
  const centred = Math.max(0, cyy - 2 * ratio * cxy + ratio * ratio * cxx);
  const variance = n < 2 ? Infinity : centred / (n - 1) / (n * xBar * xBar);
  return { mean: ratio, variance, units: n, degreesOfFreedom: n - 1 };
}

/** logit(p) = ln(p/(1 − p)): the grid is even on this scale and tails are near-linear on it. */
function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** Interpolation of the sampled quantile function, linear in logit(p); NaN outside the grid. */
function interpolateQuantile(levels: readonly number[], values: readonly number[], p: number) {
  const last = levels.length - 1;
  if (!(p >= (levels[0] ?? NaN) && p <= (levels[last] ?? NaN))) return NaN;
  // Binary search for the first level ≥ p (levels ascend; validated by the caller).
  let lo = 1;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((levels[mid] ?? 1) < p) lo = mid + 1;
    else hi = mid;
  }
  const p0 = levels[hi - 1] ?? 0;
  const p1 = levels[hi] ?? 1;
  const q0 = values[hi - 1] ?? 0;
  const q1 = values[hi] ?? 0;
  if (p1 === p0) return q0;
  const l0 = logit(p0);
  return q0 + ((q1 - q0) * (logit(p) - l0)) / (logit(p1) - l0);
}

function validateQuantileGrid(stats: QuantileStats, where: string): number {
  const p = requireOpenProbability(stats.probability, where, 'probability');
  const { levels, values } = stats;
  if (levels.length !== values.length || levels.length < 3) {
    throw new StatsError(
      'length_mismatch',
      `${where}.levels and ${where}.values must have the same length ≥ 3 (got ${levels.length} and ${values.length})`,
    );
  }
  let index = -1;
  // A plain loop that formats a message only on failure: this runs on every guardrail check.
  for (let i = 0; i < levels.length; i += 1) {
    const level = levels[i] ?? NaN;
    const value = values[i] ?? NaN;
    if (!(level > 0 && level < 1) || !Number.isFinite(value)) {
      requireOpenProbability(level, `${where}.levels[${i}]`);
      requireFinite(value, `${where}.values[${i}]`);
    }
    if (i > 0 && !(level > (levels[i - 1] ?? 1) && value >= (values[i - 1] ?? 0))) {
      throw new StatsError(
        'invalid_option',
        `${where}.levels must increase and ${where}.values must not decrease (at index ${i})`,
      );
    }
    if (Math.abs(level - p) < 1e-12) index = i;
  }
  if (index < 0) {
    throw new StatsError('invalid_option', `${where}.levels must contain probability ${p}`);
  }
  return index;
}

/**
 * Quantile Q̂_p with clustered requests (Deng, Knoblich & Lu 2018, §4.2): σ² = Var(F̂(Q̂)) is the
 * delta-method variance of the ratio Σb_i/Σn_i; the 1 − alpha interval for Q_p is
 * [Q̂(p − z·σ), Q̂(p + z·σ)] (z = Φ⁻¹(1 − alpha/2)) and SE(Q̂) = (U − L)/(2z).
 * Variance is Infinity when p ± z·σ leaves the sampled levels.
 */
export function summarizeQuantile(
  stats: QuantileStats,
  options: SummarizeOptions = {},
): ArmEstimate {
  const where = options.where ?? 'stats';
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const index = validateQuantileGrid(stats, where);
  const p = stats.probability;
  if (stats.sumBelow > stats.sumRequests * (1 + 1e-12)) {
    throw new StatsError(
      'impossible_moments',
      `${where}.sumBelow = ${stats.sumBelow} exceeds ${where}.sumRequests = ${stats.sumRequests}: impossible moments`,
    );
  }
  const below = summarizeRatio(
    {
      units: stats.units,
      sumNumerator: stats.sumBelow,
      sumDenominator: stats.sumRequests,
      sumNumeratorSquares: stats.sumBelowSquares,
      sumDenominatorSquares: stats.sumRequestsSquares,
      sumCrossProducts: stats.sumBelowRequests,
    },
    { where },
  );
  const z = normalQuantile(1 - alpha / 2);
  const halfWidth = z * Math.sqrt(below.variance);
  const lower = interpolateQuantile(stats.levels, stats.values, p - halfWidth);
  const upper = interpolateQuantile(stats.levels, stats.values, p + halfWidth);
  const se = (upper - lower) / (2 * z);
  const variance = Number.isFinite(se) ? se * se : Infinity;
  return {
    mean: stats.values[index] ?? NaN,
    variance,
    units: stats.units,
    degreesOfFreedom: stats.units - 1,
  };
}

/** Dispatches on `stats.kind`, passing the options on. */
export function summarizeMetric(stats: MetricStats, options: SummarizeOptions = {}): ArmEstimate {
  switch (stats.kind) {
    case 'mean':
      return summarizeMean(stats satisfies MeanStats, options);
    case 'ratio':
      return summarizeRatio(stats, options);
    case 'quantile':
      return summarizeQuantile(stats, options);
  }
}

/**
 * The probability levels the caller asks ClickHouse for (`quantilesTDigest(...levels)`): 81
 * levels evenly spaced on the logit scale, logit(p) ± k·0.05 for k ≤ 40, rounded to 1e-7,
 * containing p exactly. They cover p ± z·σ for any arm with more than a few hundred requests
 * (p99: σ < 0.0044); beyond them the variance is Infinity (no decision).
 */
export function quantileSketchLevels(probability: number): number[] {
  const p = requireOpenProbability(probability, 'probability');
  const center = Math.log(p / (1 - p));
  const levels = new Set<number>();
  for (let k = -40; k <= 40; k += 1) {
    const level = k === 0 ? p : Math.round(1e7 / (1 + Math.exp(-(center + k * 0.05)))) / 1e7;
    if (level > 0 && level < 1) levels.add(level);
  }
  return [...levels].sort((a, b) => a - b);
}
