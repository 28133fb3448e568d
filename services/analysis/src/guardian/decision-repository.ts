import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';

/** What the guardian did after a check. */
export type ActionTaken = 'none' | 'kill_pending' | 'killed' | 'paused' | 'alerted';

/** One row of the decisions table: a check (kind `check`) or the kill it led to (kind `kill`). */
export interface DecisionRecord {
  checkId: string;
  kind: 'check' | 'kill';
  checkedAt: string;
  flagKey: string;
  environment: string;
  flagVersion: number;
  guardrailId: string;
  /** The guardrail as JSON, as it was when checked. */
  guardrail: string;
  metric: string;
  /** Version of the catalog metric definition the check computed; 0 for a built-in. */
  metricVersion: number;
  controlVariant: string;
  variant: string;
  state: string;
  action: string;
  actionTaken: ActionTaken;
  breachId: string;
  test: string;
  scale: string;
  estimate: number;
  relativeEstimate: number | null;
  intervalLower: number;
  intervalUpper: number;
  pValue: number | null;
  /** The estimates' adjustment as JSON (`GuardrailAdjustment` of @tripwire/stats: CUPED), or ''. */
  adjustment: string;
  alpha: number;
  margin: number;
  nControl: number;
  nTreatment: number;
  controlMean: number;
  treatmentMean: number;
  query: string;
  exemplarTraceIds: string[];
  killVersion: number | null;
  detail: string;
}

const COLUMNS: readonly [keyof DecisionRecord, string][] = [
  ['checkId', 'check_id'],
  ['kind', 'kind'],
  ['checkedAt', 'checked_at'],
  ['flagKey', 'flag_key'],
  ['environment', 'environment'],
  ['flagVersion', 'flag_version'],
  ['guardrailId', 'guardrail_id'],
  ['guardrail', 'guardrail'],
  ['metric', 'metric'],
  ['metricVersion', 'metric_version'],
  ['controlVariant', 'control_variant'],
  ['variant', 'variant'],
  ['state', 'state'],
  ['action', 'action'],
  ['actionTaken', 'action_taken'],
  ['breachId', 'breach_id'],
  ['test', 'test'],
  ['scale', 'scale'],
  ['estimate', 'estimate'],
  ['relativeEstimate', 'relative_estimate'],
  ['intervalLower', 'interval_lower'],
  ['intervalUpper', 'interval_upper'],
  ['pValue', 'p_value'],
  ['adjustment', 'adjustment'],
  ['alpha', 'alpha'],
  ['margin', 'margin'],
  ['nControl', 'n_control'],
  ['nTreatment', 'n_treatment'],
  ['controlMean', 'control_mean'],
  ['treatmentMean', 'treatment_mean'],
  ['query', 'query'],
  ['exemplarTraceIds', 'exemplar_trace_ids'],
  ['killVersion', 'kill_version'],
  ['detail', 'detail'],
];
const SELECT = COLUMNS.map(([field, column]) =>
  column === 'checked_at'
    ? `formatDateTime(checked_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS checkedAt`
    : `${column} AS ${field}`,
).join(', ');

/** SQL for guardrail decisions; the guardian and the routes never see it. */
export interface DecisionRepository {
  insert(records: readonly DecisionRecord[]): Promise<void>;
  /** Newest first, at most `limit` rows, optionally of one environment. */
  listForFlag(query: {
    flagKey: string;
    environment?: string;
    limit: number;
  }): Promise<DecisionRecord[]>;
  /** Every row (checks and the kill) that carries a breach id, oldest first. */
  listForBreach(breachId: string): Promise<DecisionRecord[]>;
  /** Checks of one flag/environment/guardrail in a time window, oldest first. */
  listWindow(query: {
    flagKey: string;
    environment: string;
    from: string;
    to: string;
  }): Promise<DecisionRecord[]>;
  /** Breach rows whose kill has not been recorded yet (a restart mid-decision leaves these). */
  listPendingKills(): Promise<DecisionRecord[]>;
  /** The latest kill rows, newest first; of these flags only when `flagKeys` is given. */
  listKills(query: { flagKeys?: readonly string[]; limit: number }): Promise<DecisionRecord[]>;
}

export function createDecisionRepository(
  client: ClickHouseClient,
  tables: TableNames,
): DecisionRepository {
  const table = tables.guardrailDecisions;
  const select = async (where: string, tail: string, params: Record<string, unknown>) => {
    try {
      const result = await client.query({
        query: `SELECT ${SELECT} FROM ${table} WHERE ${where} ${tail}`,
        query_params: params,
        format: 'JSONEachRow',
      });
      return (await result.json<Record<string, unknown>>()).map(readRecord);
    } catch (cause) {
      throw createError('TRIPWIRE_ERR_STORAGE', `reading guardrail decisions failed`, { cause });
    }
  };
  return {
    async insert(records) {
      if (records.length === 0) return;
      await insertRows(client, {
        table,
        rows: records.map(writeRecord),
        failure: 'writing guardrail decisions failed',
      });
    },
    listForFlag: ({ flagKey, environment, limit }) =>
      select(
        environment === undefined
          ? 'flag_key = {flagKey:String}'
          : 'flag_key = {flagKey:String} AND environment = {environment:String}',
        'ORDER BY checked_at DESC, check_id LIMIT {limit:UInt32}',
        { flagKey, environment: environment ?? '', limit },
      ),
    listForBreach: (breachId) =>
      select('breach_id = {breachId:String}', 'ORDER BY checked_at, kind', { breachId }),
    listWindow: ({ flagKey, environment, from, to }) =>
      select(
        `flag_key = {flagKey:String} AND environment = {environment:String}
         AND checked_at BETWEEN parseDateTime64BestEffort({from:String}, 3)
         AND parseDateTime64BestEffort({to:String}, 3)`,
        'ORDER BY checked_at, check_id',
        { flagKey, environment, from, to },
      ),
    listPendingKills: () =>
      select(
        `action_taken = 'kill_pending' AND breach_id NOT IN
         (SELECT breach_id FROM ${table} WHERE kind = 'kill')`,
        'ORDER BY checked_at',
        {},
      ),
    listKills: ({ flagKeys, limit }) =>
      select(
        flagKeys === undefined
          ? `kind = 'kill'`
          : `kind = 'kill' AND flag_key IN {flagKeys:Array(String)}`,
        'ORDER BY checked_at DESC LIMIT {limit:UInt32}',
        { flagKeys: flagKeys ?? [], limit },
      ),
  };
}

function writeRecord(record: DecisionRecord): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, column] of COLUMNS) {
    const value = record[field];
    row[column] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  row.checked_at = formatInsertTime(record.checkedAt);
  return row;
}

function readRecord(row: Record<string, unknown>): DecisionRecord {
  const number = (value: unknown): number => Number(value);
  const nullable = (value: unknown): number | null => (value === null ? null : Number(value));
  return {
    ...(row as unknown as DecisionRecord),
    flagVersion: number(row.flagVersion),
    metricVersion: number(row.metricVersion ?? 0),
    estimate: row.estimate === null ? Number.NaN : number(row.estimate),
    relativeEstimate: nullable(row.relativeEstimate),
    intervalLower: row.intervalLower === null ? -Infinity : number(row.intervalLower),
    intervalUpper: row.intervalUpper === null ? Infinity : number(row.intervalUpper),
    pValue: nullable(row.pValue),
    adjustment: typeof row.adjustment === 'string' ? row.adjustment : '',
    alpha: number(row.alpha),
    margin: number(row.margin),
    nControl: number(row.nControl),
    nTreatment: number(row.nTreatment),
    controlMean: row.controlMean === null ? Number.NaN : number(row.controlMean),
    treatmentMean: row.treatmentMean === null ? Number.NaN : number(row.treatmentMean),
    killVersion: nullable(row.killVersion),
  };
}
