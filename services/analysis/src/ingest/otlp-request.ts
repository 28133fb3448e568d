import { checkVarints } from './wire-varints.js';
import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import { insertEncodedRows, type ClickHouseClient, type RowFormat } from '../storage/clickhouse.js';
import type { InsertRows } from './batch-queue.js';
import { LOG_COLUMNS, mapLogsRequest } from './log-rows.js';
import { METRIC_COLUMNS, mapMetricsRequest, type MetricTable } from './metric-rows.js';
import type { OtlpEncoding } from './otlp-body.js';
import { OtlpMessages } from './otlp-descriptor.js';
import { OtlpInputError } from './otlp-values.js';
import { mapTraceRequest, TRACE_COLUMNS, type TableRows } from './trace-rows.js';
import { writeTraceRows } from './trace-wire-rows.js';

export type TableKey = keyof TableNames;

/** One table's part of a request: rows encoded in `format`, one per line. */
export interface RequestPart {
  table: TableKey;
  format: RowFormat;
  rows: number;
  /** Valid until the next request is decoded (it may be a view of a reused buffer). */
  body: Uint8Array;
}

/** What one OTLP request becomes: rows per table, and the items rejected from it. */
export interface MappedRequest {
  parts: RequestPart[];
  rejected: number;
  rejectReason: string;
}

export interface Signal {
  path: string;
  request: (typeof OtlpMessages)['traceRequest'];
  response: (typeof OtlpMessages)['traceResponse'];
  /** The JSON name of the partial-success counter. */
  counter: 'rejectedSpans' | 'rejectedDataPoints' | 'rejectedLogRecords';
  /** Maps a decoded message (protobufjs) or parsed OTLP/JSON to rows. */
  map: (request: unknown) => MappedRequest;
  /** Writes rows straight from protobuf wire format, skipping `request.decode` and `map`. */
  writeProtobuf?: (body: Buffer) => MappedRequest;
}

/** JSONCompactEachRow lines as one body. */
export function encodeLines(rows: readonly string[]): Buffer {
  return Buffer.from(rows.length === 0 ? '' : `${rows.join('\n')}\n`);
}

function jsonPart(table: TableKey, rows: readonly string[]): RequestPart {
  return { table, format: 'JSONCompactEachRow', rows: rows.length, body: encodeLines(rows) };
}

/** A signal's `map` for a mapper whose rows all go to one table. */
function mapIntoTable(table: TableKey, mapRows: (request: unknown) => TableRows): Signal['map'] {
  return (request) => {
    const { rows, rejected, rejectReason } = mapRows(request);
    return { parts: [jsonPart(table, rows)], rejected, rejectReason };
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
    writeProtobuf: (body) => {
      const { body: rows, rows: count, rejected, rejectReason } = writeTraceRows(body);
      const part: RequestPart = {
        table: 'traces',
        format: 'Native',
        rows: count,
        body: rows,
      };
      return { parts: [part], rejected, rejectReason };
    },
  },
  metrics: {
    path: '/v1/metrics',
    request: OtlpMessages.metricsRequest,
    response: OtlpMessages.metricsResponse,
    counter: 'rejectedDataPoints',
    map: (request) => {
      const { rows, rejected, rejectReason } = mapMetricsRequest(request);
      const parts = (Object.keys(rows) as MetricTable[]).map((table) =>
        jsonPart(table, rows[table]),
      );
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

/** Deepest accepted nesting of OTLP/JSON objects and arrays (a kvlist level takes 4). */
export const MAX_JSON_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes strict UTF-8 and checks nesting in one linear pass before `JSON.parse`, so neither
 * invalid bytes nor deep nesting reach the parser or the mappers' recursion.
 */
function parseJsonBody(body: Buffer): unknown {
  const text = utf8.decode(body);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH)
        throw new Error(`nesting deeper than ${MAX_JSON_DEPTH} levels at character ${i}`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return JSON.parse(text) as unknown;
}

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
    if (encoding === 'protobuf' && signal.writeProtobuf !== undefined) {
      return signal.writeProtobuf(body);
    }
    if (encoding === 'protobuf') checkVarints(signal.request, body);
    message = encoding === 'protobuf' ? signal.request.decode(body) : parseJsonBody(body);
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
 * The queue's insert: each batch goes to its table with that table's insert columns, through
 * `insertEncodedRows` (chdb raw insert embedded, `INSERT … FORMAT` on a server).
 */
export function createRowInserter(clickhouse: ClickHouseClient, tables: TableNames): InsertRows {
  const columnsByTable = new Map<string, readonly string[]>();
  for (const [key, columns] of Object.entries(INSERT_COLUMNS)) {
    columnsByTable.set(tables[key as TableKey], columns);
  }
  return async (table, batch) => {
    const columns = columnsByTable.get(table);
    if (columns === undefined) throw new Error(`no insert columns for table ${table}`);
    await insertEncodedRows(clickhouse, { table, columns, format: batch.format, body: batch.body });
  };
}
