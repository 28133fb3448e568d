import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '@tripwire/schema';
import { estimateLift, summarizeMetric, type MetricStats } from '@tripwire/stats';
import { createRng } from '../../src/create-rng.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import { QUANTILE_RELATIVE_ERROR } from '../../src/repositories/metrics/kinds/quantile.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';
import { makeCacheHitRatioMetric, makeErrorLogsMetric } from './metric-fixtures.js';
import {
  formatTimestamp,
  makeConversionSpan,
  makeExposureSpan,
  makeSpan,
  type SpanRow,
} from '../analysis/telemetry-rows.js';

const FLAG = 'checkout-v3';
const T0 = Date.UTC(2026, 5, 1, 12);
const UNITS_PER_ARM = 600;

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

/** What each unit did, kept to compute every metric's statistics in JavaScript. */
interface UnitTruth {
  variant: string;
  revenue: number;
  hits: number;
  lookups: number;
  errorLogs: number;
  purchased: boolean;
  durations: number[];
}
const truth = new Map<string, UnitTruth>();

function generate(): { spans: SpanRow[]; logs: object[] } {
  const rng = createRng(17);
  const spans: SpanRow[] = [];
  const logs: object[] = [];
  for (let i = 0; i < 2 * UNITS_PER_ARM; i++) {
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const isTreatment = variant === 'treatment';
    const unitId = `unit-${i}`;
    const unit: UnitTruth = {
      variant,
      revenue: 0,
      hits: 0,
      lookups: 0,
      errorLogs: 0,
      purchased: false,
      durations: [],
    };
    truth.set(unitId, unit);
    spans.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: T0 }));
    const stamp = { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId };
    const payments = 1 + Math.floor(rng() * 3);
    for (let p = 0; p < payments; p++) {
      const timeMs = T0 + 1000 + p * 1000;
      // Treatment: +20% revenue, +10 ms per payment; USD payments are outside the metric.
      const amount = Math.round((isTreatment ? 1.2 : 1) * 50 * (0.5 + rng()) * 100) / 100;
      const currency = rng() < 0.2 ? 'USD' : 'EUR';
      const durationMs = 40 + (isTreatment ? 10 : 0) + Math.floor(rng() * 60);
      const pay = makeSpan({
        timeMs,
        SpanName: 'POST /pay',
        ServiceName: 'checkout',
        Duration: String(durationMs * 1_000_000),
        SpanAttributes: {
          ...stamp,
          'payment.amount': String(amount),
          'payment.currency': currency,
        },
      });
      spans.push(pay);
      unit.durations.push(durationMs);
      if (currency === 'EUR') unit.revenue += amount;
      const hit = rng() < (isTreatment ? 0.75 : 0.6);
      spans.push(
        makeSpan({
          timeMs,
          SpanName: 'cache.get',
          SpanKind: 'Client',
          ServiceName: 'checkout',
          SpanAttributes: { ...stamp, 'cache.hit': String(hit) },
        }),
      );
      unit.lookups += 1;
      if (hit) unit.hits += 1;
      // Log records of the payment's trace: errors twice as often in the treatment, plus noise.
      const isError = rng() < (isTreatment ? 0.3 : 0.15);
      logs.push(makeLog({ traceId: pay.TraceId, timeMs, severity: isError ? 17 : 9 }));
      if (isError) unit.errorLogs += 1;
    }
    if (rng() < (isTreatment ? 0.4 : 0.3)) {
      unit.purchased = true;
      spans.push(
        makeConversionSpan({ unitId, timeMs: T0 + 10_000, event: 'purchase', value: '10' }),
      );
    }
  }
  // Not the flag's: an unstamped span and a purchase before exposure.
  spans.push(
    makeSpan({
      timeMs: T0 + 500,
      SpanName: 'POST /pay',
      SpanAttributes: { 'tripwire.unit.id': 'unit-0', 'payment.amount': '999' },
    }),
  );
  return { spans, logs };
}

function makeLog(input: { traceId: string; timeMs: number; severity: number }): object {
  return {
    Timestamp: formatTimestamp(input.timeMs),
    TraceId: input.traceId,
    SpanId: '',
    TraceFlags: 1,
    SeverityText: input.severity >= 17 ? 'ERROR' : 'INFO',
    SeverityNumber: input.severity,
    ServiceName: 'checkout',
    Body: input.severity >= 17 ? 'payment failed: card declined' : 'payment ok',
    LogAttributes: {},
  };
}

function meanTruth(variant: string, value: (unit: UnitTruth) => number): MetricStats {
  const ys = [...truth.values()].filter((u) => u.variant === variant).map(value);
  return {
    kind: 'mean',
    units: ys.length,
    sum: ys.reduce((a, y) => a + y, 0),
    sumSquares: ys.reduce((a, y) => a + y * y, 0),
  };
}

async function fetchArms(definition: MetricDefinition) {
  return fetchMetricArms(
    { clickhouse, tables },
    { definition, flagKey: FLAG, since: new Date(T0), variants: ['control', 'treatment'] },
  );
}

function expectStatsClose(actual: MetricStats | undefined, expected: MetricStats): void {
  expect(actual?.kind).toBe(expected.kind);
  for (const [field, value] of Object.entries(expected)) {
    if (typeof value === 'number')
      expect((actual as unknown as Record<string, number>)[field]).toBeCloseTo(value, 6);
  }
}

/** The relative lift's 99% interval of treatment vs control. */
function relativeInterval(arms: Map<string, MetricStats>): readonly [number, number] {
  const lift = estimateLift({
    control: summarizeMetric(arms.get('control')!),
    treatment: summarizeMetric(arms.get('treatment')!),
    alpha: 0.01,
  });
  return lift.relative!.interval;
}

const base = { owner: 'test', direction: 'higher_is_better' } as const;

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  const { spans, logs } = generate();
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
  await clickhouse.insert({ table: tables.logs, values: logs, format: 'JSONEachRow' });
}, 60_000);

afterAll(async () => {
  await close();
});

describe('fetchMetricArms', () => {
  it('computes a span-attribute revenue mean per exposed unit, filtered and capped, and recovers its +20%', async () => {
    const revenue: MetricDefinition = {
      ...base,
      id: 'revenue',
      name: 'Revenue per user',
      source: 'spans',
      filters: {
        service: 'checkout',
        spanName: 'POST /pay',
        attributes: [{ attribute: 'payment.currency', op: 'equals', values: ['EUR'] }],
      },
      value: { type: 'attribute', attribute: 'payment.amount' },
      kind: 'mean',
      capping: { type: 'absolute', upper: 150 },
    };
    const { arms, sql } = await fetchArms(revenue);
    expect(sql).not.toContain('EUR');
    for (const variant of ['control', 'treatment'])
      expectStatsClose(
        arms.get(variant),
        meanTruth(variant, (u) => Math.min(u.revenue, 150)),
      );
    const [lower, upper] = relativeInterval(arms);
    expect(lower).toBeGreaterThan(0);
    expect(lower).toBeLessThan(0.2);
    expect(upper).toBeGreaterThan(0.1);
  });

  it('computes a cache-hit ratio with its own denominator (delta-method inputs)', async () => {
    const hitRatio = makeCacheHitRatioMetric();
    const { arms } = await fetchArms(hitRatio);
    for (const variant of ['control', 'treatment']) {
      const units = [...truth.values()].filter((u) => u.variant === variant);
      expectStatsClose(arms.get(variant), {
        kind: 'ratio',
        units: units.length,
        sumNumerator: units.reduce((a, u) => a + u.hits, 0),
        sumDenominator: units.reduce((a, u) => a + u.lookups, 0),
        sumNumeratorSquares: units.reduce((a, u) => a + u.hits ** 2, 0),
        sumDenominatorSquares: units.reduce((a, u) => a + u.lookups ** 2, 0),
        sumCrossProducts: units.reduce((a, u) => a + u.hits * u.lookups, 0),
      });
    }
    const [lower, upper] = relativeInterval(arms);
    expect(lower).toBeLessThan(0.25);
    expect(upper).toBeGreaterThan(0.25);
  });

  it('counts error log records per unit through their trace, and recovers the doubling', async () => {
    const logErrors = makeErrorLogsMetric({
      filters: { severityAtLeast: 'error', bodyContains: 'declined' },
    });
    const { arms } = await fetchArms(logErrors);
    for (const variant of ['control', 'treatment'])
      expectStatsClose(
        arms.get(variant),
        meanTruth(variant, (u) => u.errorLogs),
      );
    const [lower, upper] = relativeInterval(arms);
    expect(lower).toBeLessThan(1);
    expect(upper).toBeGreaterThan(1);
  });

  it('computes a proportion of units with a tracked event after exposure', async () => {
    const purchased: MetricDefinition = {
      ...base,
      id: 'purchased',
      name: 'Purchased',
      source: 'events',
      filters: { event: 'purchase' },
      value: { type: 'count' },
      kind: 'proportion',
    };
    const { arms } = await fetchArms(purchased);
    for (const variant of ['control', 'treatment'])
      expectStatsClose(
        arms.get(variant),
        meanTruth(variant, (u) => (u.purchased ? 1 : 0)),
      );
  });

  it('computes a clustered quantile within the bucket bound of the exact one, and recovers the +10 ms', async () => {
    const p90: MetricDefinition = {
      ...base,
      direction: 'lower_is_better',
      id: 'pay_p90',
      name: 'p90 payment latency',
      source: 'spans',
      filters: { spanName: 'POST /pay', service: 'checkout' },
      value: { type: 'duration' },
      kind: 'quantile',
      quantile: 0.9,
    };
    const { arms } = await fetchArms(p90);
    const exact = new Map<string, number>();
    for (const variant of ['control', 'treatment']) {
      const units = [...truth.values()].filter((u) => u.variant === variant);
      const sorted = units.flatMap((u) => u.durations).sort((a, b) => a - b);
      const stats = arms.get(variant);
      if (stats?.kind !== 'quantile') throw new Error('not quantile statistics');
      // Every level of the quantile function, not only p, lies within the bound.
      stats.levels.forEach((level, i) => {
        const h = level * (sorted.length - 1);
        const lo = Math.floor(h);
        const value =
          sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
        if (level === 0.9) exact.set(variant, value);
        expect(Math.abs(stats.values[i]! / value - 1)).toBeLessThanOrEqual(
          QUANTILE_RELATIVE_ERROR + 1e-12,
        );
      });
      expect(stats.sumBelow).toBeCloseTo(0.9 * sorted.length, 6);
      expect(stats.sumRequests).toBe(sorted.length);
      expect(stats.units).toBe(units.length);
    }
    // The injected +10 ms per payment, as the exact quantiles see it, lies in the interval.
    const lift = exact.get('treatment')! / exact.get('control')! - 1;
    const [lower, upper] = relativeInterval(arms);
    expect(lower).toBeGreaterThan(0);
    expect(lower).toBeLessThan(lift);
    expect(upper).toBeGreaterThan(lift);
  });

  it('returns zero statistics for an arm without data, on spans and on metric points', async () => {
    const nothing: MetricDefinition = {
      ...base,
      id: 'nothing',
      name: 'Nothing',
      source: 'spans',
      filters: { spanName: 'no such span' },
      value: { type: 'count' },
      kind: 'ratio',
      denominator: { value: { type: 'count' } },
    };
    const { arms } = await fetchArms(nothing);
    expect(arms.get('control')).toMatchObject({ kind: 'ratio', units: 0, sumDenominator: 0 });
    const points: MetricDefinition = {
      ...base,
      id: 'queue_depth',
      name: 'Queue depth',
      source: 'metric_points',
      filters: { metricName: 'queue.depth' },
      value: { type: 'point_value' },
      kind: 'mean',
    };
    expect((await fetchArms(points)).arms.get('control')).toMatchObject({ kind: 'mean', sum: 0 });
  });
});
