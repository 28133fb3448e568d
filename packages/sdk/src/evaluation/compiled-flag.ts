import type {
  EvaluationErrorCode,
  EvaluationReason,
  EvaluationResult,
  FlagKind,
  FlagValueType,
  JsonValue,
} from '@tripwire/schema';
import type { Allocation } from './bucket.js';
import type { Matcher } from './compile-condition.js';
import type { HashPrefix } from './murmur3.js';

/** A shared, frozen result for one (variant, reason); returned as is on the hot path. */
export type SharedResult = Readonly<EvaluationResult<JsonValue>> & { readonly variant: string };

/** Why a flag could not be resolved; shared where the cause is static. */
export class ResolutionFailure {
  readonly code: EvaluationErrorCode;
  readonly message: string;
  constructor(code: EvaluationErrorCode, message: string) {
    this.code = code;
    this.message = message;
  }
}

export interface CompiledRollout {
  readonly prefix: HashPrefix;
  readonly unitAttribute: string;
  readonly allocation: Allocation;
  /** Result per weight entry (reason `split`). */
  readonly results: readonly SharedResult[];
  /** Served outside coverage: the flag's defaultVariant, reason `default`. */
  readonly outside: SharedResult;
  readonly missingUnit: ResolutionFailure;
  /** Where a `BucketMemo` keeps this rollout's buckets; the core never reads it. */
  readonly memo: BucketMemoCell;
}

/** A rollout's slot for a `BucketMemo`: whoever last claimed it, and its buckets per unit. */
export interface BucketMemoCell {
  owner: object | undefined;
  buckets: Uint16Array;
}

/**
 * Supplies the bucket of a unit in a rollout instead of the core computing it: the client's
 * memo of buckets per known unit. It must return exactly `computeBucket(rollout.prefix, unitKey)`.
 */
export interface BucketMemo {
  bucketOf(rollout: CompiledRollout, unitKey: string): number;
}

/** A rollout's memo cell before anything claimed it. */
export function createBucketMemoCell(): BucketMemoCell {
  return { owner: undefined, buckets: new Uint16Array(0) };
}

/** Exactly one of `result` (a fixed variant) or `rollout` is set. */
export interface CompiledServe {
  readonly result: SharedResult | undefined;
  readonly rollout: CompiledRollout | undefined;
}

export interface CompiledRule {
  readonly id: string;
  readonly match: Matcher;
  readonly serve: CompiledServe;
}

export interface CompiledPrerequisite {
  readonly flag: CompiledFlag;
  readonly variants: ReadonlySet<string>;
}

/** What callers may read about a flag (telemetry needs `unit`, `version`, `kind`). */
export interface FlagInfo {
  readonly key: string;
  readonly kind: FlagKind;
  readonly type: FlagValueType;
  /** The randomization unit attribute (default `targetingKey`). */
  readonly unit: string;
  /** The flag's `recordExposures` (undefined: the client's `exposureReasons` decide). */
  readonly recordExposures: boolean | undefined;
  readonly version: number;
  readonly defaultVariant: string;
  readonly variants: readonly string[];
  readonly owner: string;
  readonly expiresAt: string | undefined;
}

/** A flag prepared for evaluation in one environment. Mutable only while compiling. */
export interface CompiledFlag extends FlagInfo {
  enabled: boolean;
  rules: CompiledRule[];
  fallthrough: CompiledServe;
  /** Served when disabled, archived, absent from the environment, or a prerequisite fails. */
  off: SharedResult;
  prerequisites: CompiledPrerequisite[];
  /** Set when the flag cannot be evaluated; every evaluation returns this error. */
  broken: ResolutionFailure | undefined;
}

export function isCompatibleDefault(type: FlagValueType, value: unknown): boolean {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'json':
      return typeof value === 'object';
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Key of a mutable cell carried by every shared result as a non-enumerable property (invisible to
 * JSON, spreads, `Object.keys` and equality checks). The core never reads it: it lets the client
 * find its bookkeeping for a result with one property load instead of a `Map` lookup
 * (`EvaluationTally.findSlot`, ~8 ns per repeat exposure, paired in bench/exposure.bench.ts).
 */
export const RESULT_CELL: unique symbol = Symbol('@tripwire/sdk.result-cell');

/** What `RESULT_CELL` holds: whoever last claimed it, and what it stored there. */
export interface ResultCell {
  owner: object | undefined;
  value: unknown;
}

/** Creates the frozen result shared by every evaluation that lands on this variant and reason. */
export function createSharedResult(options: {
  value: JsonValue;
  variant: string;
  reason: EvaluationReason;
  flagVersion: number;
}): SharedResult {
  const value =
    typeof options.value === 'object' ? deepFreeze(structuredClone(options.value)) : options.value;
  const result = {
    value,
    variant: options.variant,
    reason: options.reason,
    flagVersion: options.flagVersion,
  };
  const cell: ResultCell = { owner: undefined, value: undefined };
  return Object.freeze(Object.defineProperty(result, RESULT_CELL, { value: cell }));
}
