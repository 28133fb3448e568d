/**
 * The guardian on a catalog ratio metric with CUPED (real ClickHouse): each unit fails its API
 * calls at its own rate, the same before its first exposure (spans stamped only with its id,
 * under other assignments) and after; the treatment fails 40 % more often after exposure. The
 * CUPED guardrail's sequence tests the adjusted estimates, so it trips on fewer units than the
 * same metric without CUPED, and its kill report says the breach was CUPED-adjusted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import { createMetricStore } from '../../src/control-plane/metric-store.js';
import { createRng } from '../../src/create-rng.js';
import { createFactsReader } from '../../src/guardian/guardian-sources.js';
import { buildKillReport } from '../../src/guardian/kill-report.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { makeExposureSpan, makeSpan } from '../analysis/telemetry-rows.js';
import { makeApiErrorsMetric } from '../metrics/metric-fixtures.js';
import {
  createMemoryFlags,
  createTestGuardian,
  makeFlag,
  openTestStorage,
} from './guardian-fixtures.js';

const T0 = Date.now() - 3_600_000;
const DAY_MS = 86_400_000;
const CALLS = 30;
let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

/** Failed calls / calls per unit (a ratio), with or without CUPED. */
const apiErrors = (id: string, cuped: boolean) => makeApiErrorsMetric({ id, cuped });

const guardrail = (metric: string): Guardrail => ({
  id: `guard-${metric}`,
  metric,
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minSample: 100,
  action: 'kill',
});

/**
 * Units `from` … `to` − 1 of a flag (deterministic: the generator is seeded by flag and unit):
 * a rate r_i = 0.02 + 0.3·U², CALLS calls a day before exposure and CALLS after, each failing
 * with r_i (the treatment's after exposure: `lift`·r_i).
 */
async function insertUnits(flagKey: string, range: { from: number; to: number; lift: number }) {
  const spans: object[] = [];
  for (let i = range.from; i < range.to; i++) {
    const rng = createRng(1000 * flagKey.length + i);
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const unitId = `${flagKey}-${i}`;
    const rate = 0.02 + 0.3 * rng() ** 2;
    spans.push(
      makeExposureSpan({ flagKey, variant, unitId, timeMs: T0, environment: 'production' }),
    );
    const call = (timeMs: number, stamp: Record<string, string>, failRate: number) =>
      makeSpan({
        timeMs,
        SpanName: 'GET /api',
        StatusCode: rng() < failRate ? 'Error' : 'Unset',
        SpanAttributes: { 'tripwire.unit.id': unitId, ...stamp },
      });
    for (let c = 0; c < CALLS; c++) {
      spans.push(call(T0 - DAY_MS + 1000 * c, {}, rate));
      const after = variant === 'treatment' ? rate * range.lift : rate;
      spans.push(call(T0 + 1000 * (c + 1), { [`tripwire.variant.${flagKey}`]: variant }, after));
    }
  }
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
}

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  const catalog = createMetricStore({ clickhouse, tables });
  for (const definition of [apiErrors('api_errors', true), apiErrors('api_errors_plain', false)])
    await catalog.create({ definition, actor: 'test', reason: 'fixture' });
  // The same units for both regression flags (same seeds), and an A/A flag.
  await insertUnits('worse-a', { from: 0, to: 700, lift: 1.4 });
  await insertUnits('worse-b', { from: 0, to: 700, lift: 1.4 });
  await insertUnits('steady', { from: 0, to: 600, lift: 1 });
}, 60_000);

afterAll(async () => {
  await close();
});

function makeGuardian(flags: ReturnType<typeof createMemoryFlags>) {
  const fetchFacts = createFactsReader({ clickhouse, tables });
  return createTestGuardian({ client: clickhouse, tables, flags, fetchFacts });
}

describe('guardrails on CUPED catalog metrics', () => {
  it('kills on the CUPED-adjusted sequence with fewer units than without CUPED, and the report says so', async () => {
    const flags = createMemoryFlags([
      makeFlag('worse-a', [guardrail('api_errors')]),
      makeFlag('worse-b', [guardrail('api_errors_plain')]),
    ]);
    const { guardian, decisions } = makeGuardian(flags);
    // 350 units per arm: the adjusted sequence excludes the margin, the plain one does not.
    expect((await guardian.runOnce()).kills).toBe(1);
    const [adjusted] = await decisions.listForFlag({ flagKey: 'worse-a', limit: 10 });
    const [plain] = await decisions.listForFlag({ flagKey: 'worse-b', limit: 10 });
    expect(adjusted).toMatchObject({ state: 'breached', nTreatment: 350 });
    expect(plain?.state).not.toBe('breached');
    expect(plain?.adjustment).toBe('');
    expect(adjusted!.intervalUpper - adjusted!.intervalLower).toBeLessThan(
      plain!.intervalUpper - plain!.intervalLower,
    );
    const rows = await decisions.listForBreach(adjusted!.breachId);
    const report = buildKillReport({
      breach: rows.find((row) => row.kind === 'check')!,
      kill: rows.find((row) => row.kind === 'kill'),
      checks: rows,
      history: [],
      deliveries: [],
    });
    expect(report.outcome).toBe('killed');
    expect(report.decision.adjustment).toMatchObject({ method: 'cuped', status: 'applied' });
    expect(report.decision.adjustment!.varianceReduction).toBeGreaterThan(0.3);
    const breach = report.timeline.find((event) => event.event === 'breach');
    expect(breach?.detail).toMatch(/, CUPED-adjusted \(variance −\d+%\)$/);
    // The plain guardrail needs more units: at 1000 per arm it trips too.
    await insertUnits('worse-b', { from: 700, to: 2000, lift: 1.4 });
    expect((await guardian.runOnce()).kills).toBe(1);
    const [later] = await decisions.listForFlag({ flagKey: 'worse-b', limit: 1 });
    expect(later).toMatchObject({ state: 'breached', nTreatment: 1000 });
    // Inserting 1,300 units' spans and two passes: seconds on a loaded machine.
  }, 60_000);

  it('keeps an A/A rollout with a CUPED guardrail running', async () => {
    const flags = createMemoryFlags([makeFlag('steady', [guardrail('api_errors')])]);
    const { guardian, decisions } = makeGuardian(flags);
    expect((await guardian.runOnce()).kills).toBe(0);
    const [row] = await decisions.listForFlag({ flagKey: 'steady', limit: 1 });
    expect(['healthy', 'inconclusive']).toContain(row?.state);
    expect(JSON.parse(row!.adjustment)).toMatchObject({ method: 'cuped', status: 'applied' });
  });
});
