import { describe, expect, it } from 'vitest';
import { BUILTIN_METRICS, BuiltinMetricIds } from '@tripwire/schema';
import { isNonNegativeMetric } from '../../src/analysis/is-non-negative-metric.js';
import {
  makeBasketValueMetric,
  makeCacheHitRatioMetric,
  makeErrorLogsMetric,
  makePurchaseValueMetric,
  makeRevenueMetric,
} from '../metrics/metric-fixtures.js';

describe('isNonNegativeMetric', () => {
  it('holds for every built-in metric, counts, proportions and ratios of counts', () => {
    for (const id of BuiltinMetricIds)
      expect(isNonNegativeMetric(BUILTIN_METRICS[id]), id).toBe(true);
    expect(isNonNegativeMetric(makeErrorLogsMetric())).toBe(true);
    expect(isNonNegativeMetric(makeCacheHitRatioMetric())).toBe(true);
    expect(isNonNegativeMetric(makeRevenueMetric({ kind: 'proportion' }))).toBe(true);
    expect(isNonNegativeMetric(makeRevenueMetric({ value: { type: 'duration' } }))).toBe(true);
  });

  it('fails for values that can be negative: attributes, event values, data points', () => {
    expect(isNonNegativeMetric(makeRevenueMetric())).toBe(false);
    expect(isNonNegativeMetric(makePurchaseValueMetric())).toBe(false);
    expect(isNonNegativeMetric(makeBasketValueMetric())).toBe(false);
    expect(isNonNegativeMetric(makeRevenueMetric({ kind: 'quantile', quantile: 0.5 }))).toBe(false);
    const refunds = makeCacheHitRatioMetric({ value: { type: 'attribute', attribute: 'refund' } });
    expect(isNonNegativeMetric(refunds)).toBe(false);
  });

  it('follows absolute capping: a lower bound ≥ 0 makes any value so, an upper bound < 0 none', () => {
    const floored = makeRevenueMetric({ capping: { type: 'absolute', lower: 0 } });
    expect(isNonNegativeMetric(floored)).toBe(true);
    const below = makeErrorLogsMetric({ capping: { type: 'absolute', upper: -1 } });
    expect(isNonNegativeMetric(below)).toBe(false);
    const quantileCap = makeRevenueMetric({ capping: { type: 'quantile', upper: 0.99 } });
    expect(isNonNegativeMetric(quantileCap)).toBe(false);
  });
});
