import { createHmac, hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCompressorUnitHasher,
  createCryptoUnitHasher,
  createUnitHasher,
  hashUnit,
  MAX_COMPRESSOR_CHARS,
} from '../src/telemetry/hash-unit.js';
import {
  buildCompressorModule,
  createSha256Compressor,
  SHA256_IV,
} from '../src/telemetry/sha256-compressor.js';

/** The reference: node:crypto's HMAC, hex, first 32 characters. */
const hmacHex = (unit: string, key: string) =>
  createHmac('sha256', key).update(unit).digest('hex').slice(0, 32);

/** A deterministic PRNG (mulberry32), so a failure names a reproducible input. */
function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One character of 1–4 UTF-8 bytes, or a lone surrogate (encoded as U+FFFD, 3 bytes). */
function pickChar(rng: () => number): string {
  const kind = Math.floor(rng() * 6);
  const pick = (from: number, to: number) => from + Math.floor(rng() * (to - from));
  if (kind <= 1) return String.fromCharCode(pick(0, 0x80));
  if (kind === 2) return String.fromCharCode(pick(0x80, 0x800));
  if (kind === 3) return String.fromCharCode(pick(0x800, 0xd800));
  if (kind === 4) return String.fromCodePoint(pick(0x10000, 0x110000));
  return String.fromCharCode(pick(0xd800, 0xe000));
}

function pickString(rng: () => number, maxChars: number): string {
  const length = Math.floor(rng() * (maxChars + 1));
  let text = '';
  for (let i = 0; i < length; i += 1) text += pickChar(rng);
  return text;
}

/** Strings of every UTF-8 byte length 0…maxBytes, ending in a `tail` of `tailBytes` bytes. */
function stringsOfEveryByteLength(maxBytes: number, tail: string, tailBytes: number): string[] {
  const strings: string[] = [];
  for (let bytes = tailBytes; bytes <= maxBytes; bytes += 1)
    strings.push('u'.repeat(bytes - tailBytes) + tail);
  return strings;
}

describe('hashUnit', () => {
  it('is HMAC-SHA256 of the unit key under the configured key, hex, 32 chars', () => {
    const expected = createHmac('sha256', 'k1').update('user-42').digest('hex').slice(0, 32);
    expect(hashUnit('user-42', 'k1')).toBe(expected);
    expect(hashUnit('user-42', 'k1')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('depends on the key, so ids cannot be recomputed without it', () => {
    expect(hashUnit('user-42', 'k1')).not.toBe(hashUnit('user-42', 'k2'));
  });
});

describe('the SHA-256 compressor (WebAssembly)', () => {
  it('is available in this Node, so the tests below exercise it', () => {
    expect(createSha256Compressor()).toBeDefined();
    expect(buildCompressorModule().subarray(0, 4)).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  // Padded by hand (FIPS 180-4 §5.1.1), compressed from the IV, compared with node:crypto.
  it.each([
    ['empty', ''],
    ['"abc" (FIPS 180-2 example)', 'abc'],
    ['55 bytes (the most one block takes)', 'x'.repeat(55)],
    ['56 bytes (needs a second block)', 'x'.repeat(56)],
    ['the 448-bit FIPS example', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'],
    ['130 bytes', 'q'.repeat(130)],
  ])('computes SHA-256 of %s', (_, message) => {
    const { words, compress } = createSha256Compressor()!;
    const bytes = Buffer.from(message, 'latin1');
    const blocks = Math.ceil((bytes.length + 9) / 64);
    const padded = Buffer.alloc(blocks * 64);
    bytes.copy(padded);
    padded[bytes.length] = 0x80;
    padded.writeUInt32BE(bytes.length * 8, blocks * 64 - 4);
    words.set(SHA256_IV, 0);
    for (let block = 0; block < blocks; block += 1) {
      for (let i = 0; i < 16; i += 1) words[16 + i] = padded.readInt32BE(block * 64 + i * 4);
      compress(0, 64);
    }
    const digest = Array.from(words.subarray(0, 8), (word) =>
      (word >>> 0).toString(16).padStart(8, '0'),
    ).join('');
    expect(digest).toBe(hash('sha256', bytes, 'hex'));
  });
});

describe('createUnitHasher', () => {
  // Key byte lengths around the 64-byte block (longer keys are hashed first), non-ASCII, astral.
  const keys = [
    '',
    'k',
    'key-0123456789abcdef',
    'x'.repeat(63),
    'x'.repeat(64),
    'y'.repeat(65),
    'z'.repeat(200),
    'é'.repeat(32),
    'é'.repeat(33),
    '😀'.repeat(16),
    '😀'.repeat(17),
  ];
  // Every byte length 0–300 (crossing 55/56/64 and the next blocks' edges), ending in ASCII,
  // in a 2-, 3- or 4-byte character, or in a lone surrogate (U+FFFD, 3 bytes).
  const units = [
    ...stringsOfEveryByteLength(300, '', 0),
    ...stringsOfEveryByteLength(300, 'ß', 2),
    ...stringsOfEveryByteLength(300, '€', 3),
    ...stringsOfEveryByteLength(300, '😀', 4),
    ...stringsOfEveryByteLength(300, '\ud800', 3),
    'user-42',
    'alice@example.com',
    'a\ud800b',
    '\udc00',
  ];

  it.each(keys)('equals createHmac for every unit length 0–300 bytes under key %j', (key) => {
    const hasher = createUnitHasher(key);
    const wrong = units.filter((unit) => hasher(unit) !== hmacHex(unit, key));
    expect(wrong).toEqual([]);
  });

  it('equals createHmac for 4,000 random keys and unit keys (any characters, any length)', () => {
    const rng = createRng(20261126);
    const wrong: [string, string][] = [];
    for (let i = 0; i < 4000; i += 1) {
      const key = pickString(rng, i % 10 === 0 ? 120 : 40);
      const hasher = createUnitHasher(key);
      for (let j = 0; j < 3; j += 1) {
        const unit = pickString(rng, j === 0 ? 20 : 110);
        if (hasher(unit) !== hmacHex(unit, key)) wrong.push([key, unit]);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('runs unit keys through the compressor, up to MAX_COMPRESSOR_CHARS characters', () => {
    const compressor = createSha256Compressor()!;
    const unreachable = (unit: string): string => {
      throw new Error(`fallback used for ${unit.length} characters`);
    };
    const hasher = createCompressorUnitHasher('k', compressor, unreachable);
    for (const unit of [
      '',
      'user-42',
      '😀'.repeat(MAX_COMPRESSOR_CHARS / 2),
      'é'.repeat(MAX_COMPRESSOR_CHARS),
    ])
      expect(hasher(unit)).toBe(hmacHex(unit, 'k'));
  });

  it('hands longer unit keys to node:crypto, with the same result', () => {
    const hasher = createUnitHasher('k');
    const long = '€'.repeat(MAX_COMPRESSOR_CHARS + 1);
    expect(hasher(long)).toBe(hmacHex(long, 'k'));
    expect(hasher('u'.repeat(100_000))).toBe(hmacHex('u'.repeat(100_000), 'k'));
  });

  it('gives the same id before and after other (longer, non-ASCII) units', () => {
    const hasher = createUnitHasher('key-0123456789abcdef');
    const before = hasher('short');
    hasher('long'.repeat(100));
    hasher('ü'.repeat(300));
    expect(hasher('short')).toBe(before);
  });

  it('keeps separate state per hasher (two keys interleaved)', () => {
    const [a, b] = [createUnitHasher('key-a'), createUnitHasher('key-b')];
    for (const unit of ['u1', 'u2', 'u'.repeat(70)]) {
      expect([a(unit), b(unit)]).toEqual([hmacHex(unit, 'key-a'), hmacHex(unit, 'key-b')]);
    }
  });
});

describe('createCryptoUnitHasher (no WebAssembly, long keys)', () => {
  // Keys around the 64-byte block (longer keys are hashed first), multi-byte and lone surrogates.
  const keys = [
    'k',
    'x'.repeat(63),
    'x'.repeat(64),
    'y'.repeat(65),
    'é'.repeat(40),
    'key-0123456789abcdef',
  ];
  const units = [
    '',
    'user-42',
    'alice@example.com',
    '😀'.repeat(30),
    'z'.repeat(500),
    'a\ud800b',
    '42',
  ];

  it.each(keys)('equals hashUnit (HMAC-SHA256) for every unit under key %j', (key) => {
    const hasher = createCryptoUnitHasher(key);
    for (const unit of units) expect(hasher(unit)).toBe(hashUnit(unit, key));
  });

  it('equals hashUnit on both sides of the short ASCII path (128 characters, non-ASCII)', () => {
    const hasher = createCryptoUnitHasher('key-0123456789abcdef');
    const units = [
      'a'.repeat(127),
      'a'.repeat(128),
      'a'.repeat(129),
      `${'a'.repeat(50)}\u007f`,
      'ü',
    ];
    for (const unit of units) expect(hasher(unit)).toBe(hashUnit(unit, 'key-0123456789abcdef'));
  });

  it('gives the same id after a longer unit key grew its buffer', () => {
    const hasher = createCryptoUnitHasher('key-0123456789abcdef');
    const before = hasher('short');
    hasher('long'.repeat(100));
    expect(hasher('short')).toBe(before);
  });
});
