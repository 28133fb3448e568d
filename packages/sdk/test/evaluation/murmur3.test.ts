import { describe, expect, it } from 'vitest';
import { createHashPrefix, hashWithPrefix, murmur3 } from '../../src/evaluation/index.js';

/** Straightforward MurmurHash3 x86 32 over a byte array, the shape of the C reference. */
function referenceMurmur3(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = bytes.length >> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < blocks; i++) {
    let k = view.getUint32(i * 4, true);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let i = rest - 1; i >= 0; i--) k = (k << 8) | bytes[tail + i]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Deterministic strings mixing 1-, 2-, 3- and 4-byte UTF-8 characters and lone surrogates. */
function* generateStrings(count: number): Generator<string> {
  const pieces = [
    'a',
    'Z',
    '0',
    '.',
    '-',
    'é',
    'ß',
    'ж',
    '中',
    '€',
    '😀',
    '𝄞',
    '\ud800',
    '\udfff',
    '\u07ff',
    '\u0800',
    '\uffff',
  ];
  let state = 12345;
  for (let n = 0; n < count; n++) {
    let s = '';
    const length = n % 29;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      s += pieces[state % pieces.length];
    }
    yield s;
  }
}

describe('murmur3', () => {
  const encoder = new TextEncoder();

  it('hashes the UTF-8 bytes of a string exactly like a byte-wise reference', () => {
    for (const s of generateStrings(5000)) {
      expect(murmur3(s), JSON.stringify(s)).toBe(referenceMurmur3(encoder.encode(s), 0));
      expect(murmur3(s, 0x9747b28c)).toBe(referenceMurmur3(encoder.encode(s), 0x9747b28c));
    }
  });

  it('hashes ASCII runs block-wise correctly after prefixes of every alignment', () => {
    const ascii = 'The quick brown fox jumps over the lazy dog 0123456789';
    for (let prefixLength = 0; prefixLength < 8; prefixLength++) {
      const prefix = ascii.slice(0, prefixLength);
      for (let length = 0; length <= 40; length++) {
        for (const tail of [
          ascii.slice(3, 3 + length),
          `${ascii.slice(0, length)}é`,
          `é${ascii.slice(0, length)}`,
        ]) {
          const expected = referenceMurmur3(encoder.encode(prefix + tail), 0);
          expect(hashWithPrefix(createHashPrefix(prefix), tail)).toBe(expected);
        }
      }
    }
  });

  it('encodes lone surrogates as U+FFFD like TextEncoder', () => {
    expect(murmur3('a\ud800b')).toBe(murmur3('a\ufffdb'));
    expect(murmur3('\udc00')).toBe(murmur3('\ufffd'));
  });

  it('gives the same hash whether a prefix is precomputed or not, at every split point', () => {
    for (const s of generateStrings(400)) {
      for (let cut = 0; cut <= s.length; cut++) {
        const head = s.slice(0, cut);
        const tail = s.slice(cut);
        // A cut between surrogate halves changes the bytes, so only compare clean cuts.
        if (encoder.encode(head).length + encoder.encode(tail).length !== encoder.encode(s).length)
          continue;
        expect(hashWithPrefix(createHashPrefix(head), tail)).toBe(murmur3(s));
      }
    }
  });
});
