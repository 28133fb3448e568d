import {
  BUILTIN_METRICS,
  findBuiltinMetric,
  validateMetricDefinition,
  type MetricDefinition,
} from '@tripwire/schema';
import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';

/** A metric of the catalog: its definition, version and last change. Built-ins are version 0. */
export interface CatalogMetric {
  definition: MetricDefinition;
  version: number;
  builtin: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** One version of a catalog metric (its audit entry). */
export interface MetricChange {
  id: string;
  version: number;
  action: 'create' | 'update';
  actor: string;
  reason: string;
  definition: MetricDefinition;
  createdAt: string;
}

export interface MetricStore {
  /** Built-ins first, then the catalog's metrics by id. */
  list(): Promise<CatalogMetric[]>;
  get(id: string): Promise<CatalogMetric | undefined>;
  /** The current version of each of `ids` the catalog defines (one query; built-ins are absent). */
  currentVersions(ids: readonly string[]): Promise<Map<string, number>>;
  /** A new metric (version 1); 409 when the id exists, 400 naming the field when invalid. */
  create(input: { definition: unknown; actor: string; reason: string }): Promise<CatalogMetric>;
  /** A new version; 409 unless `expectedVersion` is the current one. */
  update(input: {
    definition: unknown;
    expectedVersion: number;
    actor: string;
    reason: string;
  }): Promise<CatalogMetric>;
  /** Every version of a catalog metric, oldest first. */
  history(id: string): Promise<MetricChange[]>;
}

/** The metric versions this process writes, as they become durable (listeners must not throw). */
export interface MetricChangeFeed {
  publish(change: MetricChange): void;
  onChange(listener: (change: MetricChange) => void): () => void;
}

export function createMetricChangeFeed(): MetricChangeFeed {
  const listeners = new Set<(change: MetricChange) => void>();
  return {
    publish(change) {
      for (const listener of listeners) listener(change);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

interface MetricRow {
  metric_id: string;
  version: number;
  action: string;
  actor: string;
  reason: string;
  document: string;
  created_at: string;
}

/**
 * The metric catalog over its append-only changelog table (`tripwire_metric_changelog`). Reads
 * go to ClickHouse (every replica sees every write); writes of this process are serialized, and
 * each new version is published on `metricChanges` once written.
 */
export function createMetricStore(options: {
  clickhouse: ClickHouseClient;
  tables: TableNames;
  now?: () => Date;
  metricChanges?: MetricChangeFeed | undefined;
}): MetricStore {
  const { clickhouse } = options;
  const table = options.tables.metricChangelog;
  const now = options.now ?? (() => new Date());
  let writes: Promise<unknown> = Promise.resolve();

  const select = async (
    where: string,
    params: Record<string, unknown>,
  ): Promise<MetricChange[]> => {
    const result = await clickhouse.query({
      query: `SELECT metric_id, version, action, actor, reason, document, created_at FROM ${table} WHERE ${where} ORDER BY metric_id, version`,
      query_params: params,
      format: 'JSONEachRow',
    });
    return (await result.json<MetricRow>()).map(readRow);
  };
  const latest = async (id?: string): Promise<MetricChange[]> => {
    const rows = await select(id === undefined ? '1' : 'metric_id = {id:String}', { id: id ?? '' });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return [...byId.values()];
  };

  const write = (
    input: { definition: unknown; actor: string; reason: string },
    expectedVersion: number,
  ): Promise<CatalogMetric> => {
    const run = async () => {
      const definition = checkDefinition(input.definition);
      if (findBuiltinMetric(definition.id) !== undefined) {
        throw createError('TRIPWIRE_ERR_BAD_REQUEST', `"${definition.id}" is a built-in metric`, {
          pointer: '/id',
        });
      }
      const current = (await latest(definition.id))[0];
      const version = current?.version ?? 0;
      if (version !== expectedVersion) {
        throw createError(
          'TRIPWIRE_ERR_CONFLICT',
          `metric "${definition.id}" is at version ${version}, not ${expectedVersion}`,
        );
      }
      const change: MetricChange = {
        id: definition.id,
        version: version + 1,
        action: version === 0 ? 'create' : 'update',
        actor: input.actor,
        reason: input.reason,
        definition,
        createdAt: now().toISOString(),
      };
      await insertRows(clickhouse, {
        table,
        rows: [writeRow(change)],
        failure: 'writing the metric changelog failed',
      });
      options.metricChanges?.publish(change);
      return toCatalogMetric(change);
    };
    const result = writes.then(run, run);
    writes = result.catch(() => undefined);
    return result;
  };

  return {
    async list() {
      const builtins = Object.values(BUILTIN_METRICS).map(toBuiltin);
      return [...builtins, ...(await latest()).map(toCatalogMetric)];
    },
    async get(id) {
      const builtin = findBuiltinMetric(id);
      if (builtin !== undefined) return toBuiltin(builtin);
      const change = (await latest(id))[0];
      return change === undefined ? undefined : toCatalogMetric(change);
    },
    async currentVersions(ids) {
      if (ids.length === 0) return new Map();
      const result = await clickhouse.query({
        query: `SELECT metric_id, max(version) AS version FROM ${table} WHERE metric_id IN {ids:Array(String)} GROUP BY metric_id`,
        query_params: { ids },
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ metric_id: string; version: number | string }>();
      return new Map(rows.map((row) => [row.metric_id, Number(row.version)]));
    },
    create: (input) => write(input, 0),
    update: (input) => write(input, input.expectedVersion),
    history: (id) => select('metric_id = {id:String}', { id }),
  };
}

/** The definition, or a 400 whose pointer names the first invalid field. */
function checkDefinition(value: unknown): MetricDefinition {
  const result = validateMetricDefinition(value);
  if (result.ok) return result.value;
  const [first] = result.errors;
  const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
  const pointer = first?.instancePath || '/';
  throw createError(
    'TRIPWIRE_ERR_BAD_REQUEST',
    `${pointer} ${first?.message ?? 'is invalid'}${more}`,
    {
      pointer,
    },
  );
}

function toBuiltin(definition: MetricDefinition): CatalogMetric {
  return { definition, version: 0, builtin: true, updatedAt: null, updatedBy: null };
}

function toCatalogMetric(change: MetricChange): CatalogMetric {
  return {
    definition: change.definition,
    version: change.version,
    builtin: false,
    updatedAt: change.createdAt,
    updatedBy: change.actor,
  };
}

function writeRow(change: MetricChange): MetricRow {
  return {
    metric_id: change.id,
    version: change.version,
    action: change.action,
    actor: change.actor,
    reason: change.reason,
    document: JSON.stringify(change.definition),
    created_at: formatInsertTime(change.createdAt),
  };
}

function readRow(row: MetricRow): MetricChange {
  return {
    id: row.metric_id,
    version: Number(row.version),
    action: row.action === 'create' ? 'create' : 'update',
    actor: row.actor,
    reason: row.reason,
    definition: JSON.parse(row.document) as MetricDefinition,
    createdAt: `${row.created_at.replace(' ', 'T')}Z`,
  };
}
