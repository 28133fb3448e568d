import { hashUnit } from './hash-unit.js';

/** What the SDK remembers about one unit: its hashed id and the variants it was exposed to. */
export interface UnitEntry {
  /** HMAC of the unit key (see `hashUnit`). */
  readonly id: string;
  /**
   * Last exposure recorded per flag, flat: `[flagKey0, variant0, flagKey1, variant1, …]`. A
   * unit sees few flags, and a short linear scan beats a Map lookup (no hashing, no extra
   * object to reach in memory).
   */
  readonly exposures: string[];
}

/** Whether `unit` already had its exposure to `variant` of `flagKey` recorded. */
export function hasExposure(unit: UnitEntry, flagKey: string, variant: string): boolean {
  const exposures = unit.exposures;
  for (let i = 0; i < exposures.length; i += 2) {
    if (exposures[i] === flagKey) return exposures[i + 1] === variant;
  }
  return false;
}

/** Records the unit's exposure to `variant` of `flagKey`, replacing an earlier variant. */
export function setExposure(unit: UnitEntry, flagKey: string, variant: string): void {
  const exposures = unit.exposures;
  for (let i = 0; i < exposures.length; i += 2) {
    if (exposures[i] === flagKey) {
      exposures[i + 1] = variant;
      return;
    }
  }
  exposures.push(flagKey, variant);
}

/**
 * A bounded cache of units, shared by the HMAC cache and exposure deduplication.
 *
 * Two generations approximate LRU: lookups hit `young` (one Map.get), fall back to `old` and
 * promote; when `young` holds `capacity / 2` units it becomes `old` and the previous `old` is
 * dropped. So at most `capacity` units are held, a unit used within the last `capacity / 2`
 * distinct units is never evicted, and a hit costs no bookkeeping. An evicted unit may record
 * its exposure once more later (a duplicate, never a loss).
 */
export class UnitCache {
  readonly #hashKey: string;
  readonly #generationSize: number;
  #young = new Map<string, UnitEntry>();
  #old = new Map<string, UnitEntry>();

  constructor(options: { hashKey: string; capacity: number }) {
    this.#hashKey = options.hashKey;
    this.#generationSize = Math.max(1, Math.floor(options.capacity / 2));
  }

  /** The entry for `unitKey`, creating it (one HMAC) on a miss. */
  entryFor(unitKey: string): UnitEntry {
    const hit = this.#young.get(unitKey);
    if (hit !== undefined) return hit;
    const entry = this.#old.get(unitKey) ?? {
      id: hashUnit(unitKey, this.#hashKey),
      exposures: [],
    };
    if (this.#young.size >= this.#generationSize) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(unitKey, entry);
    return entry;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
