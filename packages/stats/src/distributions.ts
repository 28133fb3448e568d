/**
 * Distribution functions from stdlib (https://stdlib.io), accurate to ~1e-15 relative;
 * simple-statistics' 4-decimal normal table is never used for inference.
 * Upper tails are computed directly (not as 1 − CDF) so tiny p-values keep their digits.
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import gammaln from '@stdlib/math-base-special-gammaln';
import betaCdfBase from '@stdlib/stats-base-dists-beta-cdf';
import binomialCdfBase from '@stdlib/stats-base-dists-binomial-cdf';
import binomialQuantileBase from '@stdlib/stats-base-dists-binomial-quantile';
import hypergeometricLogPmfBase from '@stdlib/stats-base-dists-hypergeometric-logpmf';
import chisquareCdfBase from '@stdlib/stats-base-dists-chisquare-cdf';
import chisquareQuantileBase from '@stdlib/stats-base-dists-chisquare-quantile';
import normalCdfBase from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileBase from '@stdlib/stats-base-dists-normal-quantile';
import tCdfBase from '@stdlib/stats-base-dists-t-cdf';
import tQuantileBase from '@stdlib/stats-base-dists-t-quantile';

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return normalCdfBase(x, 0, 1);
}

/** Standard normal upper tail 1 − Φ(x), computed as Φ(−x). */
export function normalSurvival(x: number): number {
  return normalCdfBase(-x, 0, 1);
}

/**
 * Standard normal quantile Φ⁻¹(p). stdlib's erfcinv-based value is only ~1e-9 accurate in the
 * tails and −∞ below p ≈ 1e-16, so it is the start (or the asymptotic
 * −√(L − ln L − ln 2π), L = −2 ln p) of Newton steps on ln Φ(x) = ln p, done on the lower tail
 * (1 − p is exact for p ≥ 0.5). Accurate to ~1e-15 relative down to p = 1e-300.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return normalQuantileBase(p, 0, 1);
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = normalQuantileBase(p, 0, 1);
  if (!Number.isFinite(x)) {
    const l = -2 * Math.log(p);
    x = -Math.sqrt(l - Math.log(l) - Math.log(2 * Math.PI));
  }
  const logP = Math.log(p);
  for (let i = 0; i < 6; i += 1) {
    const cdf = normalCdfBase(x, 0, 1);
    const density = normalDensity(x);
    // Below p ≈ 1e-308 the density underflows: keep the current value.
    if (!(cdf > 0 && density > 0)) break;
    const step = ((Math.log(cdf) - logP) * cdf) / density;
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.abs(x)) break;
  }
  return x;
}

/** Standard normal density φ(x). */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Student t CDF with `degreesOfFreedom` (> 0, may be fractional). */
export function studentTCdf(x: number, degreesOfFreedom: number): number {
  return tCdfBase(x, degreesOfFreedom);
}

/** Student t upper tail P(T > x), computed as F(−x) by symmetry. */
export function studentTSurvival(x: number, degreesOfFreedom: number): number {
  return tCdfBase(-x, degreesOfFreedom);
}

/** Student t quantile. */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
  return tQuantileBase(p, degreesOfFreedom);
}

/** χ² CDF with k degrees of freedom. */
export function chiSquareCdf(x: number, degreesOfFreedom: number): number {
  return chisquareCdfBase(x, degreesOfFreedom);
}

/** χ² upper tail P(X > x) = Q(k/2, x/2), the regularized upper incomplete gamma function. */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (x <= 0) return 1;
  return gammainc(x / 2, degreesOfFreedom / 2, true, true);
}

/** χ² density with k degrees of freedom, computed on the log scale. */
function computeChiSquareDensity(x: number, k: number): number {
  const half = k / 2;
  return Math.exp((half - 1) * Math.log(x) - x / 2 - half * Math.LN2 - gammaln(half));
}

/**
 * χ² quantile: stdlib's gammaincinv value (≈1e-11 accurate near p = 1) refined by Newton steps
 * on ln F(x) = ln p (lower half) or ln Q(x) = ln(1 − p) (upper half), so both tails keep their
 * digits.
 */
export function chiSquareQuantile(p: number, degreesOfFreedom: number): number {
  let x = chisquareQuantileBase(p, degreesOfFreedom);
  if (!(p > 0 && p < 1) || !(x > 0) || !Number.isFinite(x)) return x;
  const isUpper = p > 0.5;
  const target = Math.log(isUpper ? 1 - p : p);
  for (let i = 0; i < 4; i += 1) {
    const tail = isUpper
      ? chiSquareSurvival(x, degreesOfFreedom)
      : chiSquareCdf(x, degreesOfFreedom);
    const density = computeChiSquareDensity(x, degreesOfFreedom);
    if (!(tail > 0 && density > 0)) break;
    // d ln F/dx = f/F; d ln Q/dx = −f/Q.
    const step = ((Math.log(tail) - target) * tail) / density;
    const next = isUpper ? x + step : x - step;
    if (!(next > 0)) break;
    const converged = Math.abs(next - x) <= 1e-15 * x;
    x = next;
    if (converged) break;
  }
  return x;
}

/** Binomial CDF P(B ≤ k), B ~ Bin(trials, p). */
export function binomialCdf(k: number, trials: number, p: number): number {
  return binomialCdfBase(k, trials, p);
}

/** Binomial quantile: the smallest k with P(B ≤ k) ≥ q (as R's qbinom). */
export function binomialQuantile(q: number, trials: number, p: number): number {
  return binomialQuantileBase(q, trials, p);
}

/** Beta(a, b) CDF (regularized incomplete beta I_x(a, b)). */
export function betaCdf(x: number, a: number, b: number): number {
  return betaCdfBase(x, a, b);
}

/** ln P(X = x) for X the successes among `draws` from `population` with `successes` (R's dhyper). */
export function hypergeometricLogPmf(
  x: number,
  population: { size: number; successes: number; draws: number },
): number {
  return hypergeometricLogPmfBase(x, population.size, population.successes, population.draws);
}
