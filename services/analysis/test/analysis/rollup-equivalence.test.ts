/**
 * The rollups of migration 0203 must give the results and guardian statistics the per-unit
 * queries give, on the same telemetry, including the awkward cases: units exposed to both
 * variants, to one variant in two environments, requests stamped with a variant the unit was not
 * exposed to, requests of units never exposed, non-server spans, two flags stamped on one span,
 * exposures from log events, conversions before, inside and after the window. Part of the data
 * is written before 0203 exists, so its backfill is checked too.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_METRICS, BuiltinMetricIds, type BuiltinMetricId } from '@tripwire/schema';
import { buildScopeParams } from '../../src/repositories/arm-queries.js';
import { chooseRollupMerge } from '../../src/repositories/choose-rollup-merge.js';
import { fetchArmStatistics } from '../../src/analysis/fetch-arm-statistics.js';
import { fetchResultsData } from '../../src/analysis/fetch-results-data.js';
import { openStatsQueries, type StatsQueries } from '../../src/repositories/stats-queries.js';
import { queryRows } from '../../src/repositories/query-rows.js';
import {
  buildRollupMixedUnitsSql,
  buildRollupUnitsCte,
} from '../../src/repositories/rollup-queries.js';
import { loadConfig } from '../../src/config.js';
import { createRng } from '../../src/create-rng.js';
import { openClickHouse, type ClickHouseClient } from '../../src/storage/clickhouse.js';
import { MIGRATIONS_DIR, runMigrations } from '../../src/storage/migrations.js';
import type { TableNames } from '../../src/config.js';
import {
  formatTimestamp,
  makeConversionSpan,
  makeExposureSpan,
  makeSpan,
  type SpanRow,
} from './telemetry-rows.js';

const FLAG = 'rollup-flag';
const OTHER = 'rollup-other';
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const HOUR = 3_600_000;
const SERVICES = ['api', 'payments', 'search'] as const;
const KINDS = ['Server', 'SPAN_KIND_SERVER', 'Client', 'Internal'] as const;

/** Telemetry of one batch of units [from, to): exposures, requests, conversions. */
function generateUnits(from: number, to: number, seed: number): SpanRow[] {
  const rng = createRng(seed);
  const rows: SpanRow[] = [];
  for (let u = from; u < to; u += 1) {
    const unitId = `u${u}`;
    const variant = u % 2 === 0 ? 'control' : 'treatment';
    const other = variant === 'control' ? 'treatment' : 'control';
    const environment = u % 5 === 0 ? 'staging' : 'production';
    const exposedAt = T0 + Math.floor(rng() * 3 * HOUR);
    const ghost = u % 11 === 0; // never exposed, still stamped
    if (!ghost) {
      rows.push(
        makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedAt, environment }),
      );
      rows.push(makeExposureSpan({ flagKey: OTHER, variant: 'on', unitId, timeMs: exposedAt }));
    }
    if (u % 37 === 0) {
      rows.push(
        makeExposureSpan({
          flagKey: FLAG,
          variant: other,
          unitId,
          timeMs: exposedAt + 9e5,
          environment,
        }),
      );
    }
    if (u % 41 === 0) {
      rows.push(
        makeExposureSpan({
          flagKey: FLAG,
          variant,
          unitId,
          timeMs: exposedAt - 6e5,
          environment: 'staging',
        }),
      );
    }
    rows.push(...generateRequests({ rng, u, unitId, variant, exposedAt }));
    if (u % 43 === 0) {
      rows.push(...generateRequests({ rng, u, unitId, variant: other, exposedAt }));
    }
    rows.push(...generateConversions(rng, unitId, exposedAt));
  }
  return rows;
}

function generateRequests(input: {
  rng: () => number;
  u: number;
  unitId: string;
  variant: string;
  exposedAt: number;
}): SpanRow[] {
  const { rng, u, unitId, variant, exposedAt } = input;
  const count = 1 + Math.floor(rng() * 8);
  const rows: SpanRow[] = [];
  for (let r = 0; r < count; r += 1) {
    const service = SERVICES[Math.floor(rng() * 3)] ?? 'api';
    const kind = KINDS[Math.floor(rng() * KINDS.length)] ?? 'Server';
    const failed = rng() < (variant === 'treatment' && service === 'payments' ? 0.2 : 0.05);
    const latencyMs = 5 + 40 * rng() ** 3 + (variant === 'treatment' ? 3 : 0);
    rows.push(
      makeSpan({
        timeMs: input.exposedAt + Math.floor(rng() * 2 * HOUR),
        ServiceName: service,
        SpanName: `GET /${service}/${r % 2}`,
        SpanKind: kind,
        StatusCode: failed ? (r % 2 === 0 ? 'Error' : 'STATUS_CODE_ERROR') : 'Unset',
        Duration: String(Math.round(latencyMs * 1e6)),
        ResourceAttributes: {
          'service.name': service,
          ...(u % 3 === 0 ? { 'cloud.region': 'eu' } : u % 3 === 1 ? { region: 'us' } : {}),
          ...(u % 4 === 0 ? {} : { 'service.version': `1.${u % 2}` }),
        },
        SpanAttributes: {
          [`tripwire.variant.${FLAG}`]: variant,
          ...(u % 2 === 0 ? { [`tripwire.variant.${OTHER}`]: 'on' } : {}),
          'tripwire.unit.id': unitId,
        },
      }),
    );
  }
  void exposedAt;
  return rows;
}

function generateConversions(rng: () => number, unitId: string, exposedAt: number): SpanRow[] {
  const conversion = (timeMs: number, event: string) =>
    makeConversionSpan({ unitId, timeMs, event, value: '3' });
  const rows: SpanRow[] = [];
  if (rng() < 0.2) rows.push(conversion(exposedAt - 5 * HOUR, 'purchase'));
  if (rng() < 0.25) rows.push(conversion(exposedAt + 2 * HOUR, 'purchase'));
  if (rng() < 0.1) rows.push(conversion(exposedAt + 30 * HOUR, 'signup'));
  if (rng() < 0.1) rows.push(conversion(exposedAt + 9 * 24 * HOUR, 'purchase'));
  return rows;
}

/** Exposures of a few units as semconv log events (they reach the rollup through 0200's view). */
function generateLogExposures(): Record<string, unknown>[] {
  return [1, 3, 7, 9].map((u) => ({
    Timestamp: formatTimestamp(T0 + u * 1000),
    ServiceName: 'api',
    EventName: 'feature_flag.evaluation',
    LogAttributes: {
      'feature_flag.key': FLAG,
      'feature_flag.context.id': `u${u}`,
      'feature_flag.result.variant': 'control',
      'tripwire.environment': 'production',
    },
  }));
}

/** Maps → sorted plain objects, so two results compare structurally. */
function normalize(value: unknown): unknown {
  if (value instanceof Map) {
    return Object.fromEntries(
      [...value.entries()]
        .sort(([a], [b]) => String(a).localeCompare(String(b)))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** Deep equality with numbers equal up to floating-point summation order (relative 1e-9). */
function expectSame(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isNaN(expected)) return void expect(actual, path).toBeNaN();
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    if (Math.abs(actual - expected) > tolerance) expect(actual, path).toBe(expected);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((item, i) => expectSame((actual as unknown[])[i], item, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(
      Object.keys(expected).sort(),
    );
    for (const [key, item] of Object.entries(expected)) {
      expectSame((actual as Record<string, unknown>)[key], item, `${path}.${key}`);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}

let clickhouse: ClickHouseClient;
let tables: TableNames;
let dataDir: string;
const context = () => ({ clickhouse, tables });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tripwire-rollup-'));
  const config = loadConfig(['--data-dir', join(dataDir, 'ch')], {});
  tables = config.tables;
  clickhouse = await openClickHouse(config.clickhouse);
  // Up to 0202 first: the first batch exists before the rollups and reaches them by backfill.
  const before = join(dataDir, 'migrations-before-0203');
  mkdirSync(before);
  for (const file of readdirSync(MIGRATIONS_DIR).filter((name) => name < '0203')) {
    cpSync(join(MIGRATIONS_DIR, file), join(before, file));
  }
  await runMigrations(clickhouse, tables, before);
  const insert = (values: unknown[]) =>
    clickhouse.insert({ table: tables.traces, values, format: 'JSONEachRow' });
  await insert(generateUnits(0, 300, 1));
  expect(await runMigrations(clickhouse, tables)).toContain(203);
  // Then batches through the views, in separate parts (FINAL must merge them at read time).
  await insert(generateUnits(300, 700, 2));
  await insert(generateUnits(700, 900, 3));
  await insert(generateUnits(150, 250, 4)); // units seen again: new requests, conversions
  await clickhouse.insert({
    table: tables.logs,
    values: generateLogExposures(),
    format: 'JSONEachRow',
  });
}, 120_000);

afterAll(async () => {
  await clickhouse?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('results from the rollups', () => {
  for (const environment of [undefined, 'production', 'staging']) {
    it(`equal the per-unit queries' (environment ${environment ?? 'any'})`, async () => {
      const options = { flagKey: FLAG, environment, conversionWindowSeconds: 86_400 };
      const raw = await fetchResultsData(context(), { ...options, source: 'raw' });
      const rollup = await fetchResultsData(context(), options);
      // The fixture must exercise what the rollup has to get right.
      expect(raw.excludedMultiVariant).toBeGreaterThan(0);
      expect(raw.breakdown.length).toBeGreaterThan(8);
      expect(raw.conversions.map((c) => c.event)).toContain('purchase');
      expectSame(normalize(rollup), normalize(raw));
    });
  }

  it('equal them for a flag stamped on the same spans as another', async () => {
    const options = { flagKey: OTHER, conversionWindowSeconds: 604_800 };
    const raw = await fetchResultsData(context(), { ...options, source: 'raw' });
    expect(raw.units[0]?.units).toBeGreaterThan(100);
    expectSame(normalize(await fetchResultsData(context(), options)), normalize(raw));
  });
});

describe('the scalar columns of migration 0211', () => {
  it('decide every unit but the mixed ones, which are read from the maps', async () => {
    const count = async (flagKey: string, environment?: string) => {
      const params = buildScopeParams({ flagKey, environment });
      const [row] = await queryRows<{ mixed: string }>(
        context(),
        buildRollupMixedUnitsSql(tables),
        params,
      );
      return {
        mixed: Number(row?.mixed),
        chosen: (await chooseRollupMerge(context(), params)).mixedUnits,
      };
    };
    // FLAG has units with requests stamped with two variants, and units exposed in two
    // environments (mixed only when the query is scoped to one); OTHER has neither.
    const any = await count(FLAG);
    const production = await count(FLAG, 'production');
    expect(any.mixed).toBeGreaterThan(0);
    expect(production.mixed).toBeGreaterThan(any.mixed);
    expect([any.chosen, production.chosen]).toEqual([1, 1]);
    expect(await count(OTHER)).toEqual({ mixed: 0, chosen: 0 });
    // Leaving the map pass out loses exactly those units: the pass is what makes the answers equal.
    const units = async (mixedUnits: number) => {
      const params = {
        ...buildScopeParams({ flagKey: FLAG, environment: 'production' }),
        mixedUnits,
      };
      const sql = `WITH ${buildRollupUnitsCte(tables)} SELECT count() AS units FROM units`;
      const [row] = await queryRows<{ units: string }>(context(), sql, params);
      return Number(row?.units);
    };
    expect((await units(1)) - (await units(0))).toBe(production.mixed);
  });
});

describe('fetchArmStatistics from the rollups', () => {
  const metrics: BuiltinMetricId[] = ['error_rate', 'latency_mean', 'latency_p95', 'conversion'];
  for (const metric of metrics) {
    it(`gives the per-unit statistics for ${metric}, since before the data`, async () => {
      const options = {
        flagKey: FLAG,
        environment: 'production',
        guardrail: { metric },
        since: new Date(T0 - HOUR),
        variants: ['control', 'treatment'],
        exemplarLimit: 0,
      };
      const auto = await fetchArmStatistics(context(), options);
      const raw = await fetchArmStatistics(context(), { ...options, source: 'raw' });
      expect(auto.source).toBe('rollup');
      expect(raw.source).toBe('raw');
      expect(raw.arms.map((arm) => arm.stats.units)).not.toContain(0);
      expectSame(normalize(auto.arms), normalize(raw.arms));
    });
  }

  it('uses the per-unit tables when since, a service or a span name filters requests', async () => {
    const base = { flagKey: FLAG, guardrail: { metric: 'error_rate' as const }, exemplarLimit: 0 };
    const cases = [
      { ...base, since: new Date(T0 + HOUR) },
      { ...base, guardrail: { metric: 'error_rate' as const, service: 'payments' } },
      { ...base, guardrail: { metric: 'error_rate' as const, spanName: 'GET /api/0' } },
    ];
    for (const options of cases) {
      const auto = await fetchArmStatistics(context(), options);
      expect(auto.source).toBe('raw');
      expect(auto.arms.length).toBe(2);
    }
  });
});

describe('one interface, two implementations (StatsQueries)', () => {
  const open = (source: 'raw' | 'rollup', environment?: string) =>
    openStatsQueries(context(), { scope: { flagKey: FLAG, environment }, source });

  for (const environment of [undefined, 'production']) {
    it(`every method answers the same in both families (environment ${environment ?? 'any'})`, async () => {
      const raw = await open('raw', environment);
      const rollup = await open('rollup', environment);
      expect([raw.source, rollup.source]).toEqual(['raw', 'rollup']);
      const answers = async (q: StatsQueries) => {
        const histograms = (await q.latencyHistograms()).value;
        const conversion = { event: 'purchase', windowSeconds: 86_400 };
        return {
          armUnits: await q.armUnits(),
          requestMoments: (await q.requestMoments()).value,
          histograms,
          quantiles: (await q.quantileStats({ histograms, probabilities: [0.5, 0.9, 0.99] })).value,
          conversion: (await q.conversionStats(conversion)).value,
          conversionsByEvent: await q.conversionsByEvent(86_400),
          breakdown: await q.breakdown(),
          requestSeries: await q.requestSeries(900),
          exposureSeries: await q.exposureSeries(900),
          seriesMoments: await q.seriesMoments(900),
          seriesQuantiles: await q.seriesQuantiles({
            bucketSeconds: 900,
            probabilities: [0.5, 0.95],
          }),
          seriesConversions: await q.seriesConversions({
            events: ['purchase', 'signup'],
            windowSeconds: 86_400,
          }),
          exemplars: (await q.exemplars({ value: 'duration', limit: 3 })).value,
        };
      };
      const [fromRollup, fromRaw] = [await answers(rollup), await answers(raw)];
      expect(fromRaw.seriesQuantiles.length).toBeGreaterThan(0);
      // Signups come 30 h after exposure: outside the one-day window, so none is counted.
      expect(new Set(fromRaw.seriesConversions.map((row) => row.event))).toEqual(
        new Set(['purchase']),
      );
      expectSame(normalize(fromRollup), normalize(fromRaw));
    });
  }

  it('for every built-in metric, hence every kind the rollups serve', async () => {
    const kinds = new Set<string>();
    for (const metric of BuiltinMetricIds) {
      const options = {
        flagKey: FLAG,
        guardrail: { metric },
        variants: ['control', 'treatment'],
        exemplarLimit: 0,
      };
      const auto = await fetchArmStatistics(context(), options);
      const raw = await fetchArmStatistics(context(), { ...options, source: 'raw' });
      expect([auto.source, raw.source]).toEqual(['rollup', 'raw']);
      expectSame(normalize(auto.arms), normalize(raw.arms));
      for (const arm of raw.arms) kinds.add(arm.stats.kind);
    }
    // ratio (error rate, mean latency), quantile (p50/p95/p99) and the proportion's mean
    // statistics (conversion). The mean and count kinds exist only as catalog definitions over
    // the raw signal (one implementation, `fetchMetricArms`): no rollup keeps those values.
    expect([...kinds].sort()).toEqual(['mean', 'quantile', 'ratio']);
    expect(new Set(BuiltinMetricIds.map((id) => BUILTIN_METRICS[id].kind))).toEqual(
      new Set(['ratio', 'quantile', 'proportion']),
    );
  });
});

describe('the rollups read as one merged part plus a fresh one', () => {
  it('choose FINAL for similar parts, and the largest part when the rest is small', async () => {
    const params = buildScopeParams({ flagKey: FLAG });
    expect((await chooseRollupMerge(context(), params)).largestPart).toBe(0);
    await clickhouse.command({ query: `OPTIMIZE TABLE ${tables.exposures}_by_unit FINAL` });
    // Units seen again after the merge: their rows must be merged with the big part's at read time.
    await clickhouse.insert({
      table: tables.traces,
      values: generateUnits(100, 130, 5),
      format: 'JSONEachRow',
    });
    expect((await chooseRollupMerge(context(), params)).largestPart).toBe(1);
  });

  for (const environment of [undefined, 'production']) {
    it(`still equal the per-unit queries (environment ${environment ?? 'any'})`, async () => {
      const options = { flagKey: FLAG, environment, conversionWindowSeconds: 86_400 };
      const raw = await fetchResultsData(context(), { ...options, source: 'raw' });
      expectSame(normalize(await fetchResultsData(context(), options)), normalize(raw));
      const guardrail = { metric: 'latency_p95' as const };
      const arms = { flagKey: FLAG, environment, guardrail, exemplarLimit: 0 };
      const auto = await fetchArmStatistics(context(), arms);
      expect(auto.params.largestPart).toBe(1);
      const reference = await fetchArmStatistics(context(), { ...arms, source: 'raw' });
      expectSame(normalize(auto.arms), normalize(reference.arms));
    });
  }
});
