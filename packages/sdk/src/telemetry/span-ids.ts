import { randomFillSync } from 'node:crypto';

/** Random bytes drawn at once: 4 KiB, about 170 exposures' trace and span ids. */
const POOL_BYTES = 4096;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

const pool = Buffer.alloc(POOL_BYTES);
/** The pool as hex; ids are slices of it (V8 shares the characters, no copy per id). */
let hex = '';
let offset = 0;

function nextHex(chars: number): string {
  if (offset + chars > hex.length) {
    randomFillSync(pool);
    hex = pool.toString('hex');
    offset = 0;
  }
  const id = hex.substring(offset, offset + chars);
  offset += chars;
  return id;
}

/**
 * A random W3C trace id (32 lowercase hex digits, never all zeros) from a pool the
 * cryptographic random source refills, one call per ~170 exposures, so an id is a substring; the
 * OTel SDK's `RandomIdGenerator` draws `Math.random()` per 4 bytes and makes each id with a
 * `Buffer.toString('hex')` call.
 */
export function nextTraceId(): string {
  const id = nextHex(32);
  return id === ZERO_TRACE_ID ? nextTraceId() : id;
}

/** A random span id (16 lowercase hex digits, never all zeros), from the same pool. */
export function nextSpanId(): string {
  const id = nextHex(16);
  return id === ZERO_SPAN_ID ? nextSpanId() : id;
}
