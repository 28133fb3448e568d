/**
 * GrowthBook-compatible mode (`statsEngine: 'gbstats'`) against GrowthBook's gbstats: the
 * published value of gbstats' own test (growthbook/growthbook
 * packages/stats/tests/frequentist/test_tests.py, TestTwoSidedTTest, commit 59f39a7: rounded to
 * 5 decimals there) and full-precision values from the gbstats 0.8.0 package (PyPI), each
 * computed as noted: `from gbstats.frequentist.tests import TwoSidedTTest,
 * SequentialTwoSidedTTest`, `from gbstats.models.statistics import SampleMeanStatistic,
 * ProportionStatistic, RegressionAdjustedStatistic, compute_theta`; stat_a = control.
 */
import { describe, expect, it } from 'vitest';
import {
  adjustWithCuped,
  alwaysValidPValue,
  confidenceSequence,
  estimateLift,
  summarizeMean,
} from '@tripwire/stats';
import type { ArmEstimate } from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

function expectClose(actual: number, expected: number, tolerance = 1e-6): void {
  expect(relativeError(actual, expected)).toBeLessThan(tolerance);
}

/** An arm from mean, standard deviation and n, as gbstats' old Statistic(value, stddev, n). */
function arm(mean: number, sd: number, units: number): ArmEstimate {
  return { mean, variance: (sd * sd) / units, units };
}

const control = arm(0.41, 3.9, 3407);
const treatment = arm(0.7, 6.2, 3461);

describe("statsEngine 'gbstats'", () => {
  it("reproduces gbstats' published TwoSidedTTest: 0.70732, CI [-0.03526, 1.44989], p 0.06191", () => {
    const lift = estimateLift({ control, treatment, statsEngine: 'gbstats' });
    const relative = lift.relative!;
    // Published (5 decimals): expected 0.70732, ci [-0.03526, 1.44989], uplift stddev 0.37879,
    // p_value 0.06191. gbstats 0.8.0, SampleMeanStatistic(sum=1396.87, sum_squares=
    // 52377.9767, n=3407) vs (2422.7, 134698.29, 3461): ci -0.03526008906611777,
    // 1.449894235407581; p 0.06191182745618362; dof 5841.742032093564
    expect(Math.abs(relative.estimate - 0.70732)).toBeLessThan(5e-6);
    expect(Math.abs(relative.interval[0] - -0.03526)).toBeLessThan(5e-6);
    expect(Math.abs(relative.interval[1] - 1.44989)).toBeLessThan(5e-6);
    expect(Math.abs(relative.standardError - 0.37879)).toBeLessThan(5e-6);
    expect(Math.abs(relative.pValue - 0.06191)).toBeLessThan(5e-6);
    expectClose(relative.interval[0], -0.03526008906611777);
    expectClose(relative.interval[1], 1.449894235407581);
    expectClose(relative.pValue, 0.06191182745618362);
    expectClose(relative.degreesOfFreedom, 5841.742032093564);
  });

  it('uses the Bernoulli variance p(1 − p) for proportions, as ProportionStatistic', () => {
    const c = summarizeMean({ units: 200, sum: 30, sumSquares: 30 }, { variance: 'bernoulli' });
    const t = summarizeMean({ units: 210, sum: 45, sumSquares: 45 }, { variance: 'bernoulli' });
    const lift = estimateLift({ control: c, treatment: t, statsEngine: 'gbstats' });
    // gbstats 0.8.0: TwoSidedTTest(ProportionStatistic(sum=30, n=200),
    // ProportionStatistic(sum=45, n=210), FrequentistConfig(difference_type=...))
    // relative: ci -0.1723992502136788, 1.0295421073565358, p 0.16170999512373374
    // absolute: ci -0.010293310220131899, 0.13886473879156047, p 0.09093589984038353
    // dof 404.74781842182773
    expectClose(lift.relative!.interval[0], -0.1723992502136788);
    expectClose(lift.relative!.interval[1], 1.0295421073565358);
    expectClose(lift.relative!.pValue, 0.16170999512373374);
    expectClose(lift.absolute.interval[0], -0.010293310220131899);
    expectClose(lift.absolute.interval[1], 0.13886473879156047);
    expectClose(lift.absolute.pValue, 0.09093589984038353);
    expectClose(lift.absolute.degreesOfFreedom, 404.74781842182773);
    expect(() =>
      summarizeMean({ units: 10, sum: 4, sumSquares: 7 }, { variance: 'bernoulli' }),
    ).toThrowError(/needs 0\/1 values/);
  });

  it('matches gbstats at small n (ν ≈ 23)', () => {
    const c = summarizeMean({ units: 15, sum: 52.3, sumSquares: 205.61 });
    const t = summarizeMean({ units: 12, sum: 61.9, sumSquares: 340 });
    const lift = estimateLift({ control: c, treatment: t, statsEngine: 'gbstats' });
    // gbstats 0.8.0: SampleMeanStatistic(sum=52.3, sum_squares=205.61, n=15) vs
    // (61.9, 340.0, 12): relative ci 0.10458136246168898, 0.8543096509226324,
    // p 0.01444491116240565; absolute p 0.003686594011090616; dof 23.00748028607611
    expectClose(lift.relative!.interval[0], 0.10458136246168898);
    expectClose(lift.relative!.interval[1], 0.8543096509226324);
    expectClose(lift.relative!.pValue, 0.01444491116240565);
    expectClose(lift.absolute.pValue, 0.003686594011090616);
    expectClose(lift.relative!.degreesOfFreedom, 23.00748028607611);
  });

  it('takes relative CUPED as (adjusted T − adjusted C) / unadjusted control mean', () => {
    const adjusted = adjustWithCuped({
      control: {
        units: 400,
        sum: 4100,
        sumSquares: 52000,
        covariateSum: 3900,
        covariateSumSquares: 48000,
        sumCrossProducts: 47500,
      },
      treatment: {
        units: 420,
        sum: 4480,
        sumSquares: 57800,
        covariateSum: 4050,
        covariateSumSquares: 49500,
        sumCrossProducts: 51400,
      },
    });
    // gbstats 0.8.0: RegressionAdjustedStatistic(n, post=SampleMeanStatistic(...),
    // pre=SampleMeanStatistic(...), post_pre_sum_of_products, theta=compute_theta(A, B)):
    // theta 0.7694879832810865; relative: expected 0.04869383490073141, ci
    // 0.006077857336701263, 0.09130981246476155, p 0.025177464265813576; absolute: expected
    // 0.49911180773249697, ci 0.07227040593826312, 0.9259532095267309; dof 796.5169337045105
    expectClose(adjusted.theta, 0.7694879832810865);
    const lift = estimateLift({ ...adjusted, statsEngine: 'gbstats' });
    expectClose(lift.relative!.estimate, 0.04869383490073141);
    expectClose(lift.relative!.interval[0], 0.006077857336701263);
    expectClose(lift.relative!.interval[1], 0.09130981246476155);
    expectClose(lift.relative!.pValue, 0.025177464265813576);
    expectClose(lift.absolute.estimate, 0.49911180773249697);
    expectClose(lift.absolute.interval[0], 0.07227040593826312);
    expectClose(lift.absolute.interval[1], 0.9259532095267309);
    expectClose(lift.absolute.degreesOfFreedom, 796.5169337045105);
    // Tripwire's own relative CUPED is adjusted T / adjusted C − 1: a different number.
    const own = estimateLift(adjusted);
    expect(Math.abs((own.relative?.estimate ?? 0) - 0.04869383490073141)).toBeGreaterThan(1e-4);
  });

  it("equals gbstats' SequentialTwoSidedTTest with targetUnits = sequential_tuning_parameter", () => {
    // gbstats 0.8.0: SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type=...,
    // sequential_tuning_parameter=5000)), a, b as in the first test:
    // relative ci -0.4444237691289097, 1.859057915470373, p 0.6986728582483058
    // absolute ci -0.08941009553834556, 0.6694100955383455, p 0.2907445591859732
    const lift = estimateLift({ control, treatment, statsEngine: 'gbstats' });
    const units = control.units + treatment.units;
    for (const [scale, lower, upper, p] of [
      [lift.relative!, -0.4444237691289097, 1.859057915470373, 0.6986728582483058],
      [lift.absolute, -0.08941009553834556, 0.6694100955383455, 0.2907445591859732],
    ] as const) {
      const variance = scale.standardError ** 2;
      const common = { estimate: scale.estimate, variance, units, targetUnits: 5000 };
      const sequence = confidenceSequence(common);
      expectClose(sequence.interval[0], lower);
      expectClose(sequence.interval[1], upper);
      expectClose(alwaysValidPValue(common), p);
    }
  });

  it('declines a zero-variance arm, as gbstats (ZERO_NEGATIVE_BASELINE_VARIATION)', () => {
    // gbstats 0.8.0: TwoSidedTTest(ProportionStatistic(sum=0, n=30), ProportionStatistic(sum=3,
    // n=30)): expected 0, ci [0, 0], p 1, error ZERO_NEGATIVE_BASELINE_VARIATION
    const c = summarizeMean({ units: 30, sum: 0, sumSquares: 0 }, { variance: 'bernoulli' });
    const t = summarizeMean({ units: 30, sum: 3, sumSquares: 3 }, { variance: 'bernoulli' });
    const lift = estimateLift({ control: c, treatment: t, statsEngine: 'gbstats' });
    expect(lift.absolute.status).toBe('not_enough_information');
    expect(lift.absolute.pValue).toBe(1);
  });
});
