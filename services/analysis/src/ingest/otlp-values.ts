/**
 * Readers for OTLP field values that arrive in two shapes: protobufjs messages (ids as bytes,
 * 64-bit integers as Long) and parsed OTLP/JSON (ids as hex, 64-bit integers as strings or
 * numbers). Each reader validates its input and formats it as the collector's ClickHouse
 * exporter writes it (REFERENCE §2, §3.5). Wrong types throw `OtlpInputError` with a JSON pointer.
 */

/** A malformed request body: the whole request is answered 400. `pointer` says where. */
export class OtlpInputError extends Error {
  override readonly name = 'OtlpInputError';
  pointer: string;
  constructor(message: string, pointer = '') {
    super(message);
    this.pointer = pointer;
  }
}

/** Re-throws `error` with `prefix` prepended to its pointer (callers add their index on the way out). */
export function rethrowAt(error: unknown, prefix: string): never {
  if (error instanceof OtlpInputError) error.pointer = prefix + error.pointer;
  throw error;
}

/** Calls `visit` on each item of the array at `key`; an input error inside it gets `/key/index` prepended. */
export function forEachItem(
  value: unknown,
  key: string,
  visit: (item: unknown, index: number) => void,
): void {
  const items = readArray(value, key);
  for (let i = 0; i < items.length; i++) {
    try {
      visit(items[i], i);
    } catch (error) {
      rethrowAt(error, `/${key}/${i}`);
    }
  }
}

/** The Long shape protobufjs decodes 64-bit fields into (`long` package). */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
  toNumber(): number;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

function isLong(value: unknown): value is LongLike {
  return typeof value === 'object' && value !== null && 'low' in value && 'high' in value;
}

function fail(key: string, what: string, value: unknown): never {
  const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  throw new OtlpInputError(`${key} must be ${what}, got ${got}`, `/${key}`);
}

export function readArray(value: unknown, key: string): readonly unknown[] {
  if (value === undefined || value === null) return EMPTY;
  if (Array.isArray(value)) return value;
  return fail(key, 'an array', value);
}

export function readObject(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return fail(key, 'an object', value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function readString(value: unknown, key: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value))
      throw new OtlpInputError(`${key} must be well-formed text, got a lone surrogate`, `/${key}`);
    return value;
  }
  return fail(key, 'a string', value);
}

/** Enums and 32-bit integers: numbers only (OTLP/JSON forbids enum names). */
export function readInt(value: unknown, key: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return fail(key, 'an integer (OTLP/JSON enums are integers, not names)', value);
}

export function readBool(value: unknown, key: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  return fail(key, 'a boolean', value);
}

/** Doubles: JSON numbers, or the proto3 JSON strings "NaN", "Infinity", "-Infinity". */
export function readDouble(value: unknown, key: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return fail(key, 'a number', value);
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex: '' when absent, `undefined` when present with the wrong
 * length (the item is then rejected, not the request). Bytes from protobuf, hex from JSON.
 */
export function readId(value: unknown, key: string, bytes: 8 | 16): string | undefined {
  if (value === undefined || value === null) return '';
  if (value instanceof Uint8Array) {
    if (value.length === 0) return '';
    if (value.length !== bytes) return undefined;
    return Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex');
  }
  if (typeof value === 'string') {
    if (value.length === 0) return '';
    if (value.length !== bytes * 2 || !HEX.test(value)) return undefined;
    return value.toLowerCase();
  }
  // protobufjs leaves an absent bytes field as its prototype default, an empty array.
  if (Array.isArray(value) && value.length === 0) return '';
  return fail(key, 'a hex string', value);
}

/** A point in time split exactly into whole seconds and nanoseconds (ns times exceed 2^53). */
export interface Nanos {
  sec: number;
  ns: number;
}

const ZERO_TIME: Nanos = Object.freeze({ sec: 0, ns: 0 });
const DIGITS = /^\d{1,20}$/;

/** Reads a fixed64 `*UnixNano` field: a Long (protobuf), a decimal string or a number (JSON). */
export function readNanos(value: unknown, key: string): Nanos {
  if (value === undefined || value === null || value === 0) return ZERO_TIME;
  if (isLong(value)) return splitNanos(value.high >>> 0, value.low >>> 0, { sec: 0, ns: 0 });
  if (typeof value === 'string' && DIGITS.test(value)) {
    if (value.length <= 9) return { sec: 0, ns: Number(value) };
    return { sec: Number(value.slice(0, -9)), ns: Number(value.slice(-9)) };
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    return readNanos(BigInt(value).toString(), key);
  }
  return fail(key, 'a decimal string of nanoseconds', value);
}

/**
 * Divides high·2^32 + low (unsigned 32-bit halves) by 1e9 exactly into `into`, and returns it:
 * float estimate, then an exact 32-bit correction. Hot paths pass a reused object.
 */
export function splitNanos(high: number, low: number, into: Nanos): Nanos {
  let sec = Math.floor((high * 4294967296 + low) / 1e9);
  // The true remainder is within ±2^31 of the estimate's, so its low 32 bits determine it.
  let ns = (low - Math.imul(sec, 1000000000)) | 0;
  while (ns < 0) {
    sec -= 1;
    ns += 1e9;
  }
  while (ns >= 1e9) {
    sec += 1;
    ns -= 1e9;
  }
  into.sec = sec;
  into.ns = ns;
  return into;
}

/** The latest instant a `DateTime64(9)` holds (2262-04-11 23:47:16.854775807 UTC). */
export const MAX_DATETIME64_9: Readonly<Nanos> = Object.freeze({ sec: 9223372036, ns: 854775807 });

/** A time clamped to what `DateTime64(9)` can hold (later times would fail the whole insert). */
export function clampDateTime64(time: Nanos): Nanos {
  const max = MAX_DATETIME64_9;
  return time.sec > max.sec || (time.sec === max.sec && time.ns > max.ns) ? max : time;
}

/**
 * `DateTime64(9)` input text `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC), clamped. Not unix seconds:
 * ClickHouse reads `sec.nnnnnnnnn` as a timestamp only when `sec` has 10 digits, so a span at
 * time 0 (no start time) would fail its whole batch.
 */
export function formatDateTime64(time: Nanos): string {
  const { sec, ns } = clampDateTime64(time);
  const days = Math.floor(sec / 86400);
  const inDay = sec - days * 86400;
  const date = civilFromDays(days);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${String(date.year).padStart(4, '0')}-${two(date.month)}-${two(date.day)} ` +
    `${two(Math.floor(inDay / 3600))}:${two(Math.floor(inDay / 60) % 60)}:${two(inDay % 60)}.` +
    String(ns).padStart(9, '0')
  );
}

/** A Gregorian calendar date. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Gregorian date of a count of days since 1970-01-01 (H. Hinnant, `civil_from_days`), written
 * into `into` and returned. Hot paths pass a reused object.
 */
export function civilFromDays(
  days: number,
  into: CivilDate = { year: 0, month: 0, day: 0 },
): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  into.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  into.month = mp < 10 ? mp + 3 : mp - 9;
  into.year = yoe + era * 400 + (into.month <= 2 ? 1 : 0);
  return into;
}

/** end − start in nanoseconds (0 when end precedes start), exact below 2^53 ns (104 days). */
export function durationNanos(start: Nanos, end: Nanos): number {
  const duration = (end.sec - start.sec) * 1e9 + (end.ns - start.ns);
  return duration > 0 ? duration : 0;
}

interface IntegerRange {
  readonly min: bigint;
  readonly max: bigint;
  readonly expected: string;
}
/** OTLP's two 64-bit integer types: `int64`/`sfixed64` (intValue, asInt) and `fixed64`/`uint64` (counts). */
const INT64: IntegerRange = {
  min: -(2n ** 63n),
  max: 2n ** 63n - 1n,
  expected: 'a signed 64-bit integer (decimal string or number, -2^63 to 2^63-1)',
};
const UINT64: IntegerRange = {
  min: 0n,
  max: 2n ** 64n - 1n,
  expected: 'an unsigned 64-bit integer (decimal string or number, 0 to 2^64-1)',
};

/** A 64-bit integer of `range` as decimal text: Long (protobuf), string or number (JSON). */
function readIntegerText(value: unknown, key: string, range: IntegerRange): string {
  if (value === undefined || value === null) return '0';
  // protobufjs decodes each field with its own signedness: a Long is always in its range.
  if (isLong(value))
    return value.high === 0 && value.low >= 0 ? String(value.low) : value.toString();
  const text =
    typeof value === 'string' && /^-?\d{1,20}$/.test(value)
      ? value
      : typeof value === 'number' && Number.isInteger(value)
        ? BigInt(value).toString()
        : undefined;
  if (text !== undefined) {
    const integer = BigInt(text);
    if (integer >= range.min && integer <= range.max) return text;
  }
  return fail(key, range.expected, value);
}

/** A signed 64-bit integer (`intValue`, `asInt`) as decimal text. */
export function readInt64Text(value: unknown, key: string): string {
  return readIntegerText(value, key, INT64);
}

/** An unsigned 64-bit integer (counts, bucket counts) as decimal text. */
export function readUint64Text(value: unknown, key: string): string {
  return readIntegerText(value, key, UINT64);
}

/** A 64-bit integer as a double (metric values and counts are stored as Float64/UInt64). */
export function readInt64Number(value: unknown, key: string): number {
  if (value === undefined || value === null) return 0;
  if (isLong(value)) return value.toNumber();
  return Number(readInt64Text(value, key));
}
