/**
 * The log source reaches a record's unit through the trace→unit table (migration 0263), filled
 * at ingest by a view on the spans and, for spans stored before the migration, by its backfill.
 * Per unit, the log records counted after and before exposure (the CUPED covariate's) must be
 * exactly the ones of the traces whose spans carry that unit: a trace split over inserts (rows
 * not merged yet) counts once, one stamped only in a later span counts, one stamped with another
 * flag counts before exposure only, and never once this flag's variant reached it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildValidUnitsCte } from '../../src/repositories/arm-queries.js';
import { buildScopedRecords } from '../../src/repositories/metrics/metric-sql.js';
import { queryRows } from '../../src/repositories/query-rows.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { loadMigrations } from '../../src/storage/migrations.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';
import {
  formatTimestamp,
  makeExposureSpan,
  makeSpan,
  type SpanRow,
} from '../analysis/telemetry-rows.js';
import { makeErrorLogsMetric } from './metric-fixtures.js';

const FLAG = 'checkout-v3';
const OTHER = 'search-v2';
const UNITS = 24;
/** The window starts here; unit i is exposed i seconds later. */
const T0 = Date.UTC(2026, 5, 1, 12);

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

/** Per unit id: the error log records counted after and before exposure. */
const truth = new Map<string, { post: number; pre: number }>();

const stamp = (unitId: string, flags: Record<string, string>) => ({
  'tripwire.unit.id': unitId,
  ...Object.fromEntries(Object.entries(flags).map(([flag, v]) => [`tripwire.variant.${flag}`, v])),
});

function errorLogs(traceId: string, timeMs: number, count: number): object[] {
  return Array.from({ length: count }, (_, k) => ({
    Timestamp: formatTimestamp(timeMs + k),
    TraceId: traceId,
    SeverityNumber: 17,
    SeverityText: 'ERROR',
    ServiceName: 'payments',
    Body: 'payment failed',
    LogAttributes: {},
  }));
}

/**
 * Per unit i (exposed at T0 + i s): trace A stamped, its two spans in separate inserts, i + 1
 * error logs; trace C whose first span carries the unit only and a later one the stamp, 1 log;
 * trace B before exposure stamped with another flag only, i % 3 + 1 logs (pre); trace E likewise
 * but this flag's stamp reached it later (neither side); trace D with the stamp and no unit.
 */
function generate(): { first: SpanRow[]; second: SpanRow[]; logs: object[] } {
  const first: SpanRow[] = [];
  const second: SpanRow[] = [];
  const logs: object[] = [];
  for (let i = 0; i < UNITS; i++) {
    const unitId = `u${i}`;
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const exposedMs = T0 + i * 1000;
    first.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs: exposedMs }));
    const stamped = stamp(unitId, { [FLAG]: variant, [OTHER]: 'on' });
    const a = makeSpan({ timeMs: exposedMs + 10_000, SpanAttributes: stamped });
    first.push(a);
    second.push({
      ...makeSpan({ timeMs: exposedMs + 20_000, SpanAttributes: stamped }),
      TraceId: a.TraceId,
    });
    logs.push(...errorLogs(a.TraceId, exposedMs + 15_000, i + 1));
    const c = makeSpan({ timeMs: exposedMs + 30_000, SpanAttributes: stamp(unitId, {}) });
    first.push(c);
    second.push({
      ...makeSpan({ timeMs: exposedMs + 40_000, SpanAttributes: stamped }),
      TraceId: c.TraceId,
    });
    logs.push(...errorLogs(c.TraceId, exposedMs + 35_000, 1));
    const b = makeSpan({
      timeMs: exposedMs - 600_000,
      SpanAttributes: stamp(unitId, { [OTHER]: 'on' }),
    });
    first.push(b);
    logs.push(...errorLogs(b.TraceId, exposedMs - 590_000, (i % 3) + 1));
    const e = makeSpan({
      timeMs: exposedMs - 500_000,
      SpanAttributes: stamp(unitId, { [OTHER]: 'on' }),
    });
    first.push(e);
    second.push({
      ...makeSpan({ timeMs: exposedMs + 50_000, SpanAttributes: stamped }),
      TraceId: e.TraceId,
    });
    logs.push(...errorLogs(e.TraceId, exposedMs - 490_000, 2));
    const d = makeSpan({
      timeMs: exposedMs + 60_000,
      SpanAttributes: { [`tripwire.variant.${FLAG}`]: variant },
    });
    first.push(d);
    logs.push(...errorLogs(d.TraceId, exposedMs + 60_000, 3));
    truth.set(unitId, { post: i + 2, pre: (i % 3) + 1 });
  }
  return { first, second, logs };
}

/** Per unit, the log metric's records after (`y_hit`) and before (`p_hit`) exposure. */
async function countPerUnit(): Promise<Map<string, { post: number; pre: number }>> {
  const { records, params } = buildScopedRecords({
    definition: makeErrorLogsMetric({ cuped: true }),
    tables,
    scope: { flagKey: FLAG, environment: '', sinceMs: T0, untilMs: T0 + 86_400_000 },
    covariate: true,
  });
  const rows = await queryRows<{ unit_id: string; post: string; pre: string }>(
    { clickhouse, tables },
    `WITH ${buildValidUnitsCte(tables)}, ${records}
    SELECT unit_id, sum(y_hit) AS post, sum(p_hit) AS pre FROM records GROUP BY unit_id`,
    params,
  );
  return new Map(rows.map((r) => [r.unit_id, { post: Number(r.post), pre: Number(r.pre) }]));
}

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  // Each insert leaves its own rows of a trace: no merge may fold them before the reads.
  await clickhouse.command({ query: `SYSTEM STOP MERGES ${tables.traceUnits}` });
  const { first, second, logs } = generate();
  for (const spans of [first, second])
    await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
  await clickhouse.insert({ table: tables.logs, values: logs, format: 'JSONEachRow' });
}, 60_000);

afterAll(async () => {
  await close();
});

describe('the trace→unit table under the log source', () => {
  it("counts each unit's log records through its traces, after and before exposure", async () => {
    expect(Object.fromEntries(await countPerUnit())).toEqual(Object.fromEntries(truth));
  });

  it('gives the same counts when the migration backfills it from the stored spans', async () => {
    const migration = loadMigrations(tables).find((m) => m.name === 'trace_units')!;
    const backfill = migration.statements.filter((s) => s.startsWith('INSERT'));
    expect(backfill).toHaveLength(1);
    await clickhouse.command({ query: `TRUNCATE TABLE ${tables.traceUnits}` });
    expect(await countPerUnit()).toEqual(new Map());
    await clickhouse.command({ query: backfill[0]! });
    expect(Object.fromEntries(await countPerUnit())).toEqual(Object.fromEntries(truth));
  });
});
