/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- JSON response bodies are checked by the assertions that read them */
/**
 * CUPED on catalog metrics through the API: each unit spends at its own level s_i before and
 * after its first exposure (tracked events and payment spans), the treatment 20 % more after,
 * and logs errors on its payments' traces at its own rate; the covariate is the same metric
 * (a ratio: its numerator and denominator) over the unit's records in the 14 days before
 * exposure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/create-rng.js';
import { formatResultsTable } from '../../src/analysis/format-results-table.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import {
  ADMIN_TOKEN,
  call,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
  type Harness,
} from '../control-plane/control-plane-harness.js';
import { makeConversionSpan, makeExposureSpan, makeSpan } from './telemetry-rows.js';
import {
  makeErrorLogsMetric,
  makePurchaseValueMetric,
  makeRevenueMetric,
} from '../metrics/metric-fixtures.js';

let harness: Harness;
const T0 = Date.now() - 3_600_000;
const DAY_MS = 86_400_000;
const UNITS = 2000;
const LIFT = 0.2;

const orders = (id: string, cuped: boolean) => makePurchaseValueMetric({ id, unit: 'EUR', cuped });
const perPayment = (id: string, cuped: boolean) =>
  makeRevenueMetric({ id, kind: 'ratio', denominator: { value: { type: 'count' } }, cuped });
const METRICS = [
  orders('order_value', true),
  orders('order_value_plain', false),
  makeRevenueMetric({ cuped: true }),
  perPayment('amount_per_payment', true),
  perPayment('amount_per_payment_plain', false),
  makeErrorLogsMetric({ cuped: true }),
];

const purchase = (unitId: string, timeMs: number, value: number) =>
  makeConversionSpan({ unitId, timeMs, event: 'purchase', value: value.toFixed(2) });

const payment = (unitId: string, timeMs: number, attributes: Record<string, string>) =>
  makeSpan({
    timeMs,
    SpanName: 'POST /pay',
    SpanAttributes: { 'tripwire.unit.id': unitId, ...attributes },
  });

/**
 * Per metric and unit the truth: x = its value over the lookback, y = after exposure; for the
 * ratio (amount per payment) also the payments, before (v) and after (w).
 */
const truth = {
  order_value: new Map<string, Unit>(),
  revenue: new Map<string, Unit>(),
  log_errors: new Map<string, Unit>(),
};
interface Unit {
  variant: string;
  x: number;
  y: number;
  v: number;
  w: number;
}

/** Error log records on a payment's trace: the unit's own rate, ⌊s_i/10⌋ − 1, plus noise. */
function makeErrorLogs(span: { TraceId: string; Timestamp: string }, count: number): object[] {
  return Array.from({ length: count }, () => ({
    Timestamp: span.Timestamp,
    TraceId: span.TraceId,
    SeverityNumber: 17,
    SeverityText: 'ERROR',
    ServiceName: 'api',
    Body: 'payment failed',
    LogAttributes: {},
  }));
}

/**
 * Per unit a level s_i ~ U[10, 50]; two purchases and two payments of s_i·U[0.8, 1.2] in the
 * days before exposure (payments unstamped: the unit's other assignments carry only its id) and
 * two of each after (stamped), the `on` arm's 20 % higher; one unit in five of each arm has one
 * more payment. Records older than the lookback are not the covariate's: a 15-day-old purchase
 * of 10,000 for every unit would swamp it.
 */
async function insertTelemetry(): Promise<void> {
  const rng = createRng(11);
  const spans: object[] = [];
  const logs: object[] = [];
  for (let i = 0; i < UNITS; i++) {
    const variant = i % 2 === 0 ? 'off' : 'on';
    const unitId = `u${i}`;
    const level = 10 + 40 * rng();
    // Rounded as the attribute stores it.
    const amount = (lift: number) => Number((level * (0.8 + 0.4 * rng()) * lift).toFixed(2));
    const orders: Unit = { variant, x: 0, y: 0, v: 0, w: 0 };
    const revenue: Unit = { variant, x: 0, y: 0, v: 0, w: 0 };
    const errors: Unit = { variant, x: 0, y: 0, v: 0, w: 0 };
    const errorCount = () => Math.floor(level / 10) - 1 + (rng() < 0.3 ? 1 : 0);
    spans.push(makeExposureSpan({ flagKey: 'checkout', variant, unitId, timeMs: T0 }));
    spans.push(purchase(unitId, T0 - 15 * DAY_MS, 10_000 * rng()));
    for (const before of [2 * DAY_MS, 3_600_000]) {
      const [bought, paid] = [amount(1), amount(1)];
      spans.push(purchase(unitId, T0 - before, bought));
      const span = payment(unitId, T0 - before, { 'payment.amount': paid.toFixed(2) });
      const failures = errorCount();
      spans.push(span);
      logs.push(...makeErrorLogs(span, failures));
      orders.x += bought;
      revenue.x += paid;
      revenue.v += 1;
      errors.x += failures;
    }
    const lift = variant === 'on' ? 1 + LIFT : 1;
    // A server span stamped with the variant that started before the exposure is the unit's
    // post-exposure record (the assignment came later in its request), never its covariate's.
    const stampedEarly = i % 10 < 2 ? [-500] : [];
    for (const after of [1000, 2000, ...stampedEarly]) {
      const [bought, paid] = [amount(lift), amount(lift)];
      if (after > 0) spans.push(purchase(unitId, T0 + after, bought));
      const span = payment(unitId, T0 + after, {
        'tripwire.variant.checkout': variant,
        'payment.amount': paid.toFixed(2),
      });
      const failures = errorCount();
      spans.push(span);
      logs.push(...makeErrorLogs(span, failures));
      if (after > 0) orders.y += bought;
      revenue.y += paid;
      revenue.w += 1;
      errors.y += failures;
    }
    truth.order_value.set(unitId, orders);
    truth.revenue.set(unitId, revenue);
    truth.log_errors.set(unitId, errors);
  }
  const { clickhouse, tables } = harness.app.context;
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
  await clickhouse.insert({ table: tables.logs, values: logs, format: 'JSONEachRow' });
}

beforeAll(async () => {
  harness = await startHarness();
  for (const metric of METRICS) {
    const created = await call(harness, 'POST', '/api/v1/metrics', {
      token: ADMIN_TOKEN,
      body: { metric, reason: 'checkout experiment' },
    });
    expect(created.status).toBe(201);
  }
  const flag = await call(harness, 'POST', '/api/v1/flags', {
    token: ADMIN_TOKEN,
    body: {
      flag: {
        ...makeFlag('checkout'),
        metrics: {
          goal: 'order_value',
          secondary: METRICS.slice(1).map((metric) => metric.id),
        },
      },
    },
  });
  expect(flag.status).toBe(201);
  await insertTelemetry();
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

const width = (lift: { interval: [number, number] }) => lift.interval[1] - lift.interval[0];

describe('CUPED on catalog metrics', () => {
  it('recovers the injected lift with a narrower interval than the same metric without CUPED', async () => {
    const response = await call(harness, 'GET', '/api/v1/experiments/checkout/results', {
      token: ADMIN_TOKEN,
    });
    expect(response.status).toBe(200);
    const { metrics, variants } = response.body;
    const described = (key: string) => metrics.find((m: { key: string }) => m.key === key);
    expect(described('order_value').cuped).toEqual({ applied: true, lookbackDays: 14 });
    expect(described('revenue').cuped).toEqual({ applied: true, lookbackDays: 14 });
    expect(described('order_value_plain').cuped).toBeUndefined();
    const on = variants.find((v: { variant: string }) => v.variant === 'on');
    const result = (key: string) => on.metrics.find((m: { key: string }) => m.key === key);
    const adjusted = result('order_value').comparison;
    const plain = result('order_value_plain').comparison;
    expect(plain.cuped).toBeUndefined();
    // The unadjusted comparison is the same metric's; CUPED adds the adjusted one.
    expect(adjusted.relative.estimate).toBeCloseTo(plain.relative.estimate, 12);
    expect(adjusted.cuped.varianceReduction).toBeGreaterThan(0.5);
    expect(adjusted.cuped.theta).toBeGreaterThan(0.5);
    const [lower, upper] = adjusted.cuped.relative.interval;
    expect(lower).toBeLessThan(LIFT);
    expect(upper).toBeGreaterThan(LIFT);
    expect(width(adjusted.cuped.relative)).toBeLessThan(0.7 * width(plain.relative));
    expect(width(adjusted.cuped.absolute)).toBeLessThan(0.7 * width(plain.absolute));
    // Spans: the unit's unstamped payments before exposure are its covariate.
    const revenue = result('revenue').comparison;
    expect(revenue.cuped.varianceReduction).toBeGreaterThan(0.5);
    expect(revenue.cuped.relative.interval[0]).toBeLessThan(LIFT);
    expect(revenue.cuped.relative.interval[1]).toBeGreaterThan(LIFT);
    expect(width(revenue.cuped.relative)).toBeLessThan(0.7 * width(revenue.relative));
    // A ratio (amount per payment): adjusted by the unit's amount and payments before exposure.
    expect(described('amount_per_payment').cuped).toEqual({ applied: true, lookbackDays: 14 });
    const ratio = result('amount_per_payment').comparison;
    const ratioPlain = result('amount_per_payment_plain').comparison;
    expect(ratio.relative.estimate).toBeCloseTo(ratioPlain.relative.estimate, 12);
    expect(ratio.cuped.varianceReduction).toBeGreaterThan(0.5);
    expect(ratio.cuped.relative.interval[0]).toBeLessThan(LIFT);
    expect(ratio.cuped.relative.interval[1]).toBeGreaterThan(LIFT);
    expect(width(ratio.cuped.relative)).toBeLessThan(0.7 * width(ratioPlain.relative));
    // Logs: the error records of the unit's traces before exposure (no effect injected).
    const errors = result('log_errors').comparison;
    expect(errors.cuped.varianceReduction).toBeGreaterThan(0.5);
    expect(errors.cuped.absolute.interval[0]).toBeLessThan(0);
    expect(errors.cuped.absolute.interval[1]).toBeGreaterThan(0);
    expect(width(errors.cuped.absolute)).toBeLessThan(0.7 * width(errors.absolute));
    // tripwire results lists the adjusted lifts under the table.
    const text = formatResultsTable(response.body);
    const line = text.split('\n').find((l) => l.startsWith('  order_value  on: '));
    const percent = (v: number) => `${v > 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
    expect(text).toContain('CUPED (pre-exposure covariate):');
    expect(line).toBe(
      `  order_value  on: ${percent(adjusted.cuped.relative.estimate)} [${percent(lower)}, ${percent(upper)}] (variance −${(adjusted.cuped.varianceReduction * 100).toFixed(0)}%)`,
    );
  });

  it("computes each unit's covariate over the lookback exactly (events, spans, logs)", async () => {
    for (const definition of [METRICS[0]!, METRICS[2]!, METRICS[5]!]) {
      const { covariates } = await fetchMetricArms(harness.app.context, {
        definition,
        flagKey: 'checkout',
        covariate: true,
      });
      const units = truth[definition.id as keyof typeof truth];
      for (const variant of ['off', 'on']) {
        const arm = [...units.values()].filter((u) => u.variant === variant);
        const sum = (f: (u: Unit) => number) => arm.reduce((a, u) => a + f(u), 0);
        const expected = {
          units: arm.length,
          sum: sum((u) => u.y),
          sumSquares: sum((u) => u.y * u.y),
          covariateSum: sum((u) => u.x),
          covariateSumSquares: sum((u) => u.x * u.x),
          sumCrossProducts: sum((u) => u.x * u.y),
        };
        const actual = covariates?.get(variant);
        if (actual?.kind !== 'mean') throw new Error(`${definition.id}: no mean covariate`);
        expect(actual.stats.units).toBe(expected.units);
        for (const [field, value] of Object.entries(expected))
          expect(actual.stats[field as keyof typeof expected]).toBeCloseTo(value, 4);
      }
    }
  });

  it("computes a ratio's pre-exposure numerator and denominator for each unit exactly", async () => {
    const { covariates } = await fetchMetricArms(harness.app.context, {
      definition: METRICS[3]!,
      flagKey: 'checkout',
      covariate: true,
    });
    for (const variant of ['off', 'on']) {
      const arm = [...truth.revenue.values()].filter((u) => u.variant === variant);
      const sum = (f: (u: Unit) => number) => arm.reduce((a, u) => a + f(u), 0);
      // y, w after exposure (amount, payments), x, v before.
      const expected = {
        units: arm.length,
        sumNumerator: sum((u) => u.y),
        sumDenominator: sum((u) => u.w),
        sumCrossProducts: sum((u) => u.y * u.w),
        covariateSumNumerator: sum((u) => u.x),
        covariateSumDenominator: sum((u) => u.v),
        covariateSumNumeratorSquares: sum((u) => u.x * u.x),
        covariateSumCrossProducts: sum((u) => u.x * u.v),
        sumNumeratorCovariateNumerator: sum((u) => u.y * u.x),
        sumNumeratorCovariateDenominator: sum((u) => u.y * u.v),
        sumDenominatorCovariateNumerator: sum((u) => u.w * u.x),
        sumDenominatorCovariateDenominator: sum((u) => u.w * u.v),
      };
      const actual = covariates?.get(variant);
      if (actual?.kind !== 'ratio') throw new Error('no ratio covariate');
      for (const [field, value] of Object.entries(expected))
        expect(actual.stats[field as keyof typeof expected], field).toBeCloseTo(value, 4);
    }
  });

  it('refuses CUPED where the math does not allow it (quantiles), naming /metric/cuped and why', async () => {
    const refused = async (metric: object) => {
      const created = await call(harness, 'POST', '/api/v1/metrics', {
        token: ADMIN_TOKEN,
        body: { metric, reason: 'refused' },
      });
      expect(created.status).toBe(400);
      expect(created.body.pointer).toBe('/metric/cuped');
      return String(created.body.message);
    };
    const quantile = makeRevenueMetric({
      id: 'pay_p90',
      kind: 'quantile',
      quantile: 0.9,
      cuped: true,
    });
    expect(await refused(quantile)).toContain('no linear estimator');
  });
});
