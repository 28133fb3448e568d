import { attributesJson, findAttribute, formatAnyValue } from './otlp-attributes.js';
import {
  forEachItem,
  formatDateTime64,
  readId,
  readInt,
  readNanos,
  readObject,
  readString,
  rethrowAt,
} from './otlp-values.js';
import { recordRejection } from './trace-rows.js';
import type { TableRows } from './trace-rows.js';

/** `otel_logs` insert columns (the exporter's current set; materialized columns excluded). */
export const LOG_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'TraceFlags',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'Body',
  'ResourceSchemaUrl',
  'ResourceAttributes',
  'ScopeSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'LogAttributes',
  'EventName',
] as const;

/** Maps an ExportLogsServiceRequest (protobuf-decoded or JSON) to `otel_logs` rows. */
export function mapLogsRequest(request: unknown): TableRows {
  const out: TableRows = { rows: [], rejected: 0, rejectReason: '' };
  const body = readObject(request, '') ?? {};
  forEachItem(body.resourceLogs, 'resourceLogs', (resourceLogs, r) =>
    mapResourceLogs(resourceLogs, `/resourceLogs/${r}`, out),
  );
  return out;
}

function mapResourceLogs(value: unknown, where: string, out: TableRows): void {
  const rl = readObject(value, '') ?? {};
  const resource = readObject(rl.resource, 'resource') ?? {};
  const service = JSON.stringify(findAttribute(resource.attributes, 'service.name'));
  const resourceJson = attributesJson(resource.attributes, 'resource/attributes');
  const resourceSchema = JSON.stringify(readString(rl.schemaUrl, 'schemaUrl'));
  forEachItem(rl.scopeLogs, 'scopeLogs', (scopeLogs, s) => {
    const sl = readObject(scopeLogs, '') ?? {};
    const scope = readObject(sl.scope, 'scope') ?? {};
    // Columns around Body that every record of this scope shares, serialised once.
    const beforeBody = `${service},`;
    const afterBody =
      `,${resourceSchema},${resourceJson},` +
      `${JSON.stringify(readString(sl.schemaUrl, 'schemaUrl'))},` +
      `${JSON.stringify(readString(scope.name, 'scope/name'))},` +
      `${JSON.stringify(readString(scope.version, 'scope/version'))},` +
      `${attributesJson(scope.attributes, 'scope/attributes')}`;
    forEachItem(sl.logRecords, 'logRecords', (record, i) => {
      const row = mapLogRecord(record, beforeBody, afterBody);
      if (row !== undefined) out.rows.push(row);
      else {
        recordRejection(
          out,
          `${where}/scopeLogs/${s}/logRecords/${i}: traceId must be empty or 16 bytes and spanId empty or 8 bytes`,
        );
      }
    });
  });
}

function mapLogRecord(value: unknown, beforeBody: string, afterBody: string): string | undefined {
  const record = readObject(value, '') ?? {};
  const traceId = readId(record.traceId, 'traceId', 16);
  const spanId = readId(record.spanId, 'spanId', 8);
  if (traceId === undefined || spanId === undefined) return undefined;
  let time = readNanos(record.timeUnixNano, 'timeUnixNano');
  // As the exporter: a record without a time is stored at its observed time.
  if (time.sec === 0 && time.ns === 0) {
    time = readNanos(record.observedTimeUnixNano, 'observedTimeUnixNano');
  }
  const flags = readInt(record.flags, 'flags') & 0xff;
  const severity = readInt(record.severityNumber, 'severityNumber') & 0xff;
  return (
    `["${formatDateTime64(time)}","${traceId}","${spanId}",${flags},` +
    `${JSON.stringify(readString(record.severityText, 'severityText'))},${severity},` +
    `${beforeBody}${JSON.stringify(bodyText(record.body))}${afterBody},` +
    `${attributesJson(record.attributes, 'attributes')},` +
    `${JSON.stringify(readString(record.eventName, 'eventName'))}]`
  );
}

function bodyText(body: unknown): string {
  try {
    return formatAnyValue(body);
  } catch (error) {
    return rethrowAt(error, '/body');
  }
}
