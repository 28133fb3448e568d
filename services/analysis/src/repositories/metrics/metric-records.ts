/**
 * Materialized records of the catalog metrics experiments name (migration 0260): per (flag,
 * metric, version) a materialized view created from the definition copies each matching record
 * into `metricRecords` as it is inserted; the records older than the view's split point are
 * backfilled from the raw signal once the lateness allowance has passed. Until then reads use the
 * raw signal (`isMetricRecordsReady`). Every record written also adds to its unit's totals
 * (`metricTotals`, migration 0262's view). A new version of a definition gets a new view and new
 * records; versions and metrics no experiment names any more are dropped. Run by one process
 * (the writer): the keeper is the only code that creates, fills or drops these views.
 */
import { createHash } from 'node:crypto';
import type { MetricDefinition } from '@tripwire/schema';
import type { TableNames } from '../../config.js';
import { queryRows, type AnalysisContext } from '../query-rows.js';
import { buildRecordRowsQuery, isMaterializable } from './metric-sql.js';

const FAR_FUTURE_MS = Date.UTC(2200, 0, 1);

export interface MetricRecordsKey {
  flagKey: string;
  metricId: string;
  version: number;
}

/** A catalog metric an experiment names, at its current version. */
export interface NamedMetric {
  key: MetricRecordsKey;
  definition: MetricDefinition;
}

export interface MetricRecordsTiming {
  /** The view copies records from `now + skewMs` on: covers inserts in flight and clock skew. */
  skewMs: number;
  /** Records before the split are backfilled `latenessMs` after it (later arrivals are missed). */
  latenessMs: number;
}

export const DEFAULT_METRIC_RECORDS_TIMING: MetricRecordsTiming = {
  skewMs: 10_000,
  latenessMs: 60_000,
};

export interface MetricRecordsKeeperOptions {
  context: AnalysisContext;
  /** The catalog metrics experiments name now. */
  listNamed: () => Promise<NamedMetric[]>;
  timing?: MetricRecordsTiming | undefined;
  now?: (() => number) | undefined;
}

/** What one `reconcile` did, as `flag/metric@version` labels. */
export interface ReconcileSummary {
  created: string[];
  filled: string[];
  dropped: string[];
}

interface RollupRow {
  flag_key: string;
  metric_id: string;
  metric_version: number;
  split_ms: string | number;
  /** 'backfilling': a backfill started and did not finish (its partial totals cannot be undone). */
  state: 'filling' | 'backfilling' | 'ready' | 'dropped';
}

const KEY_WHERE =
  'flag_key = {flagKey:String} AND metric_id = {metricId:String} AND metric_version = {metricVersion:UInt32}';

const keyParams = (key: MetricRecordsKey) => ({
  flagKey: key.flagKey,
  metricId: key.metricId,
  metricVersion: key.version,
});

const labelOf = (key: MetricRecordsKey) => `${key.flagKey}/${key.metricId}@${key.version}`;

const keyOf = (row: RollupRow): MetricRecordsKey => ({
  flagKey: row.flag_key,
  metricId: row.metric_id,
  version: Number(row.metric_version),
});

/** The view's name: the records table's plus a hash of the key (identifiers only, no values). */
export function metricRecordsViewName(tables: TableNames, key: MetricRecordsKey): string {
  const hash = createHash('sha256')
    .update([key.flagKey, key.metricId, String(key.version)].join('\x1f'))
    .digest('hex')
    .slice(0, 16);
  return `${tables.metricRecords}_mv_${hash}`;
}

/** True when every record of this version is materialized (its view runs, its backfill is done). */
export async function isMetricRecordsReady(
  context: AnalysisContext,
  key: MetricRecordsKey,
): Promise<boolean> {
  const [row] = await queryRows<{ state: string }>(
    context,
    `SELECT argMax(state, updated_at) AS state FROM ${context.tables.metricRollups} WHERE ${KEY_WHERE}`,
    keyParams(key),
  );
  return row?.state === 'ready';
}

/** Keeps one view per named materializable metric: creates, backfills and drops them. */
export function createMetricRecordsKeeper(options: MetricRecordsKeeperOptions): {
  reconcile: () => Promise<ReconcileSummary>;
} {
  return { reconcile: () => reconcile(options) };
}

async function reconcile(options: MetricRecordsKeeperOptions): Promise<ReconcileSummary> {
  const { context } = options;
  const timing = options.timing ?? DEFAULT_METRIC_RECORDS_TIMING;
  const now = options.now ?? Date.now;
  const named = (await options.listNamed()).filter((m) => isMaterializable(m.definition));
  const rows = await queryRows<RollupRow>(
    context,
    `SELECT flag_key, metric_id, metric_version, argMax(split_ms, updated_at) AS split_ms,
      argMax(state, updated_at) AS state
    FROM ${context.tables.metricRollups}
    GROUP BY flag_key, metric_id, metric_version
    HAVING state != 'dropped'`,
    {},
  );
  const known = new Map(rows.map((row) => [labelOf(keyOf(row)), row]));
  const summary: ReconcileSummary = { created: [], filled: [], dropped: [] };
  for (const metric of named) {
    const row = known.get(labelOf(metric.key));
    // A failed backfill starts over: a new view and split, every record and total of the key gone.
    if (row === undefined || row.state === 'backfilling') {
      await createView(context, metric, now() + timing.skewMs);
      summary.created.push(labelOf(metric.key));
    } else if (row.state === 'filling' && now() >= Number(row.split_ms) + timing.latenessMs) {
      await backfill(context, metric, Number(row.split_ms));
      summary.filled.push(labelOf(metric.key));
    }
  }
  const wanted = new Set(named.map((m) => labelOf(m.key)));
  for (const row of rows) {
    if (wanted.has(labelOf(keyOf(row)))) continue;
    await dropView(context, keyOf(row));
    summary.dropped.push(labelOf(keyOf(row)));
  }
  return summary;
}

async function writeState(
  context: AnalysisContext,
  key: MetricRecordsKey,
  input: { splitMs: number; state: RollupRow['state'] },
): Promise<void> {
  await context.clickhouse.insert({
    table: context.tables.metricRollups,
    values: [
      {
        flag_key: key.flagKey,
        metric_id: key.metricId,
        metric_version: key.version,
        view_name: metricRecordsViewName(context.tables, key),
        split_ms: input.splitMs,
        state: input.state,
      },
    ],
    format: 'JSONEachRow',
  });
}

/** Removes the key's view, records and totals (what a failed earlier attempt may have left too). */
async function clear(context: AnalysisContext, key: MetricRecordsKey) {
  const view = metricRecordsViewName(context.tables, key);
  await context.clickhouse.command({ query: `DROP VIEW IF EXISTS ${view}` });
  for (const table of [context.tables.metricRecords, context.tables.metricTotals]) {
    await context.clickhouse.command({
      query: `DELETE FROM ${table} WHERE ${KEY_WHERE}`,
      query_params: keyParams(key),
    });
  }
}

/** The key's records from the raw signal in [sinceMs, untilMs), as the records table's rows. */
function buildCopySql(context: AnalysisContext, metric: NamedMetric, window: [number, number]) {
  const rows = buildRecordRowsQuery({
    definition: metric.definition,
    tables: context.tables,
    scope: { flagKey: metric.key.flagKey, environment: '', sinceMs: window[0], untilMs: window[1] },
  });
  return {
    sql: `SELECT {flagKey:String} AS flag_key, {metricId:String} AS metric_id,
      {metricVersion:UInt32} AS metric_version, unit_id, rec_time, y_rec, y_hit, x_rec, x_hit
    FROM (${rows.sql})`,
    params: { ...rows.params, ...keyParams(metric.key) },
  };
}

/**
 * The view copies records at or after the split as they are inserted. ClickHouse substitutes
 * the definition's typed parameters into the stored view (values are never spliced here).
 */
async function createView(context: AnalysisContext, metric: NamedMetric, splitMs: number) {
  await clear(context, metric.key);
  const copy = buildCopySql(context, metric, [splitMs, FAR_FUTURE_MS]);
  await context.clickhouse.command({
    query: `CREATE MATERIALIZED VIEW ${metricRecordsViewName(context.tables, metric.key)}
      TO ${context.tables.metricRecords} AS ${copy.sql}`,
    query_params: copy.params,
  });
  await writeState(context, metric.key, { splitMs, state: 'filling' });
}

/**
 * The records before the split, once. Marked 'backfilling' first: an insert that fails part way
 * has added to the totals, so the next pass starts the key over instead of retrying it.
 */
async function backfill(context: AnalysisContext, metric: NamedMetric, splitMs: number) {
  await writeState(context, metric.key, { splitMs, state: 'backfilling' });
  const copy = buildCopySql(context, metric, [0, splitMs]);
  await context.clickhouse.command({
    query: `INSERT INTO ${context.tables.metricRecords}
      (flag_key, metric_id, metric_version, unit_id, rec_time, y_rec, y_hit, x_rec, x_hit)
      ${copy.sql}`,
    query_params: copy.params,
  });
  await writeState(context, metric.key, { splitMs, state: 'ready' });
}

async function dropView(context: AnalysisContext, key: MetricRecordsKey): Promise<void> {
  await clear(context, key);
  await writeState(context, key, { splitMs: 0, state: 'dropped' });
}
