import protobuf from 'protobufjs';
import type { WireFields } from './otlp-descriptor.js';

/**
 * Helpers for walking protobuf wire format with protobufjs's `Reader` without building message
 * objects: sub-messages and strings are handled as byte ranges `[start, end)` of the body.
 * Every helper throws `WireError` on a truncated or inconsistent body (a 400 for the caller).
 */
export type Reader = protobuf.Reader;

export class WireError extends Error {
  override readonly name = 'WireError';
}

/** A reader over `body` (protobufjs's Buffer-backed reader on Node). */
export function createReader(body: Uint8Array): Reader {
  return protobuf.Reader.create(body);
}

/**
 * Reads a tag and returns its field number (remembering it and its wire type for `skipField`).
 * A declared field sent with another wire type is an error; undeclared fields are for skipping.
 */
export function readField(reader: Reader, fields: WireFields<string>): number {
  const tag = reader.tag();
  const field = tag >>> 3;
  const wireType = tag & 7;
  lastWireType = wireType;
  lastField = field;
  const expected = field < fields.wireType.length ? fields.wireType[field]! : -1;
  if (expected !== -1 && expected !== wireType) {
    throw new WireError(
      `field ${field} of ${fields.message} has wire type ${wireType}, expected ${expected}`,
    );
  }
  return field;
}

/** Wire type and field number of the tag `readField` read last (for `skipField`). */
let lastWireType = 0;
let lastField = 0;

/** Skips the value of the field just read (field number 0 is an error, as in protobufjs). */
export function skipField(reader: Reader): void {
  reader.skipType(lastWireType, 0, lastField);
}

/**
 * Reads a length-delimited field's length and skips its bytes; returns where they start
 * (`reader.pos` is then where they end). Throws when they run past `limit`.
 */
export function readRange(reader: Reader, limit: number): number {
  const length = reader.uint32();
  const start = reader.pos;
  if (start + length > limit) {
    throw new WireError(`a field of ${length} bytes at offset ${start} runs past its message`);
  }
  reader.pos = start + length;
  return start;
}

/** Checks that a message's fields ended exactly at its declared end. */
export function checkEnd(reader: Reader, end: number): void {
  if (reader.pos !== end) {
    throw new WireError(`a field at offset ${reader.pos} runs past its message (ends ${end})`);
  }
}

/** Low and high 32 bits of the last 64-bit value read (`readFixed64`, `readVarint64`). */
export const int64 = { low: 0, high: 0 };

/** Reads a fixed64 (little-endian) into `int64` without allocating. */
export function readFixed64(reader: Reader): void {
  int64.low = reader.fixed32();
  int64.high = reader.fixed32();
}

/** Reads a 64-bit varint (int64/uint64) into `int64` without allocating a Long; at most 10 bytes, 64 bits. */
export function readVarint64(reader: Reader): void {
  const buf = reader.buf;
  const len = reader.len;
  let pos = reader.pos;
  let low = 0;
  let high: number;
  let byte: number;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw new WireError('truncated varint');
    byte = buf[pos++]!;
    low |= (byte & 127) << shift;
    if (byte < 128) return finishVarint(reader, pos, low, 0);
  }
  if (pos >= len) throw new WireError('truncated varint');
  byte = buf[pos++]!;
  low |= (byte & 15) << 28;
  high = (byte & 127) >> 4;
  if (byte < 128) return finishVarint(reader, pos, low, high);
  for (let shift = 3; shift < 31; shift += 7) {
    if (pos >= len) throw new WireError('truncated varint');
    byte = buf[pos++]!;
    high |= (byte & 127) << shift;
    if (byte < 128) return finishVarint(reader, pos, low, high);
  }
  // The tenth byte holds bit 63 only: more would be dropped silently (Go's protowire refuses too).
  if (pos >= len) throw new WireError('truncated varint');
  byte = buf[pos++]!;
  if (byte > 1) throw new WireError(`a varint at offset ${reader.pos} overflows 64 bits`);
  return finishVarint(reader, pos, low, high | (byte << 31));
}

function finishVarint(reader: Reader, pos: number, low: number, high: number): void {
  reader.pos = pos;
  int64.low = low >>> 0;
  int64.high = high >>> 0;
}

/** Growable list of byte ranges (the occurrences of a repeated message field). */
export class RangeList {
  starts = new Int32Array(32);
  ends = new Int32Array(32);
  count = 0;

  push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}
