/**
 * Hodges–Lehmann shift of treatment vs control with its distribution-free confidence interval,
 * exactly as R's `wilcox.test(treatment, control, conf.int = TRUE)` (Hodges & Lehmann 1963,
 * Ann. Math. Statist. 34:598; Bauer 1972, JASA 67:687): the estimate is the median of the m·n
 * pairwise differences x_i − y_j; the exact interval takes order statistics of those
 * differences at qwilcox(α/2); the normal one inverts the (tie- and continuity-corrected)
 * normal approximation of the rank-sum test in the shift d.
 */
import { normalQuantile } from './distributions.js';
import { createWilcoxonDistribution } from './internal/wilcoxon-distribution.js';
import type { Alternative, Interval } from './types.js';

/** Above this many pairwise differences (m·n) no shift is computed (memory): NaN. */
export const MAX_PAIRWISE_DIFFERENCES = 1_000_000;

export interface ShiftEstimate {
  readonly estimate: number;
  readonly interval: Interval;
}

/** Median of ascending `sorted`. */
export function computeMedian(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

function sortedDifferences(x: readonly number[], y: readonly number[]): Float64Array {
  const diffs = new Float64Array(x.length * y.length);
  let k = 0;
  for (const xi of x) for (const yj of y) diffs[k++] = xi - yj;
  return diffs.sort();
}

function exactInterval(
  diffs: Float64Array,
  sizes: { m: number; n: number },
  options: { alternative: Alternative; alpha: number },
): Interval {
  const { m, n } = sizes;
  const law = createWilcoxonDistribution(m, n);
  const level = options.alternative === 'two-sided' ? options.alpha / 2 : options.alpha;
  const qu = Math.max(1, law.quantile(level));
  const ql = m * n - qu;
  const lower = diffs[qu - 1] ?? NaN;
  const upper = diffs[ql] ?? NaN;
  if (options.alternative === 'greater') return [lower, Infinity];
  if (options.alternative === 'less') return [-Infinity, upper];
  return [lower, upper];
}

interface ShiftSamples {
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Continuity correction for a centred statistic dz (R: ±0.5, or sign(dz)·0.5 two-sided). */
  readonly correct: (dz: number) => number;
}

/** R's wdiff: the standardised rank-sum statistic of (x − d, y) minus zq (non-increasing in d). */
function standardisedShift(d: number, samples: ShiftSamples, zq: number): number {
  const { x, y } = samples;
  const m = x.length;
  const n = y.length;
  const pooled = [...x.map((v) => ({ v: v - d, isX: true })), ...y.map((v) => ({ v, isX: false }))];
  pooled.sort((a, b) => a.v - b.v);
  let rankSum = 0;
  let tieSum = 0;
  for (let start = 0; start < pooled.length;) {
    let end = start;
    while (end + 1 < pooled.length && pooled[end + 1]?.v === pooled[start]?.v) end += 1;
    const midRank = (start + end + 2) / 2;
    for (let k = start; k <= end; k += 1) if (pooled[k]?.isX === true) rankSum += midRank;
    const t = end - start + 1;
    tieSum += t * t * t - t;
    start = end + 1;
  }
  const dz = rankSum - (m * (m + 1)) / 2 - (m * n) / 2;
  const sigma = Math.sqrt(((m * n) / 12) * (m + n + 1 - tieSum / ((m + n) * (m + n - 1))));
  return (dz - samples.correct(dz)) / sigma - zq;
}

/**
 * The shift d where the step function g(d) = wdiff(d, zq) crosses 0 (what R's uniroot
 * approaches within its 1e-4 tolerance): a pairwise difference, or the middle of a plateau
 * where g is exactly 0. Binary search over the plateaus between distinct differences.
 */
function findShiftRoot(distinct: readonly number[], samples: ShiftSamples, zq: number): number {
  const first = distinct[0] ?? NaN;
  const last = distinct[distinct.length - 1] ?? NaN;
  if (standardisedShift(first, samples, zq) <= 0) return first;
  if (standardisedShift(last, samples, zq) >= 0) return last;
  const plateau = (k: number) =>
    standardisedShift(((distinct[k] ?? NaN) + (distinct[k + 1] ?? NaN)) / 2, samples, zq);
  // Smallest plateau k (between distinct[k] and distinct[k + 1]) with g ≤ 0.
  let lo = 0;
  let hi = distinct.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (plateau(mid) <= 0) hi = mid;
    else lo = mid + 1;
  }
  const atLo = plateau(lo);
  // Every plateau positive: g crosses 0 at the last difference (g(last) < 0 there).
  if (atLo > 0) return last;
  if (atLo < 0) return distinct[lo] ?? NaN;
  let end = lo;
  while (end + 1 < distinct.length - 1 && plateau(end + 1) === 0) end += 1;
  return ((distinct[lo] ?? NaN) + (distinct[end + 1] ?? NaN)) / 2;
}

function normalInterval(
  diffs: Float64Array,
  samples: ShiftSamples,
  options: { alternative: Alternative; alpha: number },
): Interval {
  const distinct = [...new Set(diffs)];
  const { alternative, alpha } = options;
  const z = normalQuantile(1 - (alternative === 'two-sided' ? alpha / 2 : alpha));
  const lower = alternative === 'less' ? -Infinity : findShiftRoot(distinct, samples, z);
  const upper = alternative === 'greater' ? Infinity : findShiftRoot(distinct, samples, -z);
  return [lower, upper];
}

/**
 * Hodges–Lehmann estimate of the shift treatment − control and its 1 − alpha interval (R's
 * `wilcox.test(treatment, control, conf.int = TRUE)`), exact or normal as the rank test chose.
 * NaN (estimate and interval) beyond `MAX_PAIRWISE_DIFFERENCES`.
 */
export function estimateShift(input: {
  treatment: readonly number[];
  control: readonly number[];
  alternative: Alternative;
  alpha: number;
  method: 'exact' | 'normal';
  continuityCorrection: boolean;
}): ShiftEstimate {
  const { treatment: x, control: y, alternative, alpha } = input;
  if (x.length * y.length > MAX_PAIRWISE_DIFFERENCES) {
    return { estimate: NaN, interval: [NaN, NaN] };
  }
  const diffs = sortedDifferences(x, y);
  const estimate = computeMedian([...diffs]);
  if (input.method === 'exact') {
    const interval = exactInterval(diffs, { m: x.length, n: y.length }, { alternative, alpha });
    return { estimate, interval };
  }
  const half = input.continuityCorrection ? 0.5 : 0;
  const correct = (dz: number) =>
    alternative === 'two-sided' ? Math.sign(dz) * half : alternative === 'greater' ? half : -half;
  return { estimate, interval: normalInterval(diffs, { x, y, correct }, { alternative, alpha }) };
}
