import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import { createMetricStore } from '../../src/control-plane/metric-store.js';
import { createRng } from '../../src/create-rng.js';
import { calibrateCatalogGuardrail } from '../../src/guardian/calibrate-catalog-guardrail.js';
import { calibrateStoredGuardrail } from '../../src/guardian/calibrate-stored-guardrail.js';
import { readMetricUnitMinutes } from '../../src/guardian/calibration-repository.js';
import { evaluateGuardrail } from '../../src/guardian/evaluate-guardrail.js';
import { fetchMetricArms } from '../../src/repositories/metrics/fetch-metric-arms.js';
import { METRIC_KIND_MODULES } from '../../src/repositories/metrics/metric-kinds.js';
import { addUnitTotals, type UnitTotals } from '../../src/repositories/metrics/metric-kind.js';
import { createFactsReader } from '../../src/guardian/guardian-sources.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { formatTimestamp, makeExposureSpan, makeSpan } from '../analysis/telemetry-rows.js';
import {
  createMemoryFlags,
  createTestGuardian,
  makeFlag,
  openTestStorage,
} from './guardian-fixtures.js';
import { makeErrorLogsMetric, makeRevenueMetric } from '../metrics/metric-fixtures.js';

const T0 = Date.now() - 3_600_000;
let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

const logErrors = makeErrorLogsMetric();
const revenue = makeRevenueMetric({ value: { type: 'attribute', attribute: 'amount' } });

/** Two flags' telemetry: `errors-up` triples its treatment's error logs, `steady` is A/A. */
async function insertTelemetry(): Promise<void> {
  const rng = createRng(23);
  const spans: object[] = [];
  const logs: object[] = [];
  for (const flagKey of ['errors-up', 'steady']) {
    for (let i = 0; i < 1600; i++) {
      const variant = i % 2 === 0 ? 'control' : 'treatment';
      const unitId = `${flagKey}-${i}`;
      spans.push(
        makeExposureSpan({ flagKey, variant, unitId, timeMs: T0, environment: 'production' }),
      );
      for (let r = 0; r < 3; r++) {
        const pay = makeSpan({
          timeMs: T0 + 1000 * (r + 1),
          SpanName: 'POST /pay',
          SpanAttributes: {
            [`tripwire.variant.${flagKey}`]: variant,
            'tripwire.unit.id': unitId,
            amount: String(Math.round(100 * (20 + 40 * rng())) / 100),
          },
        });
        spans.push(pay);
        const rate = flagKey === 'errors-up' && variant === 'treatment' ? 0.3 : 0.1;
        const severity = rng() < rate ? 17 : 9;
        logs.push({
          Timestamp: formatTimestamp(T0 + 1000 * (r + 1)),
          TraceId: pay.TraceId,
          SeverityNumber: severity,
          SeverityText: severity === 17 ? 'ERROR' : 'INFO',
          ServiceName: 'api',
          Body: 'payment',
          LogAttributes: {},
        });
      }
    }
  }
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
  await clickhouse.insert({ table: tables.logs, values: logs, format: 'JSONEachRow' });
}

const guardrail = (metric: string, direction: Guardrail['direction']): Guardrail => ({
  id: `guard-${metric}`,
  metric,
  direction,
  margin: 0.1,
  alpha: 0.05,
  minSample: 100,
  action: 'kill',
});

function makeGuardian(flags: ReturnType<typeof createMemoryFlags>) {
  const fetchFacts = createFactsReader({ clickhouse, tables });
  return createTestGuardian({ client: clickhouse, tables, flags, fetchFacts });
}

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  const catalog = createMetricStore({ clickhouse, tables });
  for (const definition of [logErrors, revenue])
    await catalog.create({ definition, actor: 'test', reason: 'fixture' });
  // A second version of log_errors: the checks must record the version they computed.
  await catalog.update({
    definition: { ...logErrors, description: 'ERROR and above' },
    expectedVersion: 1,
    actor: 'test',
    reason: 'describe it',
  });
  await insertTelemetry();
}, 60_000);

afterAll(async () => {
  await close();
});

describe('guardrails on catalog metrics', () => {
  it('kills a treatment whose error logs per user triple, with the metric query as evidence', async () => {
    const flags = createMemoryFlags([
      makeFlag('errors-up', [guardrail('log_errors', 'lower_is_better')]),
    ]);
    const { guardian, decisions } = makeGuardian(flags);
    const summary = await guardian.runOnce();
    expect(summary.kills).toBe(1);
    expect(flags.kills).toBe(1);
    const rows = await decisions.listForFlag({ flagKey: 'errors-up', limit: 10 });
    const breach = rows.find((row) => row.kind === 'check' && row.state === 'breached');
    expect(breach).toMatchObject({
      metric: 'log_errors',
      metricVersion: 2,
      actionTaken: 'kill_pending',
    });
    expect(breach?.query).toContain(tables.logs);
    expect(breach!.intervalLower).toBeGreaterThan(0.1);
  });

  it('keeps an A/A rollout on catalog metrics running, and never kills on an unknown metric', async () => {
    const flags = createMemoryFlags([
      makeFlag('steady', [
        guardrail('log_errors', 'lower_is_better'),
        guardrail('revenue', 'higher_is_better'),
        guardrail('no_such_metric', 'lower_is_better'),
      ]),
    ]);
    const { guardian, decisions } = makeGuardian(flags);
    const summary = await guardian.runOnce();
    expect(summary).toMatchObject({ kills: 0, checks: 2 });
    expect(flags.kills).toBe(0);
    const rows = await decisions.listForFlag({ flagKey: 'steady', limit: 10 });
    expect(rows.map((row) => row.metric).sort()).toEqual(['log_errors', 'revenue']);
    for (const row of rows) expect(['healthy', 'inconclusive']).toContain(row.state);
    expect(rows.find((row) => row.metric === 'revenue')?.metricVersion).toBe(1);
  });
});

describe('calibration on catalog metrics', () => {
  const run = (seed: number) => ({
    permutations: 20,
    random: createRng(seed),
    decide: evaluateGuardrail,
  });

  it("replays each unit's totals into the statistics the metric's SQL computes", async () => {
    for (const definition of [logErrors, revenue]) {
      const rows = await readMetricUnitMinutes(clickhouse, tables, {
        flagKey: 'errors-up',
        definition,
      });
      const byUnit = new Map<string, UnitTotals>();
      for (const row of rows) {
        const total = byUnit.get(row.unitId);
        byUnit.set(row.unitId, total === undefined ? row.totals : addUnitTotals(total, row.totals));
      }
      expect(byUnit.size).toBe(1600);
      const { arms } = await fetchMetricArms(
        { clickhouse, tables },
        { definition, flagKey: 'errors-up' },
      );
      for (const [variant, parity] of [
        ['control', 0],
        ['treatment', 1],
      ] as const) {
        const units = [...byUnit].filter(([id]) => Number(id.split('-').at(-1)) % 2 === parity);
        const replayed = METRIC_KIND_MODULES[definition.kind].summarizeUnits?.(
          units.map(([, totals]) => totals),
          definition,
        );
        expect(replayed?.units).toBe(800);
        const expected = arms.get(variant) as unknown as Record<string, number>;
        for (const [field, value] of Object.entries(replayed ?? {})) {
          if (typeof value === 'number')
            expect(value, `${definition.id}.${variant}.${field}`).toBeCloseTo(
              expected[field] ?? NaN,
              6,
            );
        }
      }
    }
  });

  it('gives an A/A false-kill rate and detects an injected doubling of error logs', async () => {
    const result = await calibrateStoredGuardrail(clickhouse, tables, {
      flagKey: 'steady',
      guardrail: guardrail('log_errors', 'lower_is_better'),
      run: { ...run(5), effect: 1 },
    });
    expect(result.units).toBe(1600);
    expect(result.falseKillRate).toBeLessThanOrEqual(0.15);
    expect(result.detectedShare).toBe(1);
    // Revenue 20 % lower in one half (higher is better): detected too, 3 payments per user.
    const lower = await calibrateStoredGuardrail(clickhouse, tables, {
      flagKey: 'steady',
      guardrail: guardrail('revenue', 'higher_is_better'),
      run: { ...run(6), effect: 0.2 },
    });
    expect(lower.detectedShare).toBe(1);
    expect(lower.falseKillRate).toBeLessThanOrEqual(0.15);
  });

  it('says which metrics it cannot replay', async () => {
    await expect(
      calibrateStoredGuardrail(clickhouse, tables, {
        flagKey: 'steady',
        guardrail: guardrail('no_such_metric', 'lower_is_better'),
        run: { ...run(1), effect: 0.2 },
      }),
    ).rejects.toThrow(/no metric "no_such_metric"/);
    const p90 = { ...revenue, id: 'pay_p90', kind: 'quantile' as const, quantile: 0.9 };
    expect(() =>
      calibrateCatalogGuardrail({
        ...run(1),
        effect: 0.2,
        guardrail: guardrail('pay_p90', 'lower_is_better'),
        definition: p90,
        rows: [],
      }),
    ).toThrow(/cannot replay quantile metrics \(pay_p90\)/);
  });
});
