import { createHmac } from 'node:crypto';

/** Length of the hex unit id that leaves the process (128 bits of HMAC-SHA256). */
export const UNIT_ID_LENGTH = 32;

/**
 * The keyed hash under which a unit key leaves the process: HMAC-SHA256(hashKey, unitKey), hex,
 * truncated to 32 characters. Without the key the raw unit key cannot be recovered or guessed.
 */
export function hashUnit(unitKey: string, hashKey: string): string {
  return createHmac('sha256', hashKey).update(unitKey).digest('hex').slice(0, UNIT_ID_LENGTH);
}
