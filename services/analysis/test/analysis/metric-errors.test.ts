import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import type { RatioStats } from '@tripwire/stats';
import { computeResults } from '../../src/analysis/compute-results.js';
import { formatResultsTable } from '../../src/analysis/format-results-table.js';
import type { RequestMoments } from '../../src/repositories/stats-rows.js';
import type { ResultsData } from '../../src/analysis/results-data.js';
import { ResultsResponseSchema } from '../../src/analysis/results-schema.js';
import { makeFlag } from '../guardian/guardian-fixtures.js';
import { conversionArm, resultsData } from './results-data-fixture.js';

const checkResponse = Compile(ResultsResponseSchema);

/** Per-unit requests (1–4 each, an error every 7th unit, 100–102 ms each) as ratio moments. */
function requestMoments(units: number): RequestMoments {
  const sums = { requests: 0, requestsSquares: 0, errors: 0, errorsSquares: 0, cross: 0 };
  const latency = { sum: 0, squares: 0, cross: 0 };
  for (let i = 0; i < units; i += 1) {
    const requests = 1 + (i % 4);
    const errors = i % 7 === 0 ? 1 : 0;
    const milliseconds = requests * (100 + (i % 3));
    sums.requests += requests;
    sums.requestsSquares += requests ** 2;
    sums.errors += errors;
    sums.errorsSquares += errors ** 2;
    sums.cross += errors * requests;
    latency.sum += milliseconds;
    latency.squares += milliseconds ** 2;
    latency.cross += milliseconds * requests;
  }
  const ratio = (numerator: number, squares: number, cross: number): RatioStats => ({
    kind: 'ratio',
    units,
    sumNumerator: numerator,
    sumDenominator: sums.requests,
    sumNumeratorSquares: squares,
    sumDenominatorSquares: sums.requestsSquares,
    sumCrossProducts: cross,
  });
  return {
    errorRate: ratio(sums.errors, sums.errorsSquares, sums.cross),
    latencyMean: ratio(latency.sum, latency.squares, latency.cross),
  };
}

function compute(overrides: Partial<ResultsData>) {
  const response = computeResults({
    flag: makeFlag('checkout'),
    alpha: 0.05,
    conversionWindowSeconds: 3600,
    now: new Date('2026-12-01T00:00:00Z'),
    data: resultsData(overrides),
  });
  expect(checkResponse.Check(response)).toBe(true);
  const resultOf = (variant: string, key: string) =>
    response.variants.find((v) => v.variant === variant)?.metrics.find((m) => m.key === key);
  return { response, resultOf };
}

describe('a fault in one metric stays in that metric', () => {
  it('a zero-conversion arm declines that conversion with not_enough_information and says why', () => {
    const { resultOf } = compute({
      conversions: [
        {
          event: 'signup',
          byVariant: new Map([
            ['control', conversionArm(200, 0, 0)],
            ['treatment', conversionArm(210, 45, 0)],
          ]),
        },
        resultsData().conversions[0]!,
      ],
    });
    const declined = resultOf('treatment', 'conversion:signup');
    expect(declined?.comparison?.absolute.status).toBe('not_enough_information');
    expect(declined?.comparison?.absolute.interval).toEqual([null, null]);
    expect(declined?.error?.code).toBe('not_enough_information');
    expect(declined?.error?.message).toMatch(/^control: every one of its 200 units/);
    expect(resultOf('control', 'conversion:signup')?.error).toBeUndefined();
    const healthy = resultOf('treatment', 'conversion:checkout');
    expect(healthy?.error).toBeUndefined();
    expect(healthy?.comparison?.absolute.status).toBe('ok');
  });

  it('impossible moments give a StatsError code naming the arm and field, other metrics unaffected', () => {
    const broken = requestMoments(300);
    const impossible: RequestMoments = {
      ...broken,
      // Σy² = 1 < (Σy)²/n for 43 errors over 300 units: no data produce this.
      errorRate: { ...broken.errorRate, sumNumeratorSquares: 1 },
    };
    const { response, resultOf } = compute({
      requests: new Map([
        ['control', requestMoments(280)],
        ['treatment', impossible],
      ]),
    });
    const faulty = resultOf('treatment', 'error_rate');
    expect(faulty?.error?.code).toBe('impossible_moments');
    expect(faulty?.error?.message).toMatch(/treatment\.sumNumeratorSquares/);
    expect(faulty?.value).toBeNull();
    expect(faulty?.comparison).toBeUndefined();
    expect(resultOf('control', 'error_rate')?.error).toBeUndefined();
    expect(resultOf('treatment', 'latency_mean')?.comparison?.absolute.status).toBe('ok');
    expect(resultOf('treatment', 'conversion:checkout')?.error).toBeUndefined();
    expect(formatResultsTable(response)).toContain(
      `error_rate  treatment: ${faulty?.error?.message}`,
    );
  });

  it("an impossible control arm is the control's error and every treatment's", () => {
    const broken = requestMoments(280);
    const impossible = { ...broken, errorRate: { ...broken.errorRate, sumNumeratorSquares: 1 } };
    const { resultOf } = compute({
      requests: new Map([
        ['control', impossible],
        ['treatment', requestMoments(300)],
      ]),
    });
    for (const variant of ['control', 'treatment']) {
      expect(resultOf(variant, 'error_rate')?.error?.message).toMatch(/^control\.sumNumerator/);
    }
    expect(resultOf('treatment', 'error_rate')?.value).not.toBeNull();
  });

  it('impossible CUPED covariate moments keep the unadjusted comparison and name the field', () => {
    const treatment = conversionArm(210, 45, 22);
    const { resultOf } = compute({
      conversions: [
        {
          event: 'checkout',
          byVariant: new Map([
            ['control', conversionArm(200, 30, 20)],
            [
              'treatment',
              { ...treatment, covariate: { ...treatment.covariate, covariateSumSquares: 1 } },
            ],
          ]),
        },
      ],
    });
    const result = resultOf('treatment', 'conversion:checkout');
    expect(result?.comparison?.absolute.status).toBe('ok');
    expect(result?.comparison?.cuped).toBeUndefined();
    expect(result?.error?.code).toBe('impossible_moments');
    expect(result?.error?.message).toMatch(/^CUPED: treatment\.covariateSumSquares/);
  });

  it('an arm without units or with one unit says there is not enough data', () => {
    const { resultOf } = compute({
      requests: new Map([
        ['control', requestMoments(280)],
        ['treatment', requestMoments(1)],
      ]),
      conversions: [
        { event: 'checkout', byVariant: new Map([['control', conversionArm(200, 30, 20)]]) },
      ],
    });
    expect(resultOf('treatment', 'conversion:checkout')?.error).toEqual({
      code: 'insufficient_data',
      message: 'treatment: no units with data yet',
    });
    const single = resultOf('treatment', 'latency_mean');
    expect(single?.value).not.toBeNull();
    expect(single?.error).toEqual({
      code: 'insufficient_data',
      message: 'treatment: no standard error yet (1 unit)',
    });
  });
});
