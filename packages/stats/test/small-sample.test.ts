import { describe, expect, it } from 'vitest';
import {
  computeWilsonInterval,
  fisherExactTest,
  judgeCanary,
  mannWhitneyU,
  quantileInterval,
  twoProportionTest,
} from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

function expectClose(actual: number, expected: number, tolerance = 1e-6): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  expect(relativeError(actual, expected)).toBeLessThan(tolerance);
}

// Tables as R's matrix(c(x_T, x_C, n_T - x_T, n_C - x_C), 2): rows treatment/control.
const arms = (xT: number, nT: number, xC: number, nC: number) => ({
  treatment: { units: nT, successes: xT },
  control: { units: nC, successes: xC },
});

describe('fisherExactTest', () => {
  it("matches R fisher.test on Fisher's tea tasting, with R's 1e-7 relative tolerance on ties", () => {
    // P(X = 1) and P(X = 3) are equal only up to rounding: the tolerance counts both.
    const result = fisherExactTest(arms(3, 4, 1, 4));
    // R 4.2.2: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.48571428571428582
    expectClose(result.pValue, 0.48571428571428582);
    // scipy 1.17 odds_ratio([[3,1],[1,3]], kind='conditional'): statistic 6.408319658199662,
    // confidence_interval(0.95) = (0.21173559544657966, 626.2435305888141) (R's uniroot
    // stops at ~1e-4 and gives 6.40831, 0.211733, 621.93)
    expectClose(result.estimate, 6.408319658199662);
    expectClose(result.interval[0], 0.21173559544657966);
    expectClose(result.interval[1], 626.2435305888141);
  });

  it('matches R two-sided and one-sided p-values and scipy intervals', () => {
    // R: fisher.test(matrix(c(7, 2, 3, 8), 2))$p.value = 0.069778518694927336
    const two = fisherExactTest(arms(7, 10, 2, 10));
    expectClose(two.pValue, 0.069778518694927336);
    // scipy odds_ratio([[7,3],[2,8]], kind='conditional'): 8.153835414504302,
    // CI (0.8821151869366868, 127.00902532429122)
    expectClose(two.estimate, 8.153835414504302);
    expectClose(two.interval[0], 0.8821151869366868);
    expectClose(two.interval[1], 127.00902532429122);
    // R: fisher.test(..., alternative = "greater")$p.value = 0.034889259347463675;
    // scipy confidence_interval(0.95, alternative='greater').low = 1.1553454676879444
    const greater = fisherExactTest({ ...arms(7, 10, 2, 10), alternative: 'greater' });
    expectClose(greater.pValue, 0.034889259347463675);
    expectClose(greater.interval[0], 1.1553454676879444);
    expect(greater.interval[1]).toBe(Infinity);
  });

  it('handles a zero cell (odds ratio 0) and a larger table', () => {
    // R: fisher.test(matrix(c(0, 5, 12, 7), 2)): p 0.037267080745341678, estimate 0;
    // scipy CI (0, 0.8864185097588153)
    const zero = fisherExactTest(arms(0, 12, 5, 12));
    expectClose(zero.pValue, 0.037267080745341678);
    expect(zero.estimate).toBe(0);
    expect(zero.interval[0]).toBe(0);
    expectClose(zero.interval[1], 0.8864185097588153);
    // R: fisher.test(matrix(c(12, 30, 88, 70), 2))$p.value = 0.0028665607632844415;
    // scipy: 0.3200006154682922, CI (0.13855118615536263, 0.6993557428619104)
    const large = fisherExactTest(arms(12, 100, 30, 100));
    expectClose(large.pValue, 0.0028665607632844415);
    expectClose(large.estimate, 0.3200006154682922);
    expectClose(large.interval[0], 0.13855118615536263);
    expectClose(large.interval[1], 0.6993557428619104);
    expectClose(large.difference, -0.18, 1e-12);
  });
});

describe('twoProportionTest: Newcombe hybrid score interval and unpooled Wald z', () => {
  // statsmodels 0.15: confint_proportions_2indep(x_T, n_T, x_C, n_C, method='newcomb', compare='diff')
  it.each([
    [56, 70, 48, 80, 0.05243147240236498, 0.33387265403690614], // Newcombe 1998, Table II
    [9, 10, 3, 10, 0.1705227239345029, 0.809017973535488],
    [0, 20, 4, 20, -0.4160174322518936, 0.0005091271200974024],
    [5, 56, 0, 29, -0.038137147903536936, 0.19256001385511165],
  ])('matches statsmodels for %i/%i vs %i/%i', (xT, nT, xC, nC, lower, upper) => {
    const result = twoProportionTest({ ...arms(xT, nT, xC, nC), interval: 'newcombe' });
    expectClose(result.interval[0], lower);
    expectClose(result.interval[1], upper);
  });

  it('gives the unpooled Wald z beside the pooled statistic', () => {
    const pooled = twoProportionTest(arms(9, 10, 3, 10));
    const unpooled = twoProportionTest({ ...arms(9, 10, 3, 10), pooling: 'unpooled' });
    // pooled: p̄ = 0.6, z = 0.6/√(0.24·0.2) = 2.7386127875258306 (R: sqrt(prop.test(c(9,3),
    // c(10,10), correct=FALSE)$statistic)); unpooled: 0.6/√(0.09/10 + 0.21/10) = 3.4641016151377544
    expectClose(pooled.statistic, 2.7386127875258306, 1e-12);
    expectClose(unpooled.statistic, 3.4641016151377544, 1e-12);
    expect(unpooled.degreesOfFreedom).toBe(Infinity);
    expect(unpooled.standardError).toBe(pooled.standardError);
  });
});

describe('computeWilsonInterval', () => {
  // scipy 1.17.1: binomtest(k, n, alternative).proportion_ci(confidence_level, method='wilson')
  it.each([
    [7, 20, 0.05, 'two-sided', 0.1811918241010821, 0.5671457233147637],
    [0, 15, 0.05, 'two-sided', 0, 0.20388330103584862],
    [15, 15, 0.05, 'two-sided', 0.7961166989641515, 1],
    [7, 20, 0.1, 'two-sided', 0.20226004005676104, 0.5334873111515284],
    [7, 20, 0.05, 'greater', 0.20226004005676104, 1],
    [7, 20, 0.05, 'less', 0, 0.5334873111515284],
  ] as const)('matches scipy for %i/%i, alpha %f, %s', (k, n, alpha, alternative, lo, hi) => {
    const [lower, upper] = computeWilsonInterval(
      { successes: k, units: n },
      { alpha, alternative },
    );
    expectClose(lower, lo);
    expectClose(upper, hi);
  });

  it('names the field of bad counts and defaults to a two-sided 95 % interval', () => {
    expect(() => computeWilsonInterval({ successes: 3, units: 2 })).toThrow(/counts\.successes/);
    expectClose(computeWilsonInterval({ successes: 7, units: 20 })[1], 0.5671457233147637);
  });
});

describe('mannWhitneyU: Hodges–Lehmann shift and its confidence interval', () => {
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];

  it('matches R wilcox.test(x, y, conf.int = TRUE) in the exact case', () => {
    // R 4.2.2: estimate 0.30500000000000005, conf.int -0.15000000000000002 0.7599999999999999
    const result = mannWhitneyU({ treatment: x, control: y });
    expect(result.method).toBe('exact');
    expectClose(result.estimate, 0.30500000000000005);
    expectClose(result.interval[0], -0.15000000000000002);
    expectClose(result.interval[1], 0.7599999999999999);
    // R: alternative = "greater", conf.level = 0.9: conf.int -0.050000000000000044 Inf
    const greater = mannWhitneyU({ treatment: x, control: y, alternative: 'greater', alpha: 0.1 });
    expectClose(greater.interval[0], -0.050000000000000044);
    expect(greater.interval[1]).toBe(Infinity);
    // R: alternative = "less": conf.int -Inf 0.71999999999999997
    const less = mannWhitneyU({ treatment: x, control: y, alternative: 'less' });
    expectClose(less.interval[1], 0.71999999999999997);
  });

  it('matches R in the normal approximation (tol.root = 1e-13; R default 1e-4)', () => {
    // R: wilcox.test(x, y, conf.int = TRUE, exact = FALSE, tol.root = 1e-13)$conf.int =
    // -0.15000000000003522 0.75999999999995316
    const normal = mannWhitneyU({ treatment: x, control: y, method: 'normal' });
    expectClose(normal.interval[0], -0.15000000000003522);
    expectClose(normal.interval[1], 0.75999999999995316);
    // R: ..., correct = FALSE, alternative = "greater": conf.int -0.079999999999996449 Inf
    const greater = mannWhitneyU({
      treatment: x,
      control: y,
      method: 'normal',
      continuityCorrection: false,
      alternative: 'greater',
    });
    expectClose(greater.interval[0], -0.079999999999996449);
  });

  it('matches R when the interval ends at the largest pairwise difference (2 vs 13, ties)', () => {
    const x = [-1, -2.2, -3, -1.3, -5.9, -1.9, -2.1, -6.4, -4.8, -0.6, -2.4, -1.8, -4.8];
    const y = [5.9, 4.9];
    // R 4.2.2: wilcox.test(x, y, conf.int = TRUE, exact = FALSE, tol.root = 1e-13)$conf.int
    // -12.2999999999999421 -5.5000000000000586; with x and y swapped 5.50…0595 12.29…9439
    const forward = mannWhitneyU({ treatment: x, control: y }).interval;
    const swapped = mannWhitneyU({ treatment: y, control: x }).interval;
    expectClose(forward[0], -12.2999999999999421);
    expectClose(forward[1], -5.5000000000000586);
    expectClose(swapped[0], 5.5000000000000595);
    expectClose(swapped[1], 12.2999999999999439);
  });

  it('matches R with ties: interval (-4, 0), estimate = median of pairwise differences', () => {
    const a = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6];
    const b = [2, 3, 4, 4, 5, 6, 6, 7, 7, 8, 9];
    const result = mannWhitneyU({ treatment: a, control: b });
    // R: wilcox.test(a, b, conf.int = TRUE, tol.root = 1e-13): estimate -2,
    // conf.int -4.0000000000000036 -1.0428650308358713e-14
    expectClose(result.estimate, -2);
    expectClose(result.interval[0], -4.0000000000000036);
    expect(Math.abs(result.interval[1])).toBeLessThan(1e-12);
  });

  it('matches R on 60 vs 70 rounded exponential draws (ties, normal case)', () => {
    // R: set.seed(1); u <- round(rexp(60, 1/100), 1); v <- round(rexp(70, 1/120), 1)
    const u = [
      75.5, 118.2, 14.6, 14, 43.6, 289.5, 123, 54, 95.7, 14.7, 139.1, 76.2, 123.8, 442.4, 105.5,
      103.5, 187.6, 65.5, 33.7, 58.8, 236.5, 64.2, 29.4, 56.6, 10.6, 5.9, 57.9, 395.9, 117.3, 99.7,
      143.5, 3.7, 32.4, 132, 20.4, 102.3, 30.2, 72.5, 75.2, 23.5, 108, 102.8, 129.2, 125.3, 55.5,
      30.1, 129.3, 99.5, 51.4, 200.8, 42.2, 217.9, 321.8, 55.8, 59.5, 97.7, 21, 30.9, 110.6, 77.4,
    ];
    const v = [
      10.8, 133, 29.7, 188.6, 579.9, 51.7, 327.6, 136.4, 97.6, 100.4, 214.2, 277.5, 349.2, 34.3,
      46.7, 6.2, 42.2, 187.8, 97.7, 331.1, 46.3, 121, 98.2, 7.1, 274.1, 96.5, 190, 148.1, 161.5,
      252, 124.2, 53.7, 125.2, 31.3, 81.7, 31.6, 53.6, 25.3, 15.9, 41.9, 228, 61.9, 53.9, 45.6,
      149.9, 323.2, 23.6, 276, 67.9, 91.6, 188.7, 220.3, 4.5, 15.1, 170.3, 86.2, 52.3, 8.3, 25.6,
      35.9, 28.3, 89.2, 205.2, 117.8, 2.4, 21.4, 391.1, 163.7, 10.9, 142.9,
    ];
    const result = mannWhitneyU({ treatment: v, control: u });
    // R: wilcox.test(v, u, conf.int = TRUE, tol.root = 1e-13): W 2250, p 0.4850592997077513,
    // estimate 10.000000000000044, conf.int -13.599999999999955 38.299999999999969
    expect(result.statistic).toBe(2250);
    expectClose(result.pValue, 0.4850592997077513);
    expectClose(result.estimate, 10.000000000000044);
    expectClose(result.interval[0], -13.599999999999955);
    expectClose(result.interval[1], 38.299999999999969);
  });
});

describe('quantileInterval', () => {
  const x = [
    12.1, 15.3, 9.8, 22.4, 18.7, 11.2, 30.5, 14.4, 16.9, 13.3, 25.1, 10.7, 19.9, 17.6, 12.8, 21.3,
    45.2, 14.9, 11.9, 16.2,
  ];

  it('matches scipy.stats.quantile_test(x, p=p).confidence_interval(level)', () => {
    // scipy 1.17: p 0.5 level 0.95 → (12.8, 19.9); p 0.25 level 0.95 → (10.7, 15.3)
    const median = quantileInterval({ values: x, probability: 0.5 });
    expect(median.interval).toEqual([12.8, 19.9]);
    // scipy: binom(20, 0.5).cdf(14) - binom(20, 0.5).cdf(5) = 0.9586105346679688
    expectClose(median.coverage, 0.9586105346679688);
    expect(quantileInterval({ values: x, probability: 0.25 }).interval).toEqual([10.7, 15.3]);
  });

  it('declines an end that 20 values cannot bound (scipy: nan), e.g. p90 at 90 %', () => {
    // scipy: p 0.9 level 0.9 → (21.3, nan)
    const p90 = quantileInterval({ values: x, probability: 0.9, alpha: 0.1 });
    expect(p90.interval[0]).toBe(21.3);
    expect(p90.interval[1]).toBe(Infinity);
    expect(p90.status).toBe('not_enough_information');
  });

  it('matches scipy.stats.mstats.mquantiles_cimj (Maritz–Jarrett)', () => {
    // scipy: mquantiles_cimj(x, prob=[p], alpha=0.05), mjci(x, prob=[p]),
    // mquantiles(x, [p], alphap=0, betap=0)
    const median = quantileInterval({ values: x, probability: 0.5, method: 'maritz_jarrett' });
    expectClose(median.estimate, 15.75);
    expectClose(median.standardError, 1.6301789880281559);
    expectClose(median.interval[0], 12.554907895110862);
    expectClose(median.interval[1], 18.945092104889138);
    const p90 = quantileInterval({ values: x, probability: 0.9, method: 'maritz_jarrett' });
    expectClose(p90.estimate, 29.959999999999994);
    expectClose(p90.interval[0], 13.128936644714067);
    expectClose(p90.interval[1], 46.79106335528592);
  });
});

describe('judgeCanary', () => {
  const base = Array.from({ length: 30 }, (_, i) => 100 + ((i * 37) % 23));
  const slower = base.map((v) => v * 1.3);

  it('fails a latency that rose, passes one that fell when only an increase is bad', () => {
    const judgement = judgeCanary({
      metrics: [
        { name: 'latency', control: base, treatment: slower, direction: 'lower_is_better' },
        { name: 'cpu', control: slower, treatment: base, direction: 'lower_is_better' },
        { name: 'errors', control: base, treatment: [...base].reverse() },
      ],
    });
    expect(judgement.metrics.map((m) => m.classification)).toEqual(['high', 'low', 'pass']);
    expect(judgement.metrics.map((m) => m.isFailed)).toEqual([true, false, false]);
    expect(judgement.score).toBeCloseTo(200 / 3, 10);
    expect(judgement.verdict).toBe('fail');
  });

  it('tolerates a shift within the margin and fails the run on a critical metric', () => {
    const slightly = base.map((v) => v + 1);
    const tolerant = judgeCanary({
      metrics: [{ name: 'latency', control: base, treatment: slightly }],
      margin: 0.05,
    });
    expect(tolerant.verdict).toBe('pass');
    const critical = judgeCanary({
      metrics: [
        { name: 'latency', control: base, treatment: slower, critical: true, weight: 1 },
        ...Array.from({ length: 30 }, (_, i) => ({
          name: `m${i}`,
          control: base,
          treatment: base,
        })),
      ],
    });
    expect(critical.score).toBeGreaterThan(95);
    expect(critical.verdict).toBe('fail');
  });
});
