/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Flag } from '@tripwire/schema';
import {
  recordMetricValues,
  startMetricValuesRecorder,
} from '../../src/analysis/record-metric-values.js';
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
const UNITS = 600;

/** Per flag one payment per unit, uniform on [20, 60], the `on` arm's 20 % higher. */
async function insertTelemetry(): Promise<void> {
  const rng = createRng(3);
  const spans = ['checkout', 'shipped'].flatMap((flagKey) =>
    makePaymentSpans({ flagKey, units: UNITS, payments: 1, lift: 0.2, timeMs: T0, rng }),
  );
  const { clickhouse, tables } = harness.app.context;
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
}

/** A running experiment: production splits units 50/50 between `off` (control) and `on`. */
function splitFlag(key: string): Flag {
  const flag = makeFlag(key, ['production']);
  const split = { variant: 'off', weight: 1 };
  flag.environments.production!.fallthrough = {
    rollout: { coverage: 10_000, weights: [split, { variant: 'on', weight: 1 }] },
  };
  return flag;
}

beforeAll(async () => {
  harness = await startHarness();
  await call(harness, 'POST', '/api/v1/metrics', {
    token: ADMIN_TOKEN,
    body: { metric: makeRevenueMetric(), reason: 'checkout' },
  });
  for (const flag of [
    { ...splitFlag('checkout'), metrics: { goal: 'revenue' } },
    { ...splitFlag('builtins-only'), metrics: { goal: 'error_rate' } },
    // Serves `on` to everyone: no experiment running, nothing recorded.
    { ...makeFlag('shipped'), metrics: { goal: 'revenue' } },
  ]) {
    const created = await call(harness, 'POST', '/api/v1/flags', {
      token: ADMIN_TOKEN,
      body: { flag },
    });
    expect(created.status).toBe(201);
  }
  await insertTelemetry();
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

describe('recordMetricValues', () => {
  it('records per variant the values and lifts the results API shows, for running experiments and catalog metrics only', async () => {
    const now = new Date();
    expect(await recordMetricValues(harness.app.context, { now })).toEqual({ rows: 2 });
    const { clickhouse, tables } = harness.app.context;
    const result = await clickhouse.query({
      query: `SELECT flag_key, metric, metric_version, roles, variant, is_control, units, value,
        relative_lift, relative_lower, relative_upper, toUnixTimestamp64Milli(recorded_at) AS at
        FROM ${tables.metricValues} ORDER BY variant`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<Record<string, unknown>>();
    const response = await call(harness, 'GET', '/api/v1/experiments/checkout/results', {
      token: ADMIN_TOKEN,
    });
    const shown = (variant: string) =>
      response.body.variants
        .find((v: { variant: string }) => v.variant === variant)
        .metrics.find((m: { key: string }) => m.key === 'revenue');
    expect(rows.map((r) => [r.flag_key, r.metric, r.variant, r.is_control])).toEqual([
      ['checkout', 'revenue', 'off', true],
      ['checkout', 'revenue', 'on', false],
    ]);
    for (const row of rows) {
      const api = shown(String(row.variant));
      expect(row).toMatchObject({ metric_version: 1, roles: ['goal'], units: UNITS / 2 });
      expect(row.value).toBeCloseTo(api.value, 9);
      expect(Number(row.at)).toBe(now.getTime());
    }
    const on = rows[1]!;
    const relative = shown('on').comparison.relative;
    expect(on.relative_lift).toBeCloseTo(relative.estimate, 9);
    expect([on.relative_lower, on.relative_upper]).toEqual(relative.interval);
    expect(on.relative_lower).toBeLessThan(0.2);
    expect(on.relative_upper).toBeGreaterThan(0.2);
    expect(rows[0]!.relative_lift).toBeNull();
  });

  it('records every interval, logs a failed run and keeps going, and stops', async () => {
    vi.useFakeTimers();
    try {
      let runs = 0;
      const warnings: string[] = [];
      const flags = {
        list: () => {
          runs += 1;
          if (runs === 1) throw new Error('store down');
          if (runs === 2) vi.setSystemTime(Date.now() + 5000); // a run that takes 5 s
          return [];
        },
      };
      const context = { ...harness.app.context, flags } as unknown as Parameters<
        typeof startMetricValuesRecorder
      >[0]['context'];
      const recorder = startMetricValuesRecorder({
        context,
        intervalMs: 1000,
        log: { warn: (_details, message) => warnings.push(message) },
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(runs).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(warnings).toEqual(['recording metric values failed']);
      await vi.advanceTimersByTimeAsync(1000);
      expect(runs).toBe(2);
      // Busy at most half the time: the next run waits as long as the last one took.
      await vi.advanceTimersByTimeAsync(4999);
      expect(runs).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toBe(3);
      await recorder.stop();
      await vi.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(3);
      expect(warnings).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
