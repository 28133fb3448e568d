/**
 * Distribution-free confidence intervals for a quantile ξ_p from raw samples, for small data
 * where the clustered sketch method of `summarizeQuantile` has too few requests.
 * - 'order_statistic' (default): [x_(l), x_(u)] with l, u from the Bin(n, p) law of
 *   #{X ≤ ξ_p} (Hahn & Meeker 1991, §5.2; as scipy.stats.quantile_test(...).confidence_interval),
 *   coverage ≥ 1 − α for any continuous distribution, the achieved coverage returned.
 * - 'maritz_jarrett': x̂_p ± z·SE with the Maritz & Jarrett (1978, JASA 73:194) standard error
 *   SE² = Σ W_i x_(i)² − (Σ W_i x_(i))², W_i = I_{i/n}(m − 1, n − m) − I_{(i−1)/n}(m − 1, n − m),
 *   m = ⌊pn + 0.5⌋ (as scipy.stats.mstats.mquantiles_cimj).
 * The estimate x̂_p is the type-6 sample quantile (Hyndman & Fan 1996: h = (n + 1)p).
 */
import { betaCdf, binomialCdf, binomialQuantile, normalQuantile } from './distributions.js';
import { requireFinite, requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import { ALTERNATIVES } from './internal/test-tails.js';
import { StatsError } from './stats-error.js';
import type { Alternative, InferenceStatus, Interval } from './types.js';

export interface QuantileIntervalOptions {
  readonly values: readonly number[];
  /** The quantile level p in (0, 1). */
  readonly probability: number;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Default 'two-sided'; 'greater' gives [L, ∞), 'less' (−∞, U]. */
  readonly alternative?: Alternative;
  /** Default 'order_statistic'. */
  readonly method?: 'order_statistic' | 'maritz_jarrett';
}

export interface QuantileIntervalResult {
  /** `not_enough_information` when n is too small for a finite end at this level. */
  readonly status: InferenceStatus;
  /** Type-6 sample quantile. */
  readonly estimate: number;
  /** Maritz–Jarrett SE; NaN for the order-statistic method. */
  readonly standardError: number;
  readonly interval: Interval;
  /** Achieved coverage of the order-statistic interval (≥ 1 − α); NaN for Maritz–Jarrett. */
  readonly coverage: number;
  readonly method: 'order_statistic' | 'maritz_jarrett';
}

/** Type-6 sample quantile of ascending `sorted` (Hyndman & Fan 1996). */
function computeType6Quantile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  const h = (n + 1) * p;
  if (h <= 1) return sorted[0] ?? NaN;
  if (h >= n) return sorted[n - 1] ?? NaN;
  const j = Math.floor(h);
  const below = sorted[j - 1] ?? NaN;
  return below + (h - j) * ((sorted[j] ?? NaN) - below);
}

function orderStatisticInterval(
  sorted: readonly number[],
  p: number,
  tail: number,
  alternative: Alternative,
) {
  const n = sorted.length;
  // l (1-based): the smallest k with P(B ≤ k) ≥ tail; u (0-based) likewise at 1 − tail.
  const l = binomialQuantile(tail, n, p);
  const u = binomialQuantile(1 - tail, n, p);
  const lower = alternative === 'less' ? -Infinity : l >= 1 ? (sorted[l - 1] ?? NaN) : -Infinity;
  const upper = alternative === 'greater' ? Infinity : u < n ? (sorted[u] ?? NaN) : Infinity;
  const below = alternative === 'less' ? 0 : binomialCdf(l - 1, n, p);
  const above = alternative === 'greater' ? 1 : binomialCdf(u, n, p);
  return { interval: [lower, upper] as Interval, coverage: above - below };
}

function computeMaritzJarrettSe(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  const m = Math.floor(p * n + 0.5);
  if (m - 1 <= 0 || n - m <= 0) return NaN;
  let c1 = 0;
  let c2 = 0;
  sorted.forEach((x, index) => {
    const i = index + 1;
    const w = betaCdf(i / n, m - 1, n - m) - betaCdf((i - 1) / n, m - 1, n - m);
    c1 += w * x;
    c2 += w * x * x;
  });
  return Math.sqrt(Math.max(0, c2 - c1 * c1));
}

/** Confidence interval for the p-quantile of the distribution the `values` were drawn from. */
export function quantileInterval(options: QuantileIntervalOptions): QuantileIntervalResult {
  const p = requireOpenProbability(options.probability, 'probability');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const method = requireOneOf(
    options.method ?? 'order_statistic',
    ['order_statistic', 'maritz_jarrett'],
    'method',
  );
  options.values.forEach((v, i) => requireFinite(v, `values[${i}]`));
  if (options.values.length === 0) throw new StatsError('insufficient_data', 'values is empty');
  const sorted = [...options.values].sort((a, b) => a - b);
  const estimate = computeType6Quantile(sorted, p);
  const tail = alternative === 'two-sided' ? alpha / 2 : alpha;
  if (method === 'order_statistic') {
    const { interval, coverage } = orderStatisticInterval(sorted, p, tail, alternative);
    const isBounded = interval.every((end, i) => Number.isFinite(end) || isOpenEnd(alternative, i));
    const status = isBounded ? 'ok' : 'not_enough_information';
    return { status, estimate, standardError: NaN, interval, coverage, method };
  }
  const standardError = computeMaritzJarrettSe(sorted, p);
  if (!(standardError > 0)) {
    const interval: Interval = [-Infinity, Infinity];
    return {
      status: 'not_enough_information',
      estimate,
      standardError,
      interval,
      coverage: NaN,
      method,
    };
  }
  const half = normalQuantile(1 - tail) * standardError;
  const interval: Interval = [
    alternative === 'less' ? -Infinity : estimate - half,
    alternative === 'greater' ? Infinity : estimate + half,
  ];
  return { status: 'ok', estimate, standardError, interval, coverage: NaN, method };
}

/** Whether end `index` (0 lower, 1 upper) is infinite by the alternative's choice. */
function isOpenEnd(alternative: Alternative, index: number): boolean {
  return (alternative === 'less' && index === 0) || (alternative === 'greater' && index === 1);
}
