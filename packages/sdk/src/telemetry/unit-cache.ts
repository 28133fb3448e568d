import { getRandomValues } from 'node:crypto';
import { createUnitHasher } from './hash-unit.js';

/** Entries the tables start with; they double up to the capacity as units arrive. */
const INITIAL_ENTRIES = 1024;

/**
 * Longest chain an admission may extend: past it the new unit takes the chain's oldest entry
 * instead of the CLOCK hand's, so no crafted set of colliding keys makes a lookup walk further.
 */
export const MAX_CHAIN = 8;

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
 * Two indexes find an entry. Every unit is in a chained hash table over typed arrays (bucket
 * heads, next links and key hashes: numbers, nothing for the garbage collector to trace); an
 * evicted unit's entry is unlinked from its chain and reused in place. Its key hash is
 * MurmurHash3's mixing over UTF-16 code units with a per-table random seed, and chains are
 * capped at `MAX_CHAIN` entries (see there). A unit looked up again after its admission is also
 * put in a `Map` (`#promoted`), which repeats read first: `Map.get` uses the hash V8 caches in
 * the string, so a repeat costs the same whatever the key's length, where hashing the key in JS
 * costs ~2 ns per character (a UUID: ~+55 ns per repeat, paired). A new unit therefore costs a
 * `Map` miss, the JS hash and the table insert, and no `Map` insert or delete: admitting every
 * new unit to a full `Map` (a `get` miss, a `set`, the `delete` of the evicted unit, and the
 * rehashing of its backing store as deletions pile up) cost ~260–350 ns more per new unit,
 * paired, HMAC left out (bench/README.md, "Exposure cost"). A unit pays the `Map` insert when
 * it comes back (and the `delete` when it leaves), once per stay in the table.
 *
 * There is no memo of the last lookup (for several flags evaluated in a row for one unit): its
 * two pointer stores per call cost more than the lookup they save whenever the garbage
 * collector is marking (measured: repeat exposures 58 → 212 ns in bench/exposure.bench.ts).
 */
export class UnitCache {
  readonly #hash: (unitKey: string) => string;
  readonly #capacity: number;
  readonly #seed: number;
  readonly #keys: string[] = [];
  readonly #ids: string[] = [];
  readonly #onEvict: ((entry: number) => void) | undefined;
  /** Units looked up again after their admission, by key: the fast path for repeats. */
  readonly #promoted = new Map<string, number>();
  /** Per entry: 1 when its unit is in `#promoted`. */
  #isPromoted = new Uint8Array(0);
  /** Per bucket: its first entry + 1 (0 = empty). Length a power of two ≥ the entry arrays'. */
  #heads = new Int32Array(0);
  /** Per entry: the next entry of its chain + 1 (0 = end). */
  #links = new Int32Array(0);
  /** Per entry: the hash of its unit key. */
  #keyHashes = new Int32Array(0);
  #referenced = new Uint8Array(0);
  #mask = 0;
  #hand = 0;

  /** `hash` replaces the HMAC (tests count calls with it); `seed` fixes the key hash's seed. */
  constructor(options: {
    hashKey: string;
    capacity: number;
    hash?: (unitKey: string) => string;
    onEvict?: (entry: number) => void;
    seed?: number;
  }) {
    this.#hash = options.hash ?? createUnitHasher(options.hashKey);
    this.#capacity = Math.max(1, Math.floor(options.capacity));
    this.#onEvict = options.onEvict;
    this.#seed = options.seed ?? getRandomValues(new Int32Array(1))[0]!;
    this.#grow();
  }

  /** The entry of `unitKey`, admitted (one HMAC, maybe evicting another unit) when unknown. */
  indexOf(unitKey: string): number {
    const promoted = this.#promoted.get(unitKey);
    if (promoted === undefined) return this.indexOfUnpromoted(unitKey);
    this.#referenced[promoted] = 1;
    return promoted;
  }

  /**
   * `indexOf` for a key `findPromoted` just missed: the same result without the promoted units'
   * `Map.get` (admits the unit when unknown, promotes it when it was already in the table).
   */
  indexOfUnpromoted(unitKey: string): number {
    const keyHash = hashUnitKey(unitKey, this.#seed);
    const entry = this.#lookup(unitKey, keyHash);
    if (entry === -1) return this.#admit(unitKey, keyHash);
    this.#referenced[entry] = 1;
    this.#isPromoted[entry] = 1;
    // The table's own copy of the key, so the unit keeps one key string, not two.
    this.#promoted.set(this.#keys[entry]!, entry);
    return entry;
  }

  /**
   * The entry of `unitKey` when it was looked up again since its admission (a `Map.get`, no
   * admission, no key hash), marked referenced; -1 otherwise.
   */
  findPromoted(unitKey: string): number {
    const entry = this.#promoted.get(unitKey);
    if (entry === undefined) return -1;
    this.#referenced[entry] = 1;
    return entry;
  }

  /** The entry of `unitKey` if the table holds it (nothing is admitted, no HMAC). */
  find(unitKey: string): number | undefined {
    const entry =
      this.#promoted.get(unitKey) ?? this.#lookup(unitKey, hashUnitKey(unitKey, this.#seed));
    return entry === -1 ? undefined : entry;
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
    return this.#keys.length;
  }

  #lookup(unitKey: string, keyHash: number): number {
    const keyHashes = this.#keyHashes;
    const links = this.#links;
    const keys = this.#keys;
    let link = this.#heads[keyHash & this.#mask]!;
    while (link !== 0) {
      const entry = link - 1;
      if (keyHashes[entry] === keyHash && keys[entry] === unitKey) return entry;
      link = links[entry]!;
    }
    return -1;
  }

  #admit(unitKey: string, keyHash: number): number {
    const id = this.#hash(unitKey);
    let entry = this.#takeFullChainTail(keyHash);
    if (entry === undefined && this.#keys.length < this.#capacity) {
      entry = this.#keys.length;
      if (entry === this.#referenced.length) this.#grow();
      this.#keys.push(unitKey);
      this.#ids.push(id);
    } else {
      entry ??= this.#evictByClock();
      if (this.#isPromoted[entry] === 1) {
        this.#isPromoted[entry] = 0;
        this.#promoted.delete(this.#keys[entry]!);
      }
      this.#onEvict?.(entry);
      this.#keys[entry] = unitKey;
      this.#ids[entry] = id;
    }
    const bucket = keyHash & this.#mask;
    this.#keyHashes[entry] = keyHash;
    this.#links[entry] = this.#heads[bucket]!;
    this.#heads[bucket] = entry + 1;
    return entry;
  }

  /** Frees the first entry the hand finds unreferenced (at most two turns) and returns it. */
  #evictByClock(): number {
    const referenced = this.#referenced;
    for (;;) {
      const entry = this.#hand;
      this.#hand = entry + 1 === this.#capacity ? 0 : entry + 1;
      if (referenced[entry] === 0) {
        this.#unlink(entry);
        return entry;
      }
      referenced[entry] = 0;
    }
  }

  /** When the chain `keyHash` joins holds `MAX_CHAIN` entries: its oldest (last), unlinked. */
  #takeFullChainTail(keyHash: number): number | undefined {
    const links = this.#links;
    const bucket = keyHash & this.#mask;
    let previous = -1;
    let entry = this.#heads[bucket]! - 1;
    let length = 1;
    if (entry === -1) return undefined;
    for (let next = links[entry]!; next !== 0; next = links[entry]!) {
      previous = entry;
      entry = next - 1;
      length += 1;
    }
    if (length < MAX_CHAIN) return undefined;
    if (previous === -1) this.#heads[bucket] = 0;
    else links[previous] = 0;
    this.#referenced[entry] = 0;
    return entry;
  }

  /** Removes `entry` from its bucket's chain. */
  #unlink(entry: number): void {
    const links = this.#links;
    const bucket = this.#keyHashes[entry]! & this.#mask;
    let link = this.#heads[bucket]!;
    if (link === entry + 1) {
      this.#heads[bucket] = links[entry]!;
      return;
    }
    while (link !== 0) {
      const next = links[link - 1]!;
      if (next === entry + 1) {
        links[link - 1] = links[entry]!;
        return;
      }
      link = next;
    }
  }

  /** Doubles the entry arrays (up to the capacity) and rebuilds the chains over more buckets. */
  #grow(): void {
    const length = Math.min(this.#capacity, Math.max(INITIAL_ENTRIES, this.#referenced.length * 2));
    let buckets = 1;
    while (buckets < length) buckets *= 2;
    const referenced = new Uint8Array(length);
    referenced.set(this.#referenced);
    this.#referenced = referenced;
    const isPromoted = new Uint8Array(length);
    isPromoted.set(this.#isPromoted);
    this.#isPromoted = isPromoted;
    const keyHashes = new Int32Array(length);
    keyHashes.set(this.#keyHashes);
    this.#keyHashes = keyHashes;
    this.#links = new Int32Array(length);
    this.#heads = new Int32Array(buckets);
    this.#mask = buckets - 1;
    // Oldest first, so each chain keeps its newest entry at the head.
    for (let entry = 0; entry < this.#keys.length; entry += 1) {
      const bucket = keyHashes[entry]! & this.#mask;
      this.#links[entry] = this.#heads[bucket]!;
      this.#heads[bucket] = entry + 1;
    }
  }
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * The table's key hash: MurmurHash3 x86 32-bit over the key's UTF-16 code units (two per block),
 * seeded. Not the bucketing hash (that one is over UTF-8 and fixed by the golden vectors).
 */
export function hashUnitKey(unitKey: string, seed: number): number {
  let h = seed | 0;
  const n = unitKey.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    h ^= scrambleBlock(unitKey.charCodeAt(i) | (unitKey.charCodeAt(i + 1) << 16));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) h ^= scrambleBlock(unitKey.charCodeAt(i));
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function scrambleBlock(block: number): number {
  const k = Math.imul(block, C1);
  return Math.imul((k << 15) | (k >>> 17), C2);
}
