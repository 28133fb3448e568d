/**
 * The incremental pass (`createIncrementalFacts` over the live facts sources): a guardian pass
 * reads a guardrail's facts again only when a table they come from changed — late data, a
 * deleted record, a new metric version — and otherwise decides on the facts it kept, which equal
 * a fresh read's; a restarted guardian reads everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail, MetricDefinition } from '@tripwire/schema';
import type { MeanStats } from '@tripwire/stats';
import { createMetricStore } from '../../src/control-plane/metric-store.js';
import { createFactsSources } from '../../src/guardian/guardian-sources.js';
import type { FactsRequest, GuardrailFacts } from '../../src/guardian/guardian-types.js';
import { createIncrementalFacts, findNamedTables } from '../../src/guardian/incremental-facts.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { readTableVersions } from '../../src/storage/table-versions.js';
import { formatTimestamp, makeExposureSpan, makeSpan } from '../analysis/telemetry-rows.js';
import { makeErrorLogsMetric, makeRevenueMetric } from '../metrics/metric-fixtures.js';
import {
  createMemoryFlags,
  createTestGuardian,
  makeFlag,
  openTestStorage,
} from './guardian-fixtures.js';

const FLAG = 'checkout';
const T0 = Date.now() - 3_600_000;
const UNITS = 400;
let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

const revenue = makeRevenueMetric();
const logErrors = makeErrorLogsMetric();

const guardrail = (metric: string): Guardrail => ({
  id: `guard-${metric}`,
  metric,
  direction: metric === 'revenue' ? 'higher_is_better' : 'lower_is_better',
  margin: 0.5,
  alpha: 0.05,
  minSample: 10,
  action: 'alert',
});
const GUARDRAILS = ['error_rate', 'revenue', 'log_errors'].map(guardrail);

const unitOf = (i: number) => ({ unitId: `u${i}`, variant: i % 2 === 0 ? 'control' : 'treatment' });

function paySpan(i: number, timeMs: number, amount: number) {
  const { unitId, variant } = unitOf(i);
  return makeSpan({
    timeMs,
    SpanName: 'POST /pay',
    SpanAttributes: {
      [`tripwire.variant.${FLAG}`]: variant,
      'tripwire.unit.id': unitId,
      'payment.amount': String(amount),
    },
  });
}

function errorLog(traceId: string, timeMs: number) {
  return {
    Timestamp: formatTimestamp(timeMs),
    TraceId: traceId,
    SeverityNumber: 17,
    SeverityText: 'ERROR',
    ServiceName: 'api',
    Body: 'payment failed',
    LogAttributes: {},
  };
}

const insert = (table: string, values: object[]) =>
  clickhouse.insert({ table, values, format: 'JSONEachRow' });

/** Exposures, then payments in a second insert (two parts to merge), an error log per tenth. */
async function insertTelemetry(): Promise<string> {
  const exposures = Array.from({ length: UNITS }, (_, i) =>
    makeExposureSpan({ flagKey: FLAG, ...unitOf(i), timeMs: T0, environment: 'production' }),
  );
  const payments = Array.from({ length: UNITS }, (_, i) => paySpan(i, T0 + 60_000, 20 + (i % 7)));
  await insert(tables.traces, exposures);
  await insert(tables.traces, payments);
  await insert(
    tables.logs,
    payments.filter((_, i) => i % 10 === 0).map((span) => errorLog(span.TraceId, T0 + 60_000)),
  );
  return payments[3]!.TraceId; // a treatment unit's payment
}

/** The live facts sources behind the incremental pass, counting what reaches ClickHouse. */
function createCountedFacts() {
  const inner = createFactsSources({ clickhouse, tables });
  const reads: string[] = [];
  const last = new Map<string, GuardrailFacts>();
  const incremental = createIncrementalFacts({
    sources: {
      prefetchFacts: inner.prefetchFacts!,
      fetchFacts: async (request: FactsRequest) => {
        reads.push(request.guardrail.metric);
        return inner.fetchFacts(request);
      },
    },
    readVersions: () => readTableVersions(clickhouse),
    dependsOn: [tables.metricChangelog, tables.metricRollups],
  });
  const fetchFacts = async (request: FactsRequest) => {
    const facts = await incremental.fetchFacts(request);
    last.set(request.guardrail.metric, facts);
    return facts;
  };
  const flags = createMemoryFlags([makeFlag(FLAG, GUARDRAILS)]);
  const { guardian } = createTestGuardian({
    client: clickhouse,
    tables,
    flags,
    fetchFacts,
    prefetchFacts: incremental.prefetchFacts,
  });
  /** One pass: the metrics whose facts were read (sorted). */
  const pass = async () => {
    reads.length = 0;
    await guardian.runOnce();
    return [...reads].sort();
  };
  const arm = (metric: string, variant: string) => last.get(metric)!.arms.get(variant) as MeanStats;
  return { pass, arm, last };
}

let treatmentTrace: string;

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  const catalog = createMetricStore({ clickhouse, tables });
  for (const definition of [revenue, logErrors])
    await catalog.create({ definition, actor: 'test', reason: 'fixture' });
  treatmentTrace = await insertTelemetry();
}, 60_000);

afterAll(async () => {
  await close();
});

describe('the incremental pass', () => {
  it('finds the tables a query names, whole identifiers only', () => {
    const sql = `SELECT 1 FROM otel_traces_trace_id_ts AS t JOIN tripwire_exposures_by_unit FINAL ON 1
      WHERE x IN (SELECT 1 FROM otel_logs)`;
    const names = ['otel_traces', 'otel_traces_trace_id_ts', 'tripwire_exposures', 'otel_logs'];
    expect(findNamedTables(sql, names)).toEqual(['otel_traces_trace_id_ts', 'otel_logs']);
  });

  it('reads again only the facts whose tables changed, and keeps deciding on equal facts', async () => {
    const { pass, arm, last } = createCountedFacts();
    const all = ['error_rate', 'log_errors', 'revenue'];
    expect(await pass()).toEqual(all);
    const first = new Map(last);
    // Nothing new: every answer kept, equal to what a read gives.
    expect(await pass()).toEqual([]);
    expect(last).toEqual(first);
    // A merge changes no data: still nothing to read.
    await clickhouse.command({ query: `OPTIMIZE TABLE ${tables.traces} FINAL` });
    expect(await pass()).toEqual([]);
    // Late data (a payment timed before every other): every metric over spans reads again.
    const before = arm('revenue', 'treatment').sum;
    await insert(tables.traces, [paySpan(3, T0 + 1000, 100)]);
    expect(await pass()).toEqual(all);
    expect(arm('revenue', 'treatment').sum).toBeCloseTo(before + 100, 6);
    // A log record only: only the log metric.
    const logs = arm('log_errors', 'treatment').sum;
    await insert(tables.logs, [errorLog(treatmentTrace, T0 + 61_000)]);
    expect(await pass()).toEqual(['log_errors']);
    expect(arm('log_errors', 'treatment').sum).toBe(logs + 1);
    // A deletion (a mutation, no new insert): read again.
    await clickhouse.command({
      query: `ALTER TABLE ${tables.logs} DELETE WHERE Timestamp = {at:DateTime64(9)}`,
      query_params: { at: formatTimestamp(T0 + 61_000) },
      clickhouse_settings: { mutations_sync: '2' },
    });
    expect(await pass()).toEqual(['log_errors']);
    expect(arm('log_errors', 'treatment').sum).toBe(logs);
    // A dropped part that is not the newest (the first insert's: every control error log).
    await insert(tables.logs, [errorLog(treatmentTrace, T0 + 62_000)]);
    expect(await pass()).toEqual(['log_errors']);
    expect(arm('log_errors', 'control').sum).toBe(UNITS / 10);
    const result = await clickhouse.query({
      query: `SELECT name FROM system.parts WHERE active AND database = currentDatabase()
        AND table = {table:String} ORDER BY min_block_number LIMIT 1`,
      query_params: { table: tables.logs },
      format: 'JSONEachRow',
    });
    const [oldest] = await result.json<{ name: string }>();
    await clickhouse.command({
      query: `ALTER TABLE ${tables.logs} DROP PART {part:String}`,
      query_params: { part: oldest!.name },
    });
    expect(await pass()).toEqual(['log_errors']);
    expect(arm('log_errors', 'control').sum).toBe(0);
  });

  it('reads again after a new version of a metric, and everything after a restart', async () => {
    const { pass, last } = createCountedFacts();
    expect(await pass()).toEqual(['error_rate', 'log_errors', 'revenue']);
    expect(await pass()).toEqual([]);
    const changed: MetricDefinition = { ...revenue, description: 'in EUR' };
    await createMetricStore({ clickhouse, tables }).update({
      definition: changed,
      expectedVersion: 1,
      actor: 'test',
      reason: 'describe it',
    });
    expect(await pass()).toContain('revenue');
    expect(last.get('revenue')?.metricVersion).toBe(2);
    expect(await pass()).toEqual([]);
    expect(await createCountedFacts().pass()).toEqual(['error_rate', 'log_errors', 'revenue']);
  });
});
