/**
 * Metrics as data, end to end with the real OpenTelemetry SDKs: one experiment judged on four
 * catalog metrics over three signals — revenue per user (a numeric span attribute), a cache-hit
 * ratio (Σ hits / Σ lookups over spans), error logs per user (log records, unit from the trace
 * context) and basket value (an OTel histogram whose points carry the variant through
 * `assignmentAttributes()`). The shop code uses @tripwire/sdk on the SSE stream with NodeSDK's
 * trace, logs and metrics pipelines exporting OTLP/HTTP to the service. Each metric has a known
 * injected effect that the results API recovers within its interval; a guardrail on the
 * error-log metric makes the guardian kill the treatment.
 */
import { metrics, SpanKind, trace } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Guardrail, MetricDefinition } from '@tripwire/schema';
import {
  assignmentAttributes,
  createClient,
  TripwireSpanProcessor,
  type TripwireClient,
} from '@tripwire/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../dashboards/demo-telemetry.js';
import {
  makeBasketValueMetric,
  makeCacheHitRatioMetric,
  makeErrorLogsMetric,
  makeRevenueMetric,
} from '../../services/analysis/test/metrics/metric-fixtures.js';
import {
  splitFlag,
  startStack,
  startWebhookReceiver,
  waitFor,
  waitForKillReport,
  type Stack,
} from './e2e-stack.js';

const FLAG = 'checkout-v2';
/** Below the OTel metrics SDK's 2000 attribute sets per instrument: one histogram series per unit. */
const USERS = 1200;
const REQUESTS_PER_USER = 3;
const LOOKUPS_PER_REQUEST = 2;

/** The injected effects: what the treatment changes, and the truth the intervals must cover. */
const EFFECT = {
  revenueRelative: 0.2,
  hitRate: { off: 0.5, on: 0.65 },
  errorLogRate: { off: 0.1, on: 0.3 },
  basketRelative: 0.25,
} as const;

const METRICS: MetricDefinition[] = [
  makeRevenueMetric(),
  makeCacheHitRatioMetric(),
  makeErrorLogsMetric({
    id: 'error_logs',
    filters: { severityAtLeast: 'error', bodyContains: 'payment failed' },
  }),
  makeBasketValueMetric(),
];

const GUARDRAIL: Guardrail = {
  id: 'error-logs',
  metric: 'error_logs',
  direction: 'lower_is_better',
  margin: 0.1,
  alpha: 0.05,
  minSample: 100,
  action: 'kill',
};

type Arm = 'off' | 'on';
/** Per arm: units, and the sums each metric's value is made of. */
interface ArmTruth {
  units: number;
  revenue: number;
  hits: number;
  lookups: number;
  errorLogs: number;
  basket: number;
}

let stack: Stack;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sdk: NodeSDK;
let client: TripwireClient;
let otelStopped = false;

function startOtel(otlpUrl: string): NodeSDK {
  const started = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [
      new TripwireSpanProcessor(),
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }), {
        maxQueueSize: 65_536,
        maxExportBatchSize: 4096,
        scheduledDelayMillis: 500,
      }),
    ],
    logRecordProcessors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }),
        maxQueueSize: 65_536,
        maxExportBatchSize: 4096,
        scheduledDelayMillis: 500,
      }),
    ],
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${otlpUrl}/v1/metrics` }),
        exportIntervalMillis: 1000,
      }),
    ],
    instrumentations: [],
    autoDetectResources: false,
  });
  started.start();
  return started;
}

/**
 * The shop: each request is a server span; the SDK assigns the user (stamping the span and, in
 * the `withAssignments` scope, every child span), then the request pays, looks up the cache, may
 * log a payment failure and records the basket. Returns the truth per arm.
 */
function serveTraffic(): Record<Arm, ArmTruth> {
  const tracer = trace.getTracer('shop');
  const logger = logs.getLogger('shop');
  const basket = metrics.getMeter('shop').createHistogram('shop.basket.value', { unit: 'EUR' });
  const rng = createRng(17);
  const empty = (): ArmTruth => ({
    units: 0,
    revenue: 0,
    hits: 0,
    lookups: 0,
    errorLogs: 0,
    basket: 0,
  });
  const truth: Record<Arm, ArmTruth> = { off: empty(), on: empty() };
  for (let user = 0; user < USERS; user++) {
    let arm: Arm | undefined;
    for (let request = 0; request < REQUESTS_PER_USER; request++) {
      tracer.startActiveSpan('POST /checkout', { kind: SpanKind.SERVER }, (server) => {
        client.withAssignments(() => {
          const assigned = client.assign(FLAG, { targetingKey: `user-${user}` }, false);
          arm = assigned.variant === 'on' ? 'on' : 'off';
          recordRequest({ arm, rng, truth: truth[arm], tracer, logger, basket });
        });
        server.end();
      });
    }
    if (arm !== undefined) truth[arm].units++;
  }
  return truth;
}

function recordRequest(input: {
  arm: Arm;
  rng: () => number;
  truth: ArmTruth;
  tracer: ReturnType<typeof trace.getTracer>;
  logger: ReturnType<typeof logs.getLogger>;
  basket: ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']>;
}): void {
  const { arm, rng, truth, tracer } = input;
  const treated = arm === 'on';
  const amount = (20 + 40 * input.rng()) * (treated ? 1 + EFFECT.revenueRelative : 1);
  tracer.startActiveSpan('POST /pay', (pay) => {
    pay.setAttribute('payment.amount', amount);
    if (rng() < EFFECT.errorLogRate[arm]) {
      input.logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'payment failed: declined' });
      truth.errorLogs++;
    } else input.logger.emit({ severityNumber: SeverityNumber.INFO, body: 'payment ok' });
    pay.end();
  });
  truth.revenue += amount;
  for (let lookup = 0; lookup < LOOKUPS_PER_REQUEST; lookup++) {
    const hit = rng() < EFFECT.hitRate[arm];
    tracer.startSpan('cache.get', { attributes: { 'cache.hit': hit } }).end();
    truth.hits += hit ? 1 : 0;
    truth.lookups++;
  }
  const value = (10 + 30 * rng()) * (treated ? 1 + EFFECT.basketRelative : 1);
  input.basket.record(value, assignmentAttributes());
  truth.basket += value;
}

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  stack = await startStack({
    guardianIntervalSeconds: 1,
    webhookUrl: webhook.url,
    targetUnits: 1000,
  });
  for (const metric of METRICS)
    await stack.request('POST', '/api/v1/metrics', { metric, reason: 'checkout experiment' });
  await stack.request('POST', '/api/v1/flags', {
    flag: {
      ...splitFlag(FLAG, [GUARDRAIL]),
      metrics: { goal: 'revenue', secondary: ['cache_hit_ratio', 'basket_value', 'error_logs'] },
    },
  });
  const sdkKey = await stack.request<{ secret: string }>('POST', '/api/v1/tokens', {
    name: 'shop',
    kind: 'sdk',
    environments: ['production'],
  });
  sdk = startOtel(stack.otlpUrl);
  client = createClient({
    environment: 'production',
    source: { type: 'stream', baseUrl: stack.apiUrl },
    sdkKey: sdkKey.secret,
    hashKey: 'tripwire-e2e-metrics-hash-key',
    logger: null,
  });
  await client.ready({ timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await client?.close();
  if (!otelStopped) await sdk?.shutdown();
  await stack?.close();
  await webhook?.close();
}, 60_000);

interface Lift {
  estimate: number | null;
  interval: [number | null, number | null];
}
interface MetricResult {
  key: string;
  value: number | null;
  units: number;
  comparison?: { absolute: Lift; relative?: Lift };
}
interface Results {
  metrics: { key: string; kind: string; roles?: string[]; version?: number }[];
  variants: { variant: string; units: number; metrics: MetricResult[] }[];
}

const metricOf = (results: Results, variant: Arm, key: string): MetricResult | undefined =>
  results.variants.find((v) => v.variant === variant)?.metrics.find((m) => m.key === key);

function expectCovers(lift: Lift | undefined, truth: number): void {
  expect(lift?.interval[0]).toBeLessThan(truth);
  expect(lift?.interval[1]).toBeGreaterThan(truth);
}

describe('metrics as data, end to end with the OTel SDKs', () => {
  it('recovers each catalog metric’s injected effect and kills on the error-log guardrail', async () => {
    const truth = serveTraffic();
    // Everything exported before the checks: cumulative histogram points repeat, never double.
    await sdk.shutdown();
    otelStopped = true;
    const units = truth.off.units + truth.on.units;
    expect(units).toBe(USERS);

    const results = await waitFor(
      'every metric over every unit',
      async () => {
        const body = await stack.request<Results>(
          'GET',
          `/api/v1/experiments/${FLAG}/results?maxAgeSeconds=0`,
        );
        const complete = METRICS.every((metric) =>
          (['off', 'on'] as const).every(
            (arm) => metricOf(body, arm, metric.id)?.units === truth[arm].units,
          ),
        );
        return complete ? body : undefined;
      },
      30_000,
    );
    expect(results.metrics.find((m) => m.key === 'revenue')?.roles).toContain('goal');
    expect(results.metrics.find((m) => m.key === 'error_logs')?.roles).toEqual(
      expect.arrayContaining(['secondary', 'guardrail']),
    );

    const value = (arm: Arm, key: string) => metricOf(results, arm, key)?.value;
    for (const arm of ['off', 'on'] as const) {
      const t = truth[arm];
      expect(value(arm, 'revenue')).toBeCloseTo(t.revenue / t.units, 6);
      expect(value(arm, 'cache_hit_ratio')).toBeCloseTo(t.hits / t.lookups, 9);
      expect(value(arm, 'error_logs')).toBeCloseTo(t.errorLogs / t.units, 9);
      expect(value(arm, 'basket_value')).toBeCloseTo(t.basket / t.units, 6);
    }
    const comparison = (key: string) => metricOf(results, 'on', key)?.comparison;
    expectCovers(comparison('revenue')?.relative, EFFECT.revenueRelative);
    expectCovers(comparison('cache_hit_ratio')?.absolute, EFFECT.hitRate.on - EFFECT.hitRate.off);
    expectCovers(
      comparison('error_logs')?.relative,
      EFFECT.errorLogRate.on / EFFECT.errorLogRate.off - 1,
    );
    expectCovers(comparison('basket_value')?.relative, EFFECT.basketRelative);
    // Each effect is also told apart from no effect.
    for (const key of ['revenue', 'cache_hit_ratio', 'error_logs', 'basket_value'])
      expect(comparison(key)?.absolute.interval[0]).toBeGreaterThan(0);

    const report = await waitForKillReport<{ metric: string }>({
      stack,
      flagKey: FLAG,
      timeoutMs: 30_000,
    });
    expect(report.metric).toBe('error_logs');
    // The kill reaches the SDK over the stream: a sample of 50 users all get the control.
    const servesControl = () =>
      Array.from({ length: 50 }, (_, user) => `user-${user}`).every(
        (targetingKey) => client.assign(FLAG, { targetingKey }, false).variant === 'off',
      );
    await waitFor(
      'the SDK to serve the control',
      () => (servesControl() ? true : undefined),
      15_000,
    );
  }, 90_000);
});
