import { createHmac, hash } from 'node:crypto';
import type { Sha256Compressor } from './sha256-compressor.js';
import { createSha256Compressor, SHA256_IV } from './sha256-compressor.js';

/** Length of the hex unit id that leaves the process (128 bits of HMAC-SHA256). */
export const UNIT_ID_LENGTH = 32;

/** SHA-256 block size in bytes (RFC 2104's B). */
const BLOCK_BYTES = 64;

/**
 * The keyed hash under which a unit key leaves the process: HMAC-SHA256(hashKey, unitKey), hex,
 * truncated to 32 characters. Without the key the raw unit key cannot be recovered or guessed.
 */
export function hashUnit(unitKey: string, hashKey: string): string {
  return createHmac('sha256', hashKey).update(unitKey).digest('hex').slice(0, UNIT_ID_LENGTH);
}

/**
 * A hasher equal to `hashUnit(unitKey, hashKey)` for every input (same bytes: HMAC-SHA256 as
 * RFC 2104 defines it, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), hex, 32 characters), ~40 % cheaper
 * per unit than the node:crypto version below: the SHA-256 states after the two key-pad blocks
 * are computed once, so a unit key of up to 55 UTF-8 bytes costs two compressions (its own
 * padded block, then the outer block holding the inner digest), run by a WebAssembly module
 * (`sha256-compressor.ts`). The key's bytes are packed into the module's words straight from its
 * char codes (ASCII) or through `TextEncoder#encodeInto` (anything else); nothing is allocated
 * but the id. Where WebAssembly is unavailable, and for keys over `MAX_COMPRESSOR_CHARS`, the
 * node:crypto version runs. test/hash-unit.test.ts checks both against `createHmac`.
 */
export function createUnitHasher(hashKey: string): (unitKey: string) => string {
  const compressor = createSha256Compressor();
  const viaCrypto = createCryptoUnitHasher(hashKey);
  return compressor === undefined
    ? viaCrypto
    : createCompressorUnitHasher(hashKey, compressor, viaCrypto);
}

/** Unit keys up to this many characters (≤ 12 KiB of UTF-8) go through the compressor. */
export const MAX_COMPRESSOR_CHARS = 4096;

/** Word offsets in the compressor's memory: the two key-pad states, the running state, blocks. */
const INNER = 0;
const OUTER = 8;
const STATE = 16;
const BLOCKS = 32;
/** The outer hash's input: the opad block (in OUTER already) and the 32-byte inner digest. */
const OUTER_BITS = (BLOCK_BYTES + 32) * 8;

/** The compressor path of `createUnitHasher`; `fallback` takes keys too long for its memory. */
export function createCompressorUnitHasher(
  hashKey: string,
  compressor: Sha256Compressor,
  fallback: (unitKey: string) => string,
): (unitKey: string) => string {
  const { words, compress } = compressor;
  const key = readHmacKey(hashKey);
  for (const [state, pad] of [
    [INNER, 0x36],
    [OUTER, 0x5c],
  ] as const) {
    words.set(SHA256_IV, state);
    for (let i = 0; i < 16; i += 1) words[BLOCKS + i] = readWord(key, i * 4) ^ (pad * 0x01010101);
    compress(state * 4, BLOCKS * 4);
  }
  const bytes = new Uint8Array(MAX_COMPRESSOR_CHARS * 3);
  const encoder = new TextEncoder();
  return (unitKey) => {
    if (unitKey.length > MAX_COMPRESSOR_CHARS) return fallback(unitKey);
    let byteLength = unitKey.length;
    let end = packAscii(words, unitKey);
    if (end === -1) {
      byteLength = encoder.encodeInto(unitKey, bytes).written;
      end = packBytes(words, bytes, byteLength);
    }
    // Zeros up to the last word of the last block, which holds the bit length (< 2^32).
    const last = BLOCKS + (((byteLength + 9 + 63) >> 6) << 4) - 1;
    for (let i = end; i < last; i += 1) words[i] = 0;
    words[last] = (BLOCK_BYTES + byteLength) * 8;
    for (let i = 0; i < 8; i += 1) words[STATE + i] = words[INNER + i]!;
    for (let block = BLOCKS; block < last; block += 16) compress(STATE * 4, block * 4);
    // The outer block: the inner digest, 0x80, zeros, the bit length.
    for (let i = 0; i < 8; i += 1) {
      words[BLOCKS + i] = words[STATE + i]!;
      words[STATE + i] = words[OUTER + i]!;
    }
    words[BLOCKS + 8] = 0x80000000 | 0;
    for (let i = BLOCKS + 9; i < BLOCKS + 15; i += 1) words[i] = 0;
    words[BLOCKS + 15] = OUTER_BITS;
    compress(STATE * 4, BLOCKS * 4);
    return formatHex128(words[STATE]!, words[STATE + 1]!, words[STATE + 2]!, words[STATE + 3]!);
  };
}

/** The HMAC key as RFC 2104 uses it: its UTF-8 bytes, or their SHA-256 when over one block. */
function readHmacKey(hashKey: string): Buffer {
  const key = Buffer.from(hashKey, 'utf8');
  return key.length > BLOCK_BYTES ? hash('sha256', key, 'buffer') : key;
}

/** The big-endian word at `offset` (bytes past the end read as 0). */
function readWord(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) << 24) |
    ((bytes[offset + 1] ?? 0) << 16) |
    ((bytes[offset + 2] ?? 0) << 8) |
    (bytes[offset + 3] ?? 0)
  );
}

/**
 * Packs an ASCII `unitKey` into big-endian words from `BLOCKS` on, then the 0x80 byte that
 * starts the padding (in the word after the key's last full word). Returns the word after
 * that one, or -1 when the key is not ASCII (the words written are then meaningless).
 */
function packAscii(words: Int32Array, unitKey: string): number {
  const length = unitKey.length;
  let word = BLOCKS;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const c0 = unitKey.charCodeAt(i);
    const c1 = unitKey.charCodeAt(i + 1);
    const c2 = unitKey.charCodeAt(i + 2);
    const c3 = unitKey.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return -1;
    words[word++] = (c0 << 24) | (c1 << 16) | (c2 << 8) | c3;
  }
  let last = 0;
  let shift = 24;
  for (; i < length; i += 1, shift -= 8) {
    const code = unitKey.charCodeAt(i);
    if (code > 0x7f) return -1;
    last |= code << shift;
  }
  words[word++] = last | (0x80 << shift);
  return word;
}

/** `packAscii` for the first `length` bytes of `bytes` (UTF-8 of any key). */
function packBytes(words: Int32Array, bytes: Uint8Array, length: number): number {
  let word = BLOCKS;
  let i = 0;
  for (; i + 4 <= length; i += 4) words[word++] = readWord(bytes, i);
  let last = 0;
  let shift = 24;
  for (; i < length; i += 1, shift -= 8) last |= bytes[i]! << shift;
  words[word++] = last | (0x80 << shift);
  return word;
}

/** Char codes of '0'–'9', 'a'–'f'. */
const HEX_CODES = Array.from('0123456789abcdef', (char) => char.charCodeAt(0));

/** Lower-case hex of four 32-bit words, as one flat 32-character string. */
function formatHex128(w0: number, w1: number, w2: number, w3: number): string {
  const h = HEX_CODES;
  return String.fromCharCode(
    h[w0 >>> 28]!,
    h[(w0 >>> 24) & 15]!,
    h[(w0 >>> 20) & 15]!,
    h[(w0 >>> 16) & 15]!,
    h[(w0 >>> 12) & 15]!,
    h[(w0 >>> 8) & 15]!,
    h[(w0 >>> 4) & 15]!,
    h[w0 & 15]!,
    h[w1 >>> 28]!,
    h[(w1 >>> 24) & 15]!,
    h[(w1 >>> 20) & 15]!,
    h[(w1 >>> 16) & 15]!,
    h[(w1 >>> 12) & 15]!,
    h[(w1 >>> 8) & 15]!,
    h[(w1 >>> 4) & 15]!,
    h[w1 & 15]!,
    h[w2 >>> 28]!,
    h[(w2 >>> 24) & 15]!,
    h[(w2 >>> 20) & 15]!,
    h[(w2 >>> 16) & 15]!,
    h[(w2 >>> 12) & 15]!,
    h[(w2 >>> 8) & 15]!,
    h[(w2 >>> 4) & 15]!,
    h[w2 & 15]!,
    h[w3 >>> 28]!,
    h[(w3 >>> 24) & 15]!,
    h[(w3 >>> 20) & 15]!,
    h[(w3 >>> 16) & 15]!,
    h[(w3 >>> 12) & 15]!,
    h[(w3 >>> 8) & 15]!,
    h[(w3 >>> 4) & 15]!,
    h[w3 & 15]!,
  );
}

/** Unit keys up to this many ASCII characters take the fast path (prepared views, no allocation). */
const SHORT_KEY_CHARS = 128;

/**
 * The node:crypto path (no WebAssembly, or keys over `MAX_COMPRESSOR_CHARS`), equal to
 * `hashUnit(unitKey, hashKey)` for every input, ~2.5× cheaper per unit than `createHmac`:
 * HMAC-SHA256 as RFC 2104 defines it, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), with the padded key
 * blocks prepared once and both hashes done by the one-shot `crypto.hash` (no Hmac object, no
 * key import per call). A short ASCII unit key is copied byte by byte behind the ipad block and
 * hashed through a view made once per length: `Buffer#write` and `subarray` per call cost
 * ~165 ns more (paired loop, ~940 vs ~770 ns per id). `@noble/hashes`' HMAC with cloned pad
 * states measured ~1.5 µs per id (pure-JS compression costs more than the native call overhead
 * it saves).
 */
export function createCryptoUnitHasher(hashKey: string): (unitKey: string) => string {
  const key = readHmacKey(hashKey);
  // Inner input: ipad block, then the unit key.
  const inner = new Uint8Array(BLOCK_BYTES + SHORT_KEY_CHARS);
  // Outer input: opad block, then the 32-byte inner digest.
  const outer = Buffer.alloc(BLOCK_BYTES + 32);
  for (let i = 0; i < BLOCK_BYTES; i += 1) {
    const byte = key[i] ?? 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  const views = Array.from(
    { length: SHORT_KEY_CHARS + 1 },
    (_, length) => new Uint8Array(inner.buffer, 0, BLOCK_BYTES + length),
  );
  const innerPad = inner.subarray(0, BLOCK_BYTES);
  return (unitKey) => {
    const input = writeShortAscii(inner, unitKey)
      ? views[unitKey.length]!
      : concatKey(innerPad, unitKey);
    // The digest as a 'binary' (latin1) string, one char per byte: 'buffer' output costs ~4× more.
    outer.write(hash('sha256', input, 'binary'), BLOCK_BYTES, 'latin1');
    return hash('sha256', outer, 'hex').slice(0, UNIT_ID_LENGTH);
  };
}

/** Copies a short ASCII `unitKey` behind the pad block of `inner`; false (nothing usable) otherwise. */
function writeShortAscii(inner: Uint8Array, unitKey: string): boolean {
  const length = unitKey.length;
  if (length > SHORT_KEY_CHARS) return false;
  for (let i = 0; i < length; i += 1) {
    const code = unitKey.charCodeAt(i);
    if (code > 0x7f) return false;
    inner[BLOCK_BYTES + i] = code;
  }
  return true;
}

/** The pad block followed by the UTF-8 bytes of any unit key (the general, allocating path). */
function concatKey(pad: Uint8Array, unitKey: string): Buffer {
  return Buffer.concat([pad, Buffer.from(unitKey, 'utf8')]);
}
