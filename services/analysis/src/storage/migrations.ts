import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import type { ClickHouseClient } from './clickhouse.js';

/** Migrations ship next to this file: `NNNN_name.sql`, applied in numeric order. */
export const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

/**
 * Number ranges, so features can add migrations without colliding:
 * 0001–0099 storage and ingest (collector tables), 0100–0199 control plane,
 * 0200–0299 analysis and guardian, 0300–0399 presentation.
 *
 * A file is a list of statements separated by lines that end in `;`. `{{name}}` placeholders
 * are replaced by the configured table names (`{{traces}}`, `{{flagChangelog}}`, … — the keys
 * of `TableNames`). Values are never spliced into SQL; identifiers come from validated config.
 */
export function loadMigrations(tables: TableNames, dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const sql = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const name = (tables as Record<string, string>)[key];
      if (name === undefined) {
        throw createError('TRIPWIRE_ERR_CONFIG', `${file}: unknown table placeholder {{${key}}}`);
      }
      return name;
    });
    return {
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      statements: splitStatements(sql),
      checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
    };
  });
}

function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/**
 * Applies every migration not yet recorded in the migrations table, in order. Safe to re-run:
 * applied versions are skipped and statements are written idempotently (`IF NOT EXISTS`).
 * Returns the versions applied by this call.
 */
export async function runMigrations(
  client: ClickHouseClient,
  tables: TableNames,
  dir = MIGRATIONS_DIR,
): Promise<number[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${tables.migrations} (
      version UInt32, name String, checksum String, applied_at DateTime64(3) DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const result = await client.query({
    query: `SELECT version FROM ${tables.migrations} FINAL`,
    format: 'JSONEachRow',
  });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => row.version));
  const done: number[] = [];
  for (const migration of loadMigrations(tables, dir)) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements) {
      try {
        await client.command({ query: statement });
      } catch (cause) {
        throw createError(
          'TRIPWIRE_ERR_STORAGE',
          `migration ${migration.version}_${migration.name} failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    await client.insert({
      table: tables.migrations,
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      format: 'JSONEachRow',
    });
    done.push(migration.version);
  }
  return done;
}
