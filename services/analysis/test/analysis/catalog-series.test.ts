import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '@tripwire/schema';
import { estimateLift, summarizeMetric } from '@tripwire/stats';
import type { ResultsResponse } from '../../src/analysis/results-schema.js';
import { createRng } from '../../src/create-rng.js';
import {
  ADMIN_TOKEN,
  call,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
  type Harness,
} from '../control-plane/control-plane-harness.js';
import { makeBasketValueMetric, makeRevenueMetric } from '../metrics/metric-fixtures.js';
import { makeExposureSpan, makeSpan, type SpanRow } from './telemetry-rows.js';

let harness: Harness;
const FLAG = 'checkout';
const MINUTE = 60_000;
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / MINUTE) * MINUTE;
const UNITS = 1200;
const LIFT = 0.2;

/** Revenue per user (+20 % in `on`), a profit that can be negative, and a metric-point one. */
const revenue = makeRevenueMetric();
const profit: MetricDefinition = makeRevenueMetric({
  id: 'profit',
  name: 'Profit per user',
  value: { type: 'attribute', attribute: 'payment.profit' },
});
const payments: MetricDefinition = makeRevenueMetric({
  id: 'payments',
  name: 'Payments per user',
  value: { type: 'count' },
  kind: 'count',
  unit: 'payments',
});
const basket = makeBasketValueMetric();

/** Per unit a cumulative `shop.basket.value` histogram: Σ after its first and its second basket. */
const histograms: object[] = [];

/** Each unit's arm, exposure and payments (time, amount): the truth at any checkpoint. */
const units: { variant: string; exposedMs: number; payments: [number, number][] }[] = [];

/** Units exposed over the first hour, two payments each 1–30 minutes later. */
function generate(): SpanRow[] {
  const rng = createRng(41);
  const spans: SpanRow[] = [];
  for (let i = 0; i < UNITS; i++) {
    const variant = i % 2 === 0 ? 'off' : 'on';
    const unitId = `u${i}`;
    const exposedMs = T0 + Math.floor((i / UNITS) * 60 * MINUTE);
    const unit = { variant, exposedMs, payments: [] as [number, number][] };
    units.push(unit);
    spans.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedMs }));
    let basketSum = 0;
    for (const [count, afterMs] of [
      [1, 2 * MINUTE],
      [2, 20 * MINUTE],
    ] as const) {
      basketSum += (30 + 20 * rng()) * (variant === 'on' ? 1 + LIFT : 1);
      histograms.push({
        ServiceName: 'shop',
        MetricName: 'shop.basket.value',
        Attributes: { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId },
        TimeUnix: new Date(exposedMs + afterMs).toISOString().slice(0, 19).replace('T', ' '),
        Count: count,
        Sum: basketSum,
        AggregationTemporality: 2,
      });
    }
    for (let p = 0; p < 2; p++) {
      const timeMs = exposedMs + MINUTE + Math.floor(rng() * 29 * MINUTE);
      const amount = (20 + 40 * rng()) * (variant === 'on' ? 1 + LIFT : 1);
      unit.payments.push([timeMs, Number(amount.toFixed(2))]);
      spans.push(
        makeSpan({
          timeMs,
          SpanName: 'POST /pay',
          SpanAttributes: {
            [`tripwire.variant.${FLAG}`]: variant,
            'tripwire.unit.id': unitId,
            'payment.amount': amount.toFixed(2),
            // Centred near zero: a relative change of it is not bounded below by −100 %.
            'payment.profit': (amount - 38).toFixed(2),
          },
        }),
      );
    }
  }
  return spans;
}

/** The relative lift of revenue over the units exposed and the payments before `endMs`. */
function expectedLift(endMs: number): number | undefined {
  const arm = (variant: string) => {
    const ys = units
      .filter((u) => u.variant === variant && u.exposedMs < endMs)
      .map((u) => u.payments.filter(([t]) => t < endMs).reduce((sum, [, y]) => sum + y, 0));
    const stats = {
      kind: 'mean',
      units: ys.length,
      sum: ys.reduce((a, y) => a + y, 0),
      sumSquares: ys.reduce((a, y) => a + y * y, 0),
    } as const;
    return summarizeMetric(stats);
  };
  return estimateLift({ control: arm('off'), treatment: arm('on'), alpha: 0.05 }).relative
    ?.estimate;
}

let body: ResultsResponse;

beforeAll(async () => {
  harness = await startHarness();
  for (const metric of [revenue, profit, payments, basket]) {
    const created = await call(harness, 'POST', '/api/v1/metrics', {
      token: ADMIN_TOKEN,
      body: { metric, reason: 'series test' },
    });
    expect(created.status).toBe(201);
  }
  const flag = await call(harness, 'POST', '/api/v1/flags', {
    token: ADMIN_TOKEN,
    body: {
      flag: {
        ...makeFlag(FLAG),
        metrics: { goal: 'revenue', secondary: ['profit', 'payments', 'basket_value'] },
      },
    },
  });
  expect(flag.status).toBe(201);
  const { clickhouse, tables } = harness.app.context;
  await clickhouse.insert({ table: tables.traces, values: generate(), format: 'JSONEachRow' });
  await clickhouse.insert({
    table: tables.metricsHistogram,
    values: histograms,
    format: 'JSONEachRow',
  });
  const response = await call(harness, 'GET', `/api/v1/experiments/${FLAG}/results`, {
    token: ADMIN_TOKEN,
  });
  expect(response.status).toBe(200);
  body = response.body as ResultsResponse;
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

const pointsOf = (key: string) =>
  (body.timeseries.variants.on ?? []).flatMap((p) => {
    const lift = p.lifts?.[key];
    return lift === undefined ? [] : [{ time: p.time, ...lift }];
  });

const metricOf = (key: string) => body.metrics.find((m) => m.key === key);

describe('time series of catalog metrics', () => {
  it('ends at the scorecard comparison, its always-valid interval covering the injected +20 %', () => {
    const points = pointsOf('revenue');
    expect(points.length).toBeGreaterThan(30);
    const last = points.at(-1);
    const on = body.variants.find((v) => v.variant === 'on');
    const scorecard = on?.metrics.find((m) => m.key === 'revenue')?.comparison?.relative;
    const [lower, upper] = last?.interval ?? [];
    const [scoreLower, scoreUpper] = scorecard?.alwaysValidInterval ?? [];
    expect(last?.scale).toBe('relative');
    expect(last?.estimate).toBeCloseTo(scorecard?.estimate ?? NaN, 9);
    expect(lower).toBeCloseTo(scoreLower ?? NaN, 9);
    expect(upper).toBeCloseTo(scoreUpper ?? NaN, 9);
    expect(last?.units).toBe(UNITS);
    expect(lower).toBeLessThan(LIFT);
    expect(upper).toBeGreaterThan(LIFT);
  });

  it('computes each earlier point from the units exposed and the payments before its end only', () => {
    const points = pointsOf('revenue');
    const early = points.filter((p) => Date.parse(p.time) < T0 + 60 * MINUTE);
    expect(early.length).toBeGreaterThan(10);
    for (const point of points) {
      const endMs = Date.parse(point.time);
      expect(point.units).toBe(units.filter((u) => u.exposedMs < endMs).length);
      // Before the first payment control's revenue is 0: an absolute point, not a relative one.
      const lift = expectedLift(endMs);
      expect(point.scale).toBe(lift === undefined ? 'absolute' : 'relative');
      if (lift !== undefined) expect(point.estimate).toBeCloseTo(lift, 9);
    }
    const estimates = new Set(points.map((p) => p.estimate?.toFixed(6)));
    expect(estimates.size).toBeGreaterThan(points.length / 2);
  });

  it('cuts intervals at −100 % only for a metric that cannot be negative', () => {
    const lowest = (key: string) => Math.min(...pointsOf(key).map((p) => p.interval[0] ?? 0));
    expect(metricOf('profit')?.nonNegative).toBe(false);
    expect(metricOf('payments')?.nonNegative).toBe(true);
    expect(lowest('profit')).toBeLessThan(-1);
    expect(lowest('payments')).toBeGreaterThanOrEqual(-1);
  });

  it('serves a metric over data points per point too: each series as it stood then', () => {
    const points = pointsOf('basket_value').filter((p) => p.scale === 'relative');
    expect(points.length).toBeGreaterThan(30);
    const on = body.variants.find((v) => v.variant === 'on');
    const scorecard = on?.metrics.find((m) => m.key === 'basket_value')?.comparison?.relative;
    expect(points.at(-1)?.estimate).toBeCloseTo(scorecard?.estimate ?? NaN, 9);
    expect(points.at(-1)?.interval[0]).toBeLessThan(LIFT);
    expect(points.at(-1)?.interval[1]).toBeGreaterThan(LIFT);
    // Each unit's Σ grows 2 then 20 minutes after exposure: early points see the first baskets only.
    expect(points.at(-1)?.units).toBe(UNITS);
    expect(points[0]!.units).toBeLessThan(UNITS / 4);
  });
});
