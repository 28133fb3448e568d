import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { createRng } from '../../src/create-rng.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import { fetchMetricSeries } from '../../src/repositories/metrics/fetch-metric-series.js';
import { addUnitTotals, type UnitTotals } from '../../src/repositories/metrics/metric-kind.js';
import { METRIC_KIND_MODULES } from '../../src/repositories/metrics/metric-kinds.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';
import {
  makeBasketValueMetric,
  makeCacheHitRatioMetric,
  makePurchaseValueMetric,
  makeRevenueMetric,
} from './metric-fixtures.js';
import {
  makeConversionSpan,
  makeExposureSpan,
  makeSpan,
  type SpanRow,
} from '../analysis/telemetry-rows.js';

const FLAG = 'series-v1';
const T0 = Date.UTC(2026, 5, 1, 12);
const MINUTE = 60_000;
const UNITS = 400;
/** One-minute buckets from T0 to T0 + 9 min: units are exposed over the first 5. */
const BUCKET_SECONDS = 60;
const CHECKPOINTS = Array.from({ length: 10 }, (_, i) => T0 / 1000 + 60 * i);

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

/** What each record adds to each metric (by id), to compute every checkpoint in JavaScript. */
interface RecordTruth {
  unitId: string;
  timeMs: number;
  parts: Record<string, Partial<UnitTotals>>;
}
const exposures = new Map<string, { variant: string; timeMs: number }>();
const records: RecordTruth[] = [];

/** A data point as stored: one OTel time series (metric, unit) and its value at a time. */
interface PointTruth {
  unitId: string;
  metricName: 'shop.items' | 'shop.spend' | 'shop.cart';
  /** A unit's second series of the same metric (attribute `cart.id`). */
  cartId?: string;
  timeMs: number;
  value: number;
}
const points: PointTruth[] = [];
/** How each series' points add up to its value so far: cumulative, delta, gauge. */
const POINT_STATE: Record<PointTruth['metricName'], (values: number[]) => number> = {
  'shop.items': (values) => values.at(-1) ?? 0,
  'shop.spend': (values) => values.reduce((a, v) => a + v, 0),
  'shop.cart': (values) => values.reduce((a, v) => a + v, 0) / values.length,
};

const ZERO: UnitTotals = {
  ySum: 0,
  yHits: 0,
  yPositive: 0,
  yMax: -Infinity,
  yMin: Infinity,
  xSum: 0,
  xHits: 0,
};

/** A numerator record of value y (hit), as `metric-sql.ts` reads it. */
const numerator = (y: number): Partial<UnitTotals> => ({
  ySum: y,
  yHits: 1,
  yPositive: y > 0 ? 1 : 0,
  yMax: y,
  yMin: y,
});

function generate(): SpanRow[] {
  const rng = createRng(29);
  const spans: SpanRow[] = [];
  for (let i = 0; i < UNITS; i++) {
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const unitId = `unit-${i}`;
    const exposedMs = T0 + (i % 5) * MINUTE + 10_000;
    exposures.set(unitId, { variant, timeMs: exposedMs });
    spans.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedMs }));
    const stamp = { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId };
    if (rng() < 0.2) {
      // A stamped span a minute before the exposure counts for the unit once it is exposed.
      const timeMs = exposedMs - 70_000;
      const amount = 20;
      spans.push(
        makeSpan({
          timeMs,
          SpanName: 'POST /pay',
          SpanAttributes: { ...stamp, 'payment.amount': String(amount), early: 'true' },
        }),
      );
      const pay = numerator(amount);
      records.push({
        unitId,
        timeMs,
        parts: { revenue: pay, revenue_max: pay, revenue_mean: pay, paid: pay, payments: pay },
      });
    }
    for (let p = 0; p < Math.floor(rng() * 4); p++) {
      const timeMs = exposedMs + Math.floor(rng() * 4 * MINUTE);
      // Refunds (negative amounts) too: a metric of such values can fall below zero.
      const amount = Math.round((rng() < 0.15 ? -30 : 50) * (0.5 + rng()) * 100) / 100;
      const y = variant === 'treatment' ? Math.round(amount * 120) / 100 : amount;
      const durationMs = 40 + Math.floor(rng() * 60);
      spans.push(
        makeSpan({
          timeMs,
          SpanName: 'POST /pay',
          Duration: String(durationMs * 1_000_000),
          SpanAttributes: { ...stamp, 'payment.amount': String(y) },
        }),
      );
      const pay = numerator(y);
      records.push({
        unitId,
        timeMs,
        parts: { revenue: pay, revenue_max: pay, revenue_mean: pay, paid: pay, payments: pay },
      });
      records.push({ unitId, timeMs, parts: { pay_p90: numerator(durationMs) } });
      const hit = rng() < 0.6;
      spans.push(
        makeSpan({
          timeMs,
          SpanName: 'cache.get',
          SpanKind: 'Client',
          SpanAttributes: { ...stamp, 'cache.hit': String(hit) },
        }),
      );
      const lookup = { xSum: 1, xHits: 1 };
      records.push({
        unitId,
        timeMs,
        parts: { cache_hit_ratio: hit ? { ...numerator(1), ...lookup } : lookup },
      });
    }
    // Data points a minute apart: a cumulative item count, delta spend, a cart-size gauge.
    let items = 0;
    for (let k = 1; k <= 1 + Math.floor(rng() * 4); k++) {
      const timeMs = exposedMs + k * MINUTE - 5000;
      items += Math.floor(rng() * 3);
      const spend = Math.round((variant === 'treatment' ? 12 : 10) * rng() * 100) / 100;
      points.push({ unitId, metricName: 'shop.items', timeMs, value: items });
      points.push({ unitId, metricName: 'shop.spend', timeMs, value: spend });
      points.push({ unitId, metricName: 'shop.cart', timeMs, value: Math.floor(rng() * 5) - 1 });
    }
    // Every fourth unit has a second cart from its third minute on, whose mean falls below 0.
    if (i % 4 === 0)
      [3, -5, -5].forEach((value, k) => {
        const timeMs = exposedMs + (k + 3) * MINUTE - 5000;
        points.push({ unitId, metricName: 'shop.cart', cartId: 'b', timeMs, value });
      });
    // A purchase before exposure does not count (tracked events count from exposure on).
    const purchaseMs = exposedMs + (rng() < 0.2 ? -5000 : Math.floor(rng() * 3 * MINUTE));
    spans.push(makeConversionSpan({ unitId, timeMs: purchaseMs, event: 'purchase', value: 10 }));
    if (purchaseMs >= exposedMs)
      records.push({ unitId, timeMs: purchaseMs, parts: { purchase_value: numerator(10) } });
  }
  return spans;
}

const DEFINITIONS: MetricDefinition[] = [
  makeRevenueMetric({ capping: { type: 'absolute', upper: 80 } }),
  makeRevenueMetric({ id: 'revenue_max', unitAggregation: 'max' }),
  makeRevenueMetric({ id: 'revenue_mean', unitAggregation: 'mean' }),
  makeRevenueMetric({ id: 'paid', kind: 'proportion' }),
  makeRevenueMetric({ id: 'payments', kind: 'count', capping: { type: 'absolute', upper: 2 } }),
  makeCacheHitRatioMetric(),
  makePurchaseValueMetric(),
];
const point = (id: string, metricName: string, overrides: Partial<MetricDefinition> = {}) =>
  makeBasketValueMetric({ id, filters: { metricName }, ...overrides });
const POINT_DEFINITIONS: MetricDefinition[] = [
  point('items', 'shop.items'),
  point('spend', 'shop.spend', { capping: { type: 'absolute', upper: 25 } }),
  point('cart_max', 'shop.cart', { unitAggregation: 'max' }),
  point('carts', 'shop.cart', { kind: 'proportion' }),
  point('cart_sum', 'shop.cart'),
  point('cart_series', 'shop.cart', { kind: 'count' }),
];
const CART_P50 = point('cart_p50', 'shop.cart', { kind: 'quantile', quantile: 0.5 });

const P90: MetricDefinition = makeRevenueMetric({
  id: 'pay_p90',
  value: { type: 'duration' },
  kind: 'quantile',
  quantile: 0.9,
  filters: { spanName: 'POST /pay', attributes: [{ attribute: 'early', op: 'not_exists' }] },
});

/** A metric-point definition's records at `endMs`: each series' value over its points before it. */
function pointRecordsAt(definition: MetricDefinition, endMs: number): RecordTruth[] {
  const name = definition.filters?.metricName;
  const series = new Map<string, { unitId: string; values: number[] }>();
  for (const p of points) {
    if (p.metricName !== name || p.timeMs >= endMs) continue;
    const key = `${p.unitId} ${p.cartId ?? ''}`;
    const values = series.get(key)?.values ?? [];
    series.set(key, { unitId: p.unitId, values: [...values, p.value] });
  }
  return [...series.values()].map(({ unitId, values }) => ({
    unitId,
    timeMs: 0,
    parts: { [definition.id]: numerator(POINT_STATE[name as PointTruth['metricName']](values)) },
  }));
}

/** Each arm's statistics over the units exposed and the records before `endMs`, from the truth. */
function expectedAt(definition: MetricDefinition, endMs: number): Map<string, MetricStats> {
  const totals = new Map<string, UnitTotals>();
  for (const [unitId, exposure] of exposures) if (exposure.timeMs < endMs) totals.set(unitId, ZERO);
  for (const record of [...records, ...pointRecordsAt(definition, endMs)]) {
    const part = record.parts[definition.id];
    const unit = totals.get(record.unitId);
    if (part === undefined || unit === undefined || record.timeMs >= endMs) continue;
    totals.set(record.unitId, addUnitTotals(unit, { ...ZERO, ...part }));
  }
  const summarize = METRIC_KIND_MODULES[definition.kind].summarizeUnits!;
  return new Map(
    ['control', 'treatment'].map((variant) => [
      variant,
      summarize(
        [...totals].filter(([id]) => exposures.get(id)?.variant === variant).map(([, t]) => t),
        definition,
      ),
    ]),
  );
}

function expectStatsClose(actual: MetricStats | undefined, expected: MetricStats | undefined) {
  expect(actual?.kind).toBe(expected?.kind);
  for (const [field, value] of Object.entries(expected ?? {})) {
    const got = (actual as unknown as Record<string, unknown>)[field];
    if (typeof value === 'number') expect(got).toBeCloseTo(value, 6);
    else if (Array.isArray(value)) expect(got).toEqual(value);
  }
}

const fetchSeries = (definition: MetricDefinition) =>
  fetchMetricSeries(
    { clickhouse, tables },
    {
      definition,
      flagKey: FLAG,
      records: 'raw',
      bucketSeconds: BUCKET_SECONDS,
      checkpoints: CHECKPOINTS,
    },
  );

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  await clickhouse.insert({ table: tables.traces, values: generate(), format: 'JSONEachRow' });
  const row = (p: PointTruth) => ({
    ServiceName: 'shop',
    MetricName: p.metricName,
    Attributes: {
      [`tripwire.variant.${FLAG}`]: exposures.get(p.unitId)?.variant ?? '',
      'tripwire.unit.id': p.unitId,
      ...(p.cartId === undefined ? {} : { 'cart.id': p.cartId }),
    },
    TimeUnix: new Date(p.timeMs).toISOString().slice(0, 19).replace('T', ' '),
    Value: p.value,
  });
  const sums = points.filter((p) => p.metricName !== 'shop.cart');
  await clickhouse.insert({
    table: tables.metricsSum,
    values: sums.map((p) => ({
      ...row(p),
      AggregationTemporality: p.metricName === 'shop.items' ? 2 : 1,
    })),
    format: 'JSONEachRow',
  });
  await clickhouse.insert({
    table: tables.metricsGauge,
    values: points.filter((p) => p.metricName === 'shop.cart').map(row),
    format: 'JSONEachRow',
  });
}, 60_000);

afterAll(async () => {
  await close();
});

describe('fetchMetricSeries', () => {
  it.each([...DEFINITIONS, ...POINT_DEFINITIONS].map((d) => [`${d.kind} ${d.id}`, d] as const))(
    'computes %s at every checkpoint from the units exposed and the records before its end',
    async (_, definition) => {
      const points = await fetchSeries(definition);
      CHECKPOINTS.forEach((bucket, i) => {
        const expected = expectedAt(definition, (bucket + BUCKET_SECONDS) * 1000);
        for (const variant of ['control', 'treatment']) {
          const point = points.find((p) => p.bucket === bucket && p.variant === variant);
          expectStatsClose(point?.stats, expected.get(variant));
        }
        // Units arrive over the first five minutes: the early points hold fewer of them.
        if (i < 4) expect(expected.get('control')!.units).toBeLessThan(UNITS / 2);
      });
    },
  );

  it.each([...DEFINITIONS, P90, ...POINT_DEFINITIONS, CART_P50].map((d) => [d.id, d] as const))(
    'ends at what fetchMetricArms answers for %s',
    async (_, definition) => {
      const points = await fetchSeries(definition);
      const { arms } = await fetchMetricArms({ clickhouse, tables }, { definition, flagKey: FLAG });
      const last = CHECKPOINTS.at(-1);
      for (const variant of ['control', 'treatment']) {
        const point = points.find((p) => p.bucket === last && p.variant === variant);
        expectStatsClose(point?.stats, arms.get(variant));
      }
    },
  );

  it('counts the buckets between sparse checkpoints at the next checkpoint', async () => {
    const sparse = CHECKPOINTS.filter((_, i) => i % 3 === 1);
    const definition = DEFINITIONS[0]!;
    const points = await fetchMetricSeries(
      { clickhouse, tables },
      {
        definition,
        flagKey: FLAG,
        records: 'raw',
        bucketSeconds: BUCKET_SECONDS,
        checkpoints: sparse,
      },
    );
    expect(new Set(points.map((p) => p.bucket))).toEqual(new Set(sparse));
    for (const bucket of sparse.slice(0, -1)) {
      const expected = expectedAt(definition, (bucket + BUCKET_SECONDS) * 1000);
      for (const variant of ['control', 'treatment']) {
        const point = points.find((p) => p.bucket === bucket && p.variant === variant);
        expectStatsClose(point?.stats, expected.get(variant));
      }
    }
  });

  it('computes a quantile at each checkpoint over the records before its end', async () => {
    const points = await fetchSeries(P90);
    for (const bucket of CHECKPOINTS.slice(0, -1)) {
      const until = new Date((bucket + BUCKET_SECONDS) * 1000);
      // Every record follows its unit's exposure, so `until` alone gives the same records.
      const { arms } = await fetchMetricArms(
        { clickhouse, tables },
        { definition: P90, flagKey: FLAG, until },
      );
      for (const variant of ['control', 'treatment']) {
        const point = points.find((p) => p.bucket === bucket && p.variant === variant);
        expectStatsClose(point?.stats, arms.get(variant));
      }
    }
    const first = points.filter((p) => p.bucket === CHECKPOINTS[0]);
    const last = points.filter((p) => p.bucket === CHECKPOINTS.at(-1));
    expect(first[0]!.stats.units).toBeLessThan(last[0]!.stats.units);
  });
});
