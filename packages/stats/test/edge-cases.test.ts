import { describe, expect, it } from 'vitest';
import {
  adjustWithCuped,
  compareBayesian,
  confidenceSequence,
  decideGuardrail,
  estimateLift,
  summarizeMean,
  summarizeMetric,
  summarizeRatio,
  twoProportionTest,
  welchTest,
} from '@tripwire/stats';
import type { Guardrail, RatioStats } from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

const errorCode = (code: string) => expect.objectContaining({ code }) as Error;

const ratio: RatioStats = {
  kind: 'ratio',
  units: 100,
  sumNumerator: 50,
  sumDenominator: 1000,
  sumNumeratorSquares: 80,
  sumDenominatorSquares: 10_400,
  sumCrossProducts: 520,
};

const guardrail: Guardrail = {
  metric: 'error_rate',
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minimumUnits: 10,
};

describe('impossible moments raise StatsError naming the arm and field', () => {
  it('rejects Σy² < (Σy)²/n for a mean', () => {
    // 10 units summing to 10 need Σy² ≥ 10.
    expect(() =>
      summarizeMean({ units: 10, sum: 10, sumSquares: 9 }, { where: 'control' }),
    ).toThrowError(/control\.sumSquares = 9 is below \(Σ\)²\/units = 10/);
    expect(() =>
      welchTest({
        control: { units: 10, sum: 5, sumSquares: 5 },
        treatment: { units: 10, sum: 10, sumSquares: 9 },
      }),
    ).toThrowError(errorCode('impossible_moments'));
  });

  it('accepts float cancellation: a constant sample of 0.1 has variance 0, not an error', () => {
    const values = Array.from({ length: 1000 }, () => 0.1);
    const sum = values.reduce((a, b) => a + b, 0);
    const sumSquares = values.reduce((a, b) => a + b * b, 0);
    expect(summarizeMean({ units: 1000, sum, sumSquares }).variance).toBeLessThan(1e-15);
  });

  it('rejects a ratio whose cross product breaks Cauchy–Schwarz, and negative centred squares', () => {
    expect(() =>
      summarizeRatio({ ...ratio, sumCrossProducts: 900 }, { where: 'treatment' }),
    ).toThrowError(/treatment\.sumCrossProducts = 900/);
    expect(() =>
      summarizeMetric({ ...ratio, sumDenominatorSquares: 9000 }, { where: 'control' }),
    ).toThrowError(/control\.sumDenominatorSquares = 9000 is below/);
  });

  it('makes decideGuardrail throw instead of reporting a precise decision', () => {
    expect(() =>
      decideGuardrail({
        guardrail,
        control: ratio,
        treatment: { ...ratio, sumNumeratorSquares: 20 },
      }),
    ).toThrowError(/treatment\.sumNumeratorSquares = 20 is below/);
    expect(() =>
      decideGuardrail({
        guardrail,
        control: ratio,
        treatment: { ...ratio, units: 0, sumDenominator: 0 },
      }),
    ).toThrowError(/treatment\.sumNumerator = 50 but treatment\.units is 0/);
  });

  it('rejects impossible CUPED moments and quantile counts', () => {
    const arm = {
      units: 10,
      sum: 5,
      sumSquares: 5,
      covariateSum: 4,
      covariateSumSquares: 4,
      sumCrossProducts: 3,
    };
    expect(() =>
      adjustWithCuped({ control: arm, treatment: { ...arm, covariateSumSquares: 1 } }),
    ).toThrowError(/treatment\.covariateSumSquares = 1 is below/);
    expect(() =>
      summarizeMetric(
        {
          kind: 'quantile',
          probability: 0.5,
          units: 10,
          levels: [0.4, 0.5, 0.6],
          values: [1, 2, 3],
          sumBelow: 30,
          sumRequests: 20,
          sumBelowSquares: 90,
          sumRequestsSquares: 40,
          sumBelowRequests: 60,
        },
        { where: 'control' },
      ),
    ).toThrowError(/control\.sumBelow = 30 exceeds control\.sumRequests = 20/);
  });
});

describe('zero-variance arms decline (not enough information)', () => {
  const noConversion = summarizeMean({ units: 30, sum: 0, sumSquares: 0 });
  const someConversions = summarizeMean({ units: 30, sum: 3, sumSquares: 3 });

  it('estimateLift declines when an arm has no conversion instead of a zero-width interval', () => {
    const lift = estimateLift({ control: someConversions, treatment: noConversion });
    for (const scale of [lift.absolute, lift.relative]) {
      expect(scale?.status).toBe('not_enough_information');
      expect(scale?.pValue).toBe(1);
      expect(scale?.interval).toEqual([-Infinity, Infinity]);
    }
    expect(lift.absolute.estimate).toBeCloseTo(-0.1, 12);
    const both = estimateLift({ control: noConversion, treatment: noConversion });
    expect(both.absolute.status).toBe('not_enough_information');
  });

  it('welchTest, twoProportionTest and compareBayesian decline too', () => {
    const constant = { units: 20, sum: 20, sumSquares: 20 };
    const varied = { units: 20, sum: 10, sumSquares: 10 };
    expect(welchTest({ control: constant, treatment: varied }).status).toBe(
      'not_enough_information',
    );
    const none = { units: 20, successes: 0 };
    expect(twoProportionTest({ control: none, treatment: none }).status).toBe(
      'not_enough_information',
    );
    const bayes = compareBayesian({ control: someConversions, treatment: noConversion });
    expect(bayes.status).toBe('not_enough_information');
    expect(bayes.chanceToBeatControl).toBe(0.5);
  });

  it('confidenceSequence rejects variance 0', () => {
    expect(() =>
      confidenceSequence({ estimate: 0.1, variance: 0, units: 60, targetUnits: 1000 }),
    ).toThrowError(errorCode('insufficient_data'));
  });
});

// 30 units per arm; treatment = 1.08·control + noise (values in the script below).
// numpy/scipy 1.x: c = [3.1,2.4,5.0,4.2,3.3,2.9,4.8,3.7,2.2,4.1,3.6,3.9,2.8,4.4,3.0,3.5,4.6,2.7,
// 3.8,4.0,3.2,2.6,4.3,3.4,5.1,2.5,3.9,4.7,3.1,3.6]; t = 1.08*c + [0.3,-0.2,0.1,0.4,-0.5,0.2,0.0,
// -0.1,0.6,-0.3,0.2,0.1,-0.4,0.5,-0.2,0.3,-0.1,0.4,0.0,-0.6,0.2,0.1,-0.3,0.5,-0.4,0.2,0.3,-0.1,0.0,0.4]
const control = { units: 30, sum: 108.39999999999999, sumSquares: 410.37999999999994 };
const treatment = { units: 30, sum: 118.67200000000003, sumSquares: 490.4352320000001 };

describe('Student t with Welch–Satterthwaite ν for lifts at small n', () => {
  it('absolute lift equals scipy.stats.ttest_ind(t, c, equal_var=False)', () => {
    const lift = estimateLift({
      control: summarizeMean(control),
      treatment: summarizeMean(treatment),
    });
    // ttest_ind: statistic 1.6029680403793196, pvalue 0.11439256105928408, df 57.80495875744603
    expect(relativeError(lift.absolute.statistic, 1.6029680403793196)).toBeLessThan(1e-9);
    expect(relativeError(lift.absolute.pValue, 0.11439256105928408)).toBeLessThan(1e-6);
    expect(relativeError(lift.absolute.degreesOfFreedom, 57.80495875744603)).toBeLessThan(1e-9);
  });

  it('relative lift uses ν over the delta-method terms (p differs from z by ~4 % here)', () => {
    const lift = estimateLift({
      control: summarizeMean(control),
      treatment: summarizeMean(treatment),
    });
    const relative = lift.relative;
    // r = mt/mc − 1, aT = vt/mc², aC = mt²·vc/mc⁴, ν = (aT + aC)²/(aT²/29 + aC²/29):
    // r 0.09476014760147633, se 0.06181690083346415, ν 57.93928541349394,
    // 2*scipy.stats.t.sf(r/se, ν) = 0.13073906330138588 (normal: 0.12529642853418493),
    // r ∓ scipy.stats.t.ppf(0.975, ν)*se = -0.02898258445329066, 0.21850287965624332
    expect(relativeError(relative?.estimate ?? NaN, 0.09476014760147633)).toBeLessThan(1e-9);
    expect(relativeError(relative?.standardError ?? NaN, 0.06181690083346415)).toBeLessThan(1e-9);
    expect(relativeError(relative?.degreesOfFreedom ?? NaN, 57.93928541349394)).toBeLessThan(1e-9);
    expect(relativeError(relative?.pValue ?? NaN, 0.13073906330138588)).toBeLessThan(1e-6);
    expect(relativeError(relative?.interval[0] ?? NaN, -0.02898258445329066)).toBeLessThan(1e-6);
    expect(relativeError(relative?.interval[1] ?? NaN, 0.21850287965624332)).toBeLessThan(1e-6);
    const normal = estimateLift({
      control: summarizeMean(control),
      treatment: summarizeMean(treatment),
      reference: 'normal',
    });
    expect(relativeError(normal.relative?.pValue ?? NaN, 0.12529642853418493)).toBeLessThan(1e-6);
    expect(normal.relative?.degreesOfFreedom).toBe(Infinity);
  });
});
