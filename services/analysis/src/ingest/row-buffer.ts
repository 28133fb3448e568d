/**
 * A growing byte buffer that request bodies, ClickHouse Native columns
 * (https://clickhouse.com/docs/interfaces/formats/Native) and batches are written into. Strings
 * are copied byte for byte from the request body, so no JS string is made for them.
 */
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

  /** Writes an unsigned LEB128 varint (Native format lengths and counts), `value` < 2^53. */
  varint(value: number): void {
    this.reserve(8);
    const buf = this.buf;
    let pos = this.pos;
    let rest = value;
    while (rest >= 0x80) {
      buf[pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    buf[pos++] = rest;
    this.pos = pos;
  }

  /** Writes a 64-bit integer given as unsigned 32-bit halves, little-endian (UInt64, Int64). */
  int64(low: number, high: number): void {
    this.reserve(8);
    this.buf.writeUInt32LE(low >>> 0, this.pos);
    this.buf.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** Writes `src[start, end)` as a Native/RowBinary string: varint length, then the bytes. */
  string(src: Uint8Array, start: number, end: number): void {
    this.varint(end - start);
    this.copy(src, start, end);
  }

  /**
   * Starts a Native string whose length is not known yet: returns a mark for `endString`, which
   * writes the length in front of what was written since (moving it when the length needs more
   * than one byte, i.e. from 128 bytes on).
   */
  startString(): number {
    this.byte(0);
    return this.pos - 1;
  }

  endString(mark: number): void {
    const length = this.pos - mark - 1;
    if (length < 0x80) {
      this.buf[mark] = length;
      return;
    }
    let bytes = 1;
    for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 128)) bytes++;
    this.reserve(bytes - 1);
    const buf = this.buf;
    buf.copyWithin(mark + bytes, mark + 1, this.pos);
    let pos = mark;
    let rest = length;
    while (rest >= 0x80) {
      buf[pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    buf[pos] = rest;
    this.pos = mark + bytes + length;
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
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
