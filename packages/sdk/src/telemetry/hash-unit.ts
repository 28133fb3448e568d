import { createHmac, hash } from 'node:crypto';

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
 * A hasher equal to `hashUnit(unitKey, hashKey)` for every input, about 2× cheaper per unit:
 * HMAC-SHA256 as RFC 2104 defines it, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), with the padded key
 * blocks prepared once and both hashes done by the one-shot `crypto.hash` (no Hmac object, no
 * key import per call). test/unit-cache.test.ts checks it against `createHmac`.
 */
export function createUnitHasher(hashKey: string): (unitKey: string) => string {
  let key = Buffer.from(hashKey, 'utf8');
  if (key.length > BLOCK_BYTES) key = hash('sha256', key, 'buffer');
  // Inner input: ipad block, then the unit key (grown when a longer key comes).
  let inner = Buffer.alloc(BLOCK_BYTES + 64);
  // Outer input: opad block, then the 32-byte inner digest.
  const outer = Buffer.alloc(BLOCK_BYTES + 32);
  for (let i = 0; i < BLOCK_BYTES; i += 1) {
    const byte = key[i] ?? 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  return (unitKey) => {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    const room = BLOCK_BYTES + 3 * unitKey.length;
    if (inner.length < room) {
      const grown = Buffer.alloc(room);
      inner.copy(grown, 0, 0, BLOCK_BYTES);
      inner = grown;
    }
    const written = inner.write(unitKey, BLOCK_BYTES, 'utf8');
    // The digest as a 'binary' (latin1) string, one char per byte: 'buffer' output costs ~4× more.
    const innerDigest = hash('sha256', inner.subarray(0, BLOCK_BYTES + written), 'binary');
    outer.write(innerDigest, BLOCK_BYTES, 'binary');
    return hash('sha256', outer, 'hex').slice(0, UNIT_ID_LENGTH);
  };
}
