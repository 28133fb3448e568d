import {
  OtlpInputError,
  readArray,
  readBool,
  readDouble,
  readInt64Text,
  readObject,
  readString,
  rethrowAt,
} from './otlp-values.js';

/**
 * Attribute values as the collector's ClickHouse exporter stores them (pcommon `AsString`):
 * strings as is, booleans `true`/`false`, integers in decimal, doubles in shortest (ES6) form,
 * arrays and maps as JSON, bytes as base64, an empty value as ''.
 */
export function formatAnyValue(value: unknown): string {
  const v = readObject(value, 'value');
  if (v === undefined) return '';
  if (has(v, 'stringValue')) return readString(v.stringValue, 'stringValue');
  if (has(v, 'intValue')) return readInt64Text(v.intValue, 'intValue');
  if (has(v, 'boolValue')) return readBool(v.boolValue, 'boolValue') ? 'true' : 'false';
  if (has(v, 'doubleValue')) return formatDouble(readDouble(v.doubleValue, 'doubleValue'));
  if (has(v, 'arrayValue') || has(v, 'kvlistValue')) return anyValueJson(v);
  if (has(v, 'bytesValue')) return readBytesBase64(v.bytesValue);
  return '';
}

function has(object: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== null && object[key] !== undefined;
}

function formatDouble(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n);
}

function readBytesBase64(value: unknown): string {
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
  }
  return readString(value, 'bytesValue');
}

/** An AnyValue as raw JSON (the form arrays and maps are stored in). */
function anyValueJson(value: unknown): string {
  const v = readObject(value, 'value');
  if (v === undefined) return 'null';
  if (has(v, 'stringValue')) return JSON.stringify(readString(v.stringValue, 'stringValue'));
  if (has(v, 'intValue')) return readInt64Text(v.intValue, 'intValue');
  if (has(v, 'boolValue')) return readBool(v.boolValue, 'boolValue') ? 'true' : 'false';
  if (has(v, 'doubleValue')) {
    const n = readDouble(v.doubleValue, 'doubleValue');
    return Number.isFinite(n) ? String(n) : JSON.stringify(formatDouble(n));
  }
  if (has(v, 'arrayValue')) {
    const array = readObject(v.arrayValue, 'arrayValue');
    const items = readArray(array?.values, 'arrayValue/values');
    return `[${items.map((item, i) => nested(() => anyValueJson(item), `/arrayValue/values/${i}`)).join(',')}]`;
  }
  if (has(v, 'kvlistValue')) {
    const list = readObject(v.kvlistValue, 'kvlistValue');
    const pairs = readArray(list?.values, 'kvlistValue/values');
    const members = pairs.map((pair, i) =>
      nested(() => {
        const kv = readObject(pair, 'keyValue') ?? {};
        return `${JSON.stringify(readString(kv.key, 'key'))}:${anyValueJson(kv.value)}`;
      }, `/kvlistValue/values/${i}`),
    );
    return `{${members.join(',')}}`;
  }
  if (has(v, 'bytesValue')) return JSON.stringify(readBytesBase64(v.bytesValue));
  return 'null';
}

function nested<T>(read: () => T, pointer: string): T {
  try {
    return read();
  } catch (error) {
    return rethrowAt(error, pointer);
  }
}

/**
 * A `repeated KeyValue` as the JSON text of a `Map(LowCardinality(String), String)` value,
 * keys sorted (as the exporter sorts them); a repeated key keeps its last value.
 */
export function attributesJson(list: unknown, key: string): string {
  const pairs = readArray(list, key);
  if (pairs.length === 0) return '{}';
  const entries: [string, string][] = [];
  for (let i = 0; i < pairs.length; i++) {
    try {
      const kv = readObject(pairs[i], 'keyValue');
      if (kv === undefined) throw new OtlpInputError('a KeyValue must be an object', '');
      entries.push([readString(kv.key, 'key'), formatAnyValue(kv.value)]);
    } catch (error) {
      rethrowAt(error, `/${key}/${i}`);
    }
  }
  entries.sort(compareKeys);
  let json = '{';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    if (i + 1 < entries.length && entries[i + 1]![0] === k) continue;
    json += `${json.length > 1 ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return `${json}}`;
}

function compareKeys(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** The string form of one attribute (e.g. the resource's `service.name`), '' when absent. */
export function findAttribute(list: unknown, name: string): string {
  const pairs = readArray(list, 'attributes');
  let found = '';
  for (const pair of pairs) {
    const kv = readObject(pair, 'keyValue');
    if (kv !== undefined && kv.key === name) found = formatAnyValue(kv.value);
  }
  return found;
}
