import { Readable } from 'node:stream';
import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { LOG_COLUMNS, mapLogsRequest } from './log-rows.js';
import { METRIC_COLUMNS, mapMetricsRequest, type MetricTable } from './metric-rows.js';
import type { OtlpEncoding } from './otlp-body.js';
import { OtlpMessages } from './otlp-descriptor.js';
import { OtlpInputError } from './otlp-values.js';
import { mapTraceRequest, TRACE_COLUMNS, type TableRows } from './trace-rows.js';

export type TableKey = keyof TableNames;

/** What one OTLP request becomes: rows per table, and the items rejected from it. */
export interface MappedRequest {
  parts: { table: TableKey; rows: string[] }[];
  rejected: number;
  rejectReason: string;
}

export interface Signal {
  path: string;
  request: (typeof OtlpMessages)['traceRequest'];
  response: (typeof OtlpMessages)['traceResponse'];
  /** The JSON name of the partial-success counter. */
  counter: 'rejectedSpans' | 'rejectedDataPoints' | 'rejectedLogRecords';
  map: (request: unknown) => MappedRequest;
}

/** A signal's `map` for a mapper whose rows all go to one table. */
function mapIntoTable(table: TableKey, mapRows: (request: unknown) => TableRows): Signal['map'] {
  return (request) => {
    const { rows, rejected, rejectReason } = mapRows(request);
    return { parts: [{ table, rows }], rejected, rejectReason };
  };
}

/** The three OTLP/HTTP signals (REFERENCE §2): path, messages, row mapping. */
export const OTLP_SIGNALS: Record<'traces' | 'metrics' | 'logs', Signal> = {
  traces: {
    path: '/v1/traces',
    request: OtlpMessages.traceRequest,
    response: OtlpMessages.traceResponse,
    counter: 'rejectedSpans',
    map: mapIntoTable('traces', mapTraceRequest),
  },
  metrics: {
    path: '/v1/metrics',
    request: OtlpMessages.metricsRequest,
    response: OtlpMessages.metricsResponse,
    counter: 'rejectedDataPoints',
    map: (request) => {
      const { rows, rejected, rejectReason } = mapMetricsRequest(request);
      const parts = (Object.keys(rows) as MetricTable[]).map((table) => ({
        table,
        rows: rows[table],
      }));
      return { parts, rejected, rejectReason };
    },
  },
  logs: {
    path: '/v1/logs',
    request: OtlpMessages.logsRequest,
    response: OtlpMessages.logsResponse,
    counter: 'rejectedLogRecords',
    map: mapIntoTable('logs', mapLogsRequest),
  },
};

/** Insert columns of every table the receiver writes. */
export const INSERT_COLUMNS: Partial<Record<TableKey, readonly string[]>> = {
  traces: TRACE_COLUMNS,
  logs: LOG_COLUMNS,
  ...METRIC_COLUMNS,
};

/**
 * Parses an OTLP body (already decompressed) into rows. Throws a 400 saying what and where when
 * the body cannot be decoded or has a field of the wrong type.
 */
export function decodeOtlpRequest(
  signal: Signal,
  encoding: OtlpEncoding,
  body: Buffer,
): MappedRequest {
  let message: unknown;
  try {
    message =
      encoding === 'protobuf'
        ? signal.request.decode(body)
        : (JSON.parse(body.toString('utf8')) as unknown);
  } catch (cause) {
    throw createError(
      'TRIPWIRE_ERR_BAD_REQUEST',
      `cannot decode the ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} body of ${signal.path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    return signal.map(message);
  } catch (cause) {
    if (!(cause instanceof OtlpInputError)) throw cause;
    throw createError('TRIPWIRE_ERR_BAD_REQUEST', `${cause.message} (at ${cause.pointer || '/'})`, {
      pointer: cause.pointer || '/',
      cause,
    });
  }
}

/**
 * Writes encoded JSONCompactEachRow rows with `INSERT … FORMAT` over `exec` (the client's
 * `insert` only takes raw streams for TSV/CSV); resolves once ClickHouse committed the insert.
 */
export function createRowInserter(
  clickhouse: ClickHouseClient,
  tables: TableNames,
): (table: string, rows: readonly string[]) => Promise<void> {
  const statements = new Map<string, string>();
  for (const [key, columns] of Object.entries(INSERT_COLUMNS)) {
    const name = tables[key as TableKey];
    const list = columns.map((column) => `\`${column}\``).join(', ');
    statements.set(name, `INSERT INTO ${name} (${list}) FORMAT JSONCompactEachRow`);
  }
  return async (table, rows) => {
    const query = statements.get(table);
    if (query === undefined) throw new Error(`no insert statement for table ${table}`);
    const body = Buffer.from(rows.join('\n'));
    const result = await clickhouse.exec({
      query,
      values: Readable.from([body], { objectMode: false }),
    });
    result.stream.resume();
  };
}
