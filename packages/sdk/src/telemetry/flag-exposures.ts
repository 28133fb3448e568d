/**
 * The exposure record of one flag: the variant each unit was last exposed to, as a small
 * integer code. The dedup check of a repeat exposure is one `Map.get` of the unit key that
 * returns a number compared with the slot's precomputed code: no per-unit object is read, no
 * string is built, and the cost does not grow with the number of flags a unit sees.
 *
 * Bounded like the unit cache: two generations of `capacity / 2` units approximate LRU; a unit
 * exposed to this flag within the last `capacity / 2` distinct units is never forgotten, and a
 * forgotten unit may record its exposure once more later (a duplicate, never a loss).
 */
export class FlagExposures {
  readonly flagKey: string;
  readonly #generationSize: number;
  #young = new Map<string, number>();
  #old = new Map<string, number>();
  readonly #codes = new Map<string, number>();
  readonly #variants: string[] = [];

  constructor(flagKey: string, capacity: number) {
    this.flagKey = flagKey;
    this.#generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  /** The code of `variant`, stable for the life of the record (across config versions). */
  codeOf(variant: string): number {
    let code = this.#codes.get(variant);
    if (code === undefined) {
      code = this.#variants.length;
      this.#variants.push(variant);
      this.#codes.set(variant, code);
    }
    return code;
  }

  /**
   * Records that `unitKey` was served the variant with `code`. Returns true on a first
   * exposure (the unit was not recorded, or was recorded with another variant).
   */
  record(unitKey: string, code: number): boolean {
    const young = this.#young.get(unitKey);
    if (young === code) return false;
    if (young === undefined && this.#old.get(unitKey) === code) {
      this.#remember(unitKey, code);
      return false;
    }
    this.#remember(unitKey, code);
    return true;
  }

  /** The variant `unitKey` was last exposed to, if remembered. */
  variantOf(unitKey: string): string | undefined {
    const code = this.#young.get(unitKey) ?? this.#old.get(unitKey);
    return code === undefined ? undefined : this.#variants[code];
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  #remember(unitKey: string, code: number): void {
    if (this.#young.size >= this.#generationSize && !this.#young.has(unitKey)) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(unitKey, code);
  }
}
