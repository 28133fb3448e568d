/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- JSON response bodies are checked by the assertions that read them */
/**
 * CUPED on OTel metric data points, end to end: before its exposure to `checkout` a unit's
 * points carry its id under another flag's assignment (`assignmentAttributes()` of
 * @tripwire/sdk), after it also the `checkout` variant. The covariate is each unit's series
 * total over the 14 days before exposure: a histogram from the real OTel metrics SDK (whose
 * cumulative export after the exposure repeats the pre-exposure series), and cumulative sums
 * sent as OTLP/JSON with points older than the lookback and a reset.
 */
import { propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaggageKeys, type MetricDefinition } from '@tripwire/schema';
import { assignmentAttributes, formatAssignments } from '@tripwire/sdk';
import { createRng } from '../../src/create-rng.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import { makeExposureSpan } from '../analysis/telemetry-rows.js';
import { makeBasketValueMetric } from './metric-fixtures.js';
import {
  ADMIN_TOKEN,
  call,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
  type Harness,
} from '../control-plane/control-plane-harness.js';

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const UNITS = 400;
const LIFT = 0.25;
const DAY_MS = 86_400_000;
let harness: Harness;
let otlpUrl: string;

const unitIdOf = (i: number) => i.toString(16).padStart(16, '0');
const variantOf = (i: number) => (i % 2 === 0 ? 'control' : 'treatment');

/** Per unit: x = its value over the lookback before exposure, y = after. */
interface Unit {
  variant: string;
  x: number;
  y: number;
}

/** The unit's context as a service sees it: the assignments in its baggage. */
function assignedContext(unitId: string, assignments: [string, string][]) {
  const baggage = propagation.createBaggage({
    [BaggageKeys.unit]: { value: unitId },
    [BaggageKeys.assignments]: { value: formatAssignments(new Map(assignments)) },
  });
  return propagation.setBaggage(ROOT_CONTEXT, baggage);
}

beforeAll(async () => {
  harness = await startHarness();
  await harness.app.otlp.listen({ host: '127.0.0.1', port: 0 });
  const address = harness.app.otlp.server.address();
  if (address === null || typeof address === 'string') throw new Error('otlp not listening');
  otlpUrl = `http://127.0.0.1:${address.port}`;
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

/** The metric in the catalog and a flag naming it as its goal. */
async function startExperiment(flagKey: string, metric: MetricDefinition): Promise<void> {
  const created = await call(harness, 'POST', '/api/v1/metrics', {
    token: ADMIN_TOKEN,
    body: { metric, reason: `${flagKey} experiment` },
  });
  expect(created.status).toBe(201);
  const flag = {
    ...makeFlag(flagKey),
    variants: [
      { key: 'control', value: false },
      { key: 'treatment', value: true },
    ],
    defaultVariant: 'control',
    environments: {
      production: { enabled: true, rules: [], fallthrough: { variant: 'treatment' } },
    },
    metrics: { goal: metric.id },
  };
  const written = await call(harness, 'POST', '/api/v1/flags', {
    token: ADMIN_TOKEN,
    body: { flag },
  });
  expect(written.status).toBe(201);
}

async function insertExposures(flagKey: string, timeMs: number): Promise<void> {
  const { clickhouse, tables } = harness.app.context;
  const exposures = Array.from({ length: UNITS }, (_, i) =>
    makeExposureSpan({ flagKey, variant: variantOf(i), unitId: unitIdOf(i), timeMs }),
  );
  await clickhouse.insert({ table: tables.traces, values: exposures, format: 'JSONEachRow' });
}

/**
 * Baskets through the OTel metrics SDK (cumulative, exported over OTLP): two per unit under its
 * `banner` assignment, the exposures to `checkout`, then two under both assignments (the
 * treatment's 25 % larger) and one more under `banner` only; the second export repeats the
 * pre-exposure series, grown, after exposure.
 */
async function sendBaskets(flagKey: string): Promise<Map<string, Unit>> {
  const reader = new ManualReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    readers: [reader],
  });
  const histogram = provider.getMeter('shop').createHistogram('shop.basket.value');
  const exporter = new OTLPMetricExporter({ url: `${otlpUrl}/v1/metrics` });
  const exportRound = async () => {
    const { resourceMetrics } = await reader.collect();
    const code = await new Promise<number>((resolve) =>
      exporter.export(resourceMetrics, (result) => resolve(result.code)),
    );
    expect(code).toBe(0);
  };
  const rng = createRng(7);
  const levels = Array.from({ length: UNITS }, () => 10 + 40 * rng());
  const truth = new Map<string, Unit>();
  for (const [i, level] of levels.entries()) {
    const unit = { variant: variantOf(i), x: 0, y: 0 };
    const context = assignedContext(unitIdOf(i), [['banner', 'blue']]);
    for (let k = 0; k < 2; k++) {
      const value = level * (0.8 + 0.4 * rng());
      histogram.record(value, assignmentAttributes(context));
      unit.x += value;
    }
    truth.set(unitIdOf(i), unit);
  }
  await exportRound();
  // Point times are whole seconds: the exposures in the next second, after every pre-exposure point.
  await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
  await insertExposures(flagKey, Date.now());
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (const [i, level] of levels.entries()) {
    const unit = truth.get(unitIdOf(i))!;
    const assignments: [string, string][] = [
      ['banner', 'blue'],
      [flagKey, unit.variant],
    ];
    const context = assignedContext(unitIdOf(i), assignments);
    // A service that knows only the banner assignment records after the exposure too: that
    // series' later points are neither the covariate (after exposure) nor the metric (unstamped).
    const bannerOnly = assignedContext(unitIdOf(i), [['banner', 'blue']]);
    histogram.record(level, assignmentAttributes(bannerOnly));
    for (let k = 0; k < 2; k++) {
      const value = level * (0.8 + 0.4 * rng()) * (unit.variant === 'treatment' ? 1 + LIFT : 1);
      histogram.record(value, assignmentAttributes(context));
      unit.y += value;
    }
  }
  await exportRound();
  await provider.shutdown();
  return truth;
}

/**
 * Cumulative monotonic sums as OTLP/JSON, exposure at T0: per unit a series since T0 − 30 d with
 * a point at T0 − 20 d (before the lookback: its baseline), one at T0 − 10 d and one at
 * T0 − 3 d — for every other unit after a reset (a new start at T0 − 6 d); after exposure a
 * stamped series. The covariate is the increase over the lookback, never the series' total.
 */
async function sendSpendTotals(flagKey: string, t0: number): Promise<Map<string, Unit>> {
  const rng = createRng(9);
  const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const truth = new Map<string, Unit>();
  const dataPoints: object[] = [];
  const point = (attributes: object[], start: number, time: number, value: number) =>
    dataPoints.push({
      attributes,
      startTimeUnixNano: nanos(start),
      timeUnixNano: nanos(time),
      asDouble: value,
    });
  for (let i = 0; i < UNITS; i++) {
    const variant = variantOf(i);
    const level = 10 + 40 * rng();
    const attributes = (assignments: [string, string][]) =>
      Object.entries(assignmentAttributes(assignedContext(unitIdOf(i), assignments))).map(
        ([key, value]) => ({ key, value: { stringValue: value } }),
      );
    const before = attributes([['banner', 'blue']]);
    const old = 1000 * rng();
    const gain = level * (0.8 + 0.4 * rng());
    point(before, t0 - 30 * DAY_MS, t0 - 20 * DAY_MS, old);
    point(before, t0 - 30 * DAY_MS, t0 - 10 * DAY_MS, old + gain);
    const more = level * (0.8 + 0.4 * rng());
    if (i % 4 < 2) point(before, t0 - 6 * DAY_MS, t0 - 3 * DAY_MS, more);
    else point(before, t0 - 30 * DAY_MS, t0 - 3 * DAY_MS, old + gain + more);
    const x = gain + more;
    const y = 2 * level * (0.8 + 0.4 * rng()) * (variant === 'treatment' ? 1 + LIFT : 1);
    point(attributes([[flagKey, variant]]), t0, t0 + 1000, y);
    truth.set(unitIdOf(i), { variant, x, y });
  }
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'shop.spend.total',
                sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true },
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(`${otlpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  await insertExposures(flagKey, t0);
  return truth;
}

/** Each arm's CUPED input equals the truth's moments; the results adjust the lift with it. */
async function expectAdjusted(flagKey: string, metric: MetricDefinition, truth: Map<string, Unit>) {
  const { covariates } = await fetchMetricArms(harness.app.context, {
    definition: metric,
    flagKey,
    covariate: true,
  });
  for (const variant of ['control', 'treatment']) {
    const arm = [...truth.values()].filter((u) => u.variant === variant);
    const sum = (f: (u: Unit) => number) => arm.reduce((a, u) => a + f(u), 0);
    const actual = covariates?.get(variant);
    if (actual?.kind !== 'mean') throw new Error(`${variant}: no mean covariate`);
    expect(actual.stats.units).toBe(arm.length);
    expect(actual.stats.sum).toBeCloseTo(
      sum((u) => u.y),
      6,
    );
    expect(actual.stats.covariateSum).toBeCloseTo(
      sum((u) => u.x),
      6,
    );
    expect(actual.stats.covariateSumSquares).toBeCloseTo(
      sum((u) => u.x * u.x),
      4,
    );
    expect(actual.stats.sumCrossProducts).toBeCloseTo(
      sum((u) => u.x * u.y),
      4,
    );
  }
  const results = await call(harness, 'GET', `/api/v1/experiments/${flagKey}/results`, {
    token: ADMIN_TOKEN,
  });
  expect(results.body.metrics.find((m: any) => m.key === metric.id).cuped).toEqual({
    applied: true,
    lookbackDays: 14,
  });
  const treatment = results.body.variants.find((v: any) => v.variant === 'treatment');
  const { comparison } = treatment.metrics.find((m: any) => m.key === metric.id);
  const width = (lift: any) => lift.interval[1] - lift.interval[0];
  expect(comparison.cuped.varianceReduction).toBeGreaterThan(0.5);
  expect(comparison.cuped.relative.interval[0]).toBeLessThan(LIFT);
  expect(comparison.cuped.relative.interval[1]).toBeGreaterThan(LIFT);
  expect(width(comparison.cuped.relative)).toBeLessThan(0.7 * width(comparison.relative));
}

describe('CUPED on metric data points', () => {
  it("adjusts a histogram by each unit's pre-exposure series from the OTel metrics SDK", async () => {
    const metric = makeBasketValueMetric({ cuped: true });
    await startExperiment('checkout', metric);
    const truth = await sendBaskets('checkout');
    await expectAdjusted('checkout', metric, truth);
  });

  it("takes a cumulative sum's increase over the lookback, across a reset, not its total", async () => {
    const metric = makeBasketValueMetric({
      id: 'spend',
      filters: { metricName: 'shop.spend.total', pointType: 'sum' },
      cuped: true,
    });
    await startExperiment('spend', metric);
    const truth = await sendSpendTotals('spend', Date.now() - 60_000);
    await expectAdjusted('spend', metric, truth);
  });
});
