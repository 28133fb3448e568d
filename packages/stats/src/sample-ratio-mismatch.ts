import { chiSquareSurvival } from './distributions.js';
import { requireCount, requireFinite } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';

export interface SampleRatioMismatchOptions {
  /** Units observed per variant. */
  readonly counts: readonly number[];
  /** Configured allocation weights per variant (any positive scale; normalised). */
  readonly weights: readonly number[];
}

export interface SampleRatioMismatchResult {
  /** Pearson χ² = Σ (O − E)²/E. */
  readonly statistic: number;
  /** k − 1 */
  readonly degreesOfFreedom: number;
  readonly pValue: number;
  readonly expected: readonly number[];
}

/**
 * Sample ratio mismatch: Pearson χ² goodness of fit of observed unit counts to the configured
 * weights, as R's `chisq.test(counts, p = weights / sum(weights))` (no continuity correction).
 */
export function sampleRatioMismatch(
  options: SampleRatioMismatchOptions,
): SampleRatioMismatchResult {
  const { counts, weights } = options;
  if (counts.length !== weights.length || counts.length < 2) {
    throw new StatsError(
      'length_mismatch',
      `counts and weights must have the same length ≥ 2 (got ${counts.length} and ${weights.length})`,
    );
  }
  counts.forEach((c, i) => requireCount(c, `counts[${i}]`));
  weights.forEach((w, i) => {
    if (!(requireFinite(w, `weights[${i}]`) > 0)) {
      throw new StatsError('invalid_option', `weights[${i}] must be > 0, got ${w}`);
    }
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new StatsError('insufficient_data', 'counts are all 0');
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  const statistic = counts.reduce((acc, c, i) => {
    const e = expected[i] ?? 1;
    return acc + ((c - e) * (c - e)) / e;
  }, 0);
  const degreesOfFreedom = counts.length - 1;
  return {
    statistic,
    degreesOfFreedom,
    pValue: chiSquareSurvival(statistic, degreesOfFreedom),
    expected,
  };
}
