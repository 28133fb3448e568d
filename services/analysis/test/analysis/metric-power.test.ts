/**
 * Every compared metric of the results carries its fixed-horizon power: the minimum detectable
 * effect (absolute and relative) at 80 % power and the power against the current estimate, from
 * `@tripwire/stats` (checked against R there), on the lift's own standard error.
 */
import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { computeMinimumDetectableEffect, computePower, normalQuantile } from '@tripwire/stats';
import { computeResults } from '../../src/analysis/compute-results.js';
import { formatResultsTable } from '../../src/analysis/format-results-table.js';
import { ResultsResponseSchema } from '../../src/analysis/results-schema.js';
import { makeFlag } from '../guardian/guardian-fixtures.js';
import { makeRevenueMetric } from '../metrics/metric-fixtures.js';
import { resultsData } from './results-data-fixture.js';

const revenue = (units: number, mean: number) => ({
  kind: 'mean' as const,
  units,
  sum: units * mean,
  sumSquares: units * (mean * mean + 25),
});

function compute() {
  const flag = { ...makeFlag('checkout'), metrics: { goal: 'revenue' } };
  const response = computeResults({
    flag,
    alpha: 0.05,
    conversionWindowSeconds: 3600,
    now: new Date('2026-12-01T00:00:00Z'),
    data: resultsData({
      catalog: [
        {
          definition: makeRevenueMetric(),
          version: 1,
          updatedAt: null,
          updatedBy: null,
          arms: new Map([
            ['control', revenue(2000, 10)],
            ['treatment', revenue(2100, 10.4)],
          ]),
        },
      ],
    }),
  });
  expect(Compile(ResultsResponseSchema).Check(response)).toBe(true);
  return response;
}

describe('power per metric in the results', () => {
  it('states the MDE at 80 % power and the power against the estimate for every comparison', () => {
    const response = compute();
    const treatment = response.variants.find((v) => v.variant === 'treatment');
    const compared = treatment?.metrics.filter((m) => m.comparison !== undefined) ?? [];
    expect(compared.map((m) => m.key).sort()).toEqual(['conversion:checkout', 'revenue']);
    for (const metric of compared) {
      const { absolute, relative, power } = metric.comparison ?? {};
      const se = absolute?.standardError ?? NaN;
      expect(power?.level).toBe(0.8);
      expect(power?.alpha).toBe(0.05);
      // (z_0.975 + z_0.8) · SE: the fixed-horizon MDE of a two-sided test.
      const z = normalQuantile(0.975) + normalQuantile(0.8);
      expect(power?.minimumDetectableEffect).toBeCloseTo(z * se, 12);
      expect(power?.minimumDetectableEffect).toBe(
        computeMinimumDetectableEffect({ standardError: se }),
      );
      expect(power?.relativeMinimumDetectableEffect).toBeCloseTo(
        z * (relative?.standardError ?? NaN),
        12,
      );
      expect(power?.estimatePower).toBe(
        computePower({ effect: absolute?.estimate ?? NaN, standardError: se }),
      );
    }
    // Revenue: SE of the difference ≈ 5·√(1/2000 + 1/2100) ≈ 0.156, so the MDE ≈ 0.44 EUR.
    const revenueResult = compared.find((m) => m.key === 'revenue');
    expect(revenueResult?.comparison?.power?.minimumDetectableEffect).toBeGreaterThan(0.4);
    expect(revenueResult?.comparison?.power?.minimumDetectableEffect).toBeLessThan(0.48);
  });

  it('shows the relative MDE in tripwire results', () => {
    const response = compute();
    const table = formatResultsTable(response);
    expect(table).toContain('MDE (80% power)');
    const revenueRow = table
      .split('\n')
      .find((line) => line.startsWith('revenue [goal]') && line.includes('treatment'));
    const mde = response.variants[1]?.metrics.find((m) => m.key === 'revenue')?.comparison?.power;
    expect(revenueRow).toContain(
      `±${((mde?.relativeMinimumDetectableEffect ?? NaN) * 100).toFixed(1)}%`,
    );
  });
});
