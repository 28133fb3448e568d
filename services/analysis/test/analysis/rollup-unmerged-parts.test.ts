/**
 * Telemetry inserts write the rollups' parts without collapsing them by key
 * (`TELEMETRY_INSERT_SETTINGS`: `optimize_on_insert = 0`), so an unmerged (level-0) part of the
 * by-unit rollup can hold a unit more than once. The rollup read that takes "the largest part"
 * as it is must then take only a merged part; here the largest part is a level-0 one holding
 * units twice (as one large insert leaves it), and the answers must still be the per-unit
 * queries'. A merged part stays the one read as it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchArmStatistics } from '../../src/analysis/fetch-arm-statistics.js';
import { loadConfig, type TableNames } from '../../src/config.js';
import { createRng } from '../../src/create-rng.js';
import { buildScopeParams } from '../../src/repositories/arm-queries.js';
import { chooseRollupMerge } from '../../src/repositories/choose-rollup-merge.js';
import { queryRows } from '../../src/repositories/query-rows.js';
import { buildRollupArmsSql, rollupTables } from '../../src/repositories/rollup-queries.js';
import {
  formatSettingsClause,
  openClickHouse,
  TELEMETRY_INSERT_SETTINGS,
  type ClickHouseClient,
} from '../../src/storage/clickhouse.js';
import { runMigrations } from '../../src/storage/migrations.js';
import { makeExposureSpan, makeSpan, type SpanRow } from './telemetry-rows.js';

const FLAG = 'unmerged-flag';
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const TELEMETRY = formatSettingsClause(TELEMETRY_INSERT_SETTINGS);

/** Per unit in [from, to): an exposure (unless `seenAgain`) and 1–4 stamped server requests. */
function generateUnits(from: number, to: number, seed: number, seenAgain = false): SpanRow[] {
  const rng = createRng(seed);
  const rows: SpanRow[] = [];
  for (let u = from; u < to; u += 1) {
    const unitId = `u${u}`;
    const variant = u % 2 === 0 ? 'control' : 'treatment';
    const timeMs = T0 + Math.floor(rng() * 3_600_000) + (seenAgain ? 3_600_000 : 0);
    if (!seenAgain) rows.push(makeExposureSpan({ flagKey: FLAG, variant, unitId, timeMs }));
    for (let r = 0; r < 1 + Math.floor(rng() * 4); r += 1) {
      const failed = rng() < (variant === 'treatment' ? 0.2 : 0.05);
      rows.push(
        makeSpan({
          timeMs: timeMs + 1000 * (r + 1),
          StatusCode: failed ? 'Error' : 'Unset',
          Duration: String(Math.round((5 + 40 * rng()) * 1e6)),
          SpanAttributes: { [`tripwire.variant.${FLAG}`]: variant, 'tripwire.unit.id': unitId },
        }),
      );
    }
  }
  return rows;
}

let clickhouse: ClickHouseClient;
let tables: TableNames;
let dataDir: string;
const context = () => ({ clickhouse, tables });
const params = () => buildScopeParams({ flagKey: FLAG });
const byUnit = () => rollupTables(tables).byUnit;

/** The rollup's arms, read with `merge`. */
async function rollupArms(merge: 'final' | 'largest-part') {
  return queryRows<Record<string, unknown>>(context(), buildRollupArmsSql(tables, merge), params());
}

/** Rows equal but for floating-point summation order (relative 1e-9). */
function expectClose(actual: Record<string, unknown>[], expected: Record<string, unknown>[]) {
  expect(actual.map((row) => Object.keys(row))).toEqual(expected.map((row) => Object.keys(row)));
  for (const [i, row] of expected.entries()) {
    for (const [key, value] of Object.entries(row)) {
      const got = actual[i]?.[key];
      if (typeof value !== 'number' || typeof got !== 'number') expect(got, key).toEqual(value);
      else
        expect(Math.abs(got - value), key).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
    }
  }
}

/** The error-rate guardrail's arms from the rollup (as chosen) and from the per-unit tables. */
async function expectArmsEqualRaw(largestPart: number): Promise<void> {
  const options = { flagKey: FLAG, guardrail: { metric: 'error_rate' as const }, exemplarLimit: 0 };
  const auto = await fetchArmStatistics(context(), options);
  const raw = await fetchArmStatistics(context(), { ...options, source: 'raw' });
  expect(auto.source).toBe('rollup');
  expect(auto.params.largestPart).toBe(largestPart);
  expect(auto.arms.map((arm) => arm.variant)).toEqual(['control', 'treatment']);
  expectClose(
    auto.arms.map((arm) => ({ ...arm.stats })),
    raw.arms.map((arm) => ({ ...arm.stats })),
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tripwire-unmerged-'));
  const config = loadConfig(['--data-dir', join(dataDir, 'ch')], {});
  tables = config.tables;
  clickhouse = await openClickHouse(config.clickhouse);
  await runMigrations(clickhouse, tables);
  const insert = (values: SpanRow[]) =>
    clickhouse.insert({ table: tables.traces, values, format: 'JSONEachRow' });
  // Every unit's rows in two by-unit parts (exposure + requests, then more requests).
  await insert(generateUnits(0, 400, 1));
  await insert(generateUnits(0, 400, 2, true));
  await clickhouse.command({ query: `SYSTEM STOP MERGES ${byUnit()}` });
}, 120_000);

afterAll(async () => {
  await clickhouse?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the by-unit rollup with an unmerged part as its largest', () => {
  it('is not read as merged: FINAL is chosen, and a largest-part read merges every part', async () => {
    // The same rows rewritten as one large level-0 part (units twice in it) plus a small part.
    const copy = `${byUnit()}_copy`;
    await clickhouse.command({ query: `CREATE TABLE ${copy} AS ${byUnit()}` });
    await clickhouse.command({
      query: `INSERT INTO ${copy} SELECT * FROM ${byUnit()} ${TELEMETRY}`,
    });
    await clickhouse.command({ query: `TRUNCATE TABLE ${byUnit()}` });
    const small = `unit_id IN ('u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8')`;
    await clickhouse.command({
      query: `INSERT INTO ${byUnit()} SELECT * FROM ${copy} WHERE NOT ${small} ${TELEMETRY}`,
    });
    await clickhouse.command({
      query: `INSERT INTO ${byUnit()} SELECT * FROM ${copy} WHERE ${small} ${TELEMETRY}`,
    });
    const [largest] = await queryRows<{ part: string; rows: string; units: string }>(
      context(),
      `SELECT _part AS part, count() AS rows, uniqExact(unit_id) AS units FROM ${byUnit()}
       GROUP BY _part ORDER BY rows DESC LIMIT 1`,
      {},
    );
    expect(largest?.part).toMatch(/_0$/);
    expect(Number(largest?.rows)).toBeGreaterThan(Number(largest?.units));

    expectClose(await rollupArms('largest-part'), await rollupArms('final'));
    expect((await chooseRollupMerge(context(), params())).largestPart).toBe(0);
    await expectArmsEqualRaw(0);
  });

  it('is read as it is once merged, with the fresh unmerged rows merged at read time', async () => {
    await clickhouse.command({ query: `SYSTEM START MERGES ${byUnit()}` });
    await clickhouse.command({ query: `OPTIMIZE TABLE ${byUnit()} FINAL` });
    await clickhouse.command({ query: `SYSTEM STOP MERGES ${byUnit()}` });
    // Units seen again, written as the service writes telemetry (an unmerged part).
    await clickhouse.command({
      query: `INSERT INTO ${tables.traces} ${TELEMETRY} FORMAT JSONEachRow
${generateUnits(10, 30, 3, true)
  .map((row) => JSON.stringify(row))
  .join('\n')}`,
    });
    expect((await chooseRollupMerge(context(), params())).largestPart).toBe(1);
    expectClose(await rollupArms('largest-part'), await rollupArms('final'));
    await expectArmsEqualRaw(1);
  });
});
