import { normalQuantile, normalSurvival } from './distributions.js';
import { declineInference } from './internal/build-inference.js';
import { ALTERNATIVES, computePValue } from './internal/test-tails.js';
import { requireCount, requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import type { Alternative, Interval, TestResult } from './types.js';

export interface ProportionCounts {
  readonly units: number;
  readonly successes: number;
}

export interface TwoProportionTestOptions {
  readonly control: ProportionCounts;
  readonly treatment: ProportionCounts;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Yates continuity correction, as R's `prop.test(correct = TRUE)`; default false. */
  readonly continuityCorrection?: boolean;
  /**
   * Standard error of the statistic: 'pooled' (default, score test under H0: p_T = p_C, as R's
   * prop.test) or 'unpooled' (Wald z = Δ/√(p_T(1 − p_T)/n_T + p_C(1 − p_C)/n_C)).
   */
  readonly pooling?: 'pooled' | 'unpooled';
  /**
   * 'wald' (default, R's prop.test interval) or 'newcombe': the hybrid score interval from the
   * two Wilson intervals (Newcombe 1998, Stat. Med. 17:873, method 10; no continuity
   * correction), which keeps its coverage at small n and with zero events.
   */
  readonly interval?: 'wald' | 'newcombe';
}

/** The two Wilson score bounds for one proportion at normal quantile z (Wilson 1927, JASA 22:209). */
function computeWilsonBounds(counts: ProportionCounts, z: number): Interval {
  const n = counts.units;
  const p = counts.successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Options of `computeWilsonInterval`. */
export interface WilsonIntervalOptions {
  /** 1 − alpha coverage; default 0.05. */
  readonly alpha?: number;
  /** 'two-sided' (default); 'greater' → [lower, 1], 'less' → [0, upper] at 1 − alpha. */
  readonly alternative?: Alternative;
}

/**
 * Wilson score interval for one proportion (R's `prop.test(x, n, correct = FALSE)$conf.int`,
 * scipy's `binomtest(...).proportion_ci(method = 'wilson')`): never outside [0, 1], and of
 * positive width with zero or all successes.
 */
export function computeWilsonInterval(
  counts: ProportionCounts,
  options: WilsonIntervalOptions = {},
): Interval {
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const [lower, upper] = computeWilsonBounds(
    validateCounts(counts, 'counts'),
    normalQuantile(alternative === 'two-sided' ? 1 - alpha / 2 : 1 - alpha),
  );
  return alternative === 'greater'
    ? [lower, 1]
    : alternative === 'less'
      ? [0, upper]
      : [lower, upper];
}

/** Newcombe's hybrid score interval for p_T − p_C (method 10). */
function computeNewcombeInterval(
  arms: { treatment: ProportionCounts; control: ProportionCounts },
  z: number,
): Interval {
  const pT = arms.treatment.successes / arms.treatment.units;
  const pC = arms.control.successes / arms.control.units;
  const [lT, uT] = computeWilsonBounds(arms.treatment, z);
  const [lC, uC] = computeWilsonBounds(arms.control, z);
  const delta = pT - pC;
  return [
    delta - Math.sqrt((pT - lT) ** 2 + (uC - pC) ** 2),
    delta + Math.sqrt((uT - pT) ** 2 + (pC - lC) ** 2),
  ];
}

export function validateCounts(counts: ProportionCounts, where: string): ProportionCounts {
  requireCount(counts.units, where, 'units');
  requireCount(counts.successes, where, 'successes');
  if (counts.units === 0) {
    throw new StatsError('insufficient_data', `${where}.units is 0`);
  }
  if (counts.successes > counts.units) {
    throw new StatsError('invalid_count', `${where}.successes exceeds ${where}.units`);
  }
  return counts;
}

/**
 * Two-proportion z-test of p_T − p_C, exactly R's `prop.test(c(x_T, x_C), c(n_T, n_C))`:
 * statistic uses the pooled p̄ under H0: p_T = p_C, z = (|Δ| − Y·(1/n_T + 1/n_C)) /
 * √(p̄(1 − p̄)(1/n_T + 1/n_C)) signed by Δ, Y = min(0.5, |Δ|/(1/n_T + 1/n_C)) with the
 * correction, else 0 (`pooling: 'unpooled'`: the unpooled SE instead of the pooled one); the
 * interval is the unpooled Wald interval Δ ± (q·√Σp(1 − p)/n + Y·Σ1/n) clipped to [−1, 1]
 * (one-sided ends are −1 or 1, as in R). A statistic with SE 0 (all-or-none successes, or an
 * unpooled SE of 0) declines: status `not_enough_information`, p = 1.
 */
export function twoProportionTest(options: TwoProportionTestOptions): TestResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const pooling = requireOneOf(options.pooling ?? 'pooled', ['pooled', 'unpooled'], 'pooling');
  requireOneOf(options.interval ?? 'wald', ['wald', 'newcombe'], 'interval');
  const treatment = validateCounts(options.treatment, 'treatment');
  const control = validateCounts(options.control, 'control');
  const pT = treatment.successes / treatment.units;
  const pC = control.successes / control.units;
  const delta = pT - pC;
  const inverseSum = 1 / treatment.units + 1 / control.units;
  const yates =
    options.continuityCorrection === true ? Math.min(0.5, Math.abs(delta) / inverseSum) : 0;
  const pooled = (treatment.successes + control.successes) / (treatment.units + control.units);
  const standardError = Math.sqrt(
    (pT * (1 - pT)) / treatment.units + (pC * (1 - pC)) / control.units,
  );
  const statisticSe =
    pooling === 'pooled' ? Math.sqrt(pooled * (1 - pooled) * inverseSum) : standardError;
  if (statisticSe === 0) {
    return { ...declineInference(delta, Infinity), alternative, alpha };
  }
  const statistic = (Math.sign(delta) * (Math.abs(delta) - yates * inverseSum)) / statisticSe;
  const z = normalQuantile(alternative === 'two-sided' ? 1 - alpha / 2 : 1 - alpha);
  const width = z * standardError + yates * inverseSum;
  const [lower, upper] =
    options.interval === 'newcombe'
      ? computeNewcombeInterval({ treatment, control }, z)
      : [Math.max(delta - width, -1), Math.min(delta + width, 1)];
  const interval: Interval =
    alternative === 'greater' ? [lower, 1] : alternative === 'less' ? [-1, upper] : [lower, upper];
  return {
    status: 'ok',
    estimate: delta,
    standardError,
    statistic,
    degreesOfFreedom: Infinity,
    pValue: computePValue(statistic, alternative, normalSurvival),
    interval,
    alternative,
    alpha,
  };
}
