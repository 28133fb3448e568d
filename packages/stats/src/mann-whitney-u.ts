import { normalSurvival } from './distributions.js';
import { estimateShift } from './hodges-lehmann-shift.js';
import { declineInference } from './internal/build-inference.js';
import { requireFinite, requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import { ALTERNATIVES } from './internal/test-tails.js';
import { createWilcoxonDistribution } from './internal/wilcoxon-distribution.js';
import { StatsError } from './stats-error.js';
import type { Alternative, TestResult } from './types.js';

export interface MannWhitneyOptions {
  readonly control: readonly number[];
  readonly treatment: readonly number[];
  /** 'greater': treatment tends to be larger. Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** 'auto' (default): exact when both samples < 50 and there are no ties, else normal. */
  readonly method?: 'auto' | 'exact' | 'normal';
  /** Default 0.05: level of the Hodges–Lehmann interval. */
  readonly alpha?: number;
  /** Continuity correction of the normal approximation; default true (as R). */
  readonly continuityCorrection?: boolean;
}

/**
 * `estimate` and `interval`: the Hodges–Lehmann shift treatment − control and its 1 − alpha
 * interval (R's conf.int); `standardError` and `degreesOfFreedom` are NaN (rank method).
 */
export interface MannWhitneyResult extends TestResult {
  /** U of the treatment sample: rank sum of treatment − n_T(n_T + 1)/2 (R's W). */
  readonly statistic: number;
  readonly method: 'exact' | 'normal';
  /** Standardised statistic of the normal approximation. */
  readonly z?: number;
}

/** Mid-ranks of the pooled sample and Σ(t³ − t) over tie groups. */
function rankWithTies(values: readonly number[]): { ranks: number[]; tieSum: number } {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
  const ranks = new Array<number>(values.length).fill(0);
  let tieSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1] ?? 0] === values[order[start] ?? 0]) {
      end += 1;
    }
    const midRank = (start + end + 2) / 2;
    for (let k = start; k <= end; k += 1) ranks[order[k] ?? 0] = midRank;
    const t = end - start + 1;
    tieSum += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tieSum };
}

function computeExactPValue(u: number, m: number, n: number, alternative: Alternative): number {
  const law = createWilcoxonDistribution(m, n);
  const upper = (q: number) => 1 - law.cdf(q);
  switch (alternative) {
    case 'greater':
      return upper(u - 1);
    case 'less':
      return law.cdf(u);
    case 'two-sided': {
      const p = u > (m * n) / 2 ? upper(u - 1) : law.cdf(u);
      return Math.min(1, 2 * p);
    }
  }
}

function computeNormalPValue(
  counts: { statistic: number; m: number; n: number; tieSum: number },
  options: { alternative: Alternative; continuityCorrection: boolean },
): { pValue: number; z: number } {
  const { statistic, m, n, tieSum } = counts;
  const { alternative } = options;
  const centred = statistic - (m * n) / 2;
  const sigma = Math.sqrt(((m * n) / 12) * (m + n + 1 - tieSum / ((m + n) * (m + n - 1))));
  const half = options.continuityCorrection ? 0.5 : 0;
  const correction =
    alternative === 'two-sided'
      ? Math.sign(centred) * half
      : alternative === 'greater'
        ? half
        : -half;
  const z = sigma === 0 ? 0 : (centred - correction) / sigma;
  const pValue =
    alternative === 'two-sided'
      ? Math.min(1, 2 * Math.min(normalSurvival(z), normalSurvival(-z)))
      : normalSurvival(alternative === 'greater' ? z : -z);
  return { pValue, z };
}

/**
 * Mann–Whitney U (Wilcoxon rank-sum) test of treatment vs control, exactly R's
 * `wilcox.test(treatment, control, alternative, exact, correct)`: exact null distribution
 * without ties; otherwise z = (U − mn/2 − c)/σ with σ² = mn/12·(m + n + 1 − Σ(t³ − t)/((m + n)(m + n − 1)))
 * and c = ±0.5 toward 0 (two-sided: sign(U − mn/2)·0.5) when corrected.
 * Usable as a Kayenta-style canary judge on per-unit values.
 */
export function mannWhitneyU(options: MannWhitneyOptions): MannWhitneyResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const method = requireOneOf(options.method ?? 'auto', ['auto', 'exact', 'normal'], 'method');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const x = options.treatment;
  const y = options.control;
  x.forEach((v, i) => requireFinite(v, `treatment[${i}]`));
  y.forEach((v, i) => requireFinite(v, `control[${i}]`));
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new StatsError('insufficient_data', 'both samples need values');
  const { ranks, tieSum } = rankWithTies([...x, ...y]);
  const rankSum = ranks.slice(0, m).reduce((a, b) => a + b, 0);
  const statistic = rankSum - (m * (m + 1)) / 2;
  const useExact = method === 'exact' || (method === 'auto' && m < 50 && n < 50 && tieSum === 0);
  if (useExact && tieSum > 0) {
    throw new StatsError('invalid_option', 'the exact test needs samples without ties');
  }
  const continuityCorrection = options.continuityCorrection !== false;
  const normal = useExact
    ? undefined
    : computeNormalPValue({ statistic, m, n, tieSum }, { alternative, continuityCorrection });
  if (normal !== undefined && tieSum === (m + n) ** 3 - (m + n)) {
    // Every value equal: no rank information at all.
    return { ...declineInference(0), statistic, alternative, alpha, method: 'normal', z: 0 };
  }
  const shift = estimateShift({
    treatment: x,
    control: y,
    alternative,
    alpha,
    method: useExact ? 'exact' : 'normal',
    continuityCorrection,
  });
  return {
    status: 'ok',
    estimate: shift.estimate,
    standardError: NaN,
    statistic,
    degreesOfFreedom: NaN,
    pValue: normal?.pValue ?? computeExactPValue(statistic, m, n, alternative),
    interval: shift.interval,
    alternative,
    alpha,
    method: useExact ? 'exact' : 'normal',
    ...(normal === undefined ? {} : { z: normal.z }),
  };
}
