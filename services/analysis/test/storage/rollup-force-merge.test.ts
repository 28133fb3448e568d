/**
 * Migration 0261: the by-unit rollup merges parts older than 10 minutes even when no new part
 * arrives (the merge selector alone leaves a bulk load's few similar parts unmerged, and every
 * FINAL read pays for them).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../src/repositories/query-rows.js';
import { rollupTables } from '../../src/repositories/rollup-queries.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openTestStorage } from '../guardian/guardian-fixtures.js';

let clickhouse: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let close: () => Promise<void>;

beforeAll(async () => {
  ({ client: clickhouse, tables, close } = await openTestStorage());
});

afterAll(async () => {
  await close();
});

it('sets the by-unit rollup to merge parts older than 10 minutes', async () => {
  const [row] = await queryRows<{ engine_full: string }>(
    { clickhouse, tables },
    'SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {name:String}',
    { name: rollupTables(tables).byUnit },
  );
  expect(row?.engine_full).toMatch(/min_age_to_force_merge_seconds = 600\b/);
});
