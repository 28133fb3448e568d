import { civilFromDays, MAX_DATETIME64_9, type CivilDate } from './otlp-values.js';

/**
 * A growing byte buffer that rows are written into as ClickHouse `TabSeparated` text
 * (https://clickhouse.com/docs/interfaces/formats/TabSeparated). Strings are copied byte for
 * byte from the request body with the escaping each context needs, so no JS string is made for
 * them:
 * - `escape`: a top-level field, where `\t`, `\n`, `\r`, `\0` and `\` are written as `\t` … `\\`;
 * - `quote`: the inside of a single-quoted string in a Map or Array literal, where `'` is also
 *   escaped (and `\b`, `\f`).
 */
/** Reused by `dateTime64`: no object per timestamp. */
const scratchDate: CivilDate = { year: 0, month: 0, day: 0 };

export class RowBuffer {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    if (this.pos + bytes > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
  }

  byte(code: number): void {
    if (this.pos >= this.buf.length) this.reserve(1);
    this.buf[this.pos++] = code;
  }

  /** Writes a string known to be ASCII with nothing to escape (names, digits, constants). */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Copies `src[start, end)` unchanged. */
  copy(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const buf = this.buf;
    let pos = this.pos;
    if (end - start > 64) {
      buf.set(src.subarray(start, end), pos);
      pos += end - start;
    } else {
      for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    }
    this.pos = pos;
  }

  /** Copies `src[start, end)` as a top-level TabSeparated field. */
  escape(src: Uint8Array, start: number, end: number): void {
    this.#copyEscaped(src, start, end, FIELD_ESCAPES);
  }

  /** Copies `src[start, end)` as the inside of a quoted string (Map keys and values, Array items). */
  quote(src: Uint8Array, start: number, end: number): void {
    this.#copyEscaped(src, start, end, QUOTED_ESCAPES);
  }

  /** Writes a JS string (rare paths: JSON of arrays and maps, base64 of bytes) escaped. */
  text(text: string, quoted: boolean): void {
    const bytes = Buffer.from(text, 'utf8');
    this.#copyEscaped(bytes, 0, bytes.length, quoted ? QUOTED_ESCAPES : FIELD_ESCAPES);
  }

  #copyEscaped(src: Uint8Array, start: number, end: number, escapes: Uint8Array): void {
    this.reserve(2 * (end - start));
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      const escaped = escapes[c]!;
      if (escaped === 0) {
        buf[pos++] = c;
      } else {
        buf[pos++] = BACKSLASH;
        buf[pos++] = escaped;
      }
    }
    this.pos = pos;
  }

  /** Writes `src[start, end)` as lowercase hex. */
  hex(src: Uint8Array, start: number, end: number): void {
    this.reserve(2 * (end - start));
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      buf[pos++] = HEX_DIGITS[c >> 4]!;
      buf[pos++] = HEX_DIGITS[c & 15]!;
    }
    this.pos = pos;
  }

  /** Writes a non-negative integer below 2^53 in decimal. */
  uint(value: number): void {
    if (value < 10) {
      this.byte(48 + value);
      return;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.reserve(digits);
    let pos = this.pos + digits;
    this.pos = pos;
    const buf = this.buf;
    for (let rest = value; rest > 0; rest = Math.floor(rest / 10)) buf[--pos] = 48 + (rest % 10);
  }

  /** Writes `value` (0 ≤ value < 10^width) in decimal, left-padded with zeros to `width`. */
  padded(value: number, width: number): void {
    this.reserve(width);
    const buf = this.buf;
    let pos = this.pos + width;
    this.pos = pos;
    let rest = value;
    for (let i = 0; i < width; i++) {
      buf[--pos] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
  }

  /**
   * Writes `DateTime64(9)` text `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` for unix time `sec`.`ns`, clamped
   * to 2262-04-11 23:47:16.854775807 (same text as `formatDateTime64`, without allocating).
   */
  dateTime64(sec: number, ns: number): void {
    const max = MAX_DATETIME64_9;
    if (sec > max.sec || (sec === max.sec && ns > max.ns)) {
      sec = max.sec;
      ns = max.ns;
    }
    const days = Math.floor(sec / 86400);
    const inDay = sec - days * 86400;
    const date = civilFromDays(days, scratchDate);
    this.padded(date.year, 4);
    this.byte(0x2d);
    this.padded(date.month, 2);
    this.byte(0x2d);
    this.padded(date.day, 2);
    this.byte(0x20);
    this.padded(Math.floor(inDay / 3600), 2);
    this.byte(0x3a);
    this.padded(Math.floor(inDay / 60) % 60, 2);
    this.byte(0x3a);
    this.padded(inDay % 60, 2);
    this.byte(0x2e);
    this.padded(ns, 9);
  }
}

const BACKSLASH = 0x5c;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

function escapeTable(pairs: Record<string, string>): Uint8Array {
  const table = new Uint8Array(256);
  for (const [raw, letter] of Object.entries(pairs))
    table[raw.charCodeAt(0)] = letter.charCodeAt(0);
  return table;
}

/** What ClickHouse's readEscapedString needs escaped: field and row separators, `\`, and CR/NUL. */
const FIELD_ESCAPES = escapeTable({ '\\': '\\', '\t': 't', '\n': 'n', '\r': 'r', '\0': '0' });
/** Inside `'…'` (readQuotedString): also the quote itself; \b and \f as ClickHouse writes them. */
const QUOTED_ESCAPES = escapeTable({
  '\\': '\\',
  "'": "'",
  '\t': 't',
  '\n': 'n',
  '\r': 'r',
  '\0': '0',
  '\b': 'b',
  '\f': 'f',
});
