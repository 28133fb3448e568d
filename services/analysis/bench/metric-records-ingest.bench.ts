/**
 * What the materialized views cost at ingest (`npx tsx --conditions=@tripwire/source
 * bench/metric-records-ingest.bench.ts`, a table, not a test): the same BENCH_SPANS bench spans
 * (`bench-telemetry.ts`, staged once in a table of their own so generating them is not timed)
 * inserted into a copy of otel_traces with no views (the bare insert), into otel_traces with the
 * service's views under the engine's default settings and under the service's telemetry insert
 * settings (`TELEMETRY_INSERT_SETTINGS`), without each view in turn (its share of the insert:
 * the insert with every view minus the insert without it, it and what it feeds), and with the
 * records keeper's views of the 10 catalog metrics added (8 of them materializable). In the
 * style of `ingest.bench.ts`: merges stopped, the configurations measured round-robin and the
 * fastest of BENCH_RUNS inserts of each kept, wall and CPU (this process, every thread incl.
 * chdb) per span, as a ratio to the bare insert in the same run.
 * Options (env): BENCH_SPANS (default 200,000), BENCH_EXPOSURES (units, default 20,000),
 * BENCH_RUNS (default 5), BENCH_SHARES=0 (skip the views' shares).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flag } from '@tripwire/schema';
import { createNamedMetricsLister } from '../src/analysis/metric-records-plugin.js';
import { loadConfig } from '../src/config.js';
import { createMetricStore } from '../src/control-plane/metric-store.js';
import { createMetricRecordsKeeper } from '../src/repositories/metrics/metric-records.js';
import {
  formatSettingsClause,
  openClickHouse,
  TELEMETRY_INSERT_SETTINGS,
  type ClickHouseClient,
} from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import { makeFlag } from '../test/guardian/guardian-fixtures.js';
import { load } from './bench-timing.js';
import { FLAG, SPAN_SQL } from './bench-telemetry.js';
import { CATALOG } from './catalog-definitions.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const UNITS = Number(process.env.BENCH_EXPOSURES ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SHARES = process.env.BENCH_SHARES !== '0';
const STAGED = 'bench_staged_spans';
const BARE = 'bench_no_views';
const TELEMETRY = formatSettingsClause(TELEMETRY_INSERT_SETTINGS);

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** One way of inserting the staged spans; `detach` views are detached around each insert. */
interface Config {
  name: string;
  table: string;
  settings: string;
  detach?: string;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const config = loadConfig(['--data-dir', dataDir], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const { tables } = config;
  const context = { clickhouse, tables };
  try {
    console.log(`Views at ingest: ${SPANS.toLocaleString()} spans, load ${load()}`);
    await runMigrations(clickhouse, tables);
    await clickhouse.command({ query: 'SYSTEM STOP MERGES' });
    for (const table of [STAGED, BARE])
      await clickhouse.command({ query: `CREATE TABLE ${table} AS ${tables.traces}` });
    await clickhouse.command({
      query: SPAN_SQL.replace('{traces}', STAGED),
      query_params: { flag: FLAG, start: 0, count: SPANS, units: UNITS },
    });
    const views = SHARES ? await listViews(clickhouse, tables.traces) : [];
    const configs: Config[] = [
      { name: 'bare', table: BARE, settings: TELEMETRY },
      { name: 'defaults', table: tables.traces, settings: '' },
      { name: 'service', table: tables.traces, settings: TELEMETRY },
      ...views.map((view) => ({
        name: view.name,
        table: tables.traces,
        settings: TELEMETRY,
        detach: view.name,
      })),
    ];
    const timings = await measure(clickhouse, configs);
    const recordViews = await createRecordViews(context);
    const [withRecords] = await measure(clickhouse, [configs[2]!]);
    printTables({ timings, views, recordViews, withRecords: withRecords! });
    console.log(`load ${load()}`);
  } finally {
    await clickhouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Fastest of RUNS inserts of the staged spans per configuration, wall and CPU ms; the
 * configurations take turns, so a change in the host's load reaches all of them alike.
 */
async function measure(clickhouse: ClickHouseClient, configs: Config[]): Promise<Timing[]> {
  const best = configs.map(() => ({ wallMs: Infinity, cpuMs: Infinity }));
  for (let run = 0; run < RUNS; run++) {
    for (const [i, config] of configs.entries()) {
      if (config.detach) await clickhouse.command({ query: `DETACH TABLE ${config.detach}` });
      const cpu = process.cpuUsage();
      const start = performance.now();
      await clickhouse.command({
        query: `INSERT INTO ${config.table} SELECT * FROM ${STAGED} ${config.settings}`,
      });
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - start;
      if (config.detach) await clickhouse.command({ query: `ATTACH TABLE ${config.detach}` });
      best[i] = {
        wallMs: Math.min(best[i]!.wallMs, wallMs),
        cpuMs: Math.min(best[i]!.cpuMs, (used.user + used.system) / 1000),
      };
    }
  }
  return best;
}

/**
 * Every materialized view an insert into `traces` runs, directly or through the tables the
 * views write (the variant-requests table feeds the rollups of 0203), with the table it reads.
 */
async function listViews(clickhouse: ClickHouseClient, traces: string) {
  const rows = await (
    await clickhouse.query({
      query: `SELECT name, dependencies_table AS views FROM system.tables
        WHERE database = currentDatabase() AND length(dependencies_table) > 0`,
      format: 'JSONEachRow',
    })
  ).json<{ name: string; views: string[] }>();
  const targets = await (
    await clickhouse.query({
      query: `SELECT name, extract(create_table_query, 'TO [^ .]+[.]([^ (]+)') AS target
        FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'`,
      format: 'JSONEachRow',
    })
  ).json<{ name: string; target: string }>();
  const targetOf = new Map(targets.map((t) => [t.name, t.target]));
  const readers = new Map(rows.map((row) => [row.name, row.views]));
  const found: { name: string; source: string }[] = [];
  const visit = (table: string) => {
    for (const view of readers.get(table) ?? []) {
      found.push({ name: view, source: table });
      visit(targetOf.get(view) ?? '');
    }
  };
  visit(traces);
  return found;
}

function printTables(input: {
  timings: Timing[];
  views: { name: string; source: string }[];
  recordViews: number;
  withRecords: Timing;
}): void {
  const [bare, defaults, service, ...withoutEach] = input.timings as [
    Timing,
    Timing,
    Timing,
    ...Timing[],
  ];
  const row = (measured: string, m: Timing) => ({
    measured,
    'wall µs/span': ((m.wallMs * 1000) / SPANS).toFixed(2),
    'CPU µs/span': ((m.cpuMs * 1000) / SPANS).toFixed(2),
    'wall × bare': (m.wallMs / bare.wallMs).toFixed(2),
    'CPU × bare': (m.cpuMs / bare.cpuMs).toFixed(2),
  });
  console.table([
    row('insert into a copy of otel_traces with no views (bare)', bare),
    row("insert into otel_traces (the service's views), engine defaults", defaults),
    row("insert into otel_traces (the service's views), TELEMETRY_INSERT_SETTINGS", service),
    row(`insert into otel_traces + ${input.recordViews} record views`, input.withRecords),
  ]);
  if (input.views.length === 0) return;
  console.log("Each view's share (the insert with every view minus without it and what it feeds):");
  console.table(
    input.views.map((view, i) => ({
      view: view.name,
      reads: view.source,
      'wall × bare': ((service.wallMs - withoutEach[i]!.wallMs) / bare.wallMs).toFixed(2),
      'CPU × bare': ((service.cpuMs - withoutEach[i]!.cpuMs) / bare.cpuMs).toFixed(2),
    })),
  );
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
