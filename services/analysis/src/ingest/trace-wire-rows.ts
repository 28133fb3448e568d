import { readWireFields } from './otlp-descriptor.js';
import { splitNanos, type Nanos } from './otlp-values.js';
import { RowBuffer } from './row-buffer.js';
import { TraceBlock } from './trace-native-block.js';
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
const EVENT = readWireFields('SpanEvent', ['timeUnixNano', 'name', 'attributes']);
const LINK = readWireFields('SpanLink', ['traceId', 'spanId', 'traceState', 'attributes']);

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
  if (!linksAreValid(reader)) return 'a link has an invalid traceId or spanId';
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
  writeEvents(reader);
  writeLinks(reader);
  return undefined;
}

/** `StatusCode` and `StatusMessage`. */
function writeStatus(reader: Reader): void {
  writeAscii(block.statusCode, STATUS_CODES[span.statusCode]!);
  block.statusMessage.string(reader.buf, span.statusMessageStart, span.statusMessageEnd);
}

const event = { timeLow: 0, timeHigh: 0, nameStart: 0, nameEnd: 0, attributes: new RangeList() };

function readEvent(reader: Reader, start: number, end: number): void {
  event.timeLow = event.timeHigh = event.nameStart = event.nameEnd = 0;
  event.attributes.count = 0;
  reader.pos = start;
  while (reader.pos < end) {
    const field = readField(reader, EVENT);
    if (field === EVENT.id.timeUnixNano) {
      readFixed64(reader);
      event.timeLow = int64.low;
      event.timeHigh = int64.high;
    } else if (field === EVENT.id.name) {
      event.nameStart = readRange(reader, end);
      event.nameEnd = reader.pos;
    } else if (field === EVENT.id.attributes) {
      const s = readRange(reader, end);
      event.attributes.push(s, reader.pos);
    } else skipField(reader);
  }
  checkEnd(reader, end);
}

/** `Events.Timestamp`, `Events.Name`, `Events.Attributes`: one element each per event. */
function writeEvents(reader: Reader): void {
  const events = span.events;
  for (let i = 0; i < events.count; i++) {
    readEvent(reader, events.starts[i]!, events.ends[i]!);
    writeTime(block.eventTimestamp, event.timeLow, event.timeHigh);
    block.eventName.string(reader.buf, event.nameStart, event.nameEnd);
    const attributes = block.eventAttributes;
    attributes.endMap(writeAttributeEntries(attributes, reader, event.attributes));
  }
  block.events.endArray(events.count);
}

const link = {
  traceIdStart: 0,
  traceIdEnd: 0,
  spanIdStart: 0,
  spanIdEnd: 0,
  stateStart: 0,
  stateEnd: 0,
  attributes: new RangeList(),
};

function readLink(reader: Reader, start: number, end: number): void {
  link.traceIdStart = link.traceIdEnd = link.spanIdStart = link.spanIdEnd = 0;
  link.stateStart = link.stateEnd = 0;
  link.attributes.count = 0;
  reader.pos = start;
  while (reader.pos < end) {
    const field = readField(reader, LINK);
    if (field === LINK.id.traceId) {
      link.traceIdStart = readRange(reader, end);
      link.traceIdEnd = reader.pos;
    } else if (field === LINK.id.spanId) {
      link.spanIdStart = readRange(reader, end);
      link.spanIdEnd = reader.pos;
    } else if (field === LINK.id.traceState) {
      link.stateStart = readRange(reader, end);
      link.stateEnd = reader.pos;
    } else if (field === LINK.id.attributes) {
      const s = readRange(reader, end);
      link.attributes.push(s, reader.pos);
    } else skipField(reader);
  }
  checkEnd(reader, end);
}

/** Link ids must be empty or of the right length (as `readId` decides for the old path). */
function linksAreValid(reader: Reader): boolean {
  for (let i = 0; i < span.links.count; i++) {
    readLink(reader, span.links.starts[i]!, span.links.ends[i]!);
    const traceId = link.traceIdEnd - link.traceIdStart;
    const spanId = link.spanIdEnd - link.spanIdStart;
    if ((traceId !== 0 && traceId !== 16) || (spanId !== 0 && spanId !== 8)) return false;
  }
  return true;
}

/** `Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`. */
function writeLinks(reader: Reader): void {
  const links = span.links;
  for (let i = 0; i < links.count; i++) {
    readLink(reader, links.starts[i]!, links.ends[i]!);
    writeHex(block.linkTraceId, reader.buf, link.traceIdStart, link.traceIdEnd);
    writeHex(block.linkSpanId, reader.buf, link.spanIdStart, link.spanIdEnd);
    block.linkTraceState.string(reader.buf, link.stateStart, link.stateEnd);
    const attributes = block.linkAttributes;
    attributes.endMap(writeAttributeEntries(attributes, reader, link.attributes));
  }
  block.links.endArray(links.count);
}

/** Whole seconds and nanoseconds of the last split time (no allocation per timestamp). */
const time: Nanos = { sec: 0, ns: 0 };

/**
 * A fixed64 time as `DateTime64(9)` (Int64 ns), clamped to its last instant
 * (2262-04-11 23:47:16.854775807, as `clampDateTime64`): later times would fail the insert.
 */
function writeTime(buffer: RowBuffer, low: number, high: number): void {
  if (high > 0x7fffffff) buffer.int64(0xffffffff, 0x7fffffff);
  else buffer.int64(low, high);
}

/**
 * `Duration` as UInt64: the double the JSON path computes too (exact below 2^53 ns, 104 days;
 * past that the double's value, as the text formats stored it).
 */
function writeDuration(buffer: RowBuffer, duration: number): void {
  if (duration >= 2 ** 64) {
    buffer.int64(0xffffffff, 0xffffffff);
    return;
  }
  const high = Math.floor(duration / 2 ** 32);
  buffer.int64(duration - high * 2 ** 32, high);
}

/** An id as a Native string of lowercase hex. */
function writeHex(buffer: RowBuffer, src: Uint8Array, start: number, end: number): void {
  buffer.varint(2 * (end - start));
  buffer.hex(src, start, end);
}

/** A constant (ASCII) as a Native string. */
function writeAscii(buffer: RowBuffer, text: string): void {
  buffer.varint(text.length);
  buffer.ascii(text);
}

/** Appends everything written to `src`. */
function copyAll(buffer: RowBuffer, src: RowBuffer): void {
  buffer.copy(src.buf, 0, src.pos);
}
