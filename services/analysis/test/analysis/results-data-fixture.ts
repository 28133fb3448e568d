/** Results data for `computeResults` tests without ClickHouse: control vs treatment arms. */
import type { CovariateStats, MeanStats } from '@tripwire/stats';
import type { ResultsData } from '../../src/analysis/results-data.js';

/** One conversion arm: `converted` of `units` units converted, `pre` before exposure. */
export function conversionArm(units: number, converted: number, pre: number) {
  const both = Math.min(converted, pre);
  const covariate: CovariateStats = {
    units,
    sum: converted,
    sumSquares: converted,
    covariateSum: pre,
    covariateSumSquares: pre,
    sumCrossProducts: both,
  };
  const mean: MeanStats = { kind: 'mean', units, sum: converted, sumSquares: converted };
  return { converted: mean, covariate, conversions: converted, preConverted: pre };
}

export function resultsData(overrides: Partial<ResultsData> = {}): ResultsData {
  return {
    units: [
      { variant: 'control', units: 200, firstExposureMs: 0 },
      { variant: 'treatment', units: 210, firstExposureMs: 0 },
    ],
    excludedMultiVariant: 0,
    requests: new Map(),
    quantiles: { latency_p50: new Map(), latency_p95: new Map(), latency_p99: new Map() },
    conversions: [
      {
        event: 'checkout',
        byVariant: new Map([
          ['control', conversionArm(200, 30, 20)],
          ['treatment', conversionArm(210, 45, 22)],
        ]),
      },
    ],
    breakdown: [],
    series: { bucketSeconds: 60, rows: [], moments: [], quantiles: [], conversions: [] },
    ...overrides,
  };
}
