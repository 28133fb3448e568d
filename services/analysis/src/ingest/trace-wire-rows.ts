import { readWireFields } from './otlp-descriptor.js';
import { splitNanos, type Nanos } from './otlp-values.js';
import { RowBuffer } from './row-buffer.js';
import { TraceBlock } from './trace-native-block.js';
import {
  copyAll,
  linksAreValid,
  writeAscii,
  writeDuration,
  writeEvents,
  writeHex,
  writeLinks,
  writeTime,
} from './trace-wire-nested.js';
import { checkSpanEnums, recordRejection, SPAN_KINDS, STATUS_CODES } from './trace-rows.js';
import { writeAttributeEntries, writeServiceName } from './wire-attributes.js';
import {
  checkEnd,
  createReader,
  int64,
  RangeList,
  readField,
  readFixed64,
  readRange,
  skipField,
  type Reader,
} from './wire-reader.js';

/** Rows of one table as one ClickHouse Native block (`TRACE_COLUMNS`; empty when no rows). */
export interface EncodedTableRows {
  /** A view of the writer's reused buffer: valid until the next call (the queue copies it). */
  body: Buffer;
  rows: number;
  /** Items dropped (invalid ids): reported as `partial_success`, never stored. */
  rejected: number;
  /** Why the first rejected item was rejected. */
  rejectReason: string;
}

const OUT_BYTES = 1 << 20;
const REQUEST = readWireFields('ExportTraceServiceRequest', ['resourceSpans']);
const RESOURCE_SPANS = readWireFields('ResourceSpans', ['resource', 'scopeSpans']);
const RESOURCE = readWireFields('Resource', ['attributes']);
const SCOPE_SPANS = readWireFields('ScopeSpans', ['scope', 'spans']);
const SCOPE = readWireFields('InstrumentationScope', ['name', 'version']);
const SPAN = readWireFields('Span', [
  'traceId',
  'spanId',
  'traceState',
  'parentSpanId',
  'name',
  'kind',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'attributes',
  'events',
  'links',
  'status',
]);
const STATUS = readWireFields('Status', ['message', 'code']);

let out = new RowBuffer(OUT_BYTES);
const block = new TraceBlock();
const resourceAttributes = new RangeList();
/** ServiceName, ResourceAttributes, ScopeName, ScopeVersion: encoded once, copied per span. */
const shared = {
  serviceName: new RowBuffer(1 << 8),
  keys: new RowBuffer(1 << 12),
  values: new RowBuffer(1 << 12),
  entries: 0,
  scopeName: new RowBuffer(1 << 8),
  scopeVersion: new RowBuffer(1 << 8),
};

/**
 * Walks an ExportTraceServiceRequest in protobuf wire format and writes its spans straight into
 * one ClickHouse Native block of `otel_traces` rows (`TRACE_COLUMNS`, see `TraceBlock`), with
 * the same values and the same rejections as `mapTraceRequest` on the decoded message. Throws
 * `WireError` for a body that is not a valid message (truncated, wrong wire types).
 */
export function writeTraceRows(body: Uint8Array): EncodedTableRows {
  const reader = createReader(body);
  const result = { rows: 0, rejected: 0, rejectReason: '' };
  // The previous call's view has been copied by now; let go of memory one huge request grew.
  if (out.buf.length > 16 * OUT_BYTES) out = new RowBuffer(OUT_BYTES);
  out.pos = 0;
  block.reset();
  let r = 0;
  const end = reader.len;
  while (reader.pos < end) {
    if (readField(reader, REQUEST) !== REQUEST.id.resourceSpans) {
      skipField(reader);
      continue;
    }
    const start = readRange(reader, end);
    const next = reader.pos;
    writeResourceSpans(reader, start, next, `/resourceSpans/${r++}`, result);
    reader.pos = next;
  }
  checkEnd(reader, end);
  if (result.rows > 0) block.finish(out, result.rows);
  return { body: out.buf.subarray(0, out.pos), ...result };
}

type Outcome = { rows: number; rejected: number; rejectReason: string };

function writeResourceSpans(
  reader: Reader,
  start: number,
  end: number,
  where: string,
  result: Outcome,
): void {
  // Pass 1: the resource (fields may come in any order); pass 2: each ScopeSpans.
  resourceAttributes.count = 0;
  reader.pos = start;
  while (reader.pos < end) {
    if (readField(reader, RESOURCE_SPANS) !== RESOURCE_SPANS.id.resource) {
      skipField(reader);
      continue;
    }
    const resourceStart = readRange(reader, end);
    const resourceEnd = reader.pos;
    resourceAttributes.count = 0;
    collectRepeated(
      reader,
      resourceStart,
      resourceEnd,
      RESOURCE,
      RESOURCE.id.attributes,
      resourceAttributes,
    );
    reader.pos = resourceEnd;
  }
  checkEnd(reader, end);
  shared.serviceName.pos = shared.keys.pos = shared.values.pos = 0;
  const mark = shared.serviceName.startString();
  writeServiceName(shared.serviceName, reader, resourceAttributes);
  shared.serviceName.endString(mark);
  shared.entries = writeAttributeEntries(shared, reader, resourceAttributes);
  let s = 0;
  reader.pos = start;
  while (reader.pos < end) {
    if (readField(reader, RESOURCE_SPANS) !== RESOURCE_SPANS.id.scopeSpans) {
      skipField(reader);
      continue;
    }
    const scopeStart = readRange(reader, end);
    const next = reader.pos;
    writeScopeSpans(reader, scopeStart, next, `${where}/scopeSpans/${s++}`, result);
    reader.pos = next;
  }
}

/** Adds each occurrence of message field `field` in `[start, end)` to `list`. */
function collectRepeated(
  reader: Reader,
  start: number,
  end: number,
  fields: Parameters<typeof readField>[1],
  field: number,
  list: RangeList,
): void {
  reader.pos = start;
  while (reader.pos < end) {
    if (readField(reader, fields) !== field) {
      skipField(reader);
      continue;
    }
    const itemStart = readRange(reader, end);
    list.push(itemStart, reader.pos);
  }
  checkEnd(reader, end);
}

function writeScopeSpans(
  reader: Reader,
  start: number,
  end: number,
  where: string,
  result: Outcome,
): void {
  let nameStart = 0;
  let nameEnd = 0;
  let versionStart = 0;
  let versionEnd = 0;
  reader.pos = start;
  while (reader.pos < end) {
    if (readField(reader, SCOPE_SPANS) !== SCOPE_SPANS.id.scope) {
      skipField(reader);
      continue;
    }
    const scopeStart = readRange(reader, end);
    const scopeEnd = reader.pos;
    reader.pos = scopeStart;
    while (reader.pos < scopeEnd) {
      const field = readField(reader, SCOPE);
      if (field === SCOPE.id.name) {
        nameStart = readRange(reader, scopeEnd);
        nameEnd = reader.pos;
      } else if (field === SCOPE.id.version) {
        versionStart = readRange(reader, scopeEnd);
        versionEnd = reader.pos;
      } else skipField(reader);
    }
    checkEnd(reader, scopeEnd);
  }
  checkEnd(reader, end);
  shared.scopeName.pos = shared.scopeVersion.pos = 0;
  shared.scopeName.string(reader.buf, nameStart, nameEnd);
  shared.scopeVersion.string(reader.buf, versionStart, versionEnd);
  let i = 0;
  reader.pos = start;
  while (reader.pos < end) {
    if (readField(reader, SCOPE_SPANS) !== SCOPE_SPANS.id.spans) {
      skipField(reader);
      continue;
    }
    const spanStart = readRange(reader, end);
    const next = reader.pos;
    const reason = writeSpan(reader, spanStart, next);
    if (reason === undefined) result.rows++;
    else recordRejection(result, `${where}/spans/${i}: ${reason}`);
    i++;
    reader.pos = next;
  }
}

/** One span's fields as byte ranges and numbers (reused: the walker is synchronous). */
const span = {
  traceIdStart: 0,
  traceIdEnd: 0,
  spanIdStart: 0,
  spanIdEnd: 0,
  parentStart: 0,
  parentEnd: 0,
  stateStart: 0,
  stateEnd: 0,
  nameStart: 0,
  nameEnd: 0,
  kind: 0,
  startLow: 0,
  startHigh: 0,
  endLow: 0,
  endHigh: 0,
  statusCode: 0,
  statusMessageStart: 0,
  statusMessageEnd: 0,
  attributes: new RangeList(),
  events: new RangeList(),
  links: new RangeList(),
};

function readSpan(reader: Reader, start: number, end: number): void {
  span.traceIdStart = span.traceIdEnd = span.spanIdStart = span.spanIdEnd = 0;
  span.parentStart = span.parentEnd = span.stateStart = span.stateEnd = 0;
  span.nameStart = span.nameEnd = span.kind = 0;
  span.startLow = span.startHigh = span.endLow = span.endHigh = 0;
  span.statusCode = span.statusMessageStart = span.statusMessageEnd = 0;
  span.attributes.count = span.events.count = span.links.count = 0;
  const F = SPAN.id;
  reader.pos = start;
  while (reader.pos < end) {
    const field = readField(reader, SPAN);
    if (field === F.attributes) {
      const s = readRange(reader, end);
      span.attributes.push(s, reader.pos);
    } else if (field === F.traceId) {
      span.traceIdStart = readRange(reader, end);
      span.traceIdEnd = reader.pos;
    } else if (field === F.spanId) {
      span.spanIdStart = readRange(reader, end);
      span.spanIdEnd = reader.pos;
    } else if (field === F.parentSpanId) {
      span.parentStart = readRange(reader, end);
      span.parentEnd = reader.pos;
    } else if (field === F.traceState) {
      span.stateStart = readRange(reader, end);
      span.stateEnd = reader.pos;
    } else if (field === F.name) {
      span.nameStart = readRange(reader, end);
      span.nameEnd = reader.pos;
    } else if (field === F.kind) {
      span.kind = reader.int32();
    } else if (field === F.startTimeUnixNano) {
      readFixed64(reader);
      span.startLow = int64.low;
      span.startHigh = int64.high;
    } else if (field === F.endTimeUnixNano) {
      readFixed64(reader);
      span.endLow = int64.low;
      span.endHigh = int64.high;
    } else if (field === F.events) {
      const s = readRange(reader, end);
      span.events.push(s, reader.pos);
    } else if (field === F.links) {
      const s = readRange(reader, end);
      span.links.push(s, reader.pos);
    } else if (field === F.status) {
      const statusStart = readRange(reader, end);
      readStatus(reader, statusStart, reader.pos);
    } else skipField(reader);
  }
  checkEnd(reader, end);
}

/** `Status.code` and the byte range of `Status.message` (the last status field wins). */
function readStatus(reader: Reader, start: number, end: number): void {
  span.statusCode = span.statusMessageStart = span.statusMessageEnd = 0;
  reader.pos = start;
  while (reader.pos < end) {
    const field = readField(reader, STATUS);
    if (field === STATUS.id.code) span.statusCode = reader.int32();
    else if (field === STATUS.id.message) {
      span.statusMessageStart = readRange(reader, end);
      span.statusMessageEnd = reader.pos;
    } else skipField(reader);
  }
  checkEnd(reader, end);
}

/** Writes one span's row; returns why it was rejected instead (nothing written then). */
function writeSpan(reader: Reader, start: number, end: number): string | undefined {
  readSpan(reader, start, end);
  if (span.traceIdEnd - span.traceIdStart !== 16) return 'traceId must be 16 bytes (32 hex digits)';
  if (span.spanIdEnd - span.spanIdStart !== 8) return 'spanId must be 8 bytes (16 hex digits)';
  const parentLength = span.parentEnd - span.parentStart;
  if (parentLength !== 0 && parentLength !== 8) return 'parentSpanId must be empty or 8 bytes';
  if (!linksAreValid(reader, span.links)) return 'a link has an invalid traceId or spanId';
  const enumProblem = checkSpanEnums(span.kind, span.statusCode);
  if (enumProblem !== undefined) return enumProblem;
  const buf = reader.buf;
  writeTime(block.timestamp, span.startLow, span.startHigh);
  splitNanos(span.startHigh, span.startLow, time);
  const startSec = time.sec;
  const startNs = time.ns;
  writeHex(block.traceId, buf, span.traceIdStart, span.traceIdEnd);
  writeHex(block.spanId, buf, span.spanIdStart, span.spanIdEnd);
  writeHex(block.parentSpanId, buf, span.parentStart, span.parentEnd);
  block.traceState.string(buf, span.stateStart, span.stateEnd);
  block.spanName.string(buf, span.nameStart, span.nameEnd);
  writeAscii(block.spanKind, SPAN_KINDS[span.kind]!);
  copyAll(block.serviceName, shared.serviceName);
  copyAll(block.resourceAttributes.keys, shared.keys);
  copyAll(block.resourceAttributes.values, shared.values);
  block.resourceAttributes.endMap(shared.entries);
  copyAll(block.scopeName, shared.scopeName);
  copyAll(block.scopeVersion, shared.scopeVersion);
  block.spanAttributes.endMap(writeAttributeEntries(block.spanAttributes, reader, span.attributes));
  splitNanos(span.endHigh, span.endLow, time);
  const duration = (time.sec - startSec) * 1e9 + (time.ns - startNs);
  writeDuration(block.duration, duration > 0 ? duration : 0);
  writeStatus(reader);
  writeEvents(reader, block, span.events);
  writeLinks(reader, block, span.links);
  return undefined;
}

/** `StatusCode` and `StatusMessage`. */
function writeStatus(reader: Reader): void {
  writeAscii(block.statusCode, STATUS_CODES[span.statusCode]!);
  block.statusMessage.string(reader.buf, span.statusMessageStart, span.statusMessageEnd);
}

/** Whole seconds and nanoseconds of the last split time (no allocation per timestamp). */
const time: Nanos = { sec: 0, ns: 0 };
