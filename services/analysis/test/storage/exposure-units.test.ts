/**
 * The valid units and the SRM unit counts read the per-unit exposure summary kept at ingest
 * (migration 0264) instead of grouping the per-variant exposure rows of 0200 at query time. Both
 * must give exactly what the old definition over those rows gives, in every scope: a unit seen
 * in two variants, one exposed again later, one whose rows sit in two unmerged parts, one in two
 * environments with a different variant in each, one exposed through a log event, one with no
 * environment; through the view (two inserts, merges stopped) and through the migration's
 * backfill of the stored exposures. Migration 0265's unit key is the id's hash, stored in every
 * part, also those written before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUnitCountsSql, buildValidUnitsCte } from '../../src/repositories/arm-queries.js';
import { queryRows } from '../../src/repositories/query-rows.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { loadMigrations } from '../../src/storage/migrations.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';
import { formatTimestamp, makeExposureSpan, type SpanRow } from '../analysis/telemetry-rows.js';

const FLAG = 'checkout-v3';
const T0 = Date.UTC(2026, 5, 1, 12);
const HOUR = 3_600_000;
const SCOPES = ['', 'prod', 'staging', 'nowhere'];

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

const exposure = (unitId: string, variant: string, timeMs: number, environment?: string) =>
  makeExposureSpan({
    flagKey: FLAG,
    variant,
    unitId,
    timeMs,
    ...(environment === undefined ? {} : { environment }),
  });

/** A semconv `feature_flag.evaluation` log event (the 0200 logs view's input). */
const evaluationLog = (unitId: string, variant: string, timeMs: number, environment: string) => ({
  Timestamp: formatTimestamp(timeMs),
  EventName: 'feature_flag.evaluation',
  ServiceName: 'api',
  LogAttributes: {
    'feature_flag.key': FLAG,
    'feature_flag.result.variant': variant,
    'tripwire.unit.id': unitId,
    'tripwire.environment': environment,
  },
});

/**
 * Two inserts of exposure spans (the second one's rows stay in their own parts) and one of logs.
 * multi: control then treatment in prod (two inserts); both: the same in one insert; again: control in prod, again an hour later (and once
 * in staging before it); split: control in prod, treatment in staging; bare: no environment;
 * logged: a log event in prod, later a span in staging; other: another flag; u<i>: 40 plain
 * units over both inserts, each exposed twice in its variant.
 */
function generate(): { first: SpanRow[]; second: SpanRow[]; logs: object[] } {
  const first = [
    exposure('multi', 'control', T0, 'prod'),
    exposure('again', 'control', T0 + 60_000, 'prod'),
    exposure('split', 'control', T0, 'prod'),
    exposure('bare', 'treatment', T0 + 5_000),
    exposure('both', 'treatment', T0, 'prod'),
    exposure('both', 'control', T0 + 1_000, 'prod'),
    makeExposureSpan({ flagKey: 'other', variant: 'on', unitId: 'multi', timeMs: T0 - HOUR }),
  ];
  const second = [
    exposure('multi', 'treatment', T0 + HOUR, 'prod'),
    exposure('again', 'control', T0 + HOUR, 'prod'),
    exposure('again', 'control', T0 + 30_000, 'staging'),
    exposure('split', 'treatment', T0 - 10_000, 'staging'),
    exposure('logged', 'treatment', T0 + 2 * HOUR, 'staging'),
  ];
  for (let i = 0; i < 40; i++) {
    const variant = i % 2 === 0 ? 'control' : 'treatment';
    const environment = i % 3 === 0 ? 'staging' : 'prod';
    (i % 4 === 0 ? first : second).push(exposure(`u${i}`, variant, T0 + i * 1000, environment));
    (i % 4 === 1 ? first : second).push(exposure(`u${i}`, variant, T0 + i * 997, environment));
  }
  return { first, second, logs: [evaluationLog('logged', 'treatment', T0 + 7_000, 'prod')] };
}

/** The definitions before migration 0264: the per-variant exposure rows grouped by unit. */
const RAW_EXPOSED = (table: string) => `SELECT unit_id, min(variant) AS arm,
    max(variant) AS last_arm, min(first_seen) AS first_exposure
  FROM ${table}
  WHERE flag_key = {flagKey:String}
    AND ({environment:String} = '' OR environment = {environment:String})
  GROUP BY unit_id`;

interface Answers {
  valid: Record<string, unknown>[];
  counts: Record<string, unknown>[];
}

async function read(environment: string, raw: boolean): Promise<Answers> {
  const params = { flagKey: FLAG, environment };
  const validCte = raw
    ? `valid_units AS (SELECT unit_id, arm, first_exposure FROM (${RAW_EXPOSED(tables.exposures)})
        WHERE arm = last_arm)`
    : buildValidUnitsCte(tables);
  const counts = raw
    ? `SELECT if(arm = last_arm, arm, '') AS arm_or_multi, count() AS units,
        min(toUnixTimestamp64Milli(first_exposure)) AS first_exposure_ms
      FROM (${RAW_EXPOSED(tables.exposures)}) GROUP BY arm_or_multi ORDER BY arm_or_multi`
    : buildUnitCountsSql(tables);
  const context = { clickhouse, tables };
  const valid = await queryRows<Record<string, unknown>>(
    context,
    `WITH ${validCte} SELECT unit_id, arm, toString(first_exposure) AS first FROM valid_units
    ORDER BY unit_id`,
    params,
  );
  const countRows = await queryRows<Record<string, unknown>>(context, counts, params);
  return {
    valid,
    counts: countRows.map((row) => ({
      arm: row.arm ?? row.arm_or_multi,
      units: Number(row.units),
      first: Number(row.first_exposure_ms),
    })),
  };
}

const validOf = (answers: Answers, unitId: string) =>
  answers.valid.find((row) => row.unit_id === unitId);

async function expectSameAsRaw(): Promise<void> {
  for (const scope of SCOPES) {
    const [summary, raw] = await Promise.all([read(scope, false), read(scope, true)]);
    expect({ scope, ...summary }).toEqual({ scope, ...raw });
  }
}

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
  // Each insert leaves its own parts: the reads must fold a unit's rows themselves.
  for (const table of [tables.exposures, tables.exposureUnits])
    await clickhouse.command({ query: `SYSTEM STOP MERGES ${table}` });
  const { first, second, logs } = generate();
  for (const spans of [first, second])
    await clickhouse.insert({ table: tables.traces, values: spans, format: 'JSONEachRow' });
  await clickhouse.insert({ table: tables.logs, values: logs, format: 'JSONEachRow' });
}, 60_000);

afterAll(async () => {
  await close();
});

describe('the per-unit exposure summary (migration 0264)', () => {
  it('has unmerged parts to fold', async () => {
    const [row] = await queryRows<{ parts: string }>(
      { clickhouse, tables },
      `SELECT count() AS parts FROM system.parts WHERE active AND table = {table:String}
        AND database = currentDatabase()`,
      { table: tables.exposureUnits },
    );
    expect(Number(row?.parts)).toBeGreaterThan(1);
  });

  it('gives the valid units and unit counts of the raw exposures, in every scope', async () => {
    await expectSameAsRaw();
  });

  it('decides the special units as the definition says', async () => {
    const all = await read('', false);
    const prod = await read('prod', false);
    const staging = await read('staging', false);
    for (const unitId of ['multi', 'both', 'split']) expect(validOf(all, unitId)).toBeUndefined();
    for (const unitId of ['multi', 'both']) expect(validOf(prod, unitId)).toBeUndefined();
    expect(validOf(all, 'again')).toMatchObject({
      arm: 'control',
      first: '2026-06-01 12:00:30.000000000',
    });
    expect(validOf(prod, 'again')).toMatchObject({ first: '2026-06-01 12:01:00.000000000' });
    expect(validOf(prod, 'split')).toMatchObject({ arm: 'control' });
    expect(validOf(staging, 'split')).toMatchObject({ arm: 'treatment' });
    expect(validOf(all, 'bare')).toMatchObject({ arm: 'treatment' });
    expect(validOf(prod, 'bare')).toBeUndefined();
    expect(validOf(all, 'logged')).toMatchObject({ first: '2026-06-01 12:00:07.000000000' });
    expect(validOf(staging, 'logged')).toMatchObject({ first: '2026-06-01 14:00:00.000000000' });
    expect(all.counts.find((row) => row.arm === '')?.units).toBe(3);
    expect(all.valid).toHaveLength(43);
  });

  it("keys each unit by its id's 128-bit hash, stored also in parts written before 0265", async () => {
    const keys = async () => {
      const [row] = await queryRows<{ rows: string; wrong: string; stored: string; parts: string }>(
        { clickhouse, tables },
        `SELECT count() AS rows,
          countIf(unit_key != reinterpretAsUInt128(sipHash128(unit_id))) AS wrong,
          (SELECT count() FROM system.parts_columns WHERE active AND database = currentDatabase()
            AND table = {table:String} AND column = 'unit_key') AS stored,
          (SELECT count() FROM system.parts WHERE active AND database = currentDatabase()
            AND table = {table:String}) AS parts
        FROM ${tables.exposureUnits}`,
        { table: tables.exposureUnits },
      );
      return {
        rows: Number(row?.rows),
        wrong: Number(row?.wrong),
        stored: Number(row?.stored),
        parts: Number(row?.parts),
      };
    };
    const migration = loadMigrations(tables).find((m) => m.name === 'unit_keys')!;
    // Mutations run where merges do.
    await clickhouse.command({ query: `SYSTEM START MERGES ${tables.exposureUnits}` });
    await clickhouse.command({ query: `ALTER TABLE ${tables.exposureUnits} DROP COLUMN unit_key` });
    for (const statement of migration.statements) await clickhouse.command({ query: statement });
    const after = await keys();
    expect(after.rows).toBeGreaterThan(40);
    expect(after).toMatchObject({ wrong: 0, stored: after.parts });
  });

  it('gives the same answers when the migration backfills it from the stored exposures', async () => {
    const migration = loadMigrations(tables).find((m) => m.name === 'exposures_units')!;
    const backfill = migration.statements.filter((s) => s.startsWith('INSERT'));
    expect(backfill).toHaveLength(1);
    await clickhouse.command({ query: `TRUNCATE TABLE ${tables.exposureUnits}` });
    expect((await read('', false)).valid).toEqual([]);
    await clickhouse.command({ query: backfill[0]! });
    await expectSameAsRaw();
  });
});
