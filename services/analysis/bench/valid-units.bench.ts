/**
 * The flag's valid units, its SRM unit counts and the catalog metrics' one totals query
 * (`metric-totals.ts`), each against its form before migration 0264 (the valid units grouped
 * from the per-variant exposure rows at query time), same data, same run (`npx tsx
 * --conditions=@tripwire/source bench/valid-units.bench.ts`, a table, not a test). On data
 * `catalog-metrics.bench.ts` left in BENCH_DATA_DIR (required; a copy, never the original:
 * pending migrations run first and are timed; the catalog's records are backfilled when they are
 * not yet, timed). Each query cold, then the median of BENCH_RUNS (default 3) warm, with a digest
 * of its answer (equal digests = the same statistics): first on the parts as left, then (unless
 * BENCH_OPTIMIZE=0) after merging the exposure and totals tables into one part each (`OPTIMIZE
 * … FINAL`, timed). The totals query three ways: before 0264 (valid units from the raw
 * exposures, joined on the String id), with 0264's summary on the String id, and joined on the
 * 0265 unit key (now); BENCH_KEY64=1 also on a 64-bit key (`measureKey64`). Asserts nothing.
 */
import { createHash } from 'node:crypto';
import type { Flag } from '@tripwire/schema';
import { createNamedMetricsLister } from '../src/analysis/metric-records-plugin.js';
import { loadConfig, type TableNames } from '../src/config.js';
import { createMetricStore } from '../src/control-plane/metric-store.js';
import { buildUnitCountsSql, buildValidUnitsCte } from '../src/repositories/arm-queries.js';
import { createMetricRecordsKeeper } from '../src/repositories/metrics/metric-records.js';
import {
  buildMetricTotalsSql,
  hasMetricTotals,
} from '../src/repositories/metrics/metric-totals.js';
import { queryRows } from '../src/repositories/query-rows.js';
import { openClickHouse, type ClickHouseClient } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';
import { makeFlag } from '../test/guardian/guardian-fixtures.js';
import { load, time } from './bench-timing.js';
import { FLAG } from './bench-telemetry.js';
import { CATALOG } from './catalog-definitions.js';

const DATA_DIR = process.env.BENCH_DATA_DIR;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** The units of the flag as every query grouped them before migration 0264. */
const rawExposed = (tables: TableNames) => `SELECT unit_id, min(variant) AS arm,
      max(variant) AS last_arm, min(first_seen) AS first_exposure
    FROM ${tables.exposures}
    WHERE flag_key = {flagKey:String}
      AND ({environment:String} = '' OR environment = {environment:String})
    GROUP BY unit_id`;
const rawValidUnitsCte = (tables: TableNames, materialized = '') =>
  `valid_units AS ${materialized}(
    SELECT unit_id, arm, first_exposure FROM (${rawExposed(tables)}) WHERE arm = last_arm
  )`;
const rawUnitCountsSql = (tables: TableNames) =>
  `SELECT if(is_multi, '', only_variant) AS arm, count() AS units,
    min(first_seen_ms) AS first_exposure_ms
  FROM (
    SELECT unit_id, min(variant) AS only_variant, max(variant) != only_variant AS is_multi,
      toUnixTimestamp64Milli(min(first_seen)) AS first_seen_ms
    FROM ${tables.exposures}
    WHERE flag_key = {flagKey:String}
      AND ({environment:String} = '' OR environment = {environment:String})
    GROUP BY unit_id
  )
  GROUP BY arm
  ORDER BY arm`;

/** Creates the catalog's records views and backfills them when their records are not complete. */
async function ensureRecords(context: { clickhouse: ClickHouseClient; tables: TableNames }) {
  const flag: Flag = {
    ...makeFlag(FLAG),
    metrics: { goal: CATALOG[0]!.id, secondary: CATALOG.slice(1).map((m) => m.id) },
  };
  const keeper = createMetricRecordsKeeper({
    context,
    listNamed: createNamedMetricsLister(context, () => [flag]),
    timing: { skewMs: 0, latenessMs: 0 },
  });
  const ms = await time(async () => {
    await keeper.reconcile();
    await keeper.reconcile();
  });
  console.log(`records keeper: ${Math.round(ms)} ms (views created and backfilled if missing)`);
}

async function measure(
  context: { clickhouse: ClickHouseClient; tables: TableNames },
  label: string,
  query: { sql: string; params: Record<string, unknown> },
) {
  let digest = '';
  const read = async () => {
    const rows = await queryRows<Record<string, unknown>>(
      context,
      query.sql,
      query.params as never,
    );
    // Numbers to 12 digits: sums of doubles taken in another order differ in the last bits.
    const rounded = (value: unknown) =>
      typeof value === 'number' || (typeof value === 'string' && /^-?[\d.]+(e-?\d+)?$/.test(value))
        ? Number(Number(value).toPrecision(12))
        : value;
    const text = JSON.stringify(
      rows.map((row) => JSON.stringify(Object.values(row).map(rounded))).sort(),
    );
    digest = `${rows.length} rows ${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  };
  const coldMs = await time(read);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await time(read));
  warm.sort((a, b) => a - b);
  return {
    measured: label,
    'cold ms': Math.round(coldMs),
    'warm ms (median)': Math.round(warm[Math.floor(warm.length / 2)] ?? NaN),
    answer: digest,
  };
}

/** The totals' join on the unit key (migration 0265) and the String join it replaced. */
const KEY_JOIN = 'INNER JOIN valid_units AS v ON v.unit_key = r.unit_key';
const STRING_JOIN = 'INNER JOIN valid_units AS v ON v.unit_id = r.unit_id';

type Context = { clickhouse: ClickHouseClient; tables: TableNames };

/** Each query before 0264 and now, on the data as it is. */
async function measureForms(context: Context, when: string) {
  const { tables } = context;
  const scope = { flagKey: FLAG, environment: '' };
  const units = (cte: string) =>
    `WITH ${cte} SELECT arm, count() AS units, sum(cityHash64(unit_id)) AS ids,
      sum(toUnixTimestamp64Nano(first_exposure)) AS firsts FROM valid_units GROUP BY arm`;
  const totals = await buildTotals(context);
  if (!totals.sql.includes(KEY_JOIN)) throw new Error('the totals query has no key join');
  const stringJoin = totals.sql.replaceAll(KEY_JOIN, STRING_JOIN);
  const rawTotals = stringJoin.replace(
    buildValidUnitsCte(tables, { materialized: true }),
    rawValidUnitsCte(tables, 'MATERIALIZED '),
  );
  const forms: [string, { sql: string; params: Record<string, unknown> }][] = [
    [
      'valid units, raw exposures (before)',
      { sql: units(rawValidUnitsCte(tables)), params: scope },
    ],
    [
      'valid units, per-unit summary (0264)',
      { sql: units(buildValidUnitsCte(tables)), params: scope },
    ],
    ['unit counts (SRM), raw exposures (before)', { sql: rawUnitCountsSql(tables), params: scope }],
    [
      'unit counts (SRM), per-unit summary (0264)',
      { sql: buildUnitCountsSql(tables), params: scope },
    ],
    [
      'metric totals query, raw exposures, String join (before)',
      { sql: rawTotals, params: totals.params },
    ],
    [
      'metric totals query, per-unit summary, String join (0264)',
      { sql: stringJoin, params: totals.params },
    ],
    ['metric totals query, per-unit summary, unit key join (0265)', totals],
  ];
  const rows = [];
  for (const [label, query] of forms) rows.push(await measure(context, `${when}: ${label}`, query));
  return rows;
}

/** The one query of the catalog's sum-kind metrics (`metric-totals.ts`) at their stored versions. */
async function buildTotals(context: Context) {
  const store = createMetricStore(context);
  const stored = await Promise.all(CATALOG.map(async ({ id }) => (await store.get(id))!));
  return buildMetricTotalsSql({
    metrics: stored.filter(({ definition }) => hasMetricTotals(definition, false)),
    tables: context.tables,
    scope: { flagKey: FLAG, environment: '', sinceMs: 0, untilMs: Date.UTC(2200, 0, 1) },
  });
}

/**
 * BENCH_KEY64=1: the totals query joined on a 64-bit key (`cityHash64`, a column added to both
 * tables here, materialized, dropped after) against the 128-bit one and the String id, in turn.
 * A 64-bit key is exact only while no two units of a flag share a hash (~n²/2⁶⁵).
 */
async function measureKey64(context: Context) {
  const { clickhouse, tables } = context;
  const tablesKeyed = [tables.exposureUnits, tables.metricTotals];
  const ms = await time(async () => {
    for (const table of tablesKeyed) {
      await clickhouse.command({
        query: `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS bench_key64 UInt64 MATERIALIZED cityHash64(unit_id)`,
      });
      await clickhouse.command({
        query: `ALTER TABLE ${table} MATERIALIZE COLUMN bench_key64 SETTINGS mutations_sync = 2`,
      });
    }
  });
  console.log(`64-bit key added and materialized in ${Math.round(ms)} ms`);
  const totals = await buildTotals(context);
  const key64 = totals.sql
    .replace(
      'SELECT unit_id, unit_key, variant_min',
      'SELECT unit_id, bench_key64 AS unit_key, variant_min',
    )
    .replaceAll(KEY_JOIN, 'INNER JOIN valid_units AS v ON v.unit_key = r.bench_key64');
  const forms: [string, string][] = [
    ['String id', totals.sql.replaceAll(KEY_JOIN, STRING_JOIN)],
    ['128-bit key (0265)', totals.sql],
    ['64-bit key', key64],
  ];
  const rows = [];
  for (const [label, sql] of forms)
    rows.push(
      await measure(context, `merged: metric totals query, join on the ${label}`, {
        ...totals,
        sql,
      }),
    );
  for (const table of tablesKeyed)
    await clickhouse.command({ query: `ALTER TABLE ${table} DROP COLUMN bench_key64` });
  return rows;
}

async function main(): Promise<void> {
  if (DATA_DIR === undefined) throw new Error('BENCH_DATA_DIR: the catalog bench data to read');
  const config = loadConfig(['--data-dir', DATA_DIR], {});
  const { tables } = config;
  const clickhouse = await openClickHouse(config.clickhouse);
  const context = { clickhouse, tables };
  try {
    console.log(`Valid units on ${DATA_DIR}, load ${load()}`);
    let applied: number[] = [];
    const migrationMs = await time(async () => {
      applied = await runMigrations(clickhouse, tables);
    });
    console.log(`migrations applied: [${applied.join(', ')}] in ${Math.round(migrationMs)} ms`);
    await ensureRecords(context);
    console.table(await describeParts(context));
    const rows = await measureForms(context, 'as left');
    console.log(`load ${load()}`);
    if (process.env.BENCH_OPTIMIZE !== '0') {
      for (const table of [tables.exposures, tables.exposureUnits, tables.metricTotals]) {
        const ms = await time(() => clickhouse.command({ query: `OPTIMIZE TABLE ${table} FINAL` }));
        console.log(`OPTIMIZE TABLE ${table} FINAL: ${Math.round(ms)} ms`);
      }
      rows.push(...(await measureForms(context, 'merged')));
      if (process.env.BENCH_KEY64 === '1') rows.push(...(await measureKey64(context)));
    }
    console.table(rows);
    console.log(`load ${load()}`);
  } finally {
    await clickhouse.close();
  }
}

async function describeParts(context: Context) {
  const { tables } = context;
  return queryRows<Record<string, unknown>>(
    context,
    `SELECT table, sum(rows) AS rows, count() AS parts FROM system.parts
    WHERE active AND database = currentDatabase() AND table IN {tables:Array(String)}
    GROUP BY table ORDER BY table`,
    { tables: [tables.exposures, tables.exposureUnits, tables.metricTotals] },
  );
}

await main();
