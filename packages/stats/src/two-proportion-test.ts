import { normalQuantile, normalSurvival } from './distributions.js';
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
}

function validateCounts(counts: ProportionCounts, where: string): ProportionCounts {
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
 * correction, else 0; the interval is the unpooled Wald interval Δ ± (q·√Σp(1 − p)/n + Y·Σ1/n)
 * clipped to [−1, 1] (one-sided ends are −1 or 1, as in R). All-or-none successes give p = 1.
 */
export function twoProportionTest(options: TwoProportionTestOptions): TestResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const treatment = validateCounts(options.treatment, 'treatment');
  const control = validateCounts(options.control, 'control');
  const pT = treatment.successes / treatment.units;
  const pC = control.successes / control.units;
  const delta = pT - pC;
  const inverseSum = 1 / treatment.units + 1 / control.units;
  const yates =
    options.continuityCorrection === true ? Math.min(0.5, Math.abs(delta) / inverseSum) : 0;
  const pooled = (treatment.successes + control.successes) / (treatment.units + control.units);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * inverseSum);
  const statistic =
    pooledSe === 0 ? 0 : (Math.sign(delta) * (Math.abs(delta) - yates * inverseSum)) / pooledSe;
  const standardError = Math.sqrt(
    (pT * (1 - pT)) / treatment.units + (pC * (1 - pC)) / control.units,
  );
  const level = alternative === 'two-sided' ? 1 - alpha / 2 : 1 - alpha;
  const width = normalQuantile(level) * standardError + yates * inverseSum;
  const lower = Math.max(delta - width, -1);
  const upper = Math.min(delta + width, 1);
  const interval: Interval =
    alternative === 'greater' ? [lower, 1] : alternative === 'less' ? [-1, upper] : [lower, upper];
  return {
    estimate: delta,
    standardError,
    statistic,
    pValue: pooledSe === 0 ? 1 : computePValue(statistic, alternative, normalSurvival),
    interval,
    alternative,
    alpha,
  };
}
