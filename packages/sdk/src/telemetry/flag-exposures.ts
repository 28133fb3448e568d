/**
 * The units whose last exposure to a flag was one variant, mapped to their hashed ids. A repeat
 * exposure is one `Map.get` of the unit key in the slot's own record: it answers the dedup
 * question and yields the id for stamping spans in the same lookup, whatever the number of
 * flags a unit sees; no per-unit object is read, no string is built.
 *
 * Bounded like the unit cache: two generations of `capacity / 2` units approximate LRU; a unit
 * exposed within the last `capacity / 2` distinct units is never forgotten, and a forgotten
 * unit may record its exposure once more later (a duplicate, never a loss).
 */
export class VariantExposures {
  readonly variant: string;
  readonly #generationSize: number;
  #young = new Map<string, string>();
  #old = new Map<string, string>();

  constructor(variant: string, capacity: number) {
    this.variant = variant;
    this.#generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  /** The unit's id when its last recorded exposure to the flag was this variant. */
  get(unitKey: string): string | undefined {
    const young = this.#young.get(unitKey);
    if (young !== undefined) return young;
    const old = this.#old.get(unitKey);
    if (old !== undefined) this.set(unitKey, old);
    return old;
  }

  set(unitKey: string, unitId: string): void {
    if (this.#young.size >= this.#generationSize && !this.#young.has(unitKey)) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(unitKey, unitId);
  }

  delete(unitKey: string): void {
    this.#young.delete(unitKey);
    this.#old.delete(unitKey);
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }
}

/** The exposure records of one flag, one per variant key (kept across config versions). */
export class FlagExposures {
  readonly flagKey: string;
  readonly #capacity: number;
  readonly #variants: VariantExposures[] = [];

  constructor(flagKey: string, capacity: number) {
    this.flagKey = flagKey;
    this.#capacity = capacity;
  }

  /** The record of `variant`, created on first use. */
  variant(variant: string): VariantExposures {
    let record = this.#variants.find((candidate) => candidate.variant === variant);
    if (record === undefined) {
      record = new VariantExposures(variant, this.#capacity);
      this.#variants.push(record);
    }
    return record;
  }

  /** Records a first exposure of `unitKey` to `exposed`; its other variants of the flag are forgotten. */
  record(exposed: VariantExposures, unitKey: string, unitId: string): void {
    for (const record of this.#variants) {
      if (record !== exposed) record.delete(unitKey);
    }
    exposed.set(unitKey, unitId);
  }

  /** The variant `unitKey` was last exposed to, if remembered. */
  variantOf(unitKey: string): string | undefined {
    return this.#variants.find((record) => record.get(unitKey) !== undefined)?.variant;
  }
}
