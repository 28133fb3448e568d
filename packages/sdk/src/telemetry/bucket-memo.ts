import { computeBucket } from '../evaluation/bucket.js';
import type { BucketMemo, BucketMemoCell, CompiledRollout } from '../evaluation/compiled-flag.js';
import type { UnitCache } from './unit-cache.js';

/** Entries a rollout's memo starts with; it doubles up to the unit table's capacity. */
const INITIAL_ENTRIES = 1024;

/** `lastEntry` after a lookup that missed: the unit key (`missedKey`) is not promoted. */
export const MEMO_MISSED = -2;

/**
 * The buckets of the client's known units, per rollout: the one unit lookup a repeat exposure
 * needs anyway (`UnitCache.findPromoted`, a `Map.get`) also replaces the MurmurHash3 of
 * `<salt>.<seed>.<unitKey>` the core would compute for the unit. The lookup is left for the
 * exposure check: the entry in `lastEntry` and the context attribute it was read from in
 * `lastAttribute` (after a miss, `MEMO_MISSED` and the key in `missedKey`), so an exposure of
 * the flag's unit reads neither the context nor the unit table again. Only units looked up
 * again since their admission are memoized (a unit seen once costs no `Map` insert); others
 * are hashed as the core does.
 *
 * Each rollout's buckets (bucket + 1, 0 = unknown, 2 bytes per entry) live in its
 * `BucketMemoCell`, claimed with an owner token. A unit evicted from the unit table is
 * forgotten in every cell claimed since the last `reset()` (`forget`), before its entry goes to
 * another unit. `reset()` (on every config change) takes a new token and an empty list, so the
 * list holds only the current config's rollouts: those the new config reuses are claimed
 * again, empty. Memory: at most 2 bytes × the unit table's capacity per rollout evaluated for a
 * known unit.
 */
export class UnitBucketMemo implements BucketMemo {
  readonly #units: UnitCache;
  readonly #capacity: number;
  #owner: object = {};
  #cells: BucketMemoCell[] = [];
  /**
   * The entry of the unit key the last `bucketOf` looked up, `MEMO_MISSED` when that key was not
   * promoted (the key is then `missedKey`); the client sets -1 before each evaluation.
   */
  lastEntry = -1;
  /** The unit key of the last lookup that missed; read only when `lastEntry` is `MEMO_MISSED`. */
  missedKey = '';
  /** The rollout's unit attribute the last lookup read its key from (`lastEntry` ≠ -1). */
  lastAttribute = '';

  constructor(units: UnitCache, capacity: number) {
    this.#units = units;
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  bucketOf(rollout: CompiledRollout, unitKey: string): number {
    const entry = this.#units.findPromoted(unitKey);
    this.lastAttribute = rollout.unitAttribute;
    if (entry === -1) {
      this.lastEntry = MEMO_MISSED;
      this.missedKey = unitKey;
      return computeBucket(rollout.prefix, unitKey);
    }
    this.lastEntry = entry;
    const cell = rollout.memo;
    let buckets = cell.owner === this.#owner ? cell.buckets : this.#claim(cell);
    if (entry >= buckets.length) buckets = this.#grow(cell, entry);
    const known = buckets[entry]!;
    if (known !== 0) return known - 1;
    const bucket = computeBucket(rollout.prefix, unitKey);
    buckets[entry] = bucket + 1;
    return bucket;
  }

  /** Forgets the unit in `entry` in every claimed rollout (the entry goes to another unit). */
  forget(entry: number): void {
    const cells = this.#cells;
    for (let i = 0; i < cells.length; i += 1) {
      const buckets = cells[i]!.buckets;
      if (entry < buckets.length) buckets[entry] = 0;
    }
  }

  /** Drops every claim (a new config applied): rollouts are claimed again, empty, on use. */
  reset(): void {
    this.#owner = {};
    this.#cells = [];
    this.lastEntry = -1;
  }

  #claim(cell: BucketMemoCell): Uint16Array {
    cell.owner = this.#owner;
    cell.buckets = new Uint16Array(0);
    this.#cells.push(cell);
    return cell.buckets;
  }

  #grow(cell: BucketMemoCell, entry: number): Uint16Array {
    let length = Math.max(INITIAL_ENTRIES, cell.buckets.length);
    while (length <= entry) length *= 2;
    const buckets = new Uint16Array(Math.min(this.#capacity, length));
    buckets.set(cell.buckets);
    cell.buckets = buckets;
    return buckets;
  }
}
