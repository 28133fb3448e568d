import { migrateLegacyDirections, type Flag, type Segment } from '@tripwire/schema';
import type { TableNames } from '../config.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';

/** What a changelog row is about. */
export type ChangelogEntity = 'flag' | 'segment';

/** Every action the control plane records. */
export const ChangeActions = [
  'create',
  'update',
  'enable',
  'disable',
  'kill',
  'restore',
  'archive',
  'unarchive',
  'rollback',
] as const;
export type ChangeAction = (typeof ChangeActions)[number];

/** One version of a flag or segment: who changed what, when and why, and the full document after. */
export interface ChangelogEntry {
  /** Global config version: increases by one with every change of any flag or segment. */
  seq: number;
  entity: ChangelogEntity;
  key: string;
  project: string;
  /** The entity's own version after this change (the document's `version`). */
  version: number;
  action: ChangeAction;
  /** The environment an environment-scoped action (enable, disable, kill, restore) touched. */
  environment: string | null;
  actor: string;
  reason: string;
  document: Flag | Segment;
  /** ISO 8601, UTC, millisecond precision. */
  createdAt: string;
}

interface ChangelogRow {
  seq: string;
  entity: string;
  key: string;
  project: string;
  version: number;
  action: string;
  environment: string;
  actor: string;
  reason: string;
  document: string;
  created_at: string;
}

const COLUMNS =
  'seq, entity, key, project, version, action, environment, actor, reason, document, created_at';

/** SQL for the changelog table; routes and stores never see it. */
export interface ChangelogRepository {
  append(entry: ChangelogEntry): Promise<void>;
  /** Every row with `seq > after`, oldest first (the whole log when `after` is 0). */
  readAfter(after: number): Promise<ChangelogEntry[]>;
  /** Every version of one entity, oldest first. */
  readHistory(entity: ChangelogEntity, key: string): Promise<ChangelogEntry[]>;
}

export function createChangelogRepository(
  client: ClickHouseClient,
  tables: TableNames,
): ChangelogRepository {
  const table = tables.flagChangelog;
  const select = async (
    where: string,
    params: Record<string, unknown>,
  ): Promise<ChangelogEntry[]> => {
    const result = await client.query({
      query: `SELECT ${COLUMNS} FROM ${table} WHERE ${where} ORDER BY seq`,
      query_params: params,
      format: 'JSONEachRow',
    });
    return (await result.json<ChangelogRow>()).map(readRow);
  };
  return {
    async append(entry) {
      await insertRows(client, {
        table,
        rows: [writeRow(entry)],
        failure: 'writing the flag changelog failed',
      });
    },
    readAfter: (after) => select('seq > {after:UInt64}', { after }),
    readHistory: (entity, key) =>
      select('entity = {entity:String} AND key = {key:String}', { entity, key }),
  };
}

function writeRow(entry: ChangelogEntry): ChangelogRow {
  return {
    seq: String(entry.seq),
    entity: entry.entity,
    key: entry.key,
    project: entry.project,
    version: entry.version,
    action: entry.action,
    environment: entry.environment ?? '',
    actor: entry.actor,
    reason: entry.reason,
    document: JSON.stringify(entry.document),
    created_at: formatInsertTime(entry.createdAt),
  };
}

function readRow(row: ChangelogRow): ChangelogEntry {
  return {
    seq: Number(row.seq),
    entity: row.entity as ChangelogEntity,
    key: row.key,
    project: row.project,
    version: Number(row.version),
    action: row.action as ChangeAction,
    environment: row.environment === '' ? null : row.environment,
    actor: row.actor,
    reason: row.reason,
    // Flags stored before the one direction vocabulary still say increase_is_bad / decrease_is_bad.
    document: migrateLegacyDirections(JSON.parse(row.document) as Flag | Segment),
    createdAt: `${row.created_at.replace(' ', 'T')}Z`,
  };
}
