/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- JSON response bodies are checked by the assertions that read them */
/**
 * End to end for OTel metric data points: a catalog metric defined through the API, an
 * experiment naming it as its goal, a histogram recorded with the real OTel metrics SDK (the
 * variant on each point from `assignmentAttributes()` of @tripwire/sdk) and exported over OTLP
 * into the analysis service, and the results API showing it with its statistics.
 */
import { propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaggageKeys, type MetricDefinition } from '@tripwire/schema';
import { assignmentAttributes, formatAssignments } from '@tripwire/sdk';
import { createRng } from '../../src/create-rng.js';
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

const UNITS = 600;
const LIFT = 0.25;
const T0 = Date.now() - 60_000;
let harness: Harness;
let otlpUrl: string;

const basketValue = makeBasketValueMetric();

const unitIdOf = (i: number) => i.toString(16).padStart(16, '0');

/** The unit's context as a downstream service sees it: the assignment baggage. */
function assignedContext(flagKey: string, unitId: string, variant: string) {
  const baggage = propagation.createBaggage({
    [BaggageKeys.unit]: { value: unitId },
    [BaggageKeys.assignments]: { value: formatAssignments(new Map([[flagKey, variant]])) },
  });
  return propagation.setBaggage(ROOT_CONTEXT, baggage);
}

/**
 * Each unit records baskets in two export rounds; the reader is cumulative, so the second export
 * repeats the first round's points: counted once only if the service takes each series' last point.
 * `exponential` aggregates the histogram as an OTel exponential histogram (a view). Returns the
 * per-arm truth (mean per-unit Σ).
 */
async function sendBaskets(input: {
  flagKey: string;
  metricName: string;
  exponential?: boolean;
}): Promise<Map<string, number>> {
  const reader = new ManualReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    readers: [reader],
    views: input.exponential
      ? [
          {
            instrumentName: input.metricName,
            aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
          },
        ]
      : [],
  });
  const histogram = provider.getMeter('shop').createHistogram(input.metricName);
  const rng = createRng(11);
  const totals = new Map<string, number>();
  const exporter = new OTLPMetricExporter({ url: `${otlpUrl}/v1/metrics` });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < UNITS; i++) {
      const variant = i % 2 === 0 ? 'control' : 'treatment';
      const value = (10 + 30 * rng()) * (variant === 'treatment' ? 1 + LIFT : 1);
      const context = assignedContext(input.flagKey, unitIdOf(i), variant);
      histogram.record(value, assignmentAttributes(context));
      totals.set(variant, (totals.get(variant) ?? 0) + value);
    }
    const { resourceMetrics } = await reader.collect();
    const code = await new Promise<number>((resolve) =>
      exporter.export(resourceMetrics, (result) => resolve(result.code)),
    );
    expect(code).toBe(0);
  }
  await provider.shutdown();
  return new Map([...totals].map(([variant, sum]) => [variant, sum / (UNITS / 2)]));
}

/**
 * Summaries (which the OTel JS SDK does not produce; a Prometheus-bridged or other-language
 * service does) as an OTLP/JSON request: per unit two cumulative points, the second the total.
 */
async function sendSummaries(flagKey: string): Promise<Map<string, number>> {
  const rng = createRng(13);
  const totals = new Map<string, number>();
  const nowNanos = BigInt(Date.now()) * 1_000_000n;
  const dataPoints = Array.from({ length: UNITS }, (_, i) => {
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const attributes = Object.entries(
      assignmentAttributes(assignedContext(flagKey, unitIdOf(i), variant)),
    ).map(([key, value]) => ({ key, value: { stringValue: value } }));
    const effect = variant === 'treatment' ? 1 + LIFT : 1;
    const first = (20 + 20 * rng()) * effect;
    const total = first + (20 + 20 * rng()) * effect;
    totals.set(variant, (totals.get(variant) ?? 0) + total);
    return [1, 2].map((n) => ({
      attributes,
      startTimeUnixNano: String(nowNanos - 60_000_000_000n),
      timeUnixNano: String(nowNanos - BigInt(3 - n) * 1_000_000_000n),
      count: String(n),
      sum: n === 1 ? first : total,
      quantileValues: [{ quantile: 0.5, value: first }],
    }));
  }).flat();
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [{ metrics: [{ name: 'checkout.order.value', summary: { dataPoints } }] }],
      },
    ],
  };
  const response = await fetch(`${otlpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return new Map([...totals].map(([variant, sum]) => [variant, sum / (UNITS / 2)]));
}

beforeAll(async () => {
  harness = await startHarness();
  await harness.app.otlp.listen({ host: '127.0.0.1', port: 0 });
  const address = harness.app.otlp.server.address();
  if (address === null || typeof address === 'string') throw new Error('otlp not listening');
  otlpUrl = `http://127.0.0.1:${address.port}`;
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

/** Results until the metric's arms have units (the receiver commits asynchronously). */
async function waitForResults(flagKey: string, metricId: string): Promise<any> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await call(harness, 'GET', `/api/v1/experiments/${flagKey}/results`, {
      token: ADMIN_TOKEN,
    });
    const control = response.body.variants?.find((v: any) => v.variant === 'control');
    const metric = control?.metrics.find((m: any) => m.key === metricId);
    if (metric?.units > 0 && metric?.value > 0) return response.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the metric points never reached the results');
}

/** The metric in the catalog, a flag naming it as its goal, and the units' exposure spans. */
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
  const { clickhouse, tables } = harness.app.context;
  const exposures = Array.from({ length: UNITS }, (_, i) =>
    makeExposureSpan({
      flagKey,
      variant: i % 2 === 0 ? 'control' : 'treatment',
      unitId: unitIdOf(i),
      timeMs: T0,
    }),
  );
  await clickhouse.insert({ table: tables.traces, values: exposures, format: 'JSONEachRow' });
}

/** Per arm the value equals the truth; the +25 % lift lies in its interval, which excludes 0. */
async function expectRecovered(input: {
  flagKey: string;
  metric: MetricDefinition;
  truth: Map<string, number>;
}): Promise<any> {
  const { metric, truth } = input;
  const results = await waitForResults(input.flagKey, metric.id);
  expect(results.metrics.find((m: any) => m.key === metric.id)).toMatchObject({
    kind: 'mean',
    unit: 'EUR',
    roles: ['goal'],
    version: 1,
  });
  for (const variant of ['control', 'treatment']) {
    const arm = results.variants.find((v: any) => v.variant === variant);
    const value = arm.metrics.find((m: any) => m.key === metric.id);
    expect(value.units).toBe(UNITS / 2);
    // Σ per unit over both rounds: the cumulative second export is not double counted.
    expect(value.value).toBeCloseTo(truth.get(variant)!, 6);
  }
  const treatment = results.variants.find((v: any) => v.variant === 'treatment');
  const lift = treatment.metrics.find((m: any) => m.key === metric.id).comparison.relative;
  expect(lift.interval[0]).toBeLessThan(LIFT);
  expect(lift.interval[1]).toBeGreaterThan(LIFT);
  expect(lift.interval[0]).toBeGreaterThan(0);
}

describe('a metric over OTel metric data points, end to end', () => {
  it('recovers the injected lift from a histogram sent by the OTel metrics SDK over OTLP', async () => {
    await startExperiment('basket', basketValue);
    const truth = await sendBaskets({ flagKey: 'basket', metricName: 'shop.basket.value' });
    await expectRecovered({ flagKey: 'basket', metric: basketValue, truth });
  });

  it('reads exponential histograms from the OTel metrics SDK, and only for their point type', async () => {
    const metric: MetricDefinition = {
      ...basketValue,
      id: 'basket_value_exp',
      filters: { metricName: 'shop.basket.exp', pointType: 'exponential_histogram' },
    };
    await startExperiment('basket-exp', metric);
    const truth = await sendBaskets({
      flagKey: 'basket-exp',
      metricName: 'shop.basket.exp',
      exponential: true,
    });
    await expectRecovered({ flagKey: 'basket-exp', metric, truth });
    // The same points under another point type match nothing.
    const { clickhouse, tables } = harness.app.context;
    const stored = await clickhouse.query({
      query: `SELECT count() AS n FROM ${tables.metricsHistogram} WHERE MetricName = 'shop.basket.exp'`,
      format: 'JSONEachRow',
    });
    expect(await stored.json()).toEqual([{ n: 0 }]);
  });

  it('reads summaries sent over OTLP/JSON: each series its last point', async () => {
    const metric: MetricDefinition = {
      ...basketValue,
      id: 'order_value',
      filters: { metricName: 'checkout.order.value', pointType: 'summary' },
    };
    await startExperiment('orders', metric);
    const truth = await sendSummaries('orders');
    await expectRecovered({ flagKey: 'orders', metric, truth });
  });
});
