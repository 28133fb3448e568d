/**
 * What the catalog metrics' record views (`metric-records.ts`, one per named spans/events metric)
 * cost at ingest (`npx tsx --conditions=@tripwire/source bench/metric-records-ingest.bench.ts`,
 * a table, not a test): the same BENCH_SPANS bench spans (`bench-telemetry.ts`, staged once in
 * a table of their own so generating them is not timed) inserted into a copy of otel_traces
 * with no views (the bare insert), into otel_traces with the service's views (without, then
 * with, the trace→unit view of migration 0263), and with the records keeper's views of the 10
 * catalog metrics added (8 of them materializable). In the style of `ingest.bench.ts`: merges
 * stopped, fastest of BENCH_RUNS inserts, wall and CPU (this process, every thread incl. chdb)
 * per span, as a ratio to the bare insert in the same run.
 * Options (env): BENCH_SPANS (default 200,000), BENCH_EXPOSURES (units, default 20,000),
 * BENCH_RUNS (default 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flag } from '@tripwire/schema';
import { createNamedMetricsLister } from '../src/analysis/metric-records-plugin.js';
import { loadConfig } from '../src/config.js';
import { createMetricStore } from '../src/control-plane/metric-store.js';
import { createMetricRecordsKeeper } from '../src/repositories/metrics/metric-records.js';
import { openClickHouse } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import { makeFlag } from '../test/guardian/guardian-fixtures.js';
import { FLAG, SPAN_SQL } from './bench-telemetry.js';
import { CATALOG } from './catalog-definitions.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const UNITS = Number(process.env.BENCH_EXPOSURES ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const STAGED = 'bench_staged_spans';
const BARE = 'bench_no_views';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const config = loadConfig(['--data-dir', dataDir], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const { tables } = config;
  const context = { clickhouse, tables };
  try {
    console.log(`Record views at ingest: ${SPANS.toLocaleString()} spans, load ${load()}`);
    await runMigrations(clickhouse, tables);
    await clickhouse.command({ query: 'SYSTEM STOP MERGES' });
    for (const table of [STAGED, BARE])
      await clickhouse.command({ query: `CREATE TABLE ${table} AS ${tables.traces}` });
    await clickhouse.command({
      query: SPAN_SQL.replace('{traces}', STAGED),
      query_params: { flag: FLAG, start: 0, count: SPANS, units: UNITS },
    });
    /** Fastest of RUNS inserts of the staged spans into `table`: wall and CPU ms. */
    const insertInto = async (table: string) => {
      let best = { wallMs: Infinity, cpuMs: Infinity };
      for (let i = 0; i < RUNS; i++) {
        const cpu = process.cpuUsage();
        const start = performance.now();
        await clickhouse.command({ query: `INSERT INTO ${table} SELECT * FROM ${STAGED}` });
        const used = process.cpuUsage(cpu);
        best = {
          wallMs: Math.min(best.wallMs, performance.now() - start),
          cpuMs: Math.min(best.cpuMs, (used.user + used.system) / 1000),
        };
      }
      return best;
    };
    const bare = await insertInto(BARE);
    // The service's views without, then with, the trace→unit view (migration 0263).
    const traceUnitsView = `${tables.traceUnits}_mv`;
    await clickhouse.command({ query: `DETACH TABLE ${traceUnitsView}` });
    const withoutTraceUnits = await insertInto(tables.traces);
    await clickhouse.command({ query: `ATTACH TABLE ${traceUnitsView}` });
    const service = await insertInto(tables.traces);
    const views = await createRecordViews(context);
    const withRecords = await insertInto(tables.traces);
    const row = (measured: string, m: typeof bare) => ({
      measured,
      'wall µs/span': ((m.wallMs * 1000) / SPANS).toFixed(2),
      'CPU µs/span': ((m.cpuMs * 1000) / SPANS).toFixed(2),
      'wall × bare': (m.wallMs / bare.wallMs).toFixed(2),
      'CPU × bare': (m.cpuMs / bare.cpuMs).toFixed(2),
    });
    console.table([
      row('insert into a copy of otel_traces with no views (bare)', bare),
      row(
        "insert into otel_traces (the service's views but the trace→unit one)",
        withoutTraceUnits,
      ),
      row("insert into otel_traces (the service's views)", service),
      row(`insert into otel_traces + ${views} record views`, withRecords),
    ]);
    console.log(`load ${load()}`);
  } finally {
    await clickhouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The keeper's views for a flag naming the 10 catalog metrics; how many it created. */
async function createRecordViews(context: Parameters<typeof createMetricStore>[0]) {
  const store = createMetricStore(context);
  for (const definition of CATALOG)
    await store.create({ definition, actor: 'bench', reason: 'bench' });
  const ids = CATALOG.map((m) => m.id);
  const flag: Flag = { ...makeFlag(FLAG), metrics: { goal: ids[0]!, secondary: ids.slice(1) } };
  const keeper = createMetricRecordsKeeper({
    context,
    listNamed: createNamedMetricsLister(context, () => [flag]),
    timing: { skewMs: 0, latenessMs: 3_600_000 },
    // Split before the bench spans' time (2026-11-20), so the views copy every matching record.
    now: () => Date.UTC(2026, 10, 1),
  });
  return (await keeper.reconcile()).created.length;
}

await main();
