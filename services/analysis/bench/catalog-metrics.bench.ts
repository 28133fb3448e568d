/**
 * Catalog-metrics benchmark (`npx tsx bench/catalog-metrics.bench.ts`, a table, not a test): one
 * experiment of BENCH_EXPOSURES units and BENCH_SPANS request spans (bench-telemetry.ts, the
 * results bench's data) plus a log record in every tenth span's trace and one cumulative
 * histogram series per unit, judged on 10 catalog metrics over spans, tracked events, logs and
 * metric data points. Times, on the same data and in the same run, the live results (what
 * `GET …/results` computes: the built-in six from the rollups, each named catalog metric from
 * its definition over the raw signal) and one guardian pass (`runOnce`) with 10 catalog
 * guardrails, each against the built-in six alone. Prints rows per table, then cold and warm
 * (median of BENCH_RUNS) times and the per-metric query times. Catalog metrics are measured on
 * the raw signal, then (after the records keeper created their views and backfilled them, timed)
 * on their materialized records (`metric-records.ts`). Asserts nothing.
 * Options (env): BENCH_EXPOSURES (default 100,000), BENCH_SPANS (default 1,000,000),
 * BENCH_RUNS (default 3), BENCH_CHUNK (rows per INSERT, default 5,000,000), BENCH_DATA_DIR with
 * BENCH_REUSE=1 (measure data a previous run left there), BENCH_GENERATE_ONLY=1 (stop after
 * generating: measure later with BENCH_REUSE=1), BENCH_RAW=0 (skip the raw-signal rows),
 * BENCH_SETTLE=1 (before measuring, and again after the backfill, wait until no background merge
 * has run for 10 s), BENCH_SNAPSHOT_ONLY=1 (after the records, only the results snapshot rows: the
 * background pass `fetchScopeData` and the endpoint's read from the snapshot it left).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinMetricIds, type Flag, type MetricDefinition } from '@tripwire/schema';
import { computeResults } from '../src/analysis/compute-results.js';
import { listSeriesBuckets } from '../src/analysis/build-timeseries.js';
import {
  fetchCatalogMetrics,
  type CatalogSeriesBuckets,
} from '../src/analysis/fetch-catalog-metrics.js';
import { fetchResultsData } from '../src/analysis/fetch-results-data.js';
import {
  fetchScopeData,
  isCatalogCurrent,
  readCatalogVersions,
} from '../src/analysis/fetch-scope-data.js';
import { createResultsSnapshots } from '../src/analysis/results-snapshots.js';
import { loadConfig, type TableNames } from '../src/config.js';
import { createMetricStore } from '../src/control-plane/metric-store.js';
import { createFactsSources } from '../src/guardian/guardian-sources.js';
import { createNamedMetricsLister } from '../src/analysis/metric-records-plugin.js';
import { fetchMetricArms } from '../src/repositories/metrics/fetch-metric-arms.js';
import {
  buildMetricTotalsSql,
  fetchMetricTotalsArms,
} from '../src/repositories/metrics/metric-totals.js';
import { queryRows } from '../src/repositories/query-rows.js';
import { fetchMetricSeries } from '../src/repositories/metrics/fetch-metric-series.js';
import { chooseCheckpoints } from '../src/repositories/series-quantile-stats.js';
import { createMetricRecordsKeeper } from '../src/repositories/metrics/metric-records.js';
import { openClickHouse, type ClickHouseClient } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import {
  createMemoryFlags,
  createTestGuardian,
  makeFlag,
} from '../test/guardian/guardian-fixtures.js';
import {
  CONVERSION_SQL,
  EXPOSURE_SQL,
  FLAG,
  LOG_SQL,
  POINT_SQL,
  SPAN_SQL,
} from './bench-telemetry.js';
import { load, median } from './bench-timing.js';
import { CATALOG, guardrail } from './catalog-definitions.js';

const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 100_000);
const SPANS = Number(process.env.BENCH_SPANS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 5_000_000);
const WINDOW = 7 * 86_400;
const WITH_RAW = process.env.BENCH_RAW !== '0';
const SNAPSHOT_ONLY = process.env.BENCH_SNAPSHOT_ONLY === '1';

async function time<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

async function generate(clickhouse: ClickHouseClient, tables: TableNames): Promise<number> {
  const insert = async (sql: string, total: number, extra: Record<string, number> = {}) => {
    for (let start = 0; start < total; start += CHUNK) {
      await clickhouse.command({
        query: sql
          .replace('{traces}', tables.traces)
          .replace('{logs}', tables.logs)
          .replace('{histograms}', tables.metricsHistogram),
        query_params: { flag: FLAG, start, count: Math.min(CHUNK, total - start), ...extra },
      });
    }
  };
  const [, ms] = await time(async () => {
    await insert(EXPOSURE_SQL, EXPOSURES);
    await insert(SPAN_SQL, SPANS, { units: EXPOSURES });
    await insert(CONVERSION_SQL, EXPOSURES);
    await insert(LOG_SQL, SPANS, { units: EXPOSURES });
    await insert(POINT_SQL, EXPOSURES);
  });
  return ms;
}

/** Until no background merge has run for 10 s (polled every second). */
async function waitForMerges(clickhouse: ClickHouseClient): Promise<void> {
  let quiet = 0;
  while (quiet < 10) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const result = await clickhouse.query({
      query: 'SELECT count() AS merges FROM system.merges',
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ merges: string | number }>();
    quiet = Number(row?.merges ?? 0) === 0 ? quiet + 1 : 0;
  }
}

async function describeTables(clickhouse: ClickHouseClient) {
  const result = await clickhouse.query({
    query: `SELECT table, sum(rows) AS rows, count() AS parts, round(sum(bytes_on_disk) / 1048576) AS mib
    FROM system.parts WHERE active AND (table LIKE 'otel_%' OR table LIKE 'tripwire_%')
    GROUP BY table HAVING rows > 0 ORDER BY table`,
    format: 'JSONEachRow',
  });
  return result.json();
}

/**
 * The results endpoint's work, live: built-ins from the rollups, then the flag's catalog metrics
 * (their materialized records when complete; `raw`: the raw signal) with their time series at
 * the series' buckets, as the route computes them.
 */
async function readResults(
  context: { clickhouse: ClickHouseClient; tables: TableNames },
  flag: Flag,
  source?: 'raw',
) {
  const data = await fetchResultsData(context, { flagKey: FLAG, conversionWindowSeconds: WINDOW });
  const series = {
    bucketSeconds: data.series.bucketSeconds,
    buckets: listSeriesBuckets(data.series),
  };
  const catalog = await fetchCatalogMetrics(context, { flag, source, series });
  return computeResults({
    flag,
    alpha: 0.05,
    conversionWindowSeconds: WINDOW,
    now: new Date(),
    data: { ...data, catalog: catalog.metrics },
    unknownMetrics: catalog.unknown,
  });
}

/**
 * One metric's series query (`fetchMetricSeries`) at the series' buckets (a quantile's at its
 * checkpoints), from the records its scorecard read; NaN for a metric with no series.
 */
async function timeSeries(input: {
  context: { clickhouse: ClickHouseClient; tables: TableNames };
  definition: MetricDefinition;
  version: number;
  series: CatalogSeriesBuckets;
  answer: { records: 'raw' | 'materialized' };
}): Promise<number> {
  const { definition, series } = input;
  const checkpoints =
    definition.kind === 'quantile' ? chooseCheckpoints(series.buckets) : series.buckets;
  const [, ms] = await time(() =>
    fetchMetricSeries(input.context, {
      definition,
      flagKey: FLAG,
      records: input.answer.records,
      version: input.version,
      bucketSeconds: series.bucketSeconds,
      checkpoints,
    }),
  );
  return ms;
}

/**
 * The results snapshots' two sides for the flag, as the route runs them: the background pass
 * (`fetchScopeData`: built-ins, then the catalog metrics with their series) and a read the
 * snapshot answers (`readCatalogVersions` + `read` + `computeResults`).
 */
async function measureSnapshots(
  context: { clickhouse: ClickHouseClient; tables: TableNames },
  flag: Flag,
) {
  const scope = { flagKey: FLAG, conversionWindowSeconds: WINDOW };
  const snapshots = createResultsSnapshots({
    fetch: () => fetchScopeData(context, { scope, flag }),
  });
  const readSnapshot = async () => {
    const versions = await readCatalogVersions(context, flag);
    const served = await snapshots.read(scope, {
      maxAgeMs: 3_600_000,
      isCurrent: (data) => isCatalogCurrent(data, versions),
    });
    if (served.served !== 'snapshot') throw new Error('the snapshot did not answer');
    const { data } = served.snapshot;
    return computeResults({
      flag,
      alpha: 0.05,
      conversionWindowSeconds: WINDOW,
      now: new Date(),
      data,
      unknownMetrics: data.unknownMetrics,
    });
  };
  const pass = await measure(
    'background pass (fetchScopeData), 6 built-in + 10 catalog, records',
    () => snapshots.read(scope, { maxAgeMs: 0 }),
  );
  return [
    pass,
    await measure(
      'results read from that snapshot (versions check + statistics)',
      readSnapshot,
      Math.max(RUNS, 3),
    ),
  ];
}

async function measure(label: string, work: () => Promise<unknown>, runs = RUNS) {
  const [, coldMs] = await time(work);
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) warm.push((await time(work))[1]);
  return {
    measured: label,
    'cold ms': Math.round(coldMs),
    'warm ms (median)': Math.round(median(warm)),
  };
}

/**
 * The records keeper's work for the flag's 10 metrics, timed: views created, then (no lateness
 * wait: nothing is being inserted) the backfill of every record so far. Earlier runs' views on
 * the same data directory are dropped first.
 */
async function materialize(
  context: { clickhouse: ClickHouseClient; tables: TableNames },
  flag: Flag,
) {
  const timing = { skewMs: 0, latenessMs: 0 };
  await createMetricRecordsKeeper({ context, listNamed: async () => [], timing }).reconcile();
  const keeper = createMetricRecordsKeeper({
    context,
    listNamed: createNamedMetricsLister(context, () => [flag]),
    timing,
  });
  const [, createMs] = await time(() => keeper.reconcile());
  const [summary, fillMs] = await time(() => keeper.reconcile());
  return {
    measured: `records: ${summary.filled.length} views created (${Math.round(createMs)} ms), backfilled`,
    'cold ms': Math.round(fillMs),
    'warm ms (median)': NaN,
  };
}

async function main(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const config = loadConfig(['--data-dir', dataDir], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const { tables } = config;
  const context = { clickhouse, tables };
  try {
    await runMigrations(clickhouse, tables);
    console.log(
      `Catalog-metrics benchmark: ${EXPOSURES.toLocaleString()} units, ${SPANS.toLocaleString()} request spans, load ${load()}`,
    );
    if (process.env.BENCH_REUSE !== '1') {
      const ms = await generate(clickhouse, tables);
      const store = createMetricStore(context);
      for (const definition of CATALOG)
        await store.create({ definition, actor: 'bench', reason: 'bench' });
      console.log(`generated in ${(ms / 1000).toFixed(1)} s`);
    }
    if (process.env.BENCH_GENERATE_ONLY === '1') return;
    if (process.env.BENCH_SETTLE === '1') {
      const [, ms] = await time(() => waitForMerges(clickhouse));
      console.log(`background merges settled after ${(ms / 1000).toFixed(0)} s`);
    }
    console.table(await describeTables(clickhouse));
    const ids = CATALOG.map((m) => m.id);
    const builtinFlag = makeFlag(FLAG);
    const catalogFlag: Flag = {
      ...builtinFlag,
      metrics: { goal: ids[0]!, secondary: ids.slice(1) },
    };
    const data = await fetchResultsData(context, {
      flagKey: FLAG,
      conversionWindowSeconds: WINDOW,
    });
    const series = {
      bucketSeconds: data.series.bucketSeconds,
      buckets: listSeriesBuckets(data.series),
    };
    console.log(`series: ${series.buckets.length} buckets of ${series.bucketSeconds} s`);
    const rows = SNAPSHOT_ONLY
      ? []
      : [
          await measure('live results, 6 built-in metrics', () =>
            readResults(context, builtinFlag),
          ),
        ];
    if (WITH_RAW && !SNAPSHOT_ONLY)
      rows.push(
        await measure('live results, 6 built-in + 10 catalog metrics, raw signal', () =>
          readResults(context, catalogFlag, 'raw'),
        ),
      );
    const guardianPass = async (label: string, metrics: readonly string[]) => {
      const flags = createMemoryFlags([makeFlag(FLAG, metrics.map(guardrail))]);
      const { guardian } = createTestGuardian({
        client: clickhouse,
        tables,
        flags,
        ...createFactsSources(context),
      });
      rows.push(await measure(label, () => guardian.runOnce()));
    };
    if (!SNAPSHOT_ONLY)
      await guardianPass('guardian pass, 6 built-in guardrails', BuiltinMetricIds);
    if (WITH_RAW && !SNAPSHOT_ONLY)
      await guardianPass('guardian pass, 10 catalog guardrails, raw signal', ids);
    rows.push(await materialize(context, catalogFlag));
    if (process.env.BENCH_SETTLE === '1') {
      const [, ms] = await time(() => waitForMerges(clickhouse));
      console.log(`background merges after the backfill settled after ${(ms / 1000).toFixed(0)} s`);
    }
    rows.push(...(await measureSnapshots(context, catalogFlag)));
    if (SNAPSHOT_ONLY) {
      console.table(rows);
      return;
    }
    rows.push(
      await measure('live results, 6 built-in + 10 catalog metrics, records', () =>
        readResults(context, catalogFlag),
      ),
      await measure('catalog part alone (fetchCatalogMetrics), records, no series', () =>
        fetchCatalogMetrics(context, { flag: catalogFlag }),
      ),
      await measure("catalog part alone, records, with each metric's series", () =>
        fetchCatalogMetrics(context, { flag: catalogFlag, series }),
      ),
    );
    await guardianPass('guardian pass, 10 catalog guardrails, records', ids);
    console.table(rows);
    const perMetric = [];
    const store = createMetricStore(context);
    // The stored versions (a reused data directory keeps the definitions it was generated with).
    const stored = await Promise.all(CATALOG.map(async ({ id }) => (await store.get(id))!));
    for (const { definition, version } of stored) {
      const read = (records: 'raw' | 'materialized') =>
        time(() => fetchMetricArms(context, { definition, flagKey: FLAG, records, version }));
      const [, rawMs] = WITH_RAW ? await read('raw') : [undefined, NaN];
      const [answer, ms] = await read('materialized');
      const seriesMs = await timeSeries({ context, definition, version, series, answer });
      perMetric.push({
        metric: definition.id,
        source: definition.source,
        kind: definition.kind,
        'raw ms': Math.round(rawMs),
        'records ms': Math.round(ms),
        records: answer.records,
        'series ms': Math.round(seriesMs),
        'series / records': Number((seriesMs / ms).toFixed(1)),
      });
    }
    // The same metrics' one query (`metric-totals.ts`), timed against their per-metric sum.
    const [batch, batchMs] = await time(() =>
      fetchMetricTotalsArms(context, { metrics: stored, flagKey: FLAG }),
    );
    const batched = perMetric.filter((row) => batch.has(row.metric));
    perMetric.push({
      metric: `${batch.size} of them in one query (metric-totals.ts)`,
      source: '',
      kind: '',
      'raw ms': NaN,
      'records ms': Math.round(batchMs),
      records: `their sum one by one: ${batched.reduce((sum, row) => sum + row['records ms'], 0)} ms`,
      'series ms': NaN,
      'series / records': NaN,
    });
    // The same query with every metric's per-unit totals added up from its records (as before
    // migration 0262), same run.
    const served = stored.filter(({ definition }) => batch.has(definition.id));
    const fromRecords = buildMetricTotalsSql({
      metrics: served,
      tables,
      scope: { flagKey: FLAG, environment: '', sinceMs: 0, untilMs: Date.UTC(2200, 0, 1) },
      fromRecords: new Set(served.map(({ definition }) => definition.id)),
    });
    const [, recordsMs] = await time(() => queryRows(context, fromRecords.sql, fromRecords.params));
    perMetric.push({
      metric: `the same ${served.length}, every one from its records`,
      source: '',
      kind: '',
      'raw ms': NaN,
      'records ms': Math.round(recordsMs),
      records: 'per-unit totals by GROUP BY',
      'series ms': NaN,
      'series / records': NaN,
    });
    console.table(perMetric);
    console.log(`load ${load()}`);
  } finally {
    await clickhouse.close();
    if (process.env.BENCH_DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
