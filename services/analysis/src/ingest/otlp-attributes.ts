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
  const n = pairs.length;
  if (n === 0) return '{}';
  const keys = new Array<string>(n);
  const values = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    try {
      const kv = readObject(pairs[i], 'keyValue');
      if (kv === undefined) throw new OtlpInputError('a KeyValue must be an object', '');
      keys[i] = readString(kv.key, 'key');
      values[i] = formatAnyValue(kv.value);
    } catch (error) {
      rethrowAt(error, `/${key}/${i}`);
    }
  }
  sortByKey(keys, values);
  let json = '{';
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && keys[i + 1] === keys[i]) continue;
    json += `${i > 0 && json.length > 1 ? ',' : ''}${JSON.stringify(keys[i])}:${JSON.stringify(values[i])}`;
  }
  return `${json}}`;
}

/** Stable insertion sort of parallel arrays: attribute lists are short and often nearly sorted. */
function sortByKey(keys: string[], values: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    if (keys[i - 1]! <= k) continue;
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      values[j + 1] = values[j]!;
      j--;
    }
    keys[j + 1] = k;
    values[j + 1] = v;
  }
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
