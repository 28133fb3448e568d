/**
 * Calibration of guardrails on catalog metrics with CUPED (real ClickHouse): the replays decide
 * on the same CUPED-adjusted estimates as the guardian. Each unit fails its API calls at its own
 * rate, the same the day before its exposure (spans stamped only with its id, under other
 * assignments) and over the ten minutes after it; the flag is A/A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail, MetricDefinition } from '@tripwire/schema';
import type { GuardrailDecision } from '@tripwire/stats';
import { createMetricStore } from '../../src/control-plane/metric-store.js';
import { createRng } from '../../src/create-rng.js';
import {
  createCatalogModel,
  type MetricUnitMinute,
} from '../../src/guardian/calibrate-catalog-guardrail.js';
import type { CalibrationOptions } from '../../src/guardian/calibrate-guardrail.js';
import { calibrateStoredGuardrail } from '../../src/guardian/calibrate-stored-guardrail.js';
import {
  readMetricPreTotals,
  readMetricUnitMinutes,
} from '../../src/guardian/calibration-repository.js';
import { evaluateGuardrail, pairCovariates } from '../../src/guardian/evaluate-guardrail.js';
import { createFactsReader } from '../../src/guardian/guardian-sources.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { makeExposureSpan, makeSpan } from '../analysis/telemetry-rows.js';
import { openTestStorage } from './guardian-fixtures.js';

/** An hour ago, on a minute's start: the calls after exposure fall in ten minutes. */
const T0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
const DAY_MS = 86_400_000;
const CALLS = 30;
const UNITS = 600;
const FLAG = 'steady';
let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

const apiSpans = { spanName: 'GET /api' };
/** Failed calls / calls per unit (ratio), and failed calls per unit (count), CUPED or not. */
const METRICS: MetricDefinition[] = [
  ...[true, false].map((cuped): MetricDefinition => ({
    id: cuped ? 'api_errors' : 'api_errors_plain',
    name: 'API error rate',
    source: 'spans',
    filters: apiSpans,
    value: { type: 'error' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
    direction: 'lower_is_better',
    cuped,
  })),
  {
    id: 'api_failures',
    name: 'Failed API calls per user',
    source: 'spans',
    filters: { ...apiSpans, status: 'error' },
    value: { type: 'count' },
    kind: 'count',
    direction: 'lower_is_better',
    cuped: true,
  },
];

const guardrail = (metric: string): Guardrail => ({
  id: `guard-${metric}`,
  metric,
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minSample: 100,
  action: 'kill',
});

/** A rate r = 0.02 + 0.3·U² per unit; CALLS calls a day before exposure and CALLS after. */
async function insertUnits(): Promise<void> {
  const spans: object[] = [];
  for (let i = 0; i < UNITS; i++) {
    const rng = createRng(7000 + i);
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const unitId = `u-${i}`;
    const rate = 0.02 + 0.3 * rng() ** 2;
    spans.push(
      makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: T0, environment: 'production' }),
    );
    const call = (timeMs: number, stamp: Record<string, string>) =>
      makeSpan({
        timeMs,
        SpanName: 'GET /api',
        StatusCode: rng() < rate ? 'Error' : 'Unset',
        SpanAttributes: { 'tripwire.unit.id': unitId, ...stamp },
      });
    for (let c = 0; c < CALLS; c++) {
      spans.push(call(T0 - DAY_MS + 1000 * c, {}));
      // One call every 20 s: ten minutes, ten looks.
      spans.push(call(T0 + 1000 + 20_000 * c, { [`tripwire.variant.${FLAG}`]: variant }));
    }
  }
  await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
}

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  const catalog = createMetricStore({ clickhouse, tables });
  for (const definition of METRICS)
    await catalog.create({ definition, actor: 'test', reason: 'fixture' });
  await insertUnits();
}, 60_000);

afterAll(async () => {
  await close();
});

/** The guardian's decision for a metric's guardrail on the flag's real arms. */
async function decideAsGuardian(definition: MetricDefinition): Promise<GuardrailDecision> {
  const facts = await createFactsReader({ clickhouse, tables })({
    flagKey: FLAG,
    environment: 'production',
    guardrail: guardrail(definition.id),
    variants: ['control', 'treatment'],
    exemplarLimit: 0,
  });
  const arms = { control: 'control', treatment: 'treatment' };
  return evaluateGuardrail({
    guardrail: guardrail(definition.id),
    control: facts.arms.get('control')!,
    treatment: facts.arms.get('treatment')!,
    covariates: pairCovariates(facts.covariates, arms),
  });
}

/** The replay model's decision on the real arms: every unit's rows summed, by its variant. */
async function decideAsReplay(definition: MetricDefinition): Promise<GuardrailDecision> {
  const rows = await readMetricUnitMinutes(clickhouse, tables, { flagKey: FLAG, definition });
  const preTotals = await readMetricPreTotals(clickhouse, tables, { flagKey: FLAG, definition });
  const model = createCatalogModel({
    guardrail: guardrail(definition.id),
    effect: 0,
    definition,
    rows,
    preTotals,
  });
  const halves = { a: new Map<string, MetricUnitMinute>(), b: new Map<string, MetricUnitMinute>() };
  for (const row of rows) {
    const half = Number(row.unitId.slice(2)) % 2 === 0 ? halves.a : halves.b;
    half.set(row.unitId, model.accumulate(half.get(row.unitId), row));
  }
  const a = [...halves.a.values()];
  const b = [...halves.b.values()];
  const covariates = new Map([
    ['control', model.toCovariate!(a)],
    ['treatment', model.toCovariate!(b)],
  ]);
  return evaluateGuardrail({
    guardrail: guardrail(definition.id),
    control: model.toStats(a),
    treatment: model.toStats(b),
    covariates: pairCovariates(covariates, { control: 'control', treatment: 'treatment' }),
  });
}

describe('calibration of guardrails on CUPED catalog metrics', () => {
  it.each(['api_errors', 'api_failures'])(
    "replays the guardian's CUPED-adjusted decision inputs (%s)",
    async (id) => {
      const definition = METRICS.find((m) => m.id === id)!;
      const guardian = await decideAsGuardian(definition);
      const replay = await decideAsReplay(definition);
      expect(guardian.evidence.adjustment).toMatchObject({ method: 'cuped', status: 'applied' });
      expect(guardian.evidence.adjustment!.varianceReduction).toBeGreaterThan(0.2);
      expect(replay.state).toBe(guardian.state);
      const near = (actual: number, expected: number) =>
        expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(expected)),
        );
      near(replay.evidence.adjustment!.theta, guardian.evidence.adjustment!.theta);
      near(
        replay.evidence.adjustment!.varianceReduction,
        guardian.evidence.adjustment!.varianceReduction,
      );
      near(replay.evidence.estimate, guardian.evidence.estimate);
      near(replay.evidence.interval[0], guardian.evidence.interval[0]);
      near(replay.evidence.interval[1], guardian.evidence.interval[1]);
    },
  );

  it('decides every A/A look on the adjusted estimates and keeps the false-kill rate within its bound', async () => {
    const looks: { adjusted: boolean }[] = [];
    const decide: CalibrationOptions['decide'] = (input) => {
      const decision = evaluateGuardrail(input);
      looks.push({ adjusted: decision.evidence.adjustment?.status === 'applied' });
      return decision;
    };
    const permutations = 40;
    const run = { permutations, effect: 0.5, random: createRng(11), decide };
    const result = await calibrateStoredGuardrail(clickhouse, tables, {
      flagKey: FLAG,
      guardrail: guardrail('api_errors'),
      run,
    });
    expect(result).toMatchObject({ units: UNITS, looks: 10 });
    expect(result.cuped).toMatchObject({ applied: permutations, notApplied: {} });
    expect(result.cuped!.medianVarianceReduction).toBeGreaterThan(0.2);
    expect(looks.length).toBeGreaterThan(permutations * 10);
    expect(looks.every((look) => look.adjusted)).toBe(true);
    // α = 0.05 always-valid: at most 6 of 40 (P(Binomial(40, 0.05) > 6) < 0.01).
    expect(result.falseKills).toBeLessThanOrEqual(6);
    const plain = await calibrateStoredGuardrail(clickhouse, tables, {
      flagKey: FLAG,
      guardrail: guardrail('api_errors_plain'),
      run: { ...run, random: createRng(11), decide: evaluateGuardrail },
    });
    expect(plain.cuped).toBeNull();
    expect(plain.falseKills).toBeLessThanOrEqual(6);
    // The adjusted sequence detects the injected +50 % more often (seed 11: 40/40 vs 19/40).
    expect(result.detectedShare).toBeGreaterThan(plain.detectedShare);
  }, 60_000);
});
