import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { decideGuardrail } from '@tripwire/stats';
import { buildScopeParams } from '../../src/repositories/arm-queries.js';
import { fetchArmStatistics } from '../../src/analysis/fetch-arm-statistics.js';
import { fetchResultsData } from '../../src/analysis/fetch-results-data.js';
import { createRawStatsQueries } from '../../src/repositories/raw-stats-queries.js';
import type { ResultsResponse, MetricResult } from '../../src/analysis/results-schema.js';
import { runResultsCommand } from '../../src/cli/results.js';
import {
  ADMIN_TOKEN,
  makeExperiment,
  startAnalysisHarness,
  type AnalysisHarness,
} from './analysis-harness.js';
import { createRng } from '../../src/create-rng.js';
import {
  formatTimestamp,
  makeConversionSpan,
  makeExposureSpan,
  makeSpan,
  type SpanRow,
} from './telemetry-rows.js';

const FLAG = 'checkout-redesign';
const SKEWED = 'skewed-split';
const LOGGED = 'logged-exposures';
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const HOUR = 3_600_000;
const MINUTE = 60_000;
const SERVICES = ['api', 'payments', 'search'] as const;
/** Error probability per request: control 1% everywhere; treatment 4% in payments only (2% overall). */
const ERROR_PROBABILITY = {
  control: { api: 0.01, payments: 0.01, search: 0.01 },
  treatment: { api: 0.01, payments: 0.04, search: 0.01 },
} as const;

interface UnitTruth {
  variant: 'control' | 'treatment';
  requests: number;
  errors: number;
  paymentsRequests: number;
  paymentsErrors: number;
  errorTraceIds: string[];
  latencies: number[];
  converted: boolean;
}

/** What the test knows about the telemetry it generated, to compute expectations independently. */
const truth = new Map<string, UnitTruth>();
const rows: SpanRow[] = [];

function generateMainExperiment(): void {
  const rng = createRng(42);
  for (let u = 0; u < 3000; u += 1) {
    const variant = u % 2 === 0 ? 'control' : 'treatment';
    const unitId = `unit${u.toString(16).padStart(8, '0')}`;
    const exposedAt = T0 + u * 500;
    // Odd units use the older exporter spellings; both must count.
    const legacy = u % 4 >= 2;
    rows.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedAt }));
    const unit: UnitTruth = {
      variant,
      requests: 0,
      errors: 0,
      paymentsRequests: 0,
      paymentsErrors: 0,
      errorTraceIds: [],
      latencies: [],
      converted: false,
    };
    for (let r = 0; r < 6; r += 1) {
      const service = SERVICES[r % 3] ?? 'api';
      const isError = rng() < ERROR_PROBABILITY[variant][service];
      const latencyMs =
        20 *
        Math.exp(0.5 * Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng()));
      const durationNs = Math.max(1000, Math.round(latencyMs * 1e6));
      unit.requests += 1;
      unit.errors += isError ? 1 : 0;
      unit.latencies.push(durationNs / 1e6);
      if (service === 'payments') {
        unit.paymentsRequests += 1;
        unit.paymentsErrors += isError ? 1 : 0;
      }
      const span = makeSpan({
        timeMs: exposedAt + 1000 + r * 20_000,
        ServiceName: service,
        SpanName: `GET /${service}`,
        SpanKind: legacy ? 'SPAN_KIND_SERVER' : 'Server',
        StatusCode: isError
          ? legacy
            ? 'STATUS_CODE_ERROR'
            : 'Error'
          : legacy
            ? 'STATUS_CODE_UNSET'
            : 'Unset',
        Duration: String(durationNs),
        ResourceAttributes: {
          'service.name': service,
          'cloud.region': u % 3 === 0 ? 'eu' : 'us',
        },
        SpanAttributes: { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId },
      });
      rows.push(span);
      if (isError) unit.errorTraceIds.push(span.TraceId);
    }
    // A failing client span is not a request of its own: it must not count.
    rows.push(
      makeSpan({
        timeMs: exposedAt + 2000,
        SpanName: 'SELECT db',
        SpanKind: 'Client',
        StatusCode: 'Error',
        SpanAttributes: { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId },
      }),
    );
    generateConversions({ rng, unit, unitId, exposedAt });
    truth.set(unitId, unit);
  }
}

/** Conversions: within the window (counted), before exposure (CUPED pre-period), 8 days later (not). */
function generateConversions(input: {
  rng: () => number;
  unit: UnitTruth;
  unitId: string;
  exposedAt: number;
}): void {
  const { rng, unit, unitId, exposedAt } = input;
  const conversion = (timeMs: number) =>
    makeConversionSpan({ unitId, timeMs, event: 'purchase', value: '12.5' });
  const buyer = rng() < 0.3;
  if (buyer) rows.push(conversion(exposedAt - 2 * HOUR));
  if (rng() < (unit.variant === 'control' ? 0.1 : 0.12) + (buyer ? 0.2 : 0)) {
    // Ten minutes on: inside the series' request span, so its per-point conversion lifts vary.
    rows.push(conversion(exposedAt + 10 * MINUTE));
    unit.converted = true;
  }
  if (rng() < 0.2) rows.push(conversion(exposedAt + 8 * 24 * HOUR));
}

/** 40 units exposed to both variants: counted, excluded everywhere. */
function generateMultiVariantUnits(): void {
  for (let u = 0; u < 40; u += 1) {
    const unitId = `both${u}`;
    for (const variant of ['control', 'treatment']) {
      rows.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: T0 + u * 1000 }));
      rows.push(
        makeSpan({
          timeMs: T0 + u * 1000 + 5000,
          StatusCode: 'Error',
          Duration: String(9e9),
          SpanAttributes: { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId },
        }),
      );
    }
  }
}

/** A 50/50 flag whose exposures came out 1000 : 800. */
function generateSkewedSplit(): void {
  for (let u = 0; u < 1800; u += 1) {
    const variant = u < 1000 ? 'control' : 'treatment';
    rows.push(
      makeExposureSpan({ flagKey: SKEWED, variant, unitId: `skew${u}`, timeMs: T0 + u * 100 }),
    );
  }
}

/**
 * Semconv `feature_flag.evaluation` log events (one per evaluation, so repeated per unit):
 * 60 control units with current names, 50 treatment units with the legacy event name and the
 * deprecated `feature_flag.variant`, and 10 evaluations that failed (reason error: not exposures).
 */
function makeLogExposures(): Record<string, unknown>[] {
  const event = (input: { name: string; unitId: string; attributes: Record<string, string> }) => ({
    Timestamp: formatTimestamp(T0),
    ServiceName: 'api',
    EventName: input.name,
    LogAttributes: {
      'feature_flag.key': LOGGED,
      'feature_flag.context.id': input.unitId,
      ...input.attributes,
    },
  });
  const logs = [];
  for (let u = 0; u < 60; u += 1) {
    for (let repeat = 0; repeat < 3; repeat += 1) {
      const attributes = {
        'feature_flag.result.variant': 'control',
        'feature_flag.result.reason': 'split',
      };
      logs.push(event({ name: 'feature_flag.evaluation', unitId: `log${u}`, attributes }));
    }
  }
  for (let u = 60; u < 110; u += 1) {
    const attributes = {
      'feature_flag.variant': 'treatment',
      'feature_flag.evaluation.reason': 'SPLIT',
    };
    logs.push(event({ name: 'feature_flag', unitId: `log${u}`, attributes }));
  }
  for (let u = 110; u < 120; u += 1) {
    const attributes = {
      'feature_flag.result.variant': 'treatment',
      'feature_flag.result.reason': 'error',
    };
    logs.push(event({ name: 'feature_flag.evaluation', unitId: `log${u}`, attributes }));
  }
  return logs;
}

interface ArmTruth {
  units: number;
  errorRate: number;
  errorRateSe: number;
  p95: number;
  conversionRate: number;
}

/** Error rate with its delta-method SE, Σ(y − R·x)² / ((n − 1)·n·x̄²), straight from the units. */
function computeArmTruth(variant: string): ArmTruth {
  const units = [...truth.values()].filter((unit) => unit.variant === variant);
  const n = units.length;
  const sumY = units.reduce((s, unit) => s + unit.errors, 0);
  const sumX = units.reduce((s, unit) => s + unit.requests, 0);
  const ratio = sumY / sumX;
  const residual = units.reduce((s, unit) => s + (unit.errors - ratio * unit.requests) ** 2, 0);
  const xBar = sumX / n;
  const latencies = units.flatMap((unit) => unit.latencies).sort((a, b) => a - b);
  return {
    units: n,
    errorRate: ratio,
    errorRateSe: Math.sqrt(residual / ((n - 1) * n * xBar * xBar)),
    p95: latencies[Math.ceil(0.95 * latencies.length) - 1] ?? NaN,
    conversionRate: units.filter((unit) => unit.converted).length / n,
  };
}

let harness: AnalysisHarness;
let results: ResultsResponse;

async function getResults(key: string, query = ''): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${harness.url}/api/v1/experiments/${key}/results${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status: response.status, body: await response.json() };
}

function metricOf(variant: string, metric: MetricResult['metric']): MetricResult {
  const found = results.variants
    .find((v) => v.variant === variant)
    ?.metrics.find((m) => m.metric === metric);
  if (found === undefined) throw new Error(`no ${metric} for ${variant}`);
  return found;
}

beforeAll(async () => {
  harness = await startAnalysisHarness();
  const { flags, clickhouse, tables } = harness.app.context;
  for (const flag of [
    makeExperiment(FLAG, { control: 50, treatment: 50 }),
    makeExperiment(SKEWED, { control: 50, treatment: 50 }),
    makeExperiment(LOGGED, { control: 50, treatment: 50 }),
  ]) {
    await flags.create({ actor: 'test', reason: 'fixture', flag });
  }
  generateMainExperiment();
  generateMultiVariantUnits();
  generateSkewedSplit();
  await clickhouse.insert({ table: tables.traces, values: rows, format: 'JSONEachRow' });
  await clickhouse.insert({
    table: tables.logs,
    values: makeLogExposures(),
    format: 'JSONEachRow',
  });
  const response = await getResults(FLAG);
  expect(response.body).toMatchObject({ flagKey: FLAG });
  results = response.body as ResultsResponse;
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

const WINDOW_SECONDS = 604_800;

/** The main flag's results data from one query family (seven-day conversion window). */
function fetchFlagData(source: 'raw' | 'rollup'): ReturnType<typeof fetchResultsData> {
  return fetchResultsData(harness.app.context, {
    flagKey: FLAG,
    conversionWindowSeconds: WINDOW_SECONDS,
    source,
  });
}

describe('GET /api/v1/experiments/:key/results', () => {
  it('counts valid units per variant and excludes units seen in both variants', () => {
    const control = computeArmTruth('control');
    const treatment = computeArmTruth('treatment');
    expect(results.control).toBe('control');
    expect(results.units).toEqual({
      total: control.units + treatment.units,
      excludedMultiVariant: 40,
    });
    expect(results.variants.map((v) => [v.variant, v.units])).toEqual([
      ['control', control.units],
      ['treatment', treatment.units],
    ]);
  });

  it('lists every metric once with its definition, and one result per metric and variant', () => {
    const keys = results.metrics.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(results.metrics.find((m) => m.key === 'latency_p95')).toEqual({
      key: 'latency_p95',
      id: 'latency_p95',
      name: 'p95 latency',
      kind: 'quantile',
      direction: 'lower_is_better',
      unit: 'ms',
      quantile: 0.95,
      nonNegative: true,
    });
    const conversion = results.metrics.find((m) => m.id === 'conversion');
    expect(conversion).toMatchObject({ kind: 'proportion', unit: 'fraction' });
    expect(conversion?.key).toBe(`conversion:${conversion?.event}`);
    for (const variant of results.variants) {
      expect(variant.metrics.map((m) => m.key)).toEqual(keys);
    }
  });

  it('returns error rates and delta-method errors computed from both span kind and status spellings', () => {
    for (const variant of ['control', 'treatment']) {
      const expected = computeArmTruth(variant);
      const metric = metricOf(variant, 'error_rate');
      expect(metric.value).toBeCloseTo(expected.errorRate, 12);
      expect(metric.standardError).toBeCloseTo(expected.errorRateSe, 10);
      expect(metric.units).toBe(expected.units);
    }
  });

  it('detects the doubled error rate with fixed-horizon and always-valid p-values', () => {
    const control = computeArmTruth('control');
    const treatment = computeArmTruth('treatment');
    const comparison = metricOf('treatment', 'error_rate').comparison;
    expect(comparison?.absolute.estimate).toBeCloseTo(treatment.errorRate - control.errorRate, 12);
    expect(comparison?.relative?.estimate).toBeCloseTo(
      treatment.errorRate / control.errorRate - 1,
      10,
    );
    const se = Math.hypot(control.errorRateSe, treatment.errorRateSe);
    expect(comparison?.absolute.standardError).toBeCloseTo(se, 10);
    expect(comparison?.absolute.pValue).toBeLessThan(0.001);
    expect(comparison?.absolute.alwaysValidPValue).toBeLessThan(0.05);
    // The always-valid interval is wider than the fixed-horizon one.
    const [avLow, avHigh] = comparison?.absolute.alwaysValidInterval ?? [null, null];
    const [low, high] = comparison?.absolute.interval ?? [null, null];
    expect(avLow!).toBeLessThan(low!);
    expect(avHigh!).toBeGreaterThan(high!);
    expect(metricOf('control', 'error_rate').comparison).toBeUndefined();
  });

  it('estimates p95 latency within the histogram resolution of the exact quantile', () => {
    for (const variant of ['control', 'treatment']) {
      const expected = computeArmTruth(variant).p95;
      const value = metricOf(variant, 'latency_p95').value!;
      expect(Math.abs(value / expected - 1)).toBeLessThan(0.025);
    }
    expect(metricOf('treatment', 'latency_p95').comparison?.absolute.interval).toHaveLength(2);
  });

  it('counts conversions after first exposure within the window only, with CUPED', () => {
    for (const variant of ['control', 'treatment']) {
      const metric = metricOf(variant, 'conversion');
      expect(metric.event).toBe('purchase');
      expect(metric.value).toBeCloseTo(computeArmTruth(variant).conversionRate, 12);
    }
    const cuped = metricOf('treatment', 'conversion').comparison?.cuped;
    expect(cuped?.varianceReduction).toBeGreaterThan(0);
  });

  it('reports no sample ratio mismatch for an even split and one for a skewed split', async () => {
    expect(results.srm?.mismatch).toBe(false);
    const skewed = (await getResults(SKEWED)).body as ResultsResponse;
    const expectedChiSquare = (2 * (1000 - 900) ** 2) / 900;
    expect(skewed.srm?.statistic).toBeCloseTo(expectedChiSquare, 9);
    expect(skewed.srm?.observed).toEqual({ control: 1000, treatment: 800 });
    expect(skewed.srm?.mismatch).toBe(true);
  });

  it('counts exposures from semconv log events, with legacy event and attribute names', async () => {
    const logged = (await getResults(LOGGED)).body as ResultsResponse;
    expect(logged.variants.map((v) => [v.variant, v.units])).toEqual([
      ['control', 60],
      ['treatment', 50],
    ]);
  });

  it('pinpoints the one regressed service in the breakdown', () => {
    const significant = results.breakdowns.filter(
      (row) => row.significant && row.metric === 'error_rate' && row.dimension === 'service',
    );
    expect(significant.map((row) => row.segment)).toEqual(['payments']);
    const errors = results.breakdowns.filter((row) => row.metric === 'error_rate');
    expect([errors[0]?.dimension, errors[0]?.segment]).toEqual(['service', 'payments']);
    expect(errors[0]?.contributionShare).toBeGreaterThan(0.5);
    const shares = results.breakdowns.map((row) => row.contributionShare ?? -Infinity);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
  });

  it('returns cumulative series that end at the totals', () => {
    const series = results.timeseries.variants.treatment ?? [];
    const last = series.at(-1);
    expect(last?.units).toBe(computeArmTruth('treatment').units);
    expect(last?.errorRate).toBeCloseTo(computeArmTruth('treatment').errorRate, 12);
    expect(series.every((point, i) => i === 0 || point.units >= (series[i - 1]?.units ?? 0))).toBe(
      true,
    );
  });

  it('serves per-point lifts whose last point is the comparison itself, with intervals that narrow', () => {
    const series = results.timeseries.variants.treatment ?? [];
    const treatment = results.variants.find((v) => v.variant === 'treatment')!;
    const quantiles = ['latency_p50', 'latency_p95', 'latency_p99'];
    for (const key of ['error_rate', 'latency_mean', ...quantiles, 'conversion:purchase']) {
      const relative = treatment.metrics.find((m) => m.key === key)!.comparison!.relative!;
      // Quantiles are served at checkpoints only, the last one the last bucket with requests.
      const last = series.filter((p) => p.lifts?.[key] !== undefined).at(-1)?.lifts?.[key];
      expect(last?.scale).toBe('relative');
      expect(last?.estimate).toBeCloseTo(relative.estimate!, 9);
      expect(last?.interval[0]).toBeCloseTo(Math.max(-1, relative.alwaysValidInterval[0]!), 9);
      expect(last?.interval[1]).toBeCloseTo(relative.alwaysValidInterval[1]!, 9);
      expect(last?.units).toBe(treatment.units + results.variants[0]!.units);
      const widths = series.flatMap((p) => {
        const [lower = null, upper = null] = p.lifts?.[key]?.interval ?? [];
        return lower === null || upper === null ? [] : [upper - lower];
      });
      expect(widths.length, key).toBeGreaterThanOrEqual(quantiles.includes(key) ? 10 : 20);
      expect(widths.at(-1)!, key).toBeLessThan(widths[0]! / 2);
    }
    expect(results.timeseries.variants.control?.some((p) => p.lifts !== undefined)).toBe(false);
  });

  it('cuts the relative error-rate interval at -100 %, where the early, few-unit points reach', () => {
    const lowers = (results.timeseries.variants.treatment ?? []).map(
      (p) => p.lifts?.error_rate?.interval[0],
    );
    expect(lowers.every((lower) => lower === undefined || lower === null || lower >= -1)).toBe(
      true,
    );
    // The cut happened (an uncut bound is never exactly -1), and later points rise above it.
    expect(lowers.filter((lower) => lower === -1).length).toBeGreaterThan(0);
    expect(lowers.at(-1)).toBeGreaterThan(0);
  });

  it.each(['raw', 'rollup'] as const)(
    'accumulates per-point moments (%s path) equal to the all-time moments cut at that point',
    async (source) => {
      const context = harness.app.context;
      const data = await fetchFlagData(source);
      const buckets = [...new Set(data.series.moments.map((m) => m.bucket))];
      expect(buckets.length).toBeGreaterThan(10);
      for (const bucket of [buckets[2]!, buckets[Math.floor(buckets.length / 2)]!]) {
        const until = new Date((bucket + data.series.bucketSeconds) * 1000);
        const raw = createRawStatsQueries(context, buildScopeParams({ flagKey: FLAG, until }));
        const cut = await raw.requestMoments();
        for (const [variant, expected] of cut.value) {
          const point = data.series.moments.find(
            (m) => m.bucket === bucket && m.variant === variant,
          );
          for (const metric of ['errorRate', 'latencyMean'] as const) {
            for (const [field, value] of Object.entries(expected[metric])) {
              const actual = (point?.moments[metric] as unknown as Record<string, unknown>)[field];
              if (typeof value === 'number') expect(actual).toBeCloseTo(value, 6);
              else expect(actual).toBe(value);
            }
          }
        }
        expect(cut.value.size).toBe(2);
      }
    },
  );

  it.each(['raw', 'rollup'] as const)(
    'serves per-point quantile statistics (%s path) at 12 checkpoints, equal to the all-time ones cut there',
    async (source) => {
      const context = harness.app.context;
      const data = await fetchFlagData(source);
      const { bucketSeconds, quantiles } = data.series;
      const checkpoints = [...new Set(quantiles.map((q) => q.bucket))].sort((a, b) => a - b);
      const requestBuckets = data.series.rows.filter((row) => row.requests !== undefined);
      expect(checkpoints).toHaveLength(12);
      expect(checkpoints.at(-1)).toBe(Math.max(...requestBuckets.map((row) => row.bucket)));
      const probabilities = [0.5, 0.95, 0.99];
      for (const bucket of [checkpoints[1]!, checkpoints[6]!, checkpoints.at(-1)!]) {
        const until = new Date((bucket + bucketSeconds) * 1000);
        const raw = createRawStatsQueries(context, buildScopeParams({ flagKey: FLAG, until }));
        const histograms = (await raw.latencyHistograms()).value;
        const cut = (await raw.quantileStats({ histograms, probabilities })).value;
        cut.forEach((byVariant, q) => {
          expect(byVariant.size).toBe(2);
          for (const [variant, expected] of byVariant) {
            const point = quantiles.find(
              (m) =>
                m.bucket === bucket && m.variant === variant && m.probability === probabilities[q],
            );
            for (const [field, value] of Object.entries(expected)) {
              const actual = (point?.stats as unknown as Record<string, unknown>)[field];
              if (typeof value === 'number') expect(actual, field).toBeCloseTo(value, 6);
              else expect(actual, field).toEqual(value);
            }
          }
        });
      }
    },
  );

  it.each(['raw', 'rollup'] as const)(
    'serves per-point conversions (%s path) equal to the all-time conversions cut at that point',
    async (source) => {
      const context = harness.app.context;
      const windowSeconds = WINDOW_SECONDS;
      const data = await fetchFlagData(source);
      const { bucketSeconds, rows: seriesRows, conversions } = data.series;
      const buckets = [...new Set(seriesRows.map((row) => row.bucket))].sort((a, b) => a - b);
      expect(buckets.length).toBeGreaterThan(10);
      // The 8-day conversions are outside the window: the series ends with the counted ones.
      const lastMinute = Math.max(...conversions.map((row) => row.minute));
      expect(lastMinute * 1000).toBeLessThan(T0 + 2 * HOUR);
      // Past the first conversions (ten minutes after the first exposures).
      for (const bucket of [buckets[Math.floor(buckets.length / 2)]!, buckets.at(-3)!]) {
        const until = new Date((bucket + bucketSeconds) * 1000);
        const raw = createRawStatsQueries(context, buildScopeParams({ flagKey: FLAG, until }));
        const cut = await raw.conversionStats({ event: 'purchase', windowSeconds });
        expect(cut.value.size).toBe(2);
        for (const [variant, expected] of cut.value) {
          const converted = conversions
            .filter((row) => row.variant === variant && row.event === 'purchase')
            .filter((row) => row.minute < bucket + bucketSeconds)
            .reduce((sum, row) => sum + row.converted, 0);
          const exposed = seriesRows
            .filter((row) => row.variant === variant && row.bucket <= bucket)
            .reduce((sum, row) => sum + (row.units ?? 0), 0);
          expect([exposed, converted]).toEqual([expected.converted.units, expected.converted.sum]);
          expect(converted).toBeGreaterThan(0);
        }
      }
    },
  );

  it('answers 404 with a pointer for an unknown flag and 401 without a token', async () => {
    const missing = await getResults('no-such-flag');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'TRIPWIRE_ERR_NOT_FOUND', pointer: '/params/key' });
    const anonymous = await fetch(`${harness.url}/api/v1/experiments/${FLAG}/results`);
    expect(anonymous.status).toBe(401);
    const badAlpha = await getResults(FLAG, '?alpha=2');
    expect(badAlpha.status).toBe(400);
    const badAge = await getResults(FLAG, '?maxAgeSeconds=-1');
    expect(badAge.status).toBe(400);
  });

  it('says how fresh the data is and answers from the last read when maxAgeSeconds allows', async () => {
    const live = (await getResults(FLAG, '?maxAgeSeconds=0')).body as ResultsResponse;
    expect(live.freshness).toMatchObject({ source: 'live' });
    expect(live.freshness?.computeSeconds).toBeGreaterThan(0);
    const kept = (await getResults(FLAG, '?maxAgeSeconds=3600')).body as ResultsResponse;
    expect(kept.freshness).toMatchObject({
      source: 'snapshot',
      computedAt: live.freshness?.computedAt,
    });
    expect(kept.units).toEqual(live.units);
    // Without maxAgeSeconds a snapshot answers only if it took ≥ 250 ms to compute (slow scope).
    const slow = (live.freshness?.computeSeconds ?? 0) >= 0.25;
    const again = (await getResults(FLAG)).body as ResultsResponse;
    expect(again.freshness?.source).toBe(slow ? 'snapshot' : 'live');
  });
});

describe('fetchArmStatistics', () => {
  it('returns the ratio statistics decideGuardrail takes, filtered to one service, with exemplars', async () => {
    const result = await fetchArmStatistics(harness.app.context, {
      flagKey: FLAG,
      guardrail: { metric: 'error_rate', service: 'payments' },
      variants: ['control', 'treatment', 'unused'],
    });
    expect(result.arms.map((arm) => arm.variant)).toEqual(['control', 'treatment', 'unused']);
    for (const arm of result.arms.slice(0, 2)) {
      const units = [...truth.values()].filter((unit) => unit.variant === arm.variant);
      expect(arm.stats).toEqual({
        kind: 'ratio',
        units: units.length,
        sumNumerator: units.reduce((s, unit) => s + unit.paymentsErrors, 0),
        sumDenominator: units.reduce((s, unit) => s + unit.paymentsRequests, 0),
        sumNumeratorSquares: units.reduce((s, unit) => s + unit.paymentsErrors ** 2, 0),
        sumDenominatorSquares: units.reduce((s, unit) => s + unit.paymentsRequests ** 2, 0),
        sumCrossProducts: units.reduce((s, u) => s + u.paymentsErrors * u.paymentsRequests, 0),
      });
    }
    expect(result.arms[2]?.stats.units).toBe(0);
    const treatmentErrors = new Set(
      [...truth.values()]
        .filter((unit) => unit.variant === 'treatment')
        .flatMap((unit) => unit.errorTraceIds),
    );
    const exemplars = result.arms[1]?.exemplarTraceIds ?? [];
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars.every((id) => treatmentErrors.has(id))).toBe(true);
    expect(result.sql).toContain('{flagKey:String}');
    expect(result.params).toMatchObject({ flagKey: FLAG, service: 'payments' });
    const decision = decideGuardrail({
      guardrail: {
        metric: 'error_rate',
        direction: 'lower_is_better',
        margin: 0.1,
        alpha: 0.05,
        minimumUnits: 100,
      },
      control: result.arms[0]!.stats,
      treatment: result.arms[1]!.stats,
    });
    expect(decision.state).toBe('breached');
  });

  it('returns quantile statistics whose count below the quantile matches its level', async () => {
    const result = await fetchArmStatistics(harness.app.context, {
      flagKey: FLAG,
      guardrail: { metric: 'latency_p95' },
    });
    for (const arm of result.arms) {
      if (arm.stats.kind !== 'quantile') throw new Error('expected quantile statistics');
      expect(arm.stats.sumBelow / arm.stats.sumRequests).toBeCloseTo(0.95, 9);
      const index = arm.stats.levels.indexOf(0.95);
      const exact = computeArmTruth(arm.variant).p95;
      expect(Math.abs((arm.stats.values[index] ?? 0) / exact - 1)).toBeLessThan(0.025);
    }
  });

  it('answers no data for a window after the telemetry', async () => {
    const result = await fetchArmStatistics(harness.app.context, {
      flagKey: FLAG,
      guardrail: { metric: 'latency_mean' },
      since: new Date(T0 + 30 * 24 * HOUR),
    });
    expect(result.arms).toEqual([]);
  });
});

describe('tripwire results', () => {
  function capture(): { stream: Writable; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  }

  it('prints a table naming the regressed service, and the API response with --json', async () => {
    const out = capture();
    const err = capture();
    const env = { TRIPWIRE_URL: harness.url, TRIPWIRE_TOKEN: ADMIN_TOKEN };
    expect(
      await runResultsCommand([FLAG, '--max-age', '0'], { out: out.stream, err: err.stream, env }),
    ).toBe(0);
    expect(out.text()).toMatch(/error_rate\s+treatment\s+\d+\.\d\d%/);
    expect(out.text()).toContain('service=payments');
    expect(out.text()).toMatch(/^data: live, read \d{4}-\d\d-\d\dT[\d:.]+Z in \d+\.\d s$/m);
    const json = capture();
    const code = await runResultsCommand([FLAG, '--json'], {
      out: json.stream,
      err: err.stream,
      env,
    });
    expect(code).toBe(0);
    expect(JSON.parse(json.text())).toMatchObject({ flagKey: FLAG, units: results.units });
  });

  it('fails with the API error for an unknown flag and asks for a token without one', async () => {
    const out = capture();
    const err = capture();
    const env = { TRIPWIRE_URL: harness.url, TRIPWIRE_TOKEN: ADMIN_TOKEN };
    expect(await runResultsCommand(['nope'], { out: out.stream, err: err.stream, env })).toBe(1);
    expect(err.text()).toContain('TRIPWIRE_ERR_NOT_FOUND');
    const noToken = { TRIPWIRE_URL: harness.url };
    expect(
      await runResultsCommand([FLAG], { out: out.stream, err: err.stream, env: noToken }),
    ).toBe(2);
    expect(err.text()).toContain('no token');
  });
});
