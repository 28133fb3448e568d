import type { TableNames } from '../config.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';

export const RampStatuses = [
  'running',
  'held',
  'paused',
  'completed',
  'aborted',
  'stopped',
] as const;
export type RampStatus = (typeof RampStatuses)[number];

/** One state of a ramp; the latest row per flag/environment is the ramp's current state. */
export interface RampRecord {
  rampId: string;
  flagKey: string;
  environment: string;
  changedAt: string;
  status: RampStatus;
  stageIndex: number;
  /** Coverage per stage in percent, ascending, ending at 100. */
  stages: number[];
  minUnits: number;
  minStageSeconds: number;
  stageStartedAt: string;
  actor: string;
  reason: string;
}

export interface RampRepository {
  insert(record: RampRecord): Promise<void>;
  /** The current state of every ramp (latest row per flag and environment). */
  listCurrent(): Promise<RampRecord[]>;
  /** Every state of the ramps of one flag, oldest first. */
  listForFlag(flagKey: string): Promise<RampRecord[]>;
}

const SELECT = `ramp_id AS rampId, flag_key AS flagKey, environment,
  formatDateTime(changed_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS changedAt, status,
  stage_index AS stageIndex, stages, min_units AS minUnits, min_stage_seconds AS minStageSeconds,
  formatDateTime(stage_started_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS stageStartedAt, actor, reason`;

export function createRampRepository(client: ClickHouseClient, tables: TableNames): RampRepository {
  const table = tables.ramps;
  const read = async (query: string, params: Record<string, unknown>) => {
    const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return (await result.json<RampRecord>()).map((row) => ({
      ...row,
      stageIndex: Number(row.stageIndex),
      stages: row.stages.map(Number),
      minUnits: Number(row.minUnits),
      minStageSeconds: Number(row.minStageSeconds),
    }));
  };
  return {
    async insert(record) {
      await insertRows(client, {
        table,
        rows: [
          {
            ramp_id: record.rampId,
            flag_key: record.flagKey,
            environment: record.environment,
            changed_at: formatInsertTime(record.changedAt),
            status: record.status,
            stage_index: record.stageIndex,
            stages: record.stages,
            min_units: record.minUnits,
            min_stage_seconds: record.minStageSeconds,
            stage_started_at: formatInsertTime(record.stageStartedAt),
            actor: record.actor,
            reason: record.reason,
          },
        ],
        failure: 'writing a ramp state failed',
      });
    },
    listCurrent: () =>
      read(
        `SELECT ${SELECT} FROM ${table} ORDER BY changed_at DESC LIMIT 1 BY flag_key, environment`,
        {},
      ),
    listForFlag: (flagKey) =>
      read(`SELECT ${SELECT} FROM ${table} WHERE flag_key = {flagKey:String} ORDER BY changed_at`, {
        flagKey,
      }),
  };
}
