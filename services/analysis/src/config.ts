import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CollectorTables, TripwireTables } from '@tripwire/schema';
import { createError } from './errors.js';

export interface ClickHouseConfig {
  /** `http(s)://host:port` of a ClickHouse server; absent = embedded chdb in `dataDir`. */
  url?: string;
  user: string;
  password: string;
  database: string;
  /** Directory of the embedded engine's data (ignored when `url` is set). */
  dataDir: string;
}

export interface IngestConfig {
  /** Largest accepted request body, after decompression (OTLP recommends 64 MiB). */
  maxBodyBytes: number;
  /** Rows buffered before a flush to ClickHouse. */
  batchRows: number;
  /** Longest a row waits before a flush. */
  flushIntervalMs: number;
  /** Bound of the in-memory queue, in rows; past it requests get 503 + Retry-After. */
  maxQueueRows: number;
  /** Bound of the request-body bytes held at once (≥ maxBodyBytes); past it 503 + Retry-After. */
  maxInflightBytes: number;
}

/** Tables owned by this service alone (not part of the shared telemetry contract). */
export const ServiceTables = {
  ramps: 'tripwire_ramps',
  metricChangelog: 'tripwire_metric_changelog',
  metricValues: 'tripwire_metric_values',
  metricRecords: 'tripwire_metric_records',
  metricRollups: 'tripwire_metric_rollups',
  metricTotals: 'tripwire_metric_totals',
  traceUnits: 'tripwire_trace_units',
  exposureUnits: 'tripwire_exposures_units',
} as const;

export type TableNames = { [K in keyof typeof CollectorTables]: string } & {
  [K in keyof typeof TripwireTables]: string;
} & { [K in keyof typeof ServiceTables]: string };

export interface Config {
  host: string;
  apiPort: number;
  otlpPort: number;
  logLevel: string;
  clickhouse: ClickHouseConfig;
  tables: TableNames;
  ingest: IngestConfig;
  /** Seconds between guardian checks. */
  guardianIntervalSeconds: number;
  /** Units (both arms) at which the guardian's confidence sequences are tightest (t*). */
  guardianTargetUnits: number;
  /** Soonest re-check (ms after the last pass started) when fresh telemetry was committed. */
  guardianRecheckMs: number;
  /** Background refresh period of the results snapshots of watched experiments (seconds; 0 = off). */
  resultsRefreshSeconds: number;
  /** Period of recording the experiments' catalog metric values per variant (seconds; 0 = off). */
  metricValuesIntervalSeconds: number;
  /** Seconds between passes of the catalog metrics' records keeper (0 = off: raw signal only). */
  metricRecordsIntervalSeconds: number;
  /** Seconds after a records view's creation before the older records are backfilled. */
  metricRecordsLatenessSeconds: number;
  /** Public base URL of the API (used in alert links); defaults to http://host:apiPort. */
  publicUrl: string;
  alerts: AlertsConfig;
  controlPlane: ControlPlaneConfig;
}

/** The flag control plane: one writer; readers follow the changelog. */
export interface ControlPlaneConfig {
  /** `writer` accepts writes; `reader` serves reads and SDK streams from the followed changelog. */
  role: 'writer' | 'reader';
  /** How often a reader polls the changelog for new versions. */
  followIntervalMs: number;
  /** Admin token registered on start (empty: one is generated and printed when none exists). */
  adminToken: string;
}

/** Where the guardian sends alerts; an empty URL disables that target. */
export interface AlertsConfig {
  alertmanagerUrl: string;
  webhookUrl: string;
  grafanaUrl: string;
  grafanaToken: string;
  /** Attempts per delivery (first try included), with exponential backoff between them. */
  maxAttempts: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  backoffMs: number;
}

/** One row per setting: flag name, environment variable, default. README's table mirrors it. */
export const settings = {
  host: { env: 'TRIPWIRE_HOST', default: '127.0.0.1' },
  'api-port': { env: 'TRIPWIRE_API_PORT', default: '8080' },
  'otlp-port': { env: 'TRIPWIRE_OTLP_PORT', default: '4318' },
  'log-level': { env: 'TRIPWIRE_LOG_LEVEL', default: 'info' },
  'data-dir': { env: 'TRIPWIRE_DATA_DIR', default: '.tripwire-data' },
  'clickhouse-url': { env: 'CLICKHOUSE_URL', default: '' },
  'clickhouse-user': { env: 'CLICKHOUSE_USER', default: 'default' },
  'clickhouse-password': { env: 'CLICKHOUSE_PASSWORD', default: '' },
  'clickhouse-database': { env: 'CLICKHOUSE_DATABASE', default: 'default' },
  'max-body-bytes': { env: 'TRIPWIRE_MAX_BODY_BYTES', default: String(64 * 1024 * 1024) },
  'batch-rows': { env: 'TRIPWIRE_BATCH_ROWS', default: '50000' },
  'flush-interval-ms': { env: 'TRIPWIRE_FLUSH_INTERVAL_MS', default: '200' },
  'max-queue-rows': { env: 'TRIPWIRE_MAX_QUEUE_ROWS', default: '500000' },
  'max-inflight-bytes': {
    env: 'TRIPWIRE_MAX_INFLIGHT_BYTES',
    default: String(256 * 1024 * 1024),
  },
  'guardian-interval': { env: 'TRIPWIRE_GUARDIAN_INTERVAL_SECONDS', default: '10' },
  'guardian-target-units': { env: 'TRIPWIRE_GUARDIAN_TARGET_UNITS', default: '10000' },
  'guardian-recheck-ms': { env: 'TRIPWIRE_GUARDIAN_RECHECK_MS', default: '1000' },
  'results-refresh': { env: 'TRIPWIRE_RESULTS_REFRESH_SECONDS', default: '10' },
  'metric-values': { env: 'TRIPWIRE_METRIC_VALUES_SECONDS', default: '60' },
  'metric-records-interval': { env: 'TRIPWIRE_METRIC_RECORDS_INTERVAL_SECONDS', default: '5' },
  'metric-records-lateness': { env: 'TRIPWIRE_METRIC_RECORDS_LATENESS_SECONDS', default: '60' },
  'public-url': { env: 'TRIPWIRE_PUBLIC_URL', default: '' },
  'table-prefix': { env: 'TRIPWIRE_TABLE_PREFIX', default: '' },
  'alertmanager-url': { env: 'TRIPWIRE_ALERTMANAGER_URL', default: '' },
  'alert-webhook-url': { env: 'TRIPWIRE_ALERT_WEBHOOK_URL', default: '' },
  'grafana-url': { env: 'TRIPWIRE_GRAFANA_URL', default: '' },
  'grafana-token': { env: 'TRIPWIRE_GRAFANA_TOKEN', default: '' },
  'alert-max-attempts': { env: 'TRIPWIRE_ALERT_MAX_ATTEMPTS', default: '5' },
  'alert-backoff-ms': { env: 'TRIPWIRE_ALERT_BACKOFF_MS', default: '500' },
  'control-plane-role': { env: 'TRIPWIRE_CONTROL_PLANE_ROLE', default: 'writer' },
  'follow-interval-ms': { env: 'TRIPWIRE_FOLLOW_INTERVAL_MS', default: '50' },
  'admin-token': { env: 'TRIPWIRE_ADMIN_TOKEN', default: '' },
} as const;
type SettingName = keyof typeof settings;

/** Reads flags first, then environment variables, then defaults. Throws on invalid values. */
export function loadConfig(
  argv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const options = Object.fromEntries(
    Object.keys(settings).map((name) => [name, { type: 'string' as const }]),
  );
  const { values } = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true });
  const read = (name: SettingName): string =>
    values[name] ?? env[settings[name].env] ?? settings[name].default;
  const int = (name: SettingName, min: number): number => {
    const text = read(name);
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw createError(
        'TRIPWIRE_ERR_CONFIG',
        `--${name} (${settings[name].env}) must be an integer >= ${min}, got "${text}"`,
      );
    }
    return value;
  };
  const host = read('host');
  const apiPort = int('api-port', 0);
  const url = read('clickhouse-url');
  const clickhouse: ClickHouseConfig = {
    user: read('clickhouse-user'),
    password: read('clickhouse-password'),
    database: checkIdentifier(read('clickhouse-database'), 'clickhouse-database'),
    dataDir: resolve(read('data-dir')),
    ...(url ? { url } : {}),
  };
  return {
    host,
    apiPort,
    otlpPort: int('otlp-port', 0),
    logLevel: read('log-level'),
    clickhouse,
    tables: tableNames(read('table-prefix')),
    ingest: {
      maxBodyBytes: int('max-body-bytes', 1024),
      batchRows: int('batch-rows', 1),
      flushIntervalMs: int('flush-interval-ms', 1),
      maxQueueRows: int('max-queue-rows', 1),
      maxInflightBytes: Math.max(int('max-inflight-bytes', 1024), int('max-body-bytes', 1024)),
    },
    guardianIntervalSeconds: int('guardian-interval', 1),
    guardianTargetUnits: int('guardian-target-units', 2),
    guardianRecheckMs: int('guardian-recheck-ms', 1),
    resultsRefreshSeconds: int('results-refresh', 0),
    metricValuesIntervalSeconds: int('metric-values', 0),
    metricRecordsIntervalSeconds: int('metric-records-interval', 0),
    metricRecordsLatenessSeconds: int('metric-records-lateness', 0),
    publicUrl: read('public-url') || `http://${host}:${apiPort}`,
    alerts: {
      alertmanagerUrl: read('alertmanager-url'),
      webhookUrl: read('alert-webhook-url'),
      grafanaUrl: read('grafana-url'),
      grafanaToken: read('grafana-token'),
      maxAttempts: int('alert-max-attempts', 1),
      backoffMs: int('alert-backoff-ms', 1),
    },
    controlPlane: {
      role: checkControlPlaneRole(read('control-plane-role')),
      followIntervalMs: int('follow-interval-ms', 1),
      adminToken: read('admin-token'),
    },
  };
}

/** Table names, optionally prefixed (e.g. to share one database between deployments). */
export function tableNames(prefix = ''): TableNames {
  checkIdentifier(`${prefix}x`, 'table-prefix');
  const names = { ...CollectorTables, ...TripwireTables, ...ServiceTables };
  return Object.fromEntries(
    Object.entries(names).map(([key, name]) => [key, prefix + name]),
  ) as TableNames;
}

/** Identifiers are spliced into SQL (values never are), so they are held to a strict pattern. */
export function checkIdentifier(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    throw createError(
      'TRIPWIRE_ERR_CONFIG',
      `${what} must match [A-Za-z_][A-Za-z0-9_]*, got "${name}"`,
    );
  }
  return name;
}

function checkControlPlaneRole(role: string): ControlPlaneConfig['role'] {
  if (role !== 'writer' && role !== 'reader') {
    throw createError(
      'TRIPWIRE_ERR_CONFIG',
      `--control-plane-role (TRIPWIRE_CONTROL_PLANE_ROLE) must be "writer" or "reader", got "${role}"`,
    );
  }
  return role;
}
