import { attributesJson, findAttribute } from './otlp-attributes.js';
import {
  durationNanos,
  forEachItem,
  formatDateTime64,
  readArray,
  readId,
  readInt,
  readNanos,
  readObject,
  readString,
  rethrowAt,
} from './otlp-values.js';

/** Rows for one table, each a JSONCompactEachRow line in `columns` order. */
export interface TableRows {
  rows: string[];
  /** Items dropped (invalid ids): reported as `partial_success`, never stored. */
  rejected: number;
  /** Why the first rejected item was rejected. */
  rejectReason: string;
}

/** `otel_traces` insert columns (the exporter's; Nested columns flattened). */
export const TRACE_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const;

/** `SpanKind` and `StatusCode` as the current exporter spells them (pdata `String()` forms). */
export const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
export const STATUS_CODES = ['Unset', 'Ok', 'Error'];

/**
 * Why a span's `kind` or `status.code` is not one OTLP defines (the span is then rejected with
 * that reason in `partial_success`, not stored as unset); undefined when both are.
 */
export function checkSpanEnums(kind: number, statusCode: number): string | undefined {
  if (!(kind >= 0 && kind < SPAN_KINDS.length))
    return `kind ${kind} is not a SpanKind (0–${SPAN_KINDS.length - 1})`;
  if (!(statusCode >= 0 && statusCode < STATUS_CODES.length))
    return `status/code ${statusCode} is not a StatusCode (0–${STATUS_CODES.length - 1})`;
  return undefined;
}

/** Maps an ExportTraceServiceRequest (protobuf-decoded or JSON) to `otel_traces` rows. */
export function mapTraceRequest(request: unknown): TableRows {
  const out: TableRows = { rows: [], rejected: 0, rejectReason: '' };
  const body = readObject(request, '') ?? {};
  forEachItem(body.resourceSpans, 'resourceSpans', (resourceSpans, r) =>
    mapResourceSpans(resourceSpans, `/resourceSpans/${r}`, out),
  );
  return out;
}

function mapResourceSpans(value: unknown, where: string, out: TableRows): void {
  const rs = readObject(value, '') ?? {};
  const resource = readObject(rs.resource, 'resource') ?? {};
  const service = JSON.stringify(findAttribute(resource.attributes, 'service.name'));
  const resourceJson = attributesJson(resource.attributes, 'resource/attributes');
  forEachItem(rs.scopeSpans, 'scopeSpans', (scopeSpans, s) => {
    const ss = readObject(scopeSpans, '') ?? {};
    const scope = readObject(ss.scope, 'scope') ?? {};
    // Columns shared by every span of this scope, serialised once.
    const shared = {
      service,
      resourceJson,
      scopeName: JSON.stringify(readString(scope.name, 'scope/name')),
      scopeVersion: JSON.stringify(readString(scope.version, 'scope/version')),
    };
    forEachItem(ss.spans, 'spans', (span, i) => {
      const row = mapSpan(span, shared);
      if (typeof row === 'string') out.rows.push(row);
      else recordRejection(out, `${where}/scopeSpans/${s}/spans/${i}: ${row.reason}`);
    });
  });
}

/** Counts one dropped item; the first one's `reason` is the one reported. */
export function recordRejection(
  out: Pick<TableRows, 'rejected' | 'rejectReason'>,
  reason: string,
): void {
  if (out.rejected === 0) out.rejectReason = reason;
  out.rejected += 1;
}

interface SharedColumns {
  service: string;
  resourceJson: string;
  scopeName: string;
  scopeVersion: string;
}

function mapSpan(value: unknown, shared: SharedColumns): string | { reason: string } {
  const span = readObject(value, '') ?? {};
  const traceId = readId(span.traceId, 'traceId', 16);
  const spanId = readId(span.spanId, 'spanId', 8);
  const parentSpanId = readId(span.parentSpanId, 'parentSpanId', 8);
  if (!traceId) return { reason: 'traceId must be 16 bytes (32 hex digits)' };
  if (!spanId) return { reason: 'spanId must be 8 bytes (16 hex digits)' };
  if (parentSpanId === undefined) return { reason: 'parentSpanId must be empty or 8 bytes' };
  const start = readNanos(span.startTimeUnixNano, 'startTimeUnixNano');
  const end = readNanos(span.endTimeUnixNano, 'endTimeUnixNano');
  const status = readObject(span.status, 'status') ?? {};
  const kindNumber = readInt(span.kind, 'kind');
  const codeNumber = readInt(status.code, 'status/code');
  const enumProblem = checkSpanEnums(kindNumber, codeNumber);
  if (enumProblem !== undefined) return { reason: enumProblem };
  const kind = SPAN_KINDS[kindNumber]!;
  const code = STATUS_CODES[codeNumber]!;
  const events = mapEvents(span.events);
  const links = mapLinks(span.links);
  if (links === undefined) return { reason: 'a link has an invalid traceId or spanId' };
  return (
    `["${formatDateTime64(start)}","${traceId}","${spanId}","${parentSpanId}",` +
    `${JSON.stringify(readString(span.traceState, 'traceState'))},` +
    `${JSON.stringify(readString(span.name, 'name'))},"${kind}",${shared.service},` +
    `${shared.resourceJson},${shared.scopeName},${shared.scopeVersion},` +
    `${attributesJson(span.attributes, 'attributes')},${durationNanos(start, end)},"${code}",` +
    `${JSON.stringify(readString(status.message, 'status/message'))},${events},${links}]`
  );
}

/** `Events.Timestamp`, `Events.Name`, `Events.Attributes` as three JSON arrays. */
function mapEvents(value: unknown): string {
  const events = readArray(value, 'events');
  if (events.length === 0) return '[],[],[]';
  const times: string[] = [];
  const names: string[] = [];
  const attributes: string[] = [];
  for (let i = 0; i < events.length; i++) {
    try {
      const event = readObject(events[i], '') ?? {};
      times.push(`"${formatDateTime64(readNanos(event.timeUnixNano, 'timeUnixNano'))}"`);
      names.push(JSON.stringify(readString(event.name, 'name')));
      attributes.push(attributesJson(event.attributes, 'attributes'));
    } catch (error) {
      rethrowAt(error, `/events/${i}`);
    }
  }
  return `[${times.join(',')}],[${names.join(',')}],[${attributes.join(',')}]`;
}

/** The four `Links.*` arrays, or `undefined` when a link id is invalid. */
function mapLinks(value: unknown): string | undefined {
  const links = readArray(value, 'links');
  if (links.length === 0) return '[],[],[],[]';
  const traceIds: string[] = [];
  const spanIds: string[] = [];
  const states: string[] = [];
  const attributes: string[] = [];
  for (let i = 0; i < links.length; i++) {
    try {
      const link = readObject(links[i], '') ?? {};
      const traceId = readId(link.traceId, 'traceId', 16);
      const spanId = readId(link.spanId, 'spanId', 8);
      if (traceId === undefined || spanId === undefined) return undefined;
      traceIds.push(`"${traceId}"`);
      spanIds.push(`"${spanId}"`);
      states.push(JSON.stringify(readString(link.traceState, 'traceState')));
      attributes.push(attributesJson(link.attributes, 'attributes'));
    } catch (error) {
      rethrowAt(error, `/links/${i}`);
    }
  }
  return `[${traceIds.join(',')}],[${spanIds.join(',')}],[${states.join(',')}],[${attributes.join(',')}]`;
}
