import type { Attributes } from '@opentelemetry/api';
import type { EvaluationReason } from '@tripwire/schema';
import type { FlagCount } from './flag-counters.js';
import { FlagCounters } from './flag-counters.js';
import type { ResultCell } from '../evaluation/compiled-flag.js';
import { RESULT_CELL } from '../evaluation/compiled-flag.js';
import type { FlagExposures } from './flag-exposures.js';
import { getVariantAttribute } from './variant-attribute.js';

/**
 * Per-result bookkeeping for the hot path. The evaluation core returns one shared, frozen
 * result object per (flag, variant, reason), so one identity-keyed Map lookup finds the
 * counter, the unit attribute and whether the result is an exposure: no string keys built,
 * no nested maps walked.
 */
export interface ResultSlot {
  readonly flagKey: string;
  readonly variant: string;
  readonly reason: EvaluationReason;
  readonly flagVersion: number | undefined;
  /** The flag's unit attribute (`targetingKey` unless the flag says otherwise). */
  readonly unitKind: string;
  /** `tripwire.variant.<flagKey>`. */
  readonly attribute: string;
  readonly isExposure: boolean;
  /** Where exposures of this flag are deduplicated (exposure slots only). */
  readonly exposureLog: FlagExposures | undefined;
  /** The variant's stamp in `exposureLog` (exposure slots only; 0 otherwise). */
  readonly variantStamp: number;
  /** False for a one-off slot describing a result the core did not share (never stored). */
  readonly shared: boolean;
  count: number;
  exposures: number;
  /** The exposure span's per-slot attributes, built on the first exposure. */
  exposureAttributes: Attributes | undefined;
}

/** Guard against a core that stops sharing results: past this many slots, count the slow way. */
const MAX_SLOTS = 10_000;

interface SlotResult {
  readonly variant?: string;
  readonly reason: EvaluationReason;
  readonly flagVersion?: number;
}

/**
 * Evaluation counts: shared results count in their slot, anything else (errors, which are
 * fresh objects) in nested counters. Slots belong to one compiled config: `retire()` folds
 * their counts into the nested counters when a new config is applied, so totals stay cumulative.
 */
export class EvaluationTally {
  readonly #folded = new FlagCounters();
  readonly #foldedExposures = new FlagCounters();
  #slots = new Map<object, ResultSlot>();

  /**
   * The slot of `result` for `flagKey`, if one was created: read from the result's cell when this
   * tally's current slots claimed it, else (another config's slots, a result without a cell)
   * from the map.
   */
  findSlot(result: object, flagKey: string): ResultSlot | undefined {
    const cell = (result as { [RESULT_CELL]?: ResultCell })[RESULT_CELL];
    const slot =
      cell !== undefined && cell.owner === this.#slots
        ? (cell.value as ResultSlot)
        : this.#slots.get(result);
    return slot !== undefined && slot.flagKey === flagKey ? slot : undefined;
  }

  /** Creates the slot of a shared result with a variant; undefined for anything else. */
  createSlot(
    result: SlotResult,
    flagKey: string,
    describe: { unitKind: string; exposureLog: FlagExposures | undefined },
  ): ResultSlot | undefined {
    const variant = result.variant;
    if (variant === undefined || result.reason === 'error' || !Object.isFrozen(result)) {
      return undefined;
    }
    if (this.#slots.size >= MAX_SLOTS || this.#slots.has(result)) return undefined;
    const slot: ResultSlot = {
      flagKey,
      variant,
      reason: result.reason,
      flagVersion: result.flagVersion,
      unitKind: describe.unitKind,
      attribute: getVariantAttribute(flagKey),
      isExposure: describe.exposureLog !== undefined,
      exposureLog: describe.exposureLog,
      variantStamp: describe.exposureLog?.stampOf(variant) ?? 0,
      shared: true,
      count: 0,
      exposures: 0,
      exposureAttributes: undefined,
    };
    this.#slots.set(result, slot);
    const cell = (result as { [RESULT_CELL]?: ResultCell })[RESULT_CELL];
    if (cell !== undefined) {
      cell.owner = this.#slots;
      cell.value = slot;
    }
    return slot;
  }

  /** Counts an evaluation that has no slot. */
  countUnslotted(flagKey: string, variant: string | undefined, reason: string): void {
    this.#folded.increment(flagKey, variant ?? '', reason);
  }

  /** Counts a first exposure. */
  countExposure(slot: ResultSlot): void {
    if (slot.shared) slot.exposures += 1;
    else this.#foldedExposures.increment(slot.flagKey, slot.variant, slot.reason);
  }

  /** Folds the slots of the outgoing config into the cumulative counters. */
  retire(): void {
    const slots = this.#slots;
    this.#slots = new Map();
    for (const slot of slots.values()) {
      this.#folded.add(slot.flagKey, slot.variant, slot.reason, slot.count);
      this.#foldedExposures.add(slot.flagKey, slot.variant, slot.reason, slot.exposures);
    }
  }

  /** Cumulative evaluation counts per flag, variant and reason. */
  entries(): IterableIterator<FlagCount> {
    return this.#merge(this.#folded, (slot) => slot.count);
  }

  /** Cumulative first-exposure counts per flag, variant and reason. */
  exposureEntries(): IterableIterator<FlagCount> {
    return this.#merge(this.#foldedExposures, (slot) => slot.exposures);
  }

  #merge(folded: FlagCounters, countOf: (slot: ResultSlot) => number): IterableIterator<FlagCount> {
    const merged = new FlagCounters();
    for (const { flagKey, variant, reason, count } of folded.entries()) {
      merged.add(flagKey, variant, reason, count);
    }
    for (const slot of this.#slots.values()) {
      const count = countOf(slot);
      if (count > 0) merged.add(slot.flagKey, slot.variant, slot.reason, count);
    }
    return merged.entries();
  }
}
