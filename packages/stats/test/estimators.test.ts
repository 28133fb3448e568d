import { describe, expect, it } from 'vitest';
import {
  adjustWithCuped,
  compareBayesian,
  estimateLift,
  normalQuantile,
  quantileSketchLevels,
  summarizeMean,
  summarizeMetric,
  summarizeQuantile,
  summarizeRatio,
  welchTest,
} from '@tripwire/stats';
import type { QuantileStats } from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

describe('summarizeRatio (delta method)', () => {
  // Reference: R, the same variance through the linearisation d_i = (y_i − R·x_i)/x̄:
  // y <- c(0,1,0,3,2,0,0,5,1,0,2,1); x <- c(10,12,7,30,22,5,9,41,15,3,18,11)
  // R <- sum(y)/sum(x); d <- (y - R*x)/mean(x); var(d)/length(x)  # 1.6712162113802939e-04
  it('matches the linearised variance computed in R from per-unit rows', () => {
    const estimate = summarizeRatio({
      units: 12,
      sumNumerator: 15,
      sumDenominator: 183,
      sumNumeratorSquares: 45,
      sumDenominatorSquares: 4143,
      sumCrossProducts: 413,
    });
    expect(relativeError(estimate.mean, 0.081967213114754092)).toBeLessThan(1e-12);
    expect(relativeError(estimate.variance, 1.6712162113802939e-4)).toBeLessThan(1e-9);
    expect(estimate.units).toBe(12);
  });

  it('reduces to the mean metric when every unit has one request', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    const sum = values.reduce((a, b) => a + b, 0);
    const sumSquares = values.reduce((a, b) => a + b * b, 0);
    const ratio = summarizeRatio({
      units: 8,
      sumNumerator: sum,
      sumDenominator: 8,
      sumNumeratorSquares: sumSquares,
      sumDenominatorSquares: 8,
      sumCrossProducts: sum,
    });
    const mean = summarizeMean({ units: 8, sum, sumSquares });
    expect(relativeError(ratio.variance, mean.variance)).toBeLessThan(1e-12);
  });

  it('names the offending field for a negative count', () => {
    expect(() =>
      summarizeMetric(
        {
          kind: 'ratio',
          units: 3,
          sumNumerator: 1,
          sumDenominator: -4,
          sumNumeratorSquares: 1,
          sumDenominatorSquares: 16,
          sumCrossProducts: 4,
        },
        { where: 'treatment' },
      ),
    ).toThrowError(/treatment.sumDenominator must be ≥ 0/);
  });
});

describe('estimateLift', () => {
  it('gives the Welch estimate and SE on the absolute scale and the delta-method relative SE', () => {
    const control = summarizeMean({ units: 400, sum: 4000, sumSquares: 4000 * 10 + 399 * 4 });
    const treatment = summarizeMean({ units: 500, sum: 5500, sumSquares: 5500 * 11 + 499 * 9 });
    const lift = estimateLift({ control, treatment });
    expect(lift.absolute.estimate).toBeCloseTo(1, 12);
    // s²_C = 4, s²_T = 9 by construction: SE² = 4/400 + 9/500.
    expect(relativeError(lift.absolute.standardError, Math.sqrt(0.01 + 0.018))).toBeLessThan(1e-12);
    // Relative: Var = V_T/μ_C² + μ_T²·V_C/μ_C⁴ = 0.018/100 + 121·0.01/10⁴.
    expect(
      relativeError(lift.relative?.standardError ?? NaN, Math.sqrt(0.00018 + 0.000121)),
    ).toBeLessThan(1e-12);
    // Welch–Satterthwaite over the two delta-method terms (ν_T = 499, ν_C = 399), scipy 1.x:
    // v = 0.000301**2/(0.00018**2/499 + 0.000121**2/399) = 891.5306918604475
    // 0.1 - scipy.stats.t.ppf(0.975, v)*sqrt(0.000301) = 0.06594966925499363
    expect(relativeError(lift.relative?.degreesOfFreedom ?? NaN, 891.5306918604475)).toBeLessThan(
      1e-9,
    );
    expect(relativeError(lift.relative?.interval[0] ?? NaN, 0.06594966925499363)).toBeLessThan(
      1e-9,
    );
  });

  it('omits the relative lift when the control mean is 0', () => {
    const lift = estimateLift({
      control: { mean: 0, variance: 0, units: 10 },
      treatment: { mean: 0.2, variance: 0.01, units: 10 },
    });
    expect(lift.relative).toBeUndefined();
  });
});

describe('adjustWithCuped', () => {
  // Reference: R from per-unit rows (Deng et al. 2013 definition, θ pooled over both arms):
  // xc <- c(3.1,2.0,5.5,4.2,1.0,3.3,2.8,6.0); yc <- c(3.5,2.2,5.0,4.9,1.4,3.0,3.1,6.4)
  // xt <- c(2.5,4.1,3.9,1.8,5.2,3.0,2.2); yt <- c(3.2,4.8,4.6,2.1,6.0,3.9,2.5)
  // X <- c(xc,xt); Y <- c(yc,yt); th <- cov(X,Y)/var(X)
  // ac <- yc - th*(xc-mean(X)); at <- yt - th*(xt-mean(X)); t.test(at, ac)
  const rows = {
    xc: [3.1, 2.0, 5.5, 4.2, 1.0, 3.3, 2.8, 6.0],
    yc: [3.5, 2.2, 5.0, 4.9, 1.4, 3.0, 3.1, 6.4],
    xt: [2.5, 4.1, 3.9, 1.8, 5.2, 3.0, 2.2],
    yt: [3.2, 4.8, 4.6, 2.1, 6.0, 3.9, 2.5],
  };
  const toStats = (x: number[], y: number[]) => ({
    units: x.length,
    sum: y.reduce((a, b) => a + b, 0),
    sumSquares: y.reduce((a, b) => a + b * b, 0),
    covariateSum: x.reduce((a, b) => a + b, 0),
    covariateSumSquares: x.reduce((a, b) => a + b * b, 0),
    sumCrossProducts: x.reduce((a, b, i) => a + b * (y[i] ?? 0), 0),
  });

  it('matches θ, adjusted means and variances computed in R from rows', () => {
    const result = adjustWithCuped({
      control: toStats(rows.xc, rows.yc),
      treatment: toStats(rows.xt, rows.yt),
    });
    expect(relativeError(result.theta, 0.9879015532101213)).toBeLessThan(1e-9);
    expect(relativeError(result.control.mean, 3.5747145726751781)).toBeLessThan(1e-9);
    expect(relativeError(result.control.variance, 0.019576793505754794)).toBeLessThan(1e-9);
    expect(relativeError(result.treatment.mean, 4.0003262026569395)).toBeLessThan(1e-9);
    expect(relativeError(result.treatment.variance, 0.0086473683702827271)).toBeLessThan(1e-9);
    expect(result.varianceReduction).toBeGreaterThan(0.9);
  });

  it('feeds a Welch test that matches R t.test(at, ac): t = 2.5334, df = 11.852', () => {
    const cuped = adjustWithCuped({
      control: toStats(rows.xc, rows.yc),
      treatment: toStats(rows.xt, rows.yt),
    });
    const asMoments = (arm: { mean: number; variance: number; units: number }) => ({
      units: arm.units,
      sum: arm.mean * arm.units,
      sumSquares: arm.units * arm.mean * arm.mean + arm.variance * arm.units * (arm.units - 1),
    });
    const result = welchTest({
      control: asMoments(cuped.control),
      treatment: asMoments(cuped.treatment),
    });
    expect(relativeError(result.statistic, 2.5333952944031339)).toBeLessThan(1e-6);
    expect(relativeError(result.degreesOfFreedom ?? NaN, 11.851931918161778)).toBeLessThan(1e-6);
    expect(relativeError(result.pValue, 0.026466539766980074)).toBeLessThan(1e-6);
  });
});

describe('compareBayesian', () => {
  // δ ~ N(0.02, 0.015²). R: pnorm(0.02/0.015); integrate(function(d) pmax(-d,0)*dnorm(d,.02,.015), -Inf, Inf)
  it('matches chance to beat control and expected losses integrated numerically in R', () => {
    const result = compareBayesian({
      control: { mean: 1, variance: 0.015 ** 2 / 2, units: 100 },
      treatment: { mean: 1.02, variance: 0.015 ** 2 / 2, units: 100 },
      scale: 'absolute',
    });
    expect(relativeError(result.chanceToBeatControl, 0.90878878027413212)).toBeLessThan(1e-9);
    expect(relativeError(result.expectedLoss.treatment, 0.00063592672562254782)).toBeLessThan(1e-6);
    expect(relativeError(result.expectedLoss.control, 0.02063592672562255)).toBeLessThan(1e-6);
  });

  it('flips with direction and shrinks toward a prior', () => {
    const arms = {
      control: { mean: 10, variance: 0.04, units: 100 },
      treatment: { mean: 10.3, variance: 0.05, units: 100 },
    };
    const up = compareBayesian({ ...arms, scale: 'absolute' });
    const down = compareBayesian({ ...arms, scale: 'absolute', direction: 'lower_is_better' });
    expect(up.chanceToBeatControl + down.chanceToBeatControl).toBeCloseTo(1, 12);
    const shrunk = compareBayesian({
      ...arms,
      scale: 'absolute',
      prior: { mean: 0, variance: 0.09 },
    });
    expect(shrunk.posterior.mean).toBeCloseTo(0.3 * (0.09 / (0.09 + 0.09)), 12);
  });
});

/** ClickHouse quantileExact-style: the sorted value at index ⌊level·n⌋. */
function quantileExact(sorted: readonly number[], level: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(level * sorted.length))] ?? NaN;
}

describe('summarizeQuantile (Deng, Knoblich & Lu 2018, §4.2)', () => {
  it('recovers the i.i.d. asymptotic SE √(p(1 − p)/n)/f(Q) for an exponential quantile function', () => {
    // One request per unit, n units with b_i = 1{value ≤ Q̂}: Σb = np, Σb² = np, Σbn = np.
    const n = 10_000;
    const p = 0.95;
    const levels = quantileSketchLevels(p);
    const stats: QuantileStats = {
      kind: 'quantile',
      probability: p,
      units: n,
      levels,
      values: levels.map((level) => -Math.log1p(-level)),
      sumBelow: n * p,
      sumRequests: n,
      sumBelowSquares: n * p,
      sumRequestsSquares: n,
      sumBelowRequests: n * p,
    };
    const estimate = summarizeQuantile(stats);
    expect(estimate.mean).toBeCloseTo(-Math.log(0.05), 12);
    // The outer interval [Q(p − h), Q(p + h)], h = z·σ, σ² = p(1 − p)/(n − 1) (n − 1 variances):
    // SE = (Q(p + h) − Q(p − h))/(2z), within grid interpolation error …
    const z = normalQuantile(0.975);
    const h = z * Math.sqrt((p * (1 - p)) / (n - 1));
    const outer = (Math.log1p(-(p - h)) - Math.log1p(-(p + h))) / (2 * z);
    expect(relativeError(Math.sqrt(estimate.variance), outer)).toBeLessThan(1e-4);
    // … and ≈ the density form √(p(1 − p)/n)/f(Q_p), f(Q_p) = 1 − p for Exp(1), to O(h²).
    const density = Math.sqrt((p * (1 - p)) / (n - 1)) / (1 - p);
    expect(relativeError(Math.sqrt(estimate.variance), density)).toBeLessThan(5e-3);
  });

  it('returns an infinite variance when p ± zσ leaves the sampled levels', () => {
    const levels = [0.9, 0.95, 0.96];
    const estimate = summarizeQuantile({
      kind: 'quantile',
      probability: 0.95,
      units: 20,
      levels,
      values: [1, 2, 3],
      sumBelow: 19,
      sumRequests: 20,
      sumBelowSquares: 19,
      sumRequestsSquares: 20,
      sumBelowRequests: 19,
    });
    expect(estimate.variance).toBe(Infinity);
  });

  it('quantileSketchLevels contains p, increases, and stays in (0, 1)', () => {
    for (const p of [0.5, 0.95, 0.99, 0.999]) {
      const levels = quantileSketchLevels(p);
      expect(levels).toContain(p);
      levels.forEach((level, i) => {
        expect(level > 0 && level < 1).toBe(true);
        if (i > 0) expect(level).toBeGreaterThan(levels[i - 1] ?? 1);
      });
    }
  });

  it('rejects levels that do not contain the probability', () => {
    expect(() =>
      summarizeQuantile({
        kind: 'quantile',
        probability: 0.95,
        units: 20,
        levels: [0.9, 0.94, 0.96],
        values: [1, 2, 3],
        sumBelow: 19,
        sumRequests: 20,
        sumBelowSquares: 19,
        sumRequestsSquares: 20,
        sumBelowRequests: 19,
      }),
    ).toThrowError(/levels must contain probability 0.95/);
  });

  it('uses quantileExact-style values from a sample without error', () => {
    const sorted = Array.from({ length: 1000 }, (_, i) => i / 10);
    const levels = quantileSketchLevels(0.5);
    const estimate = summarizeQuantile({
      kind: 'quantile',
      probability: 0.5,
      units: 1000,
      levels,
      values: levels.map((level) => quantileExact(sorted, level)),
      sumBelow: 501,
      sumRequests: 1000,
      sumBelowSquares: 501,
      sumRequestsSquares: 1000,
      sumBelowRequests: 501,
    });
    expect(estimate.mean).toBe(50);
    // Uniform on [0, 100): SE ≈ √(0.25/1000)·100 ≈ 1.58.
    expect(Math.sqrt(estimate.variance)).toBeGreaterThan(1.4);
    expect(Math.sqrt(estimate.variance)).toBeLessThan(1.8);
  });
});
