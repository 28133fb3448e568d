/**
 * One catalog metric's read at a time (`npx tsx --conditions=@tripwire/source
 * bench/metric-reads.bench.ts`, a table, not a test): on data `catalog-metrics.bench.ts` left in
 * BENCH_DATA_DIR (required; a copy, never the original: pending migrations run first and are
 * timed), each metric of BENCH_METRICS (catalog ids, comma-separated, default `log_errors`) read
 * with `fetchMetricArms` from the raw signal (BENCH_RECORDS=materialized: from its materialized
 * records once complete, as the guardian and the results read it), cold then the median of BENCH_RUNS (default 3) warm reads, and each arm's statistics
 * (equal before and after a change that keeps the results). The whole catalog bench
 * takes many minutes at 1 M units; this times the per-metric row alone. Asserts nothing.
 */
import { loadConfig } from '../src/config.js';
import { createMetricStore } from '../src/control-plane/metric-store.js';
import { fetchMetricArms } from '../src/repositories/metrics/fetch-metric-arms.js';
import { openClickHouse } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import { load, time } from './bench-timing.js';
import { FLAG } from './bench-telemetry.js';

const DATA_DIR = process.env.BENCH_DATA_DIR;
const METRICS = (process.env.BENCH_METRICS ?? 'log_errors').split(',');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** `materialized`: the records `metric-records.ts` keeps, once complete (the guardian's path). */
const RECORDS = process.env.BENCH_RECORDS === 'materialized' ? 'materialized' : 'raw';

async function main(): Promise<void> {
  if (DATA_DIR === undefined) throw new Error('BENCH_DATA_DIR: the catalog bench data to read');
  const config = loadConfig(['--data-dir', DATA_DIR], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const context = { clickhouse, tables: config.tables };
  try {
    console.log(`Catalog metric reads on ${DATA_DIR}, load ${load()}`);
    let applied: number[] = [];
    const migrationMs = await time(async () => {
      applied = await runMigrations(clickhouse, config.tables);
    });
    console.log(`migrations applied: [${applied.join(', ')}] in ${Math.round(migrationMs)} ms`);
    const store = createMetricStore(context);
    const rows = [];
    for (const id of METRICS) {
      const stored = await store.get(id);
      if (stored === undefined) throw new Error(`BENCH_METRICS: no catalog metric ${id}`);
      const { definition, version } = stored;
      let answer: Awaited<ReturnType<typeof fetchMetricArms>> | undefined;
      const read = async () => {
        answer = await fetchMetricArms(context, {
          definition,
          flagKey: FLAG,
          version,
          records: RECORDS,
        });
      };
      const coldMs = await time(read);
      const warm: number[] = [];
      for (let i = 0; i < RUNS; i++) warm.push(await time(read));
      warm.sort((a, b) => a - b);
      rows.push({
        metric: id,
        source: definition.source,
        kind: definition.kind,
        'cold ms': Math.round(coldMs),
        'warm ms (median)': Math.round(warm[Math.floor(warm.length / 2)] ?? NaN),
        records: answer?.records,
      });
      // The statistics per arm, to compare runs before and after a change.
      console.log(id, JSON.stringify(Object.fromEntries(answer?.arms ?? [])));
    }
    console.table(rows);
    console.log(`load ${load()}`);
  } finally {
    await clickhouse.close();
  }
}

await main();
