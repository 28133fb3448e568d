import { createError } from '../errors.js';

/**
 * The bytes of OTLP request bodies held at once (as received, then as decompressed), bounded:
 * a request that would take the total past `maxBytes` gets 503 + Retry-After (the exporter
 * retries it later), so concurrent large requests cannot grow memory without bound. A request
 * is always admitted when nothing else is held, so one body of up to `--max-body-bytes` passes.
 */
export class InflightBudget {
  readonly #maxBytes: number;
  #heldBytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Takes `bytes` more for a request already holding `held`; throws 503 past the budget. */
  reserve(bytes: number, held = 0): void {
    const others = this.#heldBytes - held;
    if (others > 0 && this.#heldBytes + bytes > this.#maxBytes) {
      throw createError(
        'TRIPWIRE_ERR_OVERLOADED',
        `request bodies in flight would exceed --max-inflight-bytes (${this.#heldBytes} + ${bytes} of ${this.#maxBytes} bytes)`,
        { retryAfter: 1 },
      );
    }
    this.#heldBytes += bytes;
  }

  release(bytes: number): void {
    this.#heldBytes = Math.max(0, this.#heldBytes - bytes);
  }
}
