import { describe, expect, it } from 'vitest';
import { computeResults } from '../../src/analysis/compute-results.js';
import { makeFlag } from '../guardian/guardian-fixtures.js';
import { resultsData } from './results-data-fixture.js';

function conversionComparison(statsEngine?: 'tripwire' | 'gbstats') {
  const flag = { ...makeFlag('checkout'), ...(statsEngine === undefined ? {} : { statsEngine }) };
  const response = computeResults({
    flag,
    alpha: 0.05,
    conversionWindowSeconds: 3600,
    now: new Date('2026-12-01T00:00:00Z'),
    data: resultsData(),
  });
  const treatment = response.variants.find((v) => v.variant === 'treatment');
  const metric = treatment?.metrics.find((m) => m.metric === 'conversion');
  return { response, comparison: metric?.comparison };
}

describe("the flag's statsEngine in the results", () => {
  it("follows gbstats when the flag says so: Bernoulli variance, gbstats' numbers", () => {
    const { response, comparison } = conversionComparison('gbstats');
    expect(response.statsEngine).toBe('gbstats');
    // gbstats 0.8.0: TwoSidedTTest(ProportionStatistic(sum=30, n=200),
    // ProportionStatistic(sum=45, n=210)): relative p 0.16170999512373374, absolute p
    // 0.09093589984038353 (the same case as packages/stats/test/gbstats-mode.test.ts)
    expect(comparison?.relative?.pValue).toBeCloseTo(0.16170999512373374, 12);
    expect(comparison?.absolute.pValue).toBeCloseTo(0.09093589984038353, 12);
    expect(comparison?.cuped?.relative?.status).toBe('ok');
  });

  it('defaults to tripwire (n − 1 variance, different p-values)', () => {
    const { response, comparison } = conversionComparison();
    expect(response.statsEngine).toBe('tripwire');
    const p = comparison?.absolute.pValue ?? NaN;
    expect(Math.abs(p - 0.09093589984038353)).toBeGreaterThan(1e-5);
    expect(comparison?.absolute.degreesOfFreedom).toBeGreaterThan(100);
  });
});
