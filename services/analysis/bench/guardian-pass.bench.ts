/**
 * The guardian's pass, query by query (`npx tsx --conditions=@tripwire/source
 * bench/guardian-pass.bench.ts`, a table, not a test): on data `catalog-metrics.bench.ts` left in
 * BENCH_DATA_DIR (required; a copy, never the original: pending migrations run first), the
 * catalog's 10 metrics' records materialized first when they are not (timed), then
 * 1. a pass with the built-in six guardrails and one with the 10 catalog guardrails (the catalog
 *    bench's), each read in full every time: cold, then the median of BENCH_RUNS (default 2);
 * 2. every query of the last full catalog pass: its time, rows and bytes read (chdb's counters),
 *    the guardrail it was for and the tables it names;
 * 3. the incremental pass (`createIncrementalFactsSources`, what the service runs): its first
 *    pass, passes with nothing new (median of BENCH_RUNS) and a pass after BENCH_NEW_SPANS
 *    (default 1,000) new request spans of the experiment, with the guardrails each read again.
 * BENCH_EXPOSURES (default 1,000,000) is the data's unit count (the new spans' units). Asserts
 * nothing; prints the load average with every table.
 */
import { BuiltinMetricIds, type Flag } from '@tripwire/schema';
import { createNamedMetricsLister } from '../src/analysis/metric-records-plugin.js';
import { loadConfig, type TableNames } from '../src/config.js';
import { createMetricStore } from '../src/control-plane/metric-store.js';
import {
  createFactsSources,
  createIncrementalFactsSources,
} from '../src/guardian/guardian-sources.js';
import type { GuardianSources } from '../src/guardian/guardian-types.js';
import { findNamedTables } from '../src/guardian/incremental-facts.js';
import { createMetricRecordsKeeper } from '../src/repositories/metrics/metric-records.js';
import { openClickHouse, type ClickHouseClient } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import { readTableVersions } from '../src/storage/table-versions.js';
import {
  createMemoryFlags,
  createTestGuardian,
  makeFlag,
} from '../test/guardian/guardian-fixtures.js';
import { load, median, time } from './bench-timing.js';
import { FLAG, SPAN_SQL } from './bench-telemetry.js';
import { CATALOG, guardrail } from './catalog-definitions.js';
import { installQueryProfile, type ProfiledQuery } from './query-profile.js';

const DATA_DIR = process.env.BENCH_DATA_DIR;
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const NEW_SPANS = Number(process.env.BENCH_NEW_SPANS ?? 1000);
const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 1_000_000);

type Context = { clickhouse: ClickHouseClient; tables: TableNames };
type Profile = ReturnType<typeof installQueryProfile>;
type FactsSources = Pick<GuardianSources, 'fetchFacts' | 'prefetchFacts'>;

/** The catalog's definitions stored (as the catalog bench's generation does) and materialized. */
async function prepare(context: Context, flag: Flag): Promise<string> {
  const store = createMetricStore(context);
  for (const definition of CATALOG)
    if ((await store.get(definition.id)) === undefined)
      await store.create({ definition, actor: 'bench', reason: 'bench' });
  const keeper = createMetricRecordsKeeper({
    context,
    listNamed: createNamedMetricsLister(context, () => [flag]),
    timing: { skewMs: 0, latenessMs: 0 },
  });
  let filled = 0;
  const ms = await time(async () => {
    // First reconcile creates the views, the second backfills them (no lateness: no inserts).
    for (let i = 0; i < 2; i++) filled += (await keeper.reconcile()).filled.length;
  });
  return `records: ${filled} metric versions backfilled in ${(ms / 1000).toFixed(1)} s`;
}

/** `sources` whose queries the profile labels with the guardrail (or the prefetch) they serve. */
function labelled(sources: FactsSources, profile: Profile): FactsSources {
  return {
    prefetchFacts: async (requests) => {
      profile.label = 'prefetch: catalog metrics with totals, one query';
      await sources.prefetchFacts?.(requests);
      profile.label = 'pass';
    },
    fetchFacts: async (request) => {
      profile.label = `facts: ${request.guardrail.metric}`;
      try {
        return await sources.fetchFacts(request);
      } finally {
        profile.label = 'pass';
      }
    },
  };
}

function createPass(context: Context, metrics: readonly string[], sources: FactsSources) {
  const flags = createMemoryFlags([makeFlag(FLAG, metrics.map(guardrail))]);
  const { guardian } = createTestGuardian({
    client: context.clickhouse,
    ...context,
    flags,
    ...sources,
  });
  return () => guardian.runOnce();
}

async function measure(label: string, pass: () => Promise<unknown>) {
  const coldMs = await time(pass);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await time(pass));
  return {
    pass: label,
    'cold ms': Math.round(coldMs),
    'warm ms (median)': Math.round(median(warm)),
    load: load(),
  };
}

/**
 * One row per query of a pass: label, time, the tables it names. (Rows read are not known: the
 * embedded engine has no `system.query_log`, chdb's `rowsRead` counts result rows, and `FORMAT
 * JSON` statistics and `EXPLAIN ESTIMATE` report 0 for these queries; the tables' sizes are
 * printed instead.)
 */
function describeQueries(queries: readonly ProfiledQuery[], tableNames: readonly string[]) {
  return queries.map((q) => ({
    for: q.label,
    ms: Math.round(q.ms),
    valid_units: q.sql.includes('valid_units AS') ? 'built' : '',
    tables: findNamedTables(q.sql, tableNames).join(' '),
  }));
}

/** Rows and active parts of every table holding rows. */
async function describeTables(clickhouse: ClickHouseClient) {
  const result = await clickhouse.query({
    query: `SELECT table, sum(rows) AS rows, count() AS parts FROM system.parts
    WHERE active AND database = currentDatabase() GROUP BY table HAVING rows > 0 ORDER BY table`,
    format: 'JSONEachRow',
  });
  return result.json();
}

/** The profile's queries while `work` runs. */
async function profiled(profile: Profile, work: () => Promise<unknown>): Promise<ProfiledQuery[]> {
  const from = profile.queries.length;
  profile.label = 'pass';
  await work();
  return profile.queries.slice(from);
}

async function measureIncremental(context: Context, profile: Profile, ids: readonly string[]) {
  const incremental = createIncrementalFactsSources(context);
  const pass = createPass(context, ids, labelled(incremental, profile));
  const reads = () => incremental.counts().read;
  const rows = [];
  let before = reads();
  rows.push({
    pass: 'incremental, first pass',
    ms: Math.round(await time(pass)),
    'facts read': reads() - before,
    load: load(),
  });
  const idle: number[] = [];
  let idleQueries: ProfiledQuery[] = [];
  before = reads();
  for (let i = 0; i < Math.max(RUNS, 1); i++) {
    const start = performance.now();
    idleQueries = await profiled(profile, pass);
    idle.push(performance.now() - start);
  }
  rows.push({
    pass: 'incremental, nothing new (median)',
    ms: Math.round(median(idle)),
    'facts read': reads() - before,
    load: load(),
  });
  const insertMs = await time(() =>
    context.clickhouse.command({
      // Timed from now on: after the records views' split, so their records and totals take them.
      query: SPAN_SQL.replace('{traces}', context.tables.traces).replace(
        "toDateTime64('2026-11-20 00:00:00', 9, 'UTC')",
        'now64(9)',
      ),
      query_params: {
        flag: FLAG,
        start: 50_000_000 + (Date.now() % 1_000_000),
        count: NEW_SPANS,
        units: EXPOSURES,
      },
    }),
  );
  before = reads();
  const fresh = await time(pass);
  rows.push({
    pass: `incremental, after ${NEW_SPANS} new spans (insert ${Math.round(insertMs)} ms)`,
    ms: Math.round(fresh),
    'facts read': reads() - before,
    load: load(),
  });
  return { rows, idleQueries };
}

async function main(): Promise<void> {
  if (DATA_DIR === undefined) throw new Error('BENCH_DATA_DIR: a copy of the catalog bench data');
  const config = loadConfig(['--data-dir', DATA_DIR], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const context = { clickhouse, tables: config.tables };
  try {
    console.log(`Guardian pass on ${DATA_DIR}, load ${load()}`);
    const migrations = await runMigrations(clickhouse, config.tables);
    console.log(`migrations applied: [${migrations.join(', ')}]`);
    const ids = CATALOG.map((m) => m.id);
    const catalogFlag: Flag = {
      ...makeFlag(FLAG),
      metrics: { goal: ids[0]!, secondary: ids.slice(1) },
    };
    console.log(await prepare(context, catalogFlag));
    console.table(await describeTables(clickhouse));
    const tableNames = [...(await readTableVersions(clickhouse)).keys()];
    const profile = installQueryProfile();
    const full = labelled(createFactsSources(context), profile);
    const rows = [
      await measure(
        'built-in six guardrails, full read',
        createPass(context, BuiltinMetricIds, full),
      ),
    ];
    const catalogPass = createPass(context, ids, full);
    rows.push(await measure('10 catalog guardrails, full read', catalogPass));
    console.table(rows);
    const queries = await profiled(profile, catalogPass);
    const total = queries.reduce((sum, q) => sum + q.ms, 0);
    console.log(
      `one full catalog pass: ${queries.length} queries, ${Math.round(total)} ms in ClickHouse, load ${load()}`,
    );
    console.table(describeQueries(queries, tableNames));
    const incremental = await measureIncremental(context, profile, ids);
    console.table(incremental.rows);
    console.log('queries of a pass with nothing new:');
    console.table(describeQueries(incremental.idleQueries, tableNames));
    console.log(`load ${load()}`);
  } finally {
    await clickhouse.close();
  }
}

await main();
