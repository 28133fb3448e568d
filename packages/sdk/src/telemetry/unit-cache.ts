import { createUnitHasher } from './hash-unit.js';

/**
 * A bounded cache of hashed unit ids (one HMAC per unit while it stays cached). Which variants
 * a unit was exposed to is kept per flag, in `FlagExposures`.
 *
 * Two generations approximate LRU: lookups hit `young` (one Map.get), fall back to `old` and
 * promote; when `young` holds `capacity / 2` units it becomes `old` and the previous `old` is
 * dropped. So at most `capacity` units are held, a unit used within the last `capacity / 2`
 * distinct units is never evicted, and a hit costs no bookkeeping.
 */
export class UnitCache {
  readonly #hash: (unitKey: string) => string;
  readonly #generationSize: number;
  #young = new Map<string, string>();
  #old = new Map<string, string>();

  /** `hash` replaces the HMAC (tests count calls with it). */
  constructor(options: { hashKey: string; capacity: number; hash?: (unitKey: string) => string }) {
    this.#hash = options.hash ?? createUnitHasher(options.hashKey);
    this.#generationSize = Math.max(1, Math.floor(options.capacity / 2));
  }

  /** The hashed id of `unitKey`, computed (one HMAC) on a miss. */
  idFor(unitKey: string): string {
    const hit = this.#young.get(unitKey);
    if (hit !== undefined) return hit;
    const id = this.#old.get(unitKey) ?? this.#hash(unitKey);
    if (this.#young.size >= this.#generationSize) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(unitKey, id);
    return id;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
