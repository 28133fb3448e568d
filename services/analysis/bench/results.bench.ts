/**
 * Results benchmark (`npm run bench`): one experiment's results (every query of the results
 * endpoint plus the statistics) over EXPOSURES units and SPANS request spans generated inside
 * embedded ClickHouse with INSERT … SELECT FROM numbers() into otel_traces, so the
 * materialized views (0200–0203) fill exactly as in production; 15% of units convert (10% after
 * exposure, 5% before it). Prints generation time, rows and
 * disk per table, then cold/warm times per query for the rollup path (default) and, unless
 * BENCH_RAW=0, the per-unit path it replaced; once as the inserts left the parts and once after
 * OPTIMIZE … FINAL. Asserts nothing.
 * Options (env): BENCH_EXPOSURES (default 100,000), BENCH_SPANS (default 1,000,000),
 * BENCH_RUNS (warm runs, default 3), BENCH_CHUNK (spans per INSERT, default 5,000,000),
 * BENCH_RAW (1 = also time the per-unit queries; default 1), BENCH_DATA_DIR (keep the data there;
 * with BENCH_REUSE=1, measure the data a previous run left there instead of generating),
 * BENCH_WITHOUT_ROLLUPS=1 (drop 0203's views before generating, to measure what they add to
 * inserts; then only the per-unit path can answer, so nothing else is measured),
 * BENCH_STORE_SPANS=0 (spans fill the tripwire_* tables through twins of the production views
 * on a Null-engine copy of otel_traces and are not stored: see routeSpansThroughNullTable),
 * BENCH_APPEND_FROM=n (with BENCH_DATA_DIR of an earlier run: add request spans n … SPANS − 1
 * only, e.g. to grow 20 M spans to 100 M), BENCH_GENERATE_ONLY=1 (stop after generating; with BENCH_DATA_DIR, measure later with
 * BENCH_REUSE=1), BENCH_MERGED_ONLY=1 (measure only after OPTIMIZE … FINAL).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { computeResults } from '../src/analysis/compute-results.js';
import { fetchResultsData } from '../src/analysis/fetch-results-data.js';
import { fetchArmStatistics } from '../src/analysis/fetch-arm-statistics.js';
import type { ResultsData } from '../src/analysis/results-data.js';
import { createResultsSnapshots } from '../src/analysis/results-snapshots.js';
import { loadConfig, type TableNames } from '../src/config.js';
import { openClickHouse } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import { CONVERSION_SQL, EXPOSURE_SQL, FLAG, SPAN_SQL } from './bench-telemetry.js';
import { nameQueries } from './results-query-names.js';

const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 100_000);
const SPANS = Number(process.env.BENCH_SPANS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 5_000_000);
const WITH_RAW = process.env.BENCH_RAW !== '0';
/** With BENCH_DATA_DIR holding a previous run: add request spans [BENCH_APPEND_FROM, SPANS) only. */
const APPEND_FROM = Number(process.env.BENCH_APPEND_FROM ?? 0);
const INSERT_SETTINGS = JSON.parse(process.env.BENCH_INSERT_SETTINGS ?? '{}') as Record<
  string,
  string
>;
const WINDOW = 7 * 86_400;

async function time<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

/**
 * Records the time of every query the client runs, by name (see `nameQueries`). Queries run one
 * at a time here (the embedded engine serialises them anyway), so each time is the query's own
 * and not time spent queued behind a concurrent one.
 */
function recordQueries(clickhouse: ClickHouseClient, tables: TableNames) {
  const names = nameQueries(tables);
  let log: { name: string; ms: number }[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const query = clickhouse.query.bind(clickhouse);
  const runOne = async (params: Parameters<typeof query>[0]) => {
    const start = performance.now();
    const result = await query(params);
    const rows: unknown = await result.json();
    log.push({ name: names.get(params.query) ?? 'other', ms: performance.now() - start });
    return { json: () => Promise.resolve(rows) };
  };
  const timed = ((params: Parameters<typeof query>[0]) => {
    const next = queue.then(() => runOne(params));
    queue = next.catch(() => undefined);
    return next;
  }) as unknown as typeof query;
  return {
    client: Object.assign(Object.create(clickhouse) as ClickHouseClient, { query: timed }),
    take() {
      const taken = log;
      log = [];
      return taken;
    },
  };
}

/**
 * With BENCH_STORE_SPANS=0: a Null-engine twin of otel_traces (same columns, stores nothing) and
 * twins of the views that read otel_traces and write tripwire_* tables — the production views'
 * own SQL, read back from system.tables — so the generated spans fill exactly the tables the
 * results read, without storing the raw spans (the results never read otel_traces; at 100 M
 * spans storing them is most of the generation time). Returns the table to insert spans into.
 */
async function routeSpansThroughNullTable(
  clickhouse: ClickHouseClient,
  tables: TableNames,
): Promise<string> {
  const target = `${tables.traces}_bench_null`;
  await clickhouse.command({
    query: `CREATE TABLE IF NOT EXISTS ${target} AS ${tables.traces} ENGINE = Null`,
  });
  const result = await clickhouse.query({
    query: `SELECT name, create_table_query FROM system.tables
      WHERE database = currentDatabase() AND engine = 'MaterializedView' AND name LIKE 'tripwire_%'`,
    format: 'JSONEachRow',
  });
  const reads = new RegExp(String.raw`([.\s])${tables.traces}(?![A-Za-z0-9_])`, 'g');
  for (const view of await result.json<{ name: string; create_table_query: string }>()) {
    const rerouted = view.create_table_query.replace(reads, `$1${target}`);
    if (rerouted === view.create_table_query) continue; // reads another table
    const twin = rerouted
      .replace('CREATE MATERIALIZED VIEW ', 'CREATE MATERIALIZED VIEW IF NOT EXISTS ')
      .replace(`.${view.name} `, `.${view.name}_bench `);
    await clickhouse.command({ query: twin });
  }
  return target;
}

async function generate(clickhouse: ClickHouseClient, tables: TableNames) {
  const spanTable =
    process.env.BENCH_STORE_SPANS === '0'
      ? await routeSpansThroughNullTable(clickhouse, tables)
      : tables.traces;
  const insert = async (sql: string, total: number, extra: Record<string, number>, from = 0) => {
    for (let start = from; start < total; start += CHUNK) {
      await clickhouse.command({
        query: sql.replace('{traces}', spanTable),
        query_params: { flag: FLAG, start, count: Math.min(CHUNK, total - start), ...extra },
        clickhouse_settings: INSERT_SETTINGS,
      });
    }
  };
  if (APPEND_FROM > 0) {
    const [, spanMs] = await time(() => insert(SPAN_SQL, SPANS, { units: EXPOSURES }, APPEND_FROM));
    return { exposureMs: 0, spanMs };
  }
  const [, exposureMs] = await time(() => insert(EXPOSURE_SQL, EXPOSURES, {}));
  const [, spanMs] = await time(() => insert(SPAN_SQL, SPANS, { units: EXPOSURES }));
  await insert(CONVERSION_SQL, EXPOSURES, {});
  return { exposureMs, spanMs };
}

async function describeTables(clickhouse: ClickHouseClient) {
  const result = await clickhouse.query({
    query: `SELECT table, sum(rows) AS rows, count() AS parts,
      round(sum(bytes_on_disk) / 1048576) AS mib
    FROM system.parts WHERE active AND (table LIKE 'otel_traces%' OR table LIKE 'tripwire_%')
    GROUP BY table HAVING rows > 0 ORDER BY table`,
    format: 'JSONEachRow',
  });
  return result.json<{ table: string; rows: string; parts: string; mib: string }>();
}

const FLAG_DOC = {
  key: FLAG,
  defaultVariant: 'control',
  variants: [
    { key: 'control', value: 'control' },
    { key: 'treatment', value: 'treatment' },
  ],
  environments: {},
};

/** The statistics of the endpoint (alpha 0.05) over fetched data. */
function computeBenchResults(data: ResultsData) {
  return computeResults({
    flag: FLAG_DOC,
    alpha: 0.05,
    conversionWindowSeconds: WINDOW,
    now: new Date(),
    data,
  });
}

/** Cold then RUNS warm results, per query (median of the warm runs) and in total. */
async function measureResults(
  recorder: ReturnType<typeof recordQueries>,
  tables: TableNames,
  source: 'rollup' | 'raw',
) {
  const context = { clickhouse: recorder.client, tables };
  const run = async () => {
    const data = await fetchResultsData(context, {
      flagKey: FLAG,
      conversionWindowSeconds: WINDOW,
      source,
    });
    return computeBenchResults(data);
  };
  const [first, coldMs] = await time(run);
  const cold = recorder.take();
  const warm: { total: number; queries: { name: string; ms: number }[] }[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const [, ms] = await time(run);
    warm.push({ total: ms, queries: recorder.take() });
  }
  return { first, coldMs, cold, warm };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function printResults(label: string, measured: Awaited<ReturnType<typeof measureResults>>) {
  const names = [...new Set(measured.cold.map((q) => q.name))];
  const sumOf = (queries: { name: string; ms: number }[], name: string) =>
    queries.filter((q) => q.name === name).reduce((s, q) => s + q.ms, 0);
  console.log(`\n${label}`);
  console.table([
    ...names.map((name) => ({
      query: name,
      'cold ms': Math.round(sumOf(measured.cold, name)),
      'warm ms (median)': Math.round(median(measured.warm.map((w) => sumOf(w.queries, name)))),
    })),
    {
      query: 'whole results (queries + statistics)',
      'cold ms': Math.round(measured.coldMs),
      'warm ms (median)': Math.round(median(measured.warm.map((w) => w.total))),
    },
  ]);
}

/**
 * The endpoint's way (`results-snapshots.ts`, default options): the first read computes live;
 * later reads of a scope that took ≥ 250 ms answer from the snapshot (statistics still computed
 * per read). Reports both, with the source each read reported.
 */
async function measureSnapshotReads(clickhouse: ClickHouseClient, tables: TableNames) {
  const snapshots = createResultsSnapshots({
    fetch: (scope) => fetchResultsData({ clickhouse, tables }, scope),
  });
  const read = async () => {
    const served = await snapshots.read({ flagKey: FLAG, conversionWindowSeconds: WINDOW });
    computeBenchResults(served.snapshot.data);
    return served.served;
  };
  const [firstSource, firstMs] = await time(read);
  const warm: number[] = [];
  let warmSource = '';
  for (let i = 0; i < RUNS; i += 1) {
    const [source, ms] = await time(read);
    warm.push(ms);
    warmSource = source;
  }
  console.table([
    { 'results endpoint read': 'first (cold scope)', source: firstSource, ms: Math.round(firstMs) },
    {
      'results endpoint read': 'warm (median)',
      source: warmSource,
      ms: Number(median(warm).toFixed(2)),
    },
  ]);
}

async function measureGuardian(clickhouse: ClickHouseClient, tables: TableNames) {
  const rows = [];
  for (const metric of ['error_rate', 'latency_p95'] as const) {
    for (const source of ['auto', 'raw'] as const) {
      if (source === 'raw' && !WITH_RAW) continue;
      const ms: number[] = [];
      let used = '';
      for (let run = 0; run <= RUNS; run += 1) {
        const [result, took] = await time(() =>
          fetchArmStatistics(
            { clickhouse, tables },
            { flagKey: FLAG, guardrail: { metric }, exemplarLimit: 0, source },
          ),
        );
        used = result.source;
        if (run > 0) ms.push(took);
      }
      rows.push({
        fetchArmStatistics: metric,
        source: used,
        'warm ms (median)': Math.round(median(ms)),
      });
    }
  }
  console.table(rows);
}

async function measureAll(clickhouse: ClickHouseClient, tables: TableNames, label: string) {
  const recorder = recordQueries(clickhouse, tables);
  const rollup = await measureResults(recorder, tables, 'rollup');
  printResults(`results from the rollups, ${label}`, rollup);
  if (WITH_RAW) {
    const raw = await measureResults(recorder, tables, 'raw');
    printResults(`results from the per-unit tables (before 0203), ${label}`, raw);
  }
  await measureSnapshotReads(clickhouse, tables);
  await measureGuardian(clickhouse, tables);
  return rollup.first;
}

async function dropRollupViews(clickhouse: ClickHouseClient, tables: TableNames) {
  for (const view of [
    `${tables.exposures}_by_unit_exposures_mv`,
    `${tables.exposures}_by_unit_requests_mv`,
    `${tables.variantRequests}_by_minute_mv`,
  ]) {
    await clickhouse.command({ query: `DROP VIEW IF EXISTS ${view}` });
  }
}

async function main(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const config = loadConfig(['--data-dir', dataDir], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const { tables } = config;
  try {
    await runMigrations(clickhouse, tables);
    console.log(
      `Results benchmark: ${EXPOSURES.toLocaleString()} exposures, ${SPANS.toLocaleString()} request spans, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    if (process.env.BENCH_WITHOUT_ROLLUPS === '1') {
      await dropRollupViews(clickhouse, tables);
      const { exposureMs, spanMs } = await generate(clickhouse, tables);
      console.log(
        `without 0203's views: exposures ${(exposureMs / 1000).toFixed(1)} s, spans ${(spanMs / 1000).toFixed(1)} s`,
      );
      return;
    }
    const reuse = process.env.BENCH_REUSE === '1' && APPEND_FROM === 0;
    const { exposureMs, spanMs } = reuse
      ? { exposureMs: NaN, spanMs: NaN }
      : await generate(clickhouse, tables);
    console.table([
      {
        step: 'generate exposures (INSERT … SELECT, through the views)',
        s: (exposureMs / 1000).toFixed(1),
      },
      {
        step: 'generate request spans (INSERT … SELECT, through the views)',
        s: (spanMs / 1000).toFixed(1),
      },
    ]);
    console.table(await describeTables(clickhouse));
    if (process.env.BENCH_GENERATE_ONLY === '1') return;
    if (process.env.BENCH_MERGED_ONLY !== '1') {
      await measureAll(clickhouse, tables, 'parts as the inserts left them');
    }
    const [, optimizeMs] = await time(async () => {
      for (const table of [
        tables.exposures,
        tables.variantRequests,
        `${tables.exposures}_by_unit`,
      ]) {
        // Partitions already merged into one part are left as they are (a reused data set).
        await clickhouse.command({
          query: `OPTIMIZE TABLE ${table} FINAL SETTINGS optimize_skip_merged_partitions = 1`,
        });
      }
    });
    console.log(
      `\nOPTIMIZE … FINAL of the per-unit tables and the by-unit rollup: ${(optimizeMs / 1000).toFixed(1)} s`,
    );
    console.table(await describeTables(clickhouse));
    const first = await measureAll(clickhouse, tables, 'after OPTIMIZE FINAL');
    console.log(
      `data directory: ${execFileSync('du', ['-sh', dataDir]).toString().trim()}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `units: ${JSON.stringify(first.units)}, error rate treatment vs control p = ${first.variants[1]?.metrics[0]?.comparison?.absolute.pValue}`,
    );
  } finally {
    await clickhouse.close();
    if (process.env.BENCH_DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
