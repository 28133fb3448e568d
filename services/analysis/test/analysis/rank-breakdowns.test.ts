import { describe, expect, it } from 'vitest';
import type { RatioStats } from '@tripwire/stats';
import { buildBreakdowns } from '../../src/analysis/build-breakdowns.js';
import type { ResultsData } from '../../src/analysis/results-data.js';
import type { BreakdownCell } from '../../src/repositories/stats-rows.js';

/** Ratio moments of `units` units with `requests` requests each, `errors` of them failing in total. */
function ratio(units: number, requests: number, errors: number): RatioStats {
  // Errors spread as evenly as possible over units (a deterministic, non-degenerate variance).
  const base = Math.floor(errors / units);
  const extra = errors - base * units;
  const squares = extra * (base + 1) ** 2 + (units - extra) * base ** 2;
  return {
    kind: 'ratio',
    units,
    sumNumerator: errors,
    sumDenominator: units * requests,
    sumNumeratorSquares: squares,
    sumDenominatorSquares: units * requests * requests,
    sumCrossProducts: errors * requests,
  };
}

function cell(dimension: string, segment: string, variant: string, errors: number, units = 400) {
  const moments = { errorRate: ratio(units, 10, errors), latencyMean: ratio(units, 10, 0) };
  return { dimension, segment, variant, moments } satisfies BreakdownCell;
}

function data(breakdown: BreakdownCell[]): ResultsData {
  const sum = (variant: string) => {
    const cells = breakdown.filter((c) => c.variant === variant && c.dimension === 'service');
    const errors = cells.reduce((n, c) => n + c.moments.errorRate.sumNumerator, 0);
    const units = cells.reduce((n, c) => n + c.moments.errorRate.units, 0);
    return { errorRate: ratio(units, 10, errors), latencyMean: ratio(units, 10, 0) };
  };
  return {
    units: [],
    excludedMultiVariant: 0,
    requests: new Map([
      ['control', sum('control')],
      ['treatment', sum('treatment')],
    ]),
    quantiles: { latency_p50: new Map(), latency_p95: new Map(), latency_p99: new Map() },
    conversions: [],
    breakdown,
    series: { bucketSeconds: 60, rows: [], moments: [], quantiles: [], conversions: [] },
  };
}

describe('breakdown ranking', () => {
  // payments regresses (4× errors) on a quarter of the traffic; api and search are flat.
  const cells = [
    ...['control', 'treatment'].flatMap((variant) => [
      cell('service', 'api', variant, 40, 1200),
      cell('service', 'search', variant, 40, 1200),
      cell('service', 'payments', variant, variant === 'control' ? 40 : 160, 800),
      cell('region', 'eu-west-1', variant, variant === 'control' ? 120 : 240, 3200),
      cell('service_version', '2.3.0', variant, variant === 'control' ? 120 : 240, 3200),
    ]),
  ];
  const rows = buildBreakdowns({
    data: data(cells),
    control: 'control',
    settings: { alpha: 0.05, statsEngine: 'tripwire' },
  });

  it('leaves out dimensions with a single segment', () => {
    expect(rows.map((r) => r.dimension)).not.toContain('region');
    expect(rows.map((r) => r.dimension)).not.toContain('service_version');
    expect(new Set(rows.map((r) => r.segment))).toEqual(new Set(['api', 'search', 'payments']));
  });

  it('ranks the segment holding the regression first, by its share of the overall change', () => {
    const first = rows[0]!;
    expect([first.dimension, first.segment, first.metric]).toEqual([
      'service',
      'payments',
      'error_rate',
    ]);
    expect(first.trafficShare).toBeCloseTo(800 / 3200, 12);
    // The whole difference (120 extra errors) is in payments.
    expect(first.contributionShare).toBeCloseTo(1, 6);
    expect(first.contribution).toBeCloseTo(((160 - 40) / 8000) * 0.25, 12);
  });

  it('orders ties deterministically by adjusted p, then dimension, segment, metric, variant', () => {
    // api and search: no difference, equal share (0) and equal adjusted p (1).
    const tied = rows.filter((r) => r.contributionShare === 0);
    expect(tied.map((r) => r.segment)).toEqual(['api', 'search']);
    expect(tied[0]!.adjustedPValue).toBe(tied[1]!.adjustedPValue);
    const again = buildBreakdowns({
      data: data([...cells].reverse()),
      control: 'control',
      settings: { alpha: 0.05, statsEngine: 'tripwire' },
    });
    expect(again.map((r) => `${r.dimension}/${r.segment}/${r.metric}/${r.variant}`)).toEqual(
      rows.map((r) => `${r.dimension}/${r.segment}/${r.metric}/${r.variant}`),
    );
  });
});
