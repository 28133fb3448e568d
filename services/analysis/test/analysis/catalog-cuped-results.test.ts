/**
 * CUPED on a catalog metric in `computeResults`, without ClickHouse: per-unit values y_i with a
 * pre-exposure covariate x_i drawn from a seeded generator, the treatment shifted by a known
 * effect. Over many experiments the adjusted estimate stays centred on the effect while its
 * interval shrinks; a definition whose CUPED cannot apply says why.
 */
import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import type { CovariateStats, MeanStats } from '@tripwire/stats';
import { computeResults } from '../../src/analysis/compute-results.js';
import { formatResultsTable } from '../../src/analysis/format-results-table.js';
import type { CatalogMetricData } from '../../src/analysis/results-data.js';
import { ResultsResponseSchema } from '../../src/analysis/results-schema.js';
import { createRng } from '../../src/create-rng.js';
import { makeFlag } from '../guardian/guardian-fixtures.js';
import { makeRevenueMetric } from '../metrics/metric-fixtures.js';
import { resultsData } from './results-data-fixture.js';

const checkResponse = Compile(ResultsResponseSchema);
const UNITS = 400;
const EFFECT = 3;
const EXPERIMENTS = 200;

/** One arm's moments: x_i = level ~ U[10, 50] (before), y_i = level·U[0.8, 1.2] + shift (after). */
function simulateArm(rng: () => number, shift: number): CovariateStats {
  const moments = { sum: 0, sumSquares: 0, covariateSum: 0, covariateSumSquares: 0, cross: 0 };
  for (let i = 0; i < UNITS; i++) {
    const x = 10 + 40 * rng();
    const y = x * (0.8 + 0.4 * rng()) + shift;
    moments.sum += y;
    moments.sumSquares += y * y;
    moments.covariateSum += x;
    moments.covariateSumSquares += x * x;
    moments.cross += x * y;
  }
  const { cross, ...rest } = moments;
  return { units: UNITS, ...rest, sumCrossProducts: cross };
}

const meanOf = (arm: CovariateStats): MeanStats => ({
  kind: 'mean',
  units: arm.units,
  sum: arm.sum,
  sumSquares: arm.sumSquares,
});

function compute(catalog: CatalogMetricData) {
  const response = computeResults({
    flag: makeFlag('checkout'),
    alpha: 0.05,
    conversionWindowSeconds: 3600,
    now: new Date('2026-12-01T00:00:00Z'),
    data: resultsData({ catalog: [catalog] }),
  });
  expect(checkResponse.Check(response)).toBe(true);
  const treatment = response.variants.find((v) => v.variant === 'treatment');
  const result = treatment?.metrics.find((m) => m.key === 'revenue');
  return { response, metric: response.metrics.find((m) => m.key === 'revenue'), result };
}

function catalogMetric(rng: () => number, cuped: CatalogMetricData['cuped']): CatalogMetricData {
  const control = simulateArm(rng, 0);
  const treatment = simulateArm(rng, EFFECT);
  const covariates = new Map([
    ['control', control],
    ['treatment', treatment],
  ]);
  return {
    definition: makeRevenueMetric({ cuped: true }),
    version: 1,
    updatedAt: null,
    updatedBy: null,
    arms: new Map([...covariates].map(([variant, arm]) => [variant, meanOf(arm)])),
    cuped: cuped ?? {
      covariates: new Map(
        [...covariates].map(([variant, stats]) => [variant, { kind: 'mean' as const, stats }]),
      ),
      lookbackDays: 14,
    },
  };
}

describe('CUPED on a catalog metric', () => {
  it('keeps the estimate centred on the effect and narrows the interval', () => {
    const rng = createRng(5);
    const estimates: number[] = [];
    let covered = 0;
    for (let e = 0; e < EXPERIMENTS; e++) {
      const { metric, result } = compute(catalogMetric(rng, undefined));
      expect(metric?.cuped).toEqual({ applied: true, lookbackDays: 14 });
      const plain = result?.comparison?.absolute;
      const adjusted = result?.comparison?.cuped?.absolute;
      if (plain === undefined || adjusted === undefined) throw new Error('no comparison');
      const [lower, upper] = adjusted.interval as [number, number];
      const [plainLower, plainUpper] = plain.interval as [number, number];
      // corr(x, y)² ≈ 0.91 here: the interval is about √(1 − 0.91) ≈ 0.31 as wide.
      expect(upper - lower).toBeLessThan(0.4 * (plainUpper - plainLower));
      expect(result?.comparison?.cuped?.varianceReduction).toBeGreaterThan(0.8);
      estimates.push(adjusted.estimate ?? NaN);
      if (lower <= EFFECT && EFFECT <= upper) covered += 1;
    }
    const mean = estimates.reduce((a, b) => a + b, 0) / EXPERIMENTS;
    const sd = Math.sqrt(estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / (EXPERIMENTS - 1));
    // Unbiased: the mean of 200 estimates within 4 standard errors of the injected effect.
    expect(Math.abs(mean - EFFECT)).toBeLessThan((4 * sd) / Math.sqrt(EXPERIMENTS));
    expect(covered / EXPERIMENTS).toBeGreaterThan(0.9);
  });

  it('reports why CUPED is not applied to a stored definition it cannot adjust', () => {
    const reason = 'CUPED does not apply to quantiles';
    const { response, metric, result } = compute(
      catalogMetric(createRng(6), { notApplicable: reason }),
    );
    expect(metric?.cuped).toEqual({ applied: false, reason: `CUPED not applicable: ${reason}` });
    expect(result?.comparison?.absolute.status).toBe('ok');
    expect(result?.comparison?.cuped).toBeUndefined();
    const text = formatResultsTable(response);
    expect(text).toContain('CUPED (pre-exposure covariate):\n');
    expect(text).toContain(`\n  revenue: CUPED not applicable: ${reason}\n`);
  });
});
