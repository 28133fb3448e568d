import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableNames } from '../../src/config.js';
import { openClickHouse, type ClickHouseClient } from '../../src/storage/clickhouse.js';
import { runMigrations } from '../../src/storage/migrations.js';

export interface EmbeddedClickHouse {
  clickhouse: ClickHouseClient;
  /** Closes the client and deletes its data directory. */
  close(): Promise<void>;
}

/**
 * Embedded ClickHouse in a fresh temporary data directory (one per test file: chdb allows one
 * data directory per process), with every migration applied.
 */
export async function openMigratedEmbedded(
  tables: TableNames,
  prefix = 'tripwire-',
): Promise<EmbeddedClickHouse> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const clickhouse = await openClickHouse({
    user: 'default',
    password: '',
    database: 'default',
    dataDir,
  });
  await runMigrations(clickhouse, tables);
  return {
    clickhouse,
    async close() {
      await clickhouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
