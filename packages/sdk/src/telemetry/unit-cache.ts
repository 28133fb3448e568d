import { hashUnit } from './hash-unit.js';

/** What the SDK remembers about one unit: its hashed id and the variants it was exposed to. */
export interface UnitEntry {
  /** HMAC of the unit key (see `hashUnit`). */
  readonly id: string;
  /**
   * Last exposure recorded per flag. The first flag lives inline (same object, same cache
   * line as `id`: the repeat-exposure check usually touches nothing else); further flags in
   * `more`, flat `[flagKey, variant, …]`. A unit sees few flags, so a short scan beats a Map.
   */
  flag0: string | undefined;
  variant0: string | undefined;
  more: string[] | undefined;
}

/** Whether `unit` already had its exposure to `variant` of `flagKey` recorded. */
export function hasExposure(unit: UnitEntry, flagKey: string, variant: string): boolean {
  if (unit.flag0 === flagKey) return unit.variant0 === variant;
  const more = unit.more;
  if (more === undefined) return false;
  for (let i = 0; i < more.length; i += 2) {
    if (more[i] === flagKey) return more[i + 1] === variant;
  }
  return false;
}

/** Records the unit's exposure to `variant` of `flagKey`, replacing an earlier variant. */
export function setExposure(unit: UnitEntry, flagKey: string, variant: string): void {
  if (unit.flag0 === undefined || unit.flag0 === flagKey) {
    unit.flag0 = flagKey;
    unit.variant0 = variant;
    return;
  }
  const more = (unit.more ??= []);
  for (let i = 0; i < more.length; i += 2) {
    if (more[i] === flagKey) {
      more[i + 1] = variant;
      return;
    }
  }
  more.push(flagKey, variant);
}

/** Every recorded `[flagKey, variant]` of the unit. */
export function listExposures(unit: UnitEntry): [string, string][] {
  const pairs: [string, string][] = [];
  if (unit.flag0 !== undefined && unit.variant0 !== undefined)
    pairs.push([unit.flag0, unit.variant0]);
  const more = unit.more ?? [];
  for (let i = 0; i < more.length; i += 2) pairs.push([more[i]!, more[i + 1]!]);
  return pairs;
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
    const entry: UnitEntry = this.#old.get(unitKey) ?? {
      id: hashUnit(unitKey, this.#hashKey),
      flag0: undefined,
      variant0: undefined,
      more: undefined,
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
