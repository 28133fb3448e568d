import type { FastifyBaseLogger } from 'fastify';
import type { Config, TableNames } from './config.js';
import type { FlagStore } from './control-plane/flag-store.js';
import type { MetricChangeFeed } from './control-plane/metric-store.js';
import type { TokenStore } from './control-plane/token-store.js';
import type { ClickHouseClient } from './storage/clickhouse.js';

/** A named readiness check; `/readyz` is ready when every check passes. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/**
 * What every feature plugin receives: configuration, the one ClickHouse client and the table
 * names. Features register readiness checks and clean up in their app's `onClose` hook.
 */
export interface AppContext {
  config: Config;
  clickhouse: ClickHouseClient;
  tables: TableNames;
  log: FastifyBaseLogger;
  readiness: Map<string, ReadinessCheck>;
  /** The flags' source of truth (control plane): read, kill, restore, update, history. */
  flags: FlagStore;
  /** API tokens and SDK keys (control plane). */
  tokens: TokenStore;
  /** New metric versions written by this process (`createMetricStore(context)` publishes them). */
  metricChanges: MetricChangeFeed;
}

export interface ContextPluginOptions {
  context: AppContext;
}
