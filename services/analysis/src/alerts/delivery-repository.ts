import type { TableNames } from '../config.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';

export type AlertTarget = 'alertmanager' | 'webhook' | 'grafana';

/** One attempt to deliver one alert to one target. */
export interface DeliveryRecord {
  deliveryId: string;
  alertId: string;
  breachId: string;
  flagKey: string;
  environment: string;
  target: AlertTarget;
  url: string;
  attempt: number;
  attemptedAt: string;
  /** `delivered`, `retrying` (failed, will retry) or `failed` (gave up or not retryable). */
  outcome: 'delivered' | 'retrying' | 'failed';
  /** HTTP status, 0 when no response arrived. */
  status: number;
  error: string;
  payload: string;
}

/** SQL for alert deliveries. */
export interface DeliveryRepository {
  insert(record: DeliveryRecord): Promise<void>;
  /** Targets that already acknowledged this alert (so a restart does not send it again). */
  listDeliveredTargets(alertId: string): Promise<AlertTarget[]>;
  listForBreach(breachId: string): Promise<DeliveryRecord[]>;
}

const SELECT = `delivery_id AS deliveryId, alert_id AS alertId, breach_id AS breachId,
  flag_key AS flagKey, environment, target, url, attempt,
  formatDateTime(attempted_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS attemptedAt,
  outcome, status, error, payload`;

export function createDeliveryRepository(
  client: ClickHouseClient,
  tables: TableNames,
): DeliveryRepository {
  const table = tables.alertDeliveries;
  return {
    async insert(record) {
      await insertRows(client, {
        table,
        rows: [
          {
            delivery_id: record.deliveryId,
            alert_id: record.alertId,
            breach_id: record.breachId,
            flag_key: record.flagKey,
            environment: record.environment,
            target: record.target,
            url: record.url,
            attempt: record.attempt,
            attempted_at: formatInsertTime(record.attemptedAt),
            outcome: record.outcome,
            status: record.status,
            error: record.error,
            payload: record.payload,
          },
        ],
        failure: 'writing an alert delivery failed',
      });
    },
    async listDeliveredTargets(alertId) {
      const result = await client.query({
        query: `SELECT DISTINCT target FROM ${table}
                WHERE alert_id = {alertId:String} AND outcome = 'delivered'`,
        query_params: { alertId },
        format: 'JSONEachRow',
      });
      return (await result.json<{ target: AlertTarget }>()).map((row) => row.target);
    },
    async listForBreach(breachId) {
      const result = await client.query({
        query: `SELECT ${SELECT} FROM ${table} WHERE breach_id = {breachId:String}
                ORDER BY attempted_at, attempt`,
        query_params: { breachId },
        format: 'JSONEachRow',
      });
      return (await result.json<DeliveryRecord>()).map((row) => ({
        ...row,
        attempt: Number(row.attempt),
        status: Number(row.status),
      }));
    },
  };
}
