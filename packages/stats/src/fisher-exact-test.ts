/**
 * Fisher's exact test of a 2×2 table (treatment/control × success/failure), exactly R's
 * `fisher.test(matrix(c(x_T, x_C, n_T − x_T, n_C − x_C), 2))`: conditional on the margins,
 * x_T is (noncentral) hypergeometric with odds ratio ψ (Fisher 1935; R's fisher.test source).
 * Two-sided p sums the null probabilities ≤ P(x_T)·(1 + 1e-7) (R's relative tolerance, so
 * probabilities equal up to rounding count as equal); the estimate is the conditional MLE of ψ
 * and the interval inverts the noncentral tails, solved here to ~1e-13 relative (R's uniroot
 * default stops at ~1e-4, scipy's odds_ratio(kind='conditional') at ~1e-12).
 */
import { hypergeometricLogPmf } from './distributions.js';
import { ALTERNATIVES } from './internal/test-tails.js';
import { requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import type { Alternative, Interval, TestResult } from './types.js';
import { validateCounts } from './two-proportion-test.js';
import type { ProportionCounts } from './two-proportion-test.js';

export interface FisherExactTestOptions {
  readonly control: ProportionCounts;
  readonly treatment: ProportionCounts;
  /** 'greater': the treatment's odds of success are larger. Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** Default 0.05. */
  readonly alpha?: number;
}

/**
 * `estimate` and `interval` are on the **odds-ratio** scale (odds_T / odds_C, R's estimate);
 * `statistic` is x_T; `standardError` and `degreesOfFreedom` are NaN (exact method).
 */
export interface FisherExactResult extends TestResult {
  /** p_T − p_C, for reading next to the odds ratio. */
  readonly difference: number;
}

/** The conditional law of x_T given the margins, as a function of the odds ratio ψ. */
function createConditionalLaw(table: { x: number; m: number; n: number; k: number }) {
  const { m, n, k } = table;
  const lo = Math.max(0, k - n);
  const hi = Math.min(k, m);
  const support = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const logNull = support.map((s) =>
    hypergeometricLogPmf(s, { size: m + n, successes: m, draws: k }),
  );
  /** Probabilities of the support under ψ (ψ = 1: the hypergeometric null). */
  const density = (logPsi: number): number[] => {
    const logs = logNull.map((l, i) => l + logPsi * (support[i] ?? 0));
    const top = Math.max(...logs);
    const weights = logs.map((l) => Math.exp(l - top));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  };
  const mean = (logPsi: number) =>
    density(logPsi).reduce((sum, d, i) => sum + d * (support[i] ?? 0), 0);
  const tail = (logPsi: number, isUpper: boolean) =>
    density(logPsi).reduce(
      (sum, d, i) =>
        (isUpper ? (support[i] ?? 0) >= table.x : (support[i] ?? 0) <= table.x) ? sum + d : sum,
      0,
    );
  return { lo, hi, density, mean, tail };
}

/** Solves f(θ) = target for f increasing in θ = ln ψ, by bracketing and bisection. */
function solveIncreasing(f: (theta: number) => number, target: number): number {
  let lo = -1;
  let hi = 1;
  while (f(lo) > target && lo > -745) lo *= 2;
  while (f(hi) < target && hi < 745) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * Math.max(1, Math.abs(lo)); i += 1) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/** R's relative tolerance on probabilities in the two-sided p-value. */
const RELATIVE_TOLERANCE = 1 + 1e-7;

/** Fisher's exact test of the treatment's odds of success against the control's. */
export function fisherExactTest(options: FisherExactTestOptions): FisherExactResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const treatment = validateCounts(options.treatment, 'treatment');
  const control = validateCounts(options.control, 'control');
  const x = treatment.successes;
  const m = treatment.successes + control.successes;
  const law = createConditionalLaw({
    x,
    m,
    n: treatment.units + control.units - m,
    k: treatment.units,
  });
  const pValue = computeFisherPValue(law, x, alternative);
  const estimate = x === law.lo ? 0 : x === law.hi ? Infinity : solveIncreasing(law.mean, x);
  const lowerBound = (level: number) =>
    x === law.lo ? 0 : solveIncreasing((t) => law.tail(t, true), level);
  // The lower tail decreases in ψ: solve its complement-ordered negative.
  const upperBound = (level: number) =>
    x === law.hi ? Infinity : solveIncreasing((t) => -law.tail(t, false), -level);
  const interval: Interval =
    alternative === 'less'
      ? [0, upperBound(alpha)]
      : alternative === 'greater'
        ? [lowerBound(alpha), Infinity]
        : [lowerBound(alpha / 2), upperBound(alpha / 2)];
  return {
    status: 'ok',
    estimate,
    standardError: NaN,
    statistic: x,
    degreesOfFreedom: NaN,
    pValue,
    interval,
    alternative,
    alpha,
    difference: treatment.successes / treatment.units - control.successes / control.units,
  };
}

function computeFisherPValue(
  law: ReturnType<typeof createConditionalLaw>,
  x: number,
  alternative: Alternative,
): number {
  if (alternative === 'greater') return Math.min(1, law.tail(0, true));
  if (alternative === 'less') return Math.min(1, law.tail(0, false));
  const d = law.density(0);
  const observed = (d[x - law.lo] ?? 0) * RELATIVE_TOLERANCE;
  return Math.min(
    1,
    d.reduce((sum, p) => (p <= observed ? sum + p : sum), 0),
  );
}
