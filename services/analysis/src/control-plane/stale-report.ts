import type { TableNames } from '../config.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import type { FlagStore } from './flag-store.js';
import type { StaleFlag, StalePolicy } from './stale-flags.js';
import { detectStaleFlags } from './stale-flags.js';

export interface StaleReport {
  generatedAt: string;
  policy: StalePolicy;
  flags: StaleFlag[];
}

/** Latest exposure per flag key, from the exposures table the ingest views fill. */
export async function readLastExposures(
  client: ClickHouseClient,
  tables: TableNames,
): Promise<Map<string, Date>> {
  const result = await client.query({
    query: `SELECT flag_key, toString(toUnixTimestamp64Milli(max(last_seen))) AS last_ms
      FROM ${tables.exposures} GROUP BY flag_key`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ flag_key: string; last_ms: string }>();
  return new Map(rows.map((row) => [row.flag_key, new Date(Number(row.last_ms))]));
}

/** The stale-flag report: store state + exposure telemetry, judged by the pure policy. */
export async function buildStaleReport(input: {
  store: FlagStore;
  client: ClickHouseClient;
  tables: TableNames;
  policy: StalePolicy;
  now: Date;
}): Promise<StaleReport> {
  const flags = input.store.list();
  const stateChangedAt = new Map<string, Date>();
  for (const flag of flags) {
    for (const environment of Object.keys(flag.environments)) {
      const at = input.store.environmentChangedAt(flag.key, environment);
      if (at !== undefined) stateChangedAt.set(`${flag.key}\u0000${environment}`, new Date(at));
    }
  }
  const lastExposure = await readLastExposures(input.client, input.tables);
  return {
    generatedAt: input.now.toISOString(),
    policy: input.policy,
    flags: detectStaleFlags({
      flags,
      lastExposure,
      stateChangedAt,
      now: input.now,
      policy: input.policy,
    }),
  };
}
