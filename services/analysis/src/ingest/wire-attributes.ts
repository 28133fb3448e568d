import { formatAnyValue } from './otlp-attributes.js';
import { OtlpMessages, readWireFields } from './otlp-descriptor.js';
import type { RowBuffer } from './row-buffer.js';
import {
  checkEnd,
  int64,
  readField,
  readRange,
  readVarint64,
  skipField,
  type RangeList,
  type Reader,
} from './wire-reader.js';

const KEY_VALUE = readWireFields('KeyValue', ['key', 'value']);
const ANY_VALUE = readWireFields('AnyValue', [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
]);
const KV = KEY_VALUE.id;
const AV = ANY_VALUE.id;

/** The key and value ranges of one `repeated KeyValue`, and the order to write them in. */
class Attributes {
  keyStart = new Int32Array(64);
  keyEnd = new Int32Array(64);
  /** AnyValue message range; start -1 when the KeyValue has no value. */
  valueStart = new Int32Array(64);
  valueEnd = new Int32Array(64);
  order = new Int32Array(64);
  count = 0;

  grow(): void {
    const size = this.keyStart.length * 2;
    for (const name of ['keyStart', 'keyEnd', 'valueStart', 'valueEnd', 'order'] as const) {
      const next = new Int32Array(size);
      next.set(this[name]);
      this[name] = next;
    }
  }
}

const scratch = new Attributes();

/** Parses the KeyValue messages in `list` into `scratch` (keys and value ranges, unsorted). */
function readAttributes(reader: Reader, list: RangeList): Attributes {
  const out = scratch;
  out.count = 0;
  for (let i = 0; i < list.count; i++) {
    if (out.count === out.keyStart.length) out.grow();
    const end = list.ends[i]!;
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = -1;
    reader.pos = list.starts[i]!;
    while (reader.pos < end) {
      const field = readField(reader, KEY_VALUE);
      if (field === KV.key) {
        keyStart = readRange(reader, end);
        keyEnd = reader.pos;
      } else if (field === KV.value) {
        valueStart = readRange(reader, end);
        valueEnd = reader.pos;
      } else skipField(reader);
    }
    checkEnd(reader, end);
    const n = out.count++;
    out.keyStart[n] = keyStart;
    out.keyEnd[n] = keyEnd;
    out.valueStart[n] = valueStart;
    out.valueEnd[n] = valueEnd;
  }
  return out;
}

function compareKeys(buf: Uint8Array, a: Attributes, i: number, j: number): number {
  const aStart = a.keyStart[i]!;
  const bStart = a.keyStart[j]!;
  const aLength = a.keyEnd[i]! - aStart;
  const bLength = a.keyEnd[j]! - bStart;
  const n = aLength < bLength ? aLength : bLength;
  for (let k = 0; k < n; k++) {
    const diff = buf[aStart + k]! - buf[bStart + k]!;
    if (diff !== 0) return diff;
  }
  return aLength - bLength;
}

/** Stable insertion sort of `order` by key bytes: attribute lists are short, often sorted. */
function sortByKey(buf: Uint8Array, a: Attributes): void {
  const order = a.order;
  for (let i = 0; i < a.count; i++) order[i] = i;
  for (let i = 1; i < a.count; i++) {
    const current = order[i]!;
    let j = i - 1;
    while (j >= 0 && compareKeys(buf, a, order[j]!, current) > 0) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = current;
  }
}

/**
 * Writes a `repeated KeyValue` as the entries of one Native `Map(String, String)` value: each
 * key (to `map.keys`) and the value the exporter stores (`formatAnyValue`, to `map.values`),
 * keys sorted by their bytes, a repeated key keeping its last value. Returns how many entries
 * it wrote.
 */
export function writeAttributeEntries(
  map: { keys: RowBuffer; values: RowBuffer },
  reader: Reader,
  list: RangeList,
): number {
  const buf = reader.buf;
  const attributes = readAttributes(reader, list);
  sortByKey(buf, attributes);
  const { order, count } = attributes;
  let entries = 0;
  for (let k = 0; k < count; k++) {
    const i = order[k]!;
    if (k + 1 < count && compareKeys(buf, attributes, order[k + 1]!, i) === 0) continue;
    map.keys.string(buf, attributes.keyStart[i]!, attributes.keyEnd[i]!);
    const mark = map.values.startString();
    writeAnyValue(map.values, reader, attributes.valueStart[i]!, attributes.valueEnd[i]!);
    map.values.endString(mark);
    entries++;
  }
  return entries;
}

const SERVICE_NAME = Buffer.from('service.name');

/** Writes the value of the last `service.name` attribute in `list` as bytes (none when absent). */
export function writeServiceName(out: RowBuffer, reader: Reader, list: RangeList): void {
  const buf = reader.buf;
  const attributes = readAttributes(reader, list);
  let found = -1;
  for (let i = 0; i < attributes.count; i++) {
    const start = attributes.keyStart[i]!;
    if (attributes.keyEnd[i]! - start !== SERVICE_NAME.length) continue;
    if (SERVICE_NAME.equals(buf.subarray(start, attributes.keyEnd[i]))) found = i;
  }
  if (found === -1) return;
  writeAnyValue(out, reader, attributes.valueStart[found]!, attributes.valueEnd[found]!);
}

/**
 * Writes an AnyValue `[start, end)` as the exporter's string form (see `formatAnyValue`), as
 * bytes without escaping or length (the caller frames them):
 * the same precedence when several fields are set (string, int, bool, double, array or map,
 * bytes). Arrays, maps and bytes, rare in practice, are decoded with protobufjs and formatted
 * by `formatAnyValue` itself, so both paths store them identically.
 */
export function writeAnyValue(out: RowBuffer, reader: Reader, start: number, end: number): void {
  if (start < 0) return;
  let stringStart = -1;
  let stringEnd = -1;
  let hasInt = false;
  let intLow = 0;
  let intHigh = 0;
  let bool = -1;
  let hasDouble = false;
  let double = 0;
  let hasOther = false;
  reader.pos = start;
  while (reader.pos < end) {
    const field = readField(reader, ANY_VALUE);
    if (field === AV.stringValue) {
      stringStart = readRange(reader, end);
      stringEnd = reader.pos;
    } else if (field === AV.intValue) {
      readVarint64(reader);
      hasInt = true;
      intLow = int64.low;
      intHigh = int64.high;
    } else if (field === AV.boolValue) {
      bool = reader.bool() ? 1 : 0;
    } else if (field === AV.doubleValue) {
      hasDouble = true;
      double = reader.double();
    } else {
      if (field === AV.arrayValue || field === AV.kvlistValue || field === AV.bytesValue) {
        hasOther = true;
      }
      skipField(reader);
    }
  }
  checkEnd(reader, end);
  if (stringStart >= 0) out.copy(reader.buf, stringStart, stringEnd);
  else if (hasInt) writeInt64(out, intLow, intHigh);
  else if (bool >= 0) out.ascii(bool === 1 ? 'true' : 'false');
  else if (hasDouble) out.ascii(formatDouble(double));
  else if (hasOther) {
    const message = OtlpMessages.anyValue.decode(reader.buf.subarray(start, end));
    const text = Buffer.from(formatAnyValue(message), 'utf8');
    out.copy(text, 0, text.length);
  }
}

function formatDouble(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n);
}

/** A signed 64-bit integer from its two 32-bit halves, in decimal. */
function writeInt64(out: RowBuffer, low: number, high: number): void {
  if (high === 0) out.uint(low);
  else if (high === 0xffffffff && low !== 0) {
    out.byte(MINUS);
    out.uint(0x100000000 - low);
  } else {
    out.ascii(BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)).toString());
  }
}

const MINUS = 0x2d;
