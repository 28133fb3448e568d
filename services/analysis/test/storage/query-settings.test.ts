/**
 * A query's settings hold for that query alone. On the embedded engine, chdb's connection turns a
 * call's `clickhouse_settings` into session-wide `SET`s that every later query of the process
 * inherits (the guardian's table-versions read once left `join_use_nulls = 1` on every LEFT JOIN
 * after it), so the service writes them into the SQL (`formatSettingsClause`) and passes
 * `clickhouse_settings` nowhere but the server client's defaults.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/repositories/query-rows.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { readTableVersions } from '../../src/storage/table-versions.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';

const SRC = join(import.meta.dirname, '../../src');

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
});
afterAll(async () => close());

/** A setting's value as a later query without settings of its own sees it. */
async function settingNow(name: string): Promise<string> {
  const result = await clickhouse.query({
    query: `SELECT toString(toUInt8(getSetting({name:String}))) AS value`,
    query_params: { name },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ value: string }>();
  return row!.value;
}

describe('query settings', () => {
  it('hold inside the query that sets them', async () => {
    const sql = `SELECT toString(toUInt8(getSetting('use_index_for_in_with_subqueries'))) AS value`;
    const context = { clickhouse, tables };
    expect(await queryRows<{ value: string }>(context, sql, {})).toEqual([{ value: '0' }]);
    const withIndex = await queryRows<{ value: string }>(
      context,
      sql,
      {},
      {
        indexForInSubqueries: true,
      },
    );
    expect(withIndex).toEqual([{ value: '1' }]);
  });

  it('do not leak into later queries', async () => {
    const before = {
      joinUseNulls: await settingNow('join_use_nulls'),
      indexForIn: await settingNow('use_index_for_in_with_subqueries'),
    };
    await readTableVersions(clickhouse);
    await queryRows({ clickhouse, tables }, 'SELECT 1 AS one', {});
    expect(await settingNow('join_use_nulls')).toBe(before.joinUseNulls);
    expect(await settingNow('use_index_for_in_with_subqueries')).toBe(before.indexForIn);
    expect(before).toEqual({ joinUseNulls: '0', indexForIn: '1' });
  });

  it('are passed as clickhouse_settings only to the server client', () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((path) =>
      path.endsWith('.ts'),
    );
    const passing = files.filter((path) =>
      /clickhouse_settings\s*:/.test(readFileSync(join(SRC, path), 'utf8')),
    );
    expect(passing).toEqual(['storage/clickhouse.ts']);
    const client = readFileSync(join(SRC, 'storage/clickhouse.ts'), 'utf8');
    expect(client.match(/clickhouse_settings\s*:/g)).toHaveLength(1);
    expect(client).toMatch(/clickhouse_settings: \{ date_time_input_format: 'best_effort' \}/);
  });
});
