import { createUnitHasher } from './hash-unit.js';

/** Entries the tables start with; they double up to the capacity as units arrive. */
const INITIAL_ENTRIES = 1024;

/**
 * The client's bounded table of known units: each unit key gets an entry index and its hashed
 * id (one HMAC per unit while it stays in the table), so per-flag exposure records
 * (`FlagExposures`) can be byte arrays indexed by entry. `onEvict(entry)` runs before an entry
 * is given to another unit, so those records forget the unit that held it.
 *
 * Eviction is CLOCK (second chance): a new unit takes the first entry the hand reaches whose
 * reference bit is clear, clearing bits as it passes; a unit enters with the bit clear and a
 * later lookup sets it. So at most `capacity` units are held, units seen once leave first (in
 * arrival order), and a unit looked up again before the hand comes round to it (at most once per
 * `capacity` new units) stays. A hit costs one byte store, no reordering.
 *
 * There is no memo of the last lookup (for several flags evaluated in a row for one unit): its
 * two pointer stores per call cost more than the `Map.get` they save whenever the garbage
 * collector is marking (measured: repeat exposures 58 → 212 ns in bench/exposure.bench.ts).
 */
export class UnitCache {
  readonly #hash: (unitKey: string) => string;
  readonly #capacity: number;
  readonly #indexByKey = new Map<string, number>();
  readonly #keys: string[] = [];
  readonly #ids: string[] = [];
  readonly #onEvict: ((entry: number) => void) | undefined;
  #referenced = new Uint8Array(0);
  #hand = 0;

  /** `hash` replaces the HMAC (tests count calls with it). */
  constructor(options: {
    hashKey: string;
    capacity: number;
    hash?: (unitKey: string) => string;
    onEvict?: (entry: number) => void;
  }) {
    this.#hash = options.hash ?? createUnitHasher(options.hashKey);
    this.#capacity = Math.max(1, Math.floor(options.capacity));
    this.#onEvict = options.onEvict;
  }

  /** The entry of `unitKey`, admitted (one HMAC, maybe evicting another unit) when unknown. */
  indexOf(unitKey: string): number {
    const index = this.#indexByKey.get(unitKey);
    if (index === undefined) return this.#admit(unitKey);
    this.#referenced[index] = 1;
    return index;
  }

  /** The entry of `unitKey` if the table holds it (nothing is admitted or hashed). */
  find(unitKey: string): number | undefined {
    return this.#indexByKey.get(unitKey);
  }

  /** The hashed id of the unit in entry `index`. */
  idAt(index: number): string {
    return this.#ids[index]!;
  }

  /** The hashed id of `unitKey`, computed (one HMAC) on a miss. */
  idFor(unitKey: string): string {
    return this.#ids[this.indexOf(unitKey)]!;
  }

  get size(): number {
    return this.#indexByKey.size;
  }

  #admit(unitKey: string): number {
    const id = this.#hash(unitKey);
    let index = this.#keys.length;
    if (index < this.#capacity) {
      if (index === this.#referenced.length) this.#grow();
      this.#keys.push(unitKey);
      this.#ids.push(id);
    } else {
      index = this.#evict();
      this.#keys[index] = unitKey;
      this.#ids[index] = id;
    }
    this.#indexByKey.set(unitKey, index);
    return index;
  }

  /** Frees the first entry the hand finds unreferenced (at most two turns) and returns it. */
  #evict(): number {
    const referenced = this.#referenced;
    for (;;) {
      const index = this.#hand;
      this.#hand = index + 1 === this.#capacity ? 0 : index + 1;
      if (referenced[index] === 0) {
        this.#indexByKey.delete(this.#keys[index]!);
        this.#onEvict?.(index);
        return index;
      }
      referenced[index] = 0;
    }
  }

  #grow(): void {
    const length = Math.min(this.#capacity, Math.max(INITIAL_ENTRIES, this.#referenced.length * 2));
    const referenced = new Uint8Array(length);
    referenced.set(this.#referenced);
    this.#referenced = referenced;
  }
}
