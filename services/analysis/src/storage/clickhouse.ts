import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';

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
  const chdb = createChdbConnection({ path: config.dataDir });
  const client = createClient({ connection: chdb as unknown as Connection });
  embeddedConnections.set(client, { chdb, stagingDir: undefined });
  return client;
}

/** The chdb connection behind each embedded client, and where its Native batches are staged. */
const embeddedConnections = new WeakMap<
  ClickHouseClient,
  { chdb: ChdbConnection; stagingDir: string | undefined }
>();

/**
 * Parse batches in 1 MB chunks in parallel (the default, 10 MB, leaves a typical 5–10 MB batch
 * to one thread): measured 7–13% more spans/s and 8–14% less CPU per span in the ingest bench.
 */
const EMBEDDED_INSERT_SETTINGS = { min_chunk_bytes_for_parallel_parsing: 1024 * 1024 };

/**
 * Settings of every telemetry insert (spans, logs, metric points: `insertEncodedRows`), on both
 * transports. `optimize_on_insert = 0`: the parts an insert writes into the views' Aggregating
 * tables are sorted but not collapsed by key (their rows merge in the background, like rows of
 * different inserts), which saves the engine that pass on every insert (bench/README.md, "OTLP
 * ingest"). Reads never rely on a part's rows being one per key unless the part is merged
 * (`MERGED_PART` of the rollup queries).
 */
export const TELEMETRY_INSERT_SETTINGS = { optimize_on_insert: 0 } as const;

/**
 * `settings` as the SETTINGS clause of a query: in the SQL text, so on the embedded engine it
 * holds for that query alone. This is the one way the service sets a query's settings: chdb's
 * connection turns `clickhouse_settings` into session-wide `SET`s that every later query of the
 * process inherits (`test/storage/query-settings.test.ts`).
 */
export function formatSettingsClause(settings: Readonly<Record<string, number>>): string {
  return `SETTINGS ${Object.entries(settings)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ')}`;
}

const TELEMETRY_SETTINGS_CLAUSE = formatSettingsClause(TELEMETRY_INSERT_SETTINGS);

/** Formats an encoded row body can be inserted in: ClickHouse Native blocks, or text rows. */
export type RowFormat = 'Native' | 'TabSeparated' | 'JSONCompactEachRow';

export interface EncodedInsert {
  table: string;
  columns: readonly string[];
  format: RowFormat;
  /**
   * Rows already encoded in `format` (text: one per line; Native: one or more whole blocks);
   * not modified until the insert settles.
   */
  body: Buffer;
}

/**
 * Inserts a body of rows already encoded in `format`; resolves once ClickHouse committed it.
 * One mechanism, two transports. On a server, the body is streamed as the data of
 * `INSERT … FORMAT` (the client's `insert` only streams TSV/CSV). On the embedded engine, text
 * goes through chdb's raw insert (the buffer reaches the engine's parallel parser without being
 * copied into SQL text), which takes text formats only; Native is staged in a file on tmpfs
 * (`/dev/shm`, else the OS temp dir) and read by `INSERT … FROM INFILE … FORMAT Native`, the
 * engine's cheapest input (see the README's Performance section), then the file is removed.
 */
export async function insertEncodedRows(
  client: ClickHouseClient,
  insert: EncodedInsert,
): Promise<void> {
  if (insert.body.length === 0) return;
  const embedded = embeddedConnections.get(client);
  if (embedded === undefined) {
    const columns = insert.columns.map((column) => `\`${column}\``).join(', ');
    const result = await client.exec({
      query: `INSERT INTO ${insert.table} (${columns}) ${TELEMETRY_SETTINGS_CLAUSE} FORMAT ${insert.format}`,
      values: Readable.from([insert.body], { objectMode: false }),
    });
    result.stream.resume();
    return;
  }
  if (insert.format !== 'Native') {
    await embedded.chdb.chdb.rawInsert({
      table: insert.table,
      columns: insert.columns,
      format: insert.format,
      values: insert.body,
      settings: { ...EMBEDDED_INSERT_SETTINGS, ...TELEMETRY_INSERT_SETTINGS },
    });
    return;
  }
  const path = await stageBody(embedded, insert.body);
  try {
    const columns = insert.columns.map((column) => `\`${column}\``).join(', ');
    await client.command({
      query: `INSERT INTO ${insert.table} (${columns}) FROM INFILE '${path}' ${TELEMETRY_SETTINGS_CLAUSE} FORMAT Native`,
    });
  } finally {
    await rm(path, { force: true });
  }
}

/** Names the staged files of this process (one per insert, removed after it). */
let stagedInserts = 0;

/**
 * Writes `body` to a new file in the client's staging directory and returns its path. When
 * tmpfs is full (a container's /dev/shm is 64 MB unless configured), this client stages in the
 * OS temp dir from then on instead of failing inserts.
 */
async function stageBody(
  embedded: { stagingDir: string | undefined },
  body: Buffer,
): Promise<string> {
  embedded.stagingDir ??= createStagingDir(existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const path = join(embedded.stagingDir, `${++stagedInserts}.native`);
  try {
    await writeFile(path, body);
    return path;
  } catch (error) {
    await rm(path, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if ((code !== 'ENOSPC' && code !== 'EDQUOT') || embedded.stagingDir.startsWith(tmpdir())) {
      throw error;
    }
    embedded.stagingDir = createStagingDir(tmpdir());
    return stageBody(embedded, body);
  }
}

const STAGING_PREFIX = 'tripwire-insert-';

/**
 * A directory in `root` for this process's staged inserts. The directories of processes that
 * no longer run (killed before they removed their files) are removed first, so a crash leaks
 * at most the batches it was inserting until the next start.
 */
function createStagingDir(root: string): string {
  for (const name of readdirSync(root)) {
    const pid = new RegExp(`^${STAGING_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) {
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }
  const dir = mkdtempSync(join(root, `${STAGING_PREFIX}${process.pid}-`));
  if (dir.includes("'") || dir.includes('\\')) {
    throw new Error(`staging directory ${dir} cannot be quoted in SQL`);
  }
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
