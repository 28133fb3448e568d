import { describe, expect, it } from 'vitest';
import {
  adjustPValues,
  mannWhitneyU,
  sampleRatioMismatch,
  StatsError,
  twoProportionTest,
  welchTest,
} from '@tripwire/stats';
import type { SampleMoments } from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

const TOLERANCE = 1e-6;

function toMoments(values: readonly number[]): SampleMoments {
  return {
    units: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    sumSquares: values.reduce((a, b) => a + b * b, 0),
  };
}

function expectClose(actual: number, expected: number, tolerance = TOLERANCE): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  expect(relativeError(actual, expected)).toBeLessThan(tolerance);
}

// R's `sleep` data set (Cushny & Peebles 1905, as in Student 1908): extra sleep by drug group.
const sleepGroup1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const sleepGroup2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('welchTest', () => {
  it('matches R t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p = 0.07939', () => {
    const result = welchTest({
      treatment: toMoments(sleepGroup1),
      control: toMoments(sleepGroup2),
    });
    expectClose(result.statistic, -1.860813467486853);
    expectClose(result.degreesOfFreedom ?? NaN, 17.776473516178498);
    expectClose(result.pValue, 0.079394140187358173);
    expectClose(result.interval[0], -3.3654832307117104);
    expectClose(result.interval[1], 0.20548323071171018);
    expectClose(result.estimate, 0.75 - 2.33);
  });

  it('matches R t.test(g2, g1, alternative = "greater", conf.level = 0.9)', () => {
    const result = welchTest({
      treatment: toMoments(sleepGroup2),
      control: toMoments(sleepGroup1),
      alternative: 'greater',
      alpha: 0.1,
    });
    expectClose(result.pValue, 0.039697070093679086);
    expectClose(result.interval[0], 0.44983552414302425);
    expect(result.interval[1]).toBe(Infinity);
  });

  it('matches R t.test(g2, g1, alternative = "less", mu = 1)', () => {
    const result = welchTest({
      treatment: toMoments(sleepGroup2),
      control: toMoments(sleepGroup1),
      alternative: 'less',
      nullDifference: 1,
    });
    expectClose(result.statistic, 0.68308342477365502);
    expectClose(result.pValue, 0.74831981144098181);
    expect(result.interval[0]).toBe(-Infinity);
    expectClose(result.interval[1], 3.0533814973316065);
  });

  it('rejects a single unit per arm with insufficient_data', () => {
    expect(() =>
      welchTest({ treatment: toMoments([1]), control: toMoments([1, 2, 3]) }),
    ).toThrowError(expect.objectContaining({ code: 'insufficient_data' }) as Error);
  });
});

describe('twoProportionTest', () => {
  // R: prop.test(x = c(x_T, x_C), n = c(n_T, n_C), ...) — treatment first, so Δ = p_T − p_C.
  it('matches R prop.test(c(83, 90), c(86, 93)) with Yates correction (smokers example)', () => {
    const result = twoProportionTest({
      treatment: { units: 86, successes: 83 },
      control: { units: 93, successes: 90 },
      continuityCorrection: true,
    });
    expect(result.statistic ** 2).toBeLessThan(1e-20); // R: X-squared = 8.35e-30
    expectClose(result.pValue, 0.99999999999999767);
    expectClose(result.interval[0], -0.058103034972637316);
    expectClose(result.interval[1], 0.052851722144430305);
  });

  it('matches R prop.test(c(83, 90), c(86, 93), correct = FALSE)', () => {
    const result = twoProportionTest({
      treatment: { units: 86, successes: 83 },
      control: { units: 93, successes: 90 },
    });
    expectClose(result.statistic ** 2, 0.0095085187481841558);
    expectClose(result.pValue, 0.9223200957342685);
    expectClose(result.interval[0], -0.05547737855853381);
    expectClose(result.interval[1], 0.0502260657303268);
  });

  it('matches R prop.test(c(150, 120), c(1000, 1000), alternative = "greater")', () => {
    const result = twoProportionTest({
      treatment: { units: 1000, successes: 150 },
      control: { units: 1000, successes: 120 },
      alternative: 'greater',
      continuityCorrection: true,
    });
    expectClose(result.statistic ** 2, 3.6009419824448727);
    expectClose(result.pValue, 0.028873420754844357);
    expectClose(result.interval[0], 0.003887011743927398);
    expect(result.interval[1]).toBe(1);
  });

  it('matches R prop.test(..., alternative = "less", correct = FALSE, conf.level = 0.9)', () => {
    const result = twoProportionTest({
      treatment: { units: 1000, successes: 150 },
      control: { units: 1000, successes: 120 },
      alternative: 'less',
      alpha: 0.1,
    });
    expectClose(result.statistic ** 2, 3.8535645472061657);
    expectClose(result.pValue, 0.97517980656731562);
    expect(result.interval[0]).toBe(-1);
    expectClose(result.interval[1], 0.049566233060336945);
  });

  it('matches R prop.test(c(480, 512), c(5000, 5100), correct = FALSE)', () => {
    const result = twoProportionTest({
      treatment: { units: 5000, successes: 480 },
      control: { units: 5100, successes: 512 },
    });
    expectClose(result.statistic ** 2, 0.5498985121128499);
    expectClose(result.pValue, 0.45835916498954227);
    expectClose(result.interval[0], -0.015998279082425699);
    expectClose(result.interval[1], 0.0072139653569355151);
  });

  it('rejects more successes than units', () => {
    expect(() =>
      twoProportionTest({
        treatment: { units: 5, successes: 6 },
        control: { units: 5, successes: 1 },
      }),
    ).toThrowError(/treatment.successes exceeds treatment.units/);
  });
});

describe('sampleRatioMismatch', () => {
  it('matches R chisq.test(c(89,37,30,28,2), p = c(40,20,20,15,5), rescale.p = TRUE)', () => {
    const result = sampleRatioMismatch({
      counts: [89, 37, 30, 28, 2],
      weights: [40, 20, 20, 15, 5],
    });
    expectClose(result.statistic, 9.9901433691756267);
    expectClose(result.pValue, 0.040594043344781221);
    expect(result.degreesOfFreedom).toBe(4);
  });

  it('matches R chisq.test(c(5030, 4970), p = c(0.5, 0.5)) and a 3-arm mismatch', () => {
    const balanced = sampleRatioMismatch({ counts: [5030, 4970], weights: [1, 1] });
    expectClose(balanced.statistic, 0.36);
    expectClose(balanced.pValue, 0.5485062355001471);
    const skewed = sampleRatioMismatch({ counts: [10000, 10400, 9800], weights: [1, 1, 1] });
    expectClose(skewed.statistic, 18.543046357615896);
    expectClose(skewed.pValue, 9.4065126657971154e-5);
  });

  it('rejects mismatched lengths and non-integer counts', () => {
    expect(() => sampleRatioMismatch({ counts: [1, 2], weights: [1] })).toThrowError(StatsError);
    expect(() => sampleRatioMismatch({ counts: [1.5, 2], weights: [1, 1] })).toThrowError(
      /counts\[0\] must be an integer/,
    );
  });
});

describe('mannWhitneyU', () => {
  // R's ?wilcox.test example (Hollander & Wolfe 1973, p. 69): x = permeability at 12–26 weeks.
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];

  it('matches R wilcox.test(x, y, alternative = "g"): W = 35, exact p = 0.1272', () => {
    const result = mannWhitneyU({ treatment: x, control: y, alternative: 'greater' });
    expect(result.statistic).toBe(35);
    expect(result.method).toBe('exact');
    expectClose(result.pValue, 0.1272061272061272);
  });

  it('matches R exact two-sided and "less" p-values', () => {
    expectClose(mannWhitneyU({ treatment: x, control: y }).pValue, 0.2544122544122544);
    expectClose(
      mannWhitneyU({ treatment: x, control: y, alternative: 'less' }).pValue,
      0.89676989676989671,
    );
  });

  it('matches R normal approximation with and without continuity correction', () => {
    expectClose(
      mannWhitneyU({ treatment: x, control: y, method: 'normal' }).pValue,
      0.24462360512698336,
    );
    expectClose(
      mannWhitneyU({
        treatment: x,
        control: y,
        method: 'normal',
        continuityCorrection: false,
        alternative: 'greater',
      }).pValue,
      0.1103356809599234,
    );
  });

  it('matches R with ties (tie-corrected normal approximation): W = 23.5', () => {
    const a = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6];
    const b = [2, 3, 4, 4, 5, 6, 6, 7, 7, 8, 9];
    const twoSided = mannWhitneyU({ treatment: a, control: b });
    expect(twoSided.statistic).toBe(23.5);
    expect(twoSided.method).toBe('normal');
    expectClose(twoSided.pValue, 0.027640884214298903);
    expectClose(
      mannWhitneyU({ treatment: a, control: b, alternative: 'less' }).pValue,
      0.013820442107149451,
    );
  });
});

describe('adjustPValues', () => {
  const p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.8];

  it('matches R p.adjust(p, "holm")', () => {
    const expected = [0.06, 0.16, 0.15, 0.035, 0.4, 0.16, 0.8];
    adjustPValues({ pValues: p, method: 'holm' }).forEach((value, i) =>
      expectClose(value, expected[i] ?? NaN, 1e-12),
    );
  });

  it('matches R p.adjust(p, "BH")', () => {
    const expected = [0.035, 0.056, 0.056, 0.035, 0.23333333333333336, 0.056, 0.8];
    adjustPValues({ pValues: p, method: 'benjamini-hochberg' }).forEach((value, i) =>
      expectClose(value, expected[i] ?? NaN, 1e-12),
    );
  });

  it('rejects p-values outside [0, 1]', () => {
    expect(() => adjustPValues({ pValues: [0.2, 1.5], method: 'holm' })).toThrowError(
      /pValues\[1\]/,
    );
  });
});
