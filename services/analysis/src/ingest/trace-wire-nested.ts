import type { RowBuffer } from './row-buffer.js';
import type { TraceBlock } from './trace-native-block.js';
import { writeAttributeEntries } from './wire-attributes.js';
import {
  checkEnd,
  int64,
  RangeList,
  readField,
  readFixed64,
  readRange,
  skipField,
  type Reader,
} from './wire-reader.js';
import { readWireFields } from './otlp-descriptor.js';

/**
 * The nested parts of a span row (events, links) and the column writers `trace-wire-rows.ts`
 * shares with them. Module-level scratch objects: the walker is synchronous.
 */

const EVENT = readWireFields('SpanEvent', ['timeUnixNano', 'name', 'attributes']);
const LINK = readWireFields('SpanLink', ['traceId', 'spanId', 'traceState', 'attributes']);

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
export function writeEvents(reader: Reader, block: TraceBlock, events: RangeList): void {
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
export function linksAreValid(reader: Reader, links: RangeList): boolean {
  for (let i = 0; i < links.count; i++) {
    readLink(reader, links.starts[i]!, links.ends[i]!);
    const traceId = link.traceIdEnd - link.traceIdStart;
    const spanId = link.spanIdEnd - link.spanIdStart;
    if ((traceId !== 0 && traceId !== 16) || (spanId !== 0 && spanId !== 8)) return false;
  }
  return true;
}

/** `Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`. */
export function writeLinks(reader: Reader, block: TraceBlock, links: RangeList): void {
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

/**
 * A fixed64 time as `DateTime64(9)` (Int64 ns), clamped to its last instant
 * (2262-04-11 23:47:16.854775807, as `clampDateTime64`): later times would fail the insert.
 */
export function writeTime(buffer: RowBuffer, low: number, high: number): void {
  if (high > 0x7fffffff) buffer.int64(0xffffffff, 0x7fffffff);
  else buffer.int64(low, high);
}

/**
 * `Duration` as UInt64: the double the JSON path computes too (exact below 2^53 ns, 104 days;
 * past that the double's value, as the text formats stored it).
 */
export function writeDuration(buffer: RowBuffer, duration: number): void {
  if (duration >= 2 ** 64) {
    buffer.int64(0xffffffff, 0xffffffff);
    return;
  }
  const high = Math.floor(duration / 2 ** 32);
  buffer.int64(duration - high * 2 ** 32, high);
}

/** An id as a Native string of lowercase hex. */
export function writeHex(buffer: RowBuffer, src: Uint8Array, start: number, end: number): void {
  buffer.varint(2 * (end - start));
  buffer.hex(src, start, end);
}

/** A constant (ASCII) as a Native string. */
export function writeAscii(buffer: RowBuffer, text: string): void {
  buffer.varint(text.length);
  buffer.ascii(text);
}

/** Appends everything written to `src`. */
export function copyAll(buffer: RowBuffer, src: RowBuffer): void {
  buffer.copy(src.buf, 0, src.pos);
}
