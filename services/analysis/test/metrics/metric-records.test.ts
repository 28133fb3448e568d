/**
 * The materialized records of catalog metrics (migration 0260, `metric-records.ts`) must give
 * exactly the raw signal's statistics, for every kind and source they serve, in any window:
 * records written before the view (backfilled), after it (copied at insert), late ones (older
 * than the split, arriving before the backfill), a filter value with a quote and a backslash,
 * an attribute predicate, events counted from first exposure only. Reads use the raw signal
 * until a version is complete; a new version gets new records and the old ones are dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { createRng } from '../../src/create-rng.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import { fetchMetricTotalsArms } from '../../src/repositories/metrics/metric-totals.js';
import {
  createMetricRecordsKeeper,
  type NamedMetric,
} from '../../src/repositories/metrics/metric-records.js';
import { queryRows } from '../../src/repositories/query-rows.js';
import { openStatsQueries } from '../../src/repositories/stats-queries.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';
import { makeExposureSpan, makeSpan, type SpanRow } from '../analysis/telemetry-rows.js';

const FLAG = 'records-flag';
const T0 = Date.UTC(2026, 5, 1, 12);
const MINUTE = 60_000;
const SPLIT_AT = T0 + 30 * MINUTE;
const timing = { skewMs: MINUTE, latenessMs: 5 * MINUTE };
const SHOP = "o'reilly\\shop";
/** The `@tripwire/stats` input each kind's statistics are. */
const STATS_KIND = {
  ratio: 'ratio',
  mean: 'mean',
  quantile: 'quantile',
  count: 'mean',
  proportion: 'mean',
} as const;

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;
let now = SPLIT_AT - timing.skewMs;

const base = { owner: 'test', direction: 'lower_is_better' } as const;
const span = (id: string, rest: Partial<MetricDefinition>): MetricDefinition => ({
  ...base,
  id,
  name: id,
  source: 'spans',
  value: { type: 'count' },
  kind: 'count',
  ...rest,
});

const METRICS: MetricDefinition[] = [
  span('shop_errors', {
    filters: { service: SHOP },
    value: { type: 'error' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
  }),
  span('search_max', {
    filters: { spanName: 'GET /search' },
    value: { type: 'duration' },
    unitAggregation: 'max',
    kind: 'mean',
    capping: { type: 'absolute', upper: 180 },
  }),
  span('search_min', {
    filters: { spanName: 'GET /search' },
    value: { type: 'duration' },
    unitAggregation: 'min',
    kind: 'mean',
  }),
  span('search_p90', {
    filters: { spanName: 'GET /search' },
    value: { type: 'duration' },
    kind: 'quantile',
    quantile: 0.9,
  }),
  span('big_baskets', {
    filters: { attributes: [{ attribute: 'basket.items', op: 'gte', values: [3] }] },
    kind: 'count',
  }),
  span('any_error', { filters: { status: 'error' }, kind: 'proportion' }),
  {
    ...base,
    id: 'purchase_value',
    name: 'purchase value',
    source: 'events',
    filters: { event: 'purchase' },
    value: { type: 'event_value' },
    kind: 'mean',
  },
];

/** Spans of units [from, to) around `atMs`: exposures, requests of three kinds, events. */
function generate(from: number, to: number, atMs: number, seed: number): SpanRow[] {
  const rng = createRng(seed);
  const rows: SpanRow[] = [];
  for (let u = from; u < to; u++) {
    const variant = u % 2 === 0 ? 'control' : 'treatment';
    const unitId = `u${u}`;
    const exposedAt = atMs + Math.floor(rng() * 10 * MINUTE);
    if (u % 13 !== 0)
      rows.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedAt }));
    const stamp = { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId };
    for (let r = 0; r < 1 + Math.floor(rng() * 4); r++) {
      const timeMs = exposedAt + Math.floor((rng() - 0.2) * 5 * MINUTE);
      rows.push(
        makeSpan({
          timeMs,
          SpanName: rng() < 0.5 ? 'GET /search' : 'POST /cart',
          ServiceName: rng() < 0.5 ? SHOP : 'api',
          Duration: String(Math.floor((20 + rng() * 200) * 1e6)),
          StatusCode: rng() < 0.1 ? 'Error' : 'Unset',
          SpanAttributes: { ...stamp, 'basket.items': String(Math.floor(rng() * 6)) },
        }),
      );
    }
    if (rng() < 0.4) {
      rows.push(
        makeSpan({
          timeMs: exposedAt + Math.floor((rng() - 0.3) * 10 * MINUTE),
          SpanName: 'tripwire.conversion',
          SpanKind: 'Internal',
          ServiceName: 'shop',
          SpanAttributes: {
            'tripwire.unit.id': unitId,
            'tripwire.conversion.event': 'purchase',
            'tripwire.conversion.value': String(Math.round(rng() * 1000) / 10),
          },
        }),
      );
    }
  }
  return rows;
}

const context = () => ({ clickhouse, tables });
const insert = (rows: SpanRow[]) =>
  clickhouse.insert({ table: tables.traces, values: rows, format: 'JSONEachRow' });

let versions = new Map(METRICS.map((m) => [m.id, 1]));
let definitions = new Map(METRICS.map((m) => [m.id, m]));
const named = async (): Promise<NamedMetric[]> =>
  [...definitions.values()].map((definition) => ({
    key: { flagKey: FLAG, metricId: definition.id, version: versions.get(definition.id) ?? 1 },
    definition,
  }));
const keeper = () =>
  createMetricRecordsKeeper({ context: context(), listNamed: named, timing, now: () => now });

async function armsOf(definition: MetricDefinition, window: { since?: Date; until?: Date } = {}) {
  const options = {
    definition,
    flagKey: FLAG,
    version: versions.get(definition.id),
    variants: ['control', 'treatment'],
    ...window,
  };
  const raw = await fetchMetricArms(context(), options);
  const materialized = await fetchMetricArms(context(), { ...options, records: 'materialized' });
  return { raw, materialized };
}

function expectSame(actual: Map<string, MetricStats>, expected: Map<string, MetricStats>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [variant, stats] of expected) {
    const other = actual.get(variant) as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(stats)) {
      // Sums of floats in another order (per-unit totals): equal to the last bits.
      if (typeof value === 'number')
        expect(Math.abs(Number(other[field]) - value)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(value)),
        );
      else expect(other[field]).toEqual(value);
    }
  }
}

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  await insert(generate(0, 120, T0, 1));
}, 60_000);

afterAll(async () => {
  await close();
});

describe('materialized metric records', () => {
  it('are created per named metric, read as raw until backfilled, then equal the raw signal', async () => {
    expect((await keeper().reconcile()).created).toHaveLength(METRICS.length);
    // After the view: records past the split (copied at insert) and late ones before it.
    await insert(generate(120, 200, SPLIT_AT + MINUTE, 2));
    await insert(generate(200, 240, SPLIT_AT - 20 * MINUTE, 3));
    for (const definition of METRICS) {
      expect((await armsOf(definition)).materialized.records).toBe('raw');
    }
    now = SPLIT_AT + timing.latenessMs;
    expect((await keeper().reconcile()).filled).toHaveLength(METRICS.length);
    const windows = [{}, { since: new Date(T0 + 5 * MINUTE) }, { until: new Date(SPLIT_AT) }];
    for (const definition of METRICS) {
      for (const window of windows) {
        const { raw, materialized } = await armsOf(definition, window);
        expect(materialized.records).toBe('materialized');
        expect(materialized.sql).toContain(tables.metricRecords);
        expect(materialized.sql).not.toContain(SHOP);
        expect(raw.arms.get('treatment')?.kind).toBe(STATS_KIND[definition.kind]);
        expectSame(materialized.arms, raw.arms);
      }
    }
    // 8 backfills and 48 reads of both families: ~4.3 s here, past vitest's 5 s default under load.
  }, 30_000);

  it('keep copying at insert once complete (fresh as ingest)', async () => {
    await insert(generate(240, 300, SPLIT_AT + 10 * MINUTE, 4));
    const { raw, materialized } = await armsOf(METRICS[0]!);
    expect(materialized.records).toBe('materialized');
    expectSame(materialized.arms, raw.arms);
  });

  it('add up per unit at ingest: the totals give the raw statistics, records of every insert alike', async () => {
    // Units 200–240 have records from the backfill and from the view; units 240–300 from a later insert.
    const totals = await fetchMetricTotalsArms(context(), {
      metrics: METRICS.map((definition) => ({ definition, version: 1 })),
      flagKey: FLAG,
      variants: ['control', 'treatment'],
    });
    const spans = METRICS.filter((m) => m.source === 'spans' && m.kind !== 'quantile');
    expect(spans.length).toBeGreaterThan(3);
    for (const definition of spans) {
      const answer = totals.get(definition.id)!;
      expect(answer.sql).toContain(`FROM ${tables.metricTotals}`);
      expectSame(answer.arms, (await armsOf(definition)).raw.arms);
    }
  });

  it('start a key over after a backfill that did not finish (its partial totals are gone)', async () => {
    const [definition] = METRICS;
    const key = { flag_key: FLAG, metric_id: definition!.id, metric_version: 1 };
    // What a backfill that failed part way leaves: its state, a record (and its unit's totals).
    await clickhouse.insert({
      table: tables.metricRollups,
      values: [{ ...key, view_name: 'left', split_ms: SPLIT_AT, state: 'backfilling' }],
      format: 'JSONEachRow',
    });
    await clickhouse.insert({
      table: tables.metricRecords,
      values: [{ ...key, unit_id: 'u1', rec_time: '2026-06-01 12:00:00', y_rec: 1, y_hit: 1 }],
      format: 'JSONEachRow',
    });
    const label = `${FLAG}/${definition!.id}@1`;
    // The clock is past every record so far (the new view copies what is inserted from now on).
    now = SPLIT_AT + 60 * MINUTE;
    expect((await keeper().reconcile()).created).toEqual([label]);
    expect((await armsOf(definition!)).materialized.records).toBe('raw');
    now += timing.skewMs + timing.latenessMs;
    expect((await keeper().reconcile()).filled).toEqual([label]);
    const totals = await fetchMetricTotalsArms(context(), {
      metrics: [{ definition: definition!, version: 1 }],
      flagKey: FLAG,
      variants: ['control', 'treatment'],
    });
    expectSame(totals.get(definition!.id)!.arms, (await armsOf(definition!)).raw.arms);
  });

  it('answer through StatsQueries: the rollup family as the raw family, any window', async () => {
    const scope = { flagKey: FLAG, since: new Date(T0 + 3 * MINUTE) };
    const rollup = await openStatsQueries(context(), { scope, catalog: true });
    const reference = await openStatsQueries(context(), { scope, source: 'raw' });
    expect([rollup.source, reference.source]).toEqual(['rollup', 'raw']);
    for (const definition of METRICS) {
      const input = { definition, version: 1 };
      const answer = await rollup.metricArms(input);
      expect(answer.records).toBe('materialized');
      expectSame(answer.arms, (await reference.metricArms(input)).arms);
    }
  });

  it('a new version gets new records (raw until complete); the old ones are dropped', async () => {
    const changed = { ...METRICS[1]!, capping: { type: 'absolute', upper: 120 } } as const;
    definitions.set(changed.id, changed);
    versions.set(changed.id, 2);
    // The clock is past every record so far (the view copies what is inserted from now + skew on).
    now = SPLIT_AT + 60 * MINUTE;
    const summary = await keeper().reconcile();
    expect(summary.created).toEqual([`${FLAG}/${changed.id}@2`]);
    expect(summary.dropped).toEqual([`${FLAG}/${changed.id}@1`]);
    expect((await armsOf(changed)).materialized.records).toBe('raw');
    const [old] = await queryRows<{ rows: string }>(
      context(),
      `SELECT count() AS rows FROM ${tables.metricRecords} WHERE metric_id = {id:String} AND metric_version = 1`,
      { id: changed.id },
    );
    expect(Number(old?.rows)).toBe(0);
    now += timing.skewMs + timing.latenessMs;
    expect((await keeper().reconcile()).filled).toEqual([`${FLAG}/${changed.id}@2`]);
    const { raw, materialized } = await armsOf(changed);
    expect(materialized.records).toBe('materialized');
    expectSame(materialized.arms, raw.arms);
  });

  it('leave the sources a view cannot copy (logs) to the raw signal, and drop unnamed metrics', async () => {
    const logs: MetricDefinition = {
      ...base,
      id: 'log_errors',
      name: 'log errors',
      source: 'logs',
      filters: { severityAtLeast: 'error' },
      value: { type: 'count' },
      kind: 'count',
    };
    definitions = new Map([[logs.id, logs]]);
    versions = new Map([[logs.id, 1]]);
    const summary = await keeper().reconcile();
    expect(summary.created).toEqual([]);
    expect(summary.dropped).toHaveLength(METRICS.length);
    expect((await armsOf(logs)).materialized.records).toBe('raw');
    const [left] = await queryRows<{ rows: string }>(
      context(),
      `SELECT count() AS rows FROM ${tables.metricRecords}`,
      {},
    );
    expect(Number(left?.rows)).toBe(0);
  });
});
