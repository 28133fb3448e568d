import { createError } from '../errors.js';
import type { ClickHouseClient } from './clickhouse.js';

/**
 * Inserts `rows` into `table` as JSONEachRow; a failure becomes `TRIPWIRE_ERR_STORAGE` with
 * `failure` as its message and the driver's error as its cause.
 */
export async function insertRows(
  client: ClickHouseClient,
  insert: { table: string; rows: readonly object[]; failure: string },
): Promise<void> {
  try {
    await client.insert({ table: insert.table, values: insert.rows, format: 'JSONEachRow' });
  } catch (cause) {
    throw createError('TRIPWIRE_ERR_STORAGE', insert.failure, { cause });
  }
}

/** An ISO-8601 UTC instant (`…T…Z`) as the DateTime64 text ClickHouse parses on insert. */
export function formatInsertTime(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}
