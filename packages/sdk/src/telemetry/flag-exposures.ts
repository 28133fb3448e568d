/**
 * Variant keys a record can tell apart over its life (stamps are bytes, 0 = none). A flag has at
 * most 100 variants per config; the client replaces a record that has seen more than
 * `MAX_VARIANT_KEYS - 128` variant keys when a new config applies (`isNearlyFull`), so one
 * config can never overflow it.
 */
export const MAX_VARIANT_KEYS = 255;

/** Entries a record starts with; it doubles up to the unit table's capacity as needed. */
const INITIAL_ENTRIES = 64;

/**
 * The exposure record of one flag (kept across config versions): for each entry of the
 * client's unit table (`UnitCache`), one byte naming the variant the unit in that entry was last
 * exposed to (its ordinal + 1; 0 for none). A repeat is one byte load and compare. When the unit
 * table gives an entry to another unit, the client calls `forget(entry)` on every record, so a
 * unit evicted from the table is forgotten by every flag and may be exposed once more later: a
 * duplicate, never a loss.
 */
export class FlagExposures {
  readonly flagKey: string;
  readonly #capacity: number;
  readonly #variants: string[] = [];
  #stamps = new Uint8Array(0);

  constructor(flagKey: string, capacity: number) {
    this.flagKey = flagKey;
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** The stamp (ordinal + 1) of `variant` in this record, assigned on first use. */
  stampOf(variant: string): number {
    const known = this.#variants.indexOf(variant);
    if (known !== -1) return known + 1;
    // The client retires a nearly full record between configs, before this could happen.
    if (this.#variants.length === MAX_VARIANT_KEYS) throw new Error('exposure record is full');
    return this.#variants.push(variant);
  }

  /** True when a config with up to 128 new variant keys might not fit: replace the record. */
  get isNearlyFull(): boolean {
    return this.#variants.length > MAX_VARIANT_KEYS - 128;
  }

  /** True when the unit in `entry` was last exposed to the variant with `stamp`. */
  has(entry: number, stamp: number): boolean {
    return entry < this.#stamps.length && this.#stamps[entry] === stamp;
  }

  /** Records a first exposure; it replaces whatever the entry's unit was exposed to before. */
  record(entry: number, stamp: number): void {
    if (entry >= this.#stamps.length) this.#grow(entry);
    this.#stamps[entry] = stamp;
  }

  /** Forgets the unit in `entry` (the unit table gave the entry to another unit). */
  forget(entry: number): void {
    if (entry < this.#stamps.length) this.#stamps[entry] = 0;
  }

  /** The variant the unit in `entry` was last exposed to, if remembered. */
  variantOf(entry: number): string | undefined {
    const stamp = this.#stamps[entry] ?? 0;
    return stamp === 0 ? undefined : this.#variants[stamp - 1];
  }

  #grow(entry: number): void {
    let length = Math.max(INITIAL_ENTRIES, this.#stamps.length);
    while (length <= entry) length *= 2;
    const stamps = new Uint8Array(Math.min(this.#capacity, length));
    stamps.set(this.#stamps);
    this.#stamps = stamps;
  }
}
