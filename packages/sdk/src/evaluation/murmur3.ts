/**
 * MurmurHash3 x86 32-bit (Austin Appleby, https://github.com/aappleby/smhasher) over the UTF-8
 * bytes of a string. Lone surrogates encode as U+FFFD, like `TextEncoder`. No allocation: the
 * bytes are produced from char codes and folded into the hash as they come.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The hash state after a fixed prefix, so per-unit hashing only processes the unit key. */
export interface HashPrefix {
  readonly h: number;
  /** Bytes of an unfinished 4-byte block, little-endian. */
  readonly tail: number;
  readonly tailLength: number;
  readonly length: number;
}

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** UTF-8 bytes of a non-ASCII code unit (with its low surrogate, if any), packed little-endian. */
function encodeUtf8(code: number, next: number): number {
  if (code < 0x800) return 0xc0 | (code >> 6) | ((0x80 | (code & 0x3f)) << 8);
  if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
    const cp = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
    return (
      0xf0 |
      (cp >> 18) |
      ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
      ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
      ((0x80 | (cp & 0x3f)) << 24)
    );
  }
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
  return (
    0xe0 | (code >> 12) | ((0x80 | ((code >> 6) & 0x3f)) << 8) | ((0x80 | (code & 0x3f)) << 16)
  );
}

/** UTF-8 length of the code unit at `code` (4 for a valid surrogate pair, counted on the high half). */
function measureUtf8(code: number, next: number): number {
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) return 4;
  return 3;
}

/**
 * Continues `prefix` with the UTF-8 bytes of `input` and finalizes. Returns an unsigned 32-bit
 * integer.
 */
export function hashWithPrefix(prefix: HashPrefix, input: string): number {
  return hashToInt32(prefix, input) >>> 0;
}

/**
 * The hot path of bucketing: like `hashWithPrefix` but returns the hash as a signed 32-bit
 * integer, which V8 keeps unboxed (an unsigned value ≥ 2^31 would be a heap number).
 */
export function hashToInt32(prefix: HashPrefix, input: string): number {
  let h = prefix.h;
  let tail = prefix.tail;
  let tailLength = prefix.tailLength;
  let length = prefix.length;
  const n = input.length;
  let i = 0;
  // Fast path: four ASCII characters form one block (shifted past any pending tail bytes).
  for (; i + 4 <= n; i += 4) {
    const c0 = input.charCodeAt(i);
    const c1 = input.charCodeAt(i + 1);
    const c2 = input.charCodeAt(i + 2);
    const c3 = input.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    const word = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    if (tailLength === 0) {
      h = mixBlock(h, word);
    } else {
      const shift = tailLength << 3;
      h = mixBlock(h, tail | (word << shift));
      tail = word >>> (32 - shift);
    }
    length += 4;
  }
  for (; i < n; i++) {
    const code = input.charCodeAt(i);
    if (code < 0x80) {
      tail |= code << (tailLength << 3);
      length++;
      if (++tailLength === 4) {
        h = mixBlock(h, tail);
        tail = 0;
        tailLength = 0;
      }
      continue;
    }
    const next = i + 1 < n ? input.charCodeAt(i + 1) : 0;
    const bytes = encodeUtf8(code, next);
    const count = measureUtf8(code, next);
    if (count === 4) i++;
    for (let b = 0; b < count; b++) {
      tail |= ((bytes >>> (b << 3)) & 0xff) << (tailLength << 3);
      length++;
      if (++tailLength === 4) {
        h = mixBlock(h, tail);
        tail = 0;
        tailLength = 0;
      }
    }
  }
  return finalize(h, tail, tailLength, length);
}

function finalize(h: number, tail: number, tailLength: number, length: number): number {
  if (tailLength > 0) {
    let k = Math.imul(tail, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Precomputes the hash state after the UTF-8 bytes of `prefix` (done once per config). */
export function createHashPrefix(prefix: string, seed = 0): HashPrefix {
  const bytes = new TextEncoder().encode(prefix);
  let h = seed | 0;
  const whole = bytes.length - (bytes.length % 4);
  for (let i = 0; i < whole; i += 4) {
    h = mixBlock(
      h,
      bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24),
    );
  }
  let tail = 0;
  for (let i = whole; i < bytes.length; i++) tail |= bytes[i]! << ((i - whole) << 3);
  return { h, tail, tailLength: bytes.length - whole, length: bytes.length };
}

const EMPTY_PREFIXES = new Map<number, HashPrefix>();

/** MurmurHash3 x86 32-bit of the UTF-8 bytes of `input` with the given seed (default 0). */
export function murmur3(input: string, seed = 0): number {
  let prefix = EMPTY_PREFIXES.get(seed);
  if (!prefix) {
    prefix = createHashPrefix('', seed);
    if (EMPTY_PREFIXES.size < 64) EMPTY_PREFIXES.set(seed, prefix);
  }
  return hashWithPrefix(prefix, input);
}
