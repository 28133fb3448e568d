/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatResultsTable } from '../../src/analysis/format-results-table.js';
import { createRng } from '../../src/create-rng.js';
import {
  ADMIN_TOKEN,
  call,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
  type Harness,
} from '../control-plane/control-plane-harness.js';
import { makePaymentSpans } from './telemetry-rows.js';
import { makeRevenueMetric } from '../metrics/metric-fixtures.js';

let harness: Harness;
const T0 = Date.now() - 3_600_000;
const UNITS = 2000;
const LIFT = 0.2;

const revenue = makeRevenueMetric();

/** Two payments per unit, amounts uniform on [20, 60]; the `on` arm pays 20 % more. */
async function insertTelemetry(): Promise<void> {
  const spans = makePaymentSpans({
    flagKey: 'checkout',
    units: UNITS,
    payments: 2,
    lift: LIFT,
    timeMs: T0,
    rng: createRng(7),
  });
  const { clickhouse, tables } = harness.app.context;
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
}

const results = (query = '') =>
  call(harness, 'GET', `/api/v1/experiments/checkout/results${query}`, { token: ADMIN_TOKEN });

/** The `on` arm's revenue value and the response's freshness. */
async function readRevenue(query: string) {
  const { body } = await results(query);
  const on = body.variants.find((v: { variant: string }) => v.variant === 'on');
  const metric = body.metrics.find((m: { key: string }) => m.key === 'revenue');
  return {
    value: on.metrics.find((m: { key: string }) => m.key === 'revenue').value as number,
    version: metric.version as number,
    points: body.timeseries.variants.on.map(
      (p: { lifts?: Record<string, { estimate: number }> }) => p.lifts?.revenue?.estimate,
    ) as (number | undefined)[],
    freshness: body.freshness,
  };
}

/** A few ms later than now (so an instant before the call is strictly before the result). */
async function waitPastNow(): Promise<number> {
  const before = Date.now();
  while (Date.now() <= before + 1) await new Promise((resolve) => setTimeout(resolve, 2));
  return Date.now();
}

beforeAll(async () => {
  harness = await startHarness();
  const created = await call(harness, 'POST', '/api/v1/metrics', {
    token: ADMIN_TOKEN,
    body: { metric: revenue, reason: 'checkout experiment' },
  });
  expect(created.status).toBe(201);
  const flag = await call(harness, 'POST', '/api/v1/flags', {
    token: ADMIN_TOKEN,
    body: {
      flag: {
        ...makeFlag('checkout'),
        metrics: { goal: 'revenue', secondary: ['latency_p95'] },
        guardrails: [
          {
            id: 'revenue-drop',
            metric: 'revenue',
            direction: 'higher_is_better',
            margin: 0.05,
            minSample: 100,
            action: 'alert',
          },
        ],
      },
    },
  });
  expect(flag.body.flag).toMatchObject({ key: 'checkout', metrics: { goal: 'revenue' } });
  await insertTelemetry();
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

describe('results of the metrics an experiment names', () => {
  it('shows a catalog goal metric with its roles, version and a lift recovering the effect', async () => {
    const response = await results();
    expect(response.status).toBe(200);
    const { metrics, variants, unknownMetrics } = response.body;
    expect(metrics.find((m: { key: string }) => m.key === 'revenue')).toMatchObject({
      id: 'revenue',
      kind: 'mean',
      unit: 'EUR',
      roles: ['goal', 'guardrail'],
      version: 1,
      changedDuringExperiment: false,
    });
    expect(metrics.find((m: { key: string }) => m.key === 'latency_p95').roles).toEqual([
      'secondary',
    ]);
    expect(metrics.find((m: { key: string }) => m.key === 'error_rate').roles).toBeUndefined();
    expect(unknownMetrics).toBeUndefined();
    const on = variants.find((v: { variant: string }) => v.variant === 'on');
    const result = on.metrics.find((m: { key: string }) => m.key === 'revenue');
    expect(result.units).toBe(UNITS / 2);
    const [lower, upper] = result.comparison.relative.interval;
    expect(lower).toBeLessThan(LIFT);
    expect(upper).toBeGreaterThan(LIFT);
    expect(lower).toBeGreaterThan(0);
    expect(result.value).toBeGreaterThan(80 * (1 + LIFT) * 0.95);
  });

  it('serves the catalog metrics and their series from the snapshot the built-ins come from', async () => {
    const live = await readRevenue('?maxAgeSeconds=0');
    expect(live.freshness.source).toBe('live');
    expect(live.points.filter((e) => e !== undefined).length).toBeGreaterThan(0);
    // One more payment for 200 units, written after that read: the snapshot does not hold it.
    const more = makePaymentSpans({
      flagKey: 'checkout',
      units: 200,
      payments: 1,
      lift: 0,
      timeMs: T0 + 10_000,
      rng: createRng(8),
    }).filter((span) => span.SpanName === 'POST /pay');
    const { clickhouse, tables } = harness.app.context;
    await clickhouse.insert({ table: tables.traces, values: more, format: 'JSONEachRow' });
    const kept = await readRevenue('?maxAgeSeconds=3600');
    expect(kept).toEqual({
      ...live,
      freshness: { ...live.freshness, source: 'snapshot', ageSeconds: kept.freshness.ageSeconds },
    });
    const now = await readRevenue('?maxAgeSeconds=0');
    expect(now.freshness.source).toBe('live');
    expect(now.value).toBeGreaterThan(live.value);
  });

  it('refuses a flag naming a metric neither built-in nor in the catalog, with its pointer', async () => {
    const created = await call(harness, 'POST', '/api/v1/flags', {
      token: ADMIN_TOKEN,
      body: { flag: { ...makeFlag('other'), metrics: { secondary: ['revenue', 'no_such'] } } },
    });
    expect(created.status).toBe(400);
    expect(created.body.pointer).toBe('/flag/metrics/secondary/1');
    const current = await call(harness, 'GET', '/api/v1/flags/checkout', { token: ADMIN_TOKEN });
    const { guardrails } = current.body.flag;
    const replaced = await call(harness, 'PUT', '/api/v1/flags/checkout', {
      token: ADMIN_TOKEN,
      body: {
        flag: { ...current.body.flag, guardrails: [{ ...guardrails[0], metric: 'no_such' }] },
        expectedVersion: current.body.flag.version,
      },
    });
    expect(replaced.status).toBe(400);
    expect(replaced.body.pointer).toBe('/flag/guardrails/0/metric');
    expect(replaced.body.message).toContain('no_such');
  });

  it('marks a metric changed after the first exposure, with its new version and author', async () => {
    const updated = await call(harness, 'PUT', '/api/v1/metrics/revenue', {
      token: ADMIN_TOKEN,
      body: {
        metric: { ...revenue, capping: { type: 'absolute', upper: 100 } },
        expectedVersion: 1,
        reason: 'cap outliers',
      },
    });
    expect(updated.status).toBe(200);
    // A snapshot of version 1 may not answer, however old the reader allows it to be: the read
    // gets the recomputation the change began in the background (joined, or its snapshot).
    const readAt = await waitPastNow();
    const capped = await readRevenue('?maxAgeSeconds=3600');
    expect(capped.version).toBe(2);
    expect(Date.parse(capped.freshness.computedAt)).toBeLessThan(readAt);
    expect(capped.value).toBe((await readRevenue('?maxAgeSeconds=0')).value);
    const response = await results();
    const metric = response.body.metrics.find((m: { key: string }) => m.key === 'revenue');
    expect(metric).toMatchObject({ version: 2, changedDuringExperiment: true });
    const table = formatResultsTable(response.body);
    expect(table).toMatch(/^revenue \[goal, guardrail\] +on /m);
    expect(table).toContain('metric definitions changed during the experiment:');
    expect(table).toContain('revenue: now version 2, changed');
    expect(typeof metric.updatedBy).toBe('string');
    expect(Date.parse(metric.updatedAt)).toBeGreaterThan(T0);
  });

  it('recomputes in the background when the flag names another metric, before the next read', async () => {
    const payments = makeRevenueMetric({
      id: 'payments',
      name: 'Payments per user',
      value: { type: 'count' },
      kind: 'count',
      unit: 'payments',
    });
    const created = await call(harness, 'POST', '/api/v1/metrics', {
      token: ADMIN_TOKEN,
      body: { metric: payments },
    });
    expect(created.status).toBe(201);
    await readRevenue('?maxAgeSeconds=0');
    const current = await call(harness, 'GET', '/api/v1/flags/checkout', { token: ADMIN_TOKEN });
    const { flag } = current.body;
    const replaced = await call(harness, 'PUT', '/api/v1/flags/checkout', {
      token: ADMIN_TOKEN,
      body: {
        flag: { ...flag, metrics: { ...flag.metrics, secondary: ['latency_p95', 'payments'] } },
        expectedVersion: flag.version,
      },
    });
    expect(replaced.status).toBe(200);
    const readAt = await waitPastNow();
    const { body } = await results('?maxAgeSeconds=3600');
    expect(body.metrics.map((m: { key: string }) => m.key)).toContain('payments');
    expect(Date.parse(body.freshness.computedAt)).toBeLessThan(readAt);
  });
});
