import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
import type { ClickHouseConfig } from '../config.js';

export type { ClickHouseClient };

/**
 * One client, two connections: a ClickHouse server when `url` is set, otherwise the embedded
 * engine (chdb) in `dataDir`. Callers cannot tell which one they got. The embedded engine
 * always uses the `default` database (one data directory per process is the isolation unit).
 */
export async function openClickHouse(config: ClickHouseConfig): Promise<ClickHouseClient> {
  if (config.url) {
    await ensureDatabase({ ...config, url: config.url });
    return createClient({
      url: config.url,
      username: config.user,
      password: config.password,
      database: config.database,
      request_timeout: 60_000,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  }
  mkdirSync(config.dataDir, { recursive: true });
  // chdb types its connection against its own copy of @clickhouse/client-common; same shape.
  const connection = createChdbConnection({ path: config.dataDir }) as unknown as Connection;
  return createClient({ connection });
}

/** Reports whether the client talks to the embedded engine (for logs and /readyz). */
export function describeClickHouse(config: ClickHouseConfig): string {
  return config.url
    ? `ClickHouse server ${new URL(config.url).host}, database ${config.database}`
    : `embedded ClickHouse (chdb) in ${config.dataDir}`;
}

async function ensureDatabase(config: ClickHouseConfig & { url: string }): Promise<void> {
  if (config.database === 'default') return;
  const admin = createClient({
    url: config.url,
    username: config.user,
    password: config.password,
  });
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.database}` });
  } finally {
    await admin.close();
  }
}
