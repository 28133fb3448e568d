/**
 * All of a flag's materialized catalog metrics in one query (`metric-totals.ts`) must give the
 * raw signal's statistics, metric by metric, for every kind that has totals SQL: ratio, every
 * unit aggregation of a mean (with capping that gives units without records a value), count,
 * proportion, tracked events (counted from first exposure only), in an environment and a window
 * (spans metrics from their per-unit totals, unless the window cuts a unit's records);
 * quantiles and versions whose records are not complete are left to `fetchMetricArms`; the
 * live results' catalog read (`fetchCatalogMetrics`) and a guardian check (`createFactsSources`)
 * answer with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import { fetchCatalogMetrics } from '../../src/analysis/fetch-catalog-metrics.js';
import { createMetricStore } from '../../src/control-plane/metric-store.js';
import { createRng } from '../../src/create-rng.js';
import { createFactsSources } from '../../src/guardian/guardian-sources.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import { createMetricRecordsKeeper } from '../../src/repositories/metrics/metric-records.js';
import {
  fetchMetricTotalsArms,
  type VersionedMetric,
} from '../../src/repositories/metrics/metric-totals.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';
import { makeExposureSpan, makeSpan, type SpanRow } from '../analysis/telemetry-rows.js';

const FLAG = 'totals-flag';
const T0 = Date.UTC(2026, 5, 1, 12);
const MINUTE = 60_000;

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
const search = { spanName: 'GET /search' };
const duration = { type: 'duration' } as const;

const METRICS: MetricDefinition[] = [
  span('api_errors', {
    filters: { service: 'api' },
    value: { type: 'error' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
  }),
  span('search_ms_capped', {
    filters: search,
    value: duration,
    denominator: { value: { type: 'count' } },
    capping: { type: 'absolute', upper: 150 },
    kind: 'ratio',
  }),
  span('search_sum', {
    filters: search,
    value: duration,
    kind: 'mean',
    capping: { type: 'absolute', lower: 7.5 },
  }),
  ...(['max', 'min', 'mean'] as const).map((unitAggregation) =>
    span(`search_${unitAggregation}`, {
      filters: search,
      value: duration,
      unitAggregation,
      kind: 'mean',
      capping: { type: 'absolute', lower: 30, upper: 180 },
    }),
  ),
  span('carts', { filters: { spanName: 'POST /cart' }, kind: 'count' }),
  span('carts_floor', {
    filters: { spanName: 'POST /cart' },
    kind: 'count',
    capping: { type: 'absolute', lower: 1.5, upper: 3 },
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
  {
    ...base,
    id: 'purchasers',
    name: 'purchasers',
    source: 'events',
    filters: { event: 'purchase' },
    value: { type: 'count' },
    kind: 'proportion',
  },
];
const P90 = span('search_p90', {
  filters: search,
  value: duration,
  kind: 'quantile',
  quantile: 0.9,
});

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;
const context = () => ({ clickhouse, tables });

/** Units in two environments (some never exposed, some in both arms), requests and events. */
function generate(units: number, seed: number): SpanRow[] {
  const rng = createRng(seed);
  const rows: SpanRow[] = [];
  for (let u = 0; u < units; u++) {
    const variant = u % 2 === 0 ? 'control' : 'treatment';
    const unitId = `u${u}`;
    const exposedAt = T0 + Math.floor(rng() * 30 * MINUTE);
    const environment = u % 3 === 0 ? 'staging' : 'prod';
    if (u % 11 !== 0)
      rows.push(
        makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedAt, environment }),
      );
    if (u % 17 === 0)
      rows.push(
        makeExposureSpan({ flagKey: FLAG, variant: 'treatment', unitId, timeMs: exposedAt }),
      );
    const stamp = { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId };
    for (let r = 0; r < Math.floor(rng() * 5); r++) {
      rows.push(
        makeSpan({
          timeMs: exposedAt + Math.floor((rng() - 0.2) * 20 * MINUTE),
          SpanName: rng() < 0.5 ? 'GET /search' : 'POST /cart',
          ServiceName: rng() < 0.5 ? 'api' : 'web',
          Duration: String(Math.floor((5 + rng() * 200) * 1e6)),
          StatusCode: rng() < 0.1 ? 'Error' : 'Unset',
          SpanAttributes: stamp,
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

function expectSame(
  actual: ReadonlyMap<string, MetricStats>,
  expected: ReadonlyMap<string, MetricStats>,
): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [variant, stats] of expected) {
    const other = actual.get(variant) as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(stats)) {
      // Sums of floats in another order: equal to the last bits (relative 1e-12).
      if (typeof value === 'number')
        expect(Math.abs(Number(other[field]) - value)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(value)),
        );
      else expect(other[field]).toEqual(value);
    }
  }
}

const versioned = (definitions: MetricDefinition[]): VersionedMetric[] =>
  definitions.map((definition) => ({ definition, version: 1 }));

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  const store = createMetricStore(context());
  for (const definition of [...METRICS, P90])
    await store.create({ definition, actor: 'test', reason: 'test' });
  await clickhouse.insert({
    table: tables.traces,
    values: generate(400, 7),
    format: 'JSONEachRow',
  });
  const named = async () =>
    [...METRICS, P90].map((definition) => ({
      key: { flagKey: FLAG, metricId: definition.id, version: 1 },
      definition,
    }));
  const timing = { skewMs: 0, latenessMs: 0 };
  const keeper = createMetricRecordsKeeper({ context: context(), listNamed: named, timing });
  await keeper.reconcile();
  await keeper.reconcile();
}, 60_000);

afterAll(async () => {
  await close();
});

describe('every materialized metric of a flag in one query', () => {
  it('equals the raw signal metric by metric, in any environment and window', async () => {
    const scopes = [
      {},
      { environment: 'prod' },
      { since: new Date(T0 + 10 * MINUTE), until: new Date(T0 + 40 * MINUTE) },
    ];
    for (const scope of scopes) {
      const options = { flagKey: FLAG, variants: ['control', 'treatment', 'absent'], ...scope };
      const batch = await fetchMetricTotalsArms(context(), {
        metrics: versioned([...METRICS, P90]),
        ...options,
      });
      expect([...batch.keys()].sort()).toEqual(METRICS.map((m) => m.id).sort());
      for (const definition of METRICS) {
        const raw = await fetchMetricArms(context(), { definition, ...options });
        const answer = batch.get(definition.id)!;
        expect(answer.records).toBe('materialized');
        // Spans metrics from their per-unit totals unless the window cuts a unit's records.
        if (definition.source === 'spans')
          expect(answer.sql.includes(`FROM ${tables.metricTotals}`)).toBe(!('since' in scope));
        expect(answer.sql).toContain(tables.metricRecords);
        expectSame(answer.arms, raw.arms);
      }
    }
  });

  it('leaves out versions whose records are not complete', async () => {
    const batch = await fetchMetricTotalsArms(context(), {
      metrics: [{ definition: METRICS[0]!, version: 2 }, ...versioned(METRICS.slice(1, 2))],
      flagKey: FLAG,
    });
    expect([...batch.keys()]).toEqual([METRICS[1]!.id]);
  });

  it('serve the live results: fetchCatalogMetrics gives the raw signal statistics', async () => {
    const flag = {
      key: FLAG,
      metrics: { goal: METRICS[0]!.id, secondary: [...METRICS.slice(1), P90].map((m) => m.id) },
    };
    const [live, raw] = await Promise.all([
      fetchCatalogMetrics(context(), { flag }),
      fetchCatalogMetrics(context(), { flag, source: 'raw' }),
    ]);
    expect(live.metrics.map((m) => m.definition.id)).toEqual(
      raw.metrics.map((m) => m.definition.id),
    );
    for (const [i, metric] of live.metrics.entries()) expectSame(metric.arms, raw.metrics[i]!.arms);
  });

  it.each([
    ['over the whole experiment: one query, from the totals', T0 - 10 * MINUTE, 1],
    ['from a restart that cuts records: the cut ones again from the records', T0 + 5 * MINUTE, 2],
  ])('serve a guardian check %s, the raw statistics', async (_, sinceMs, queryCount) => {
    const sources = createFactsSources(context());
    const since = new Date(sinceMs);
    const requests = [...METRICS, P90].map((definition) => ({
      flagKey: FLAG,
      environment: 'prod',
      guardrail: {
        id: `guard-${definition.id}`,
        metric: definition.id,
        direction: 'lower_is_better' as const,
        margin: 0.5,
        alpha: 0.05,
        minSample: 10,
        action: 'alert' as const,
      },
      variants: ['control', 'treatment'],
      since,
      exemplarLimit: 0,
    }));
    await sources.prefetchFacts?.(requests);
    const queries = new Set<string>();
    for (const [i, request] of requests.entries()) {
      const facts = await sources.fetchFacts(request);
      const definition = [...METRICS, P90][i]!;
      if (definition !== P90) queries.add(facts.query);
      const raw = await fetchMetricArms(context(), { definition, ...request });
      expect(facts.metricVersion).toBe(1);
      expectSame(facts.arms, raw.arms);
    }
    expect(queries.size).toBe(queryCount);
    expect([...queries].some((sql) => sql.includes(`FROM ${tables.metricTotals}`))).toBe(true);
  });
});
