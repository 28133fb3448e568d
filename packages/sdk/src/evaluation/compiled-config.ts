import type {
  EvaluationContext,
  EvaluationErrorCode,
  EvaluationResult,
  JsonValue,
} from '@tripwire/schema';
import {
  isCompatibleDefault,
  ResolutionFailure,
  type BucketMemo,
  type CompiledFlag,
  type FlagInfo,
} from './compiled-flag.js';
import { resolveFlag } from './resolve-flag.js';

function fail<T>(
  value: T,
  code: EvaluationErrorCode,
  message: string,
  flagVersion?: number,
): EvaluationResult<T> {
  const result: EvaluationResult<T> = {
    value,
    reason: 'error',
    errorCode: code,
    errorMessage: message,
  };
  if (flagVersion !== undefined) result.flagVersion = flagVersion;
  return result;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * One environment's flags, compiled by `compileConfig`. Immutable; build a new one per config
 * version. Evaluation is synchronous and never throws.
 */
export class CompiledConfig {
  readonly environment: string;
  readonly version: number;
  readonly generatedAt: string;
  readonly #flags: ReadonlyMap<string, CompiledFlag>;

  constructor(
    header: { environment: string; version: number; generatedAt: string },
    flags: ReadonlyMap<string, CompiledFlag>,
  ) {
    this.environment = header.environment;
    this.version = header.version;
    this.generatedAt = header.generatedAt;
    this.#flags = flags;
  }

  /**
   * Evaluates a flag for a context. The default's type must match the flag's type (`json` flags
   * take an object, array or null); on any error the result carries `defaultValue`, reason
   * `error` and an error code. Successful results are shared frozen objects: do not mutate.
   * `memo` (internal: the client's) supplies the buckets of the units it knows.
   */
  evaluate<T>(
    flagKey: string,
    context: EvaluationContext,
    defaultValue: T,
    memo?: BucketMemo,
  ): EvaluationResult<T> {
    const flag = this.#flags.get(flagKey);
    if (flag === undefined)
      return fail(defaultValue, 'flag_not_found', `flag '${flagKey}' is not in the config`);
    if (flag.broken !== undefined)
      return fail(defaultValue, flag.broken.code, flag.broken.message, flag.version);
    if (!isCompatibleDefault(flag.type, defaultValue))
      return fail(
        defaultValue,
        'type_mismatch',
        `flag '${flagKey}' is a ${flag.type} flag but the default is ${describeType(defaultValue)}`,
        flag.version,
      );
    const outcome = this.#resolve(flag, context, memo);
    if (outcome instanceof ResolutionFailure)
      return fail(defaultValue, outcome.code, outcome.message, flag.version);
    return outcome as unknown as EvaluationResult<T>;
  }

  /**
   * Evaluates a flag without a code default (for bulk evaluation such as OFREP): on error the
   * value is undefined.
   */
  resolve(flagKey: string, context: EvaluationContext): EvaluationResult<JsonValue | undefined> {
    const flag = this.#flags.get(flagKey);
    if (flag === undefined)
      return fail(undefined, 'flag_not_found', `flag '${flagKey}' is not in the config`);
    const outcome = this.#resolve(flag, context);
    if (outcome instanceof ResolutionFailure)
      return fail(undefined, outcome.code, outcome.message, flag.version);
    return outcome;
  }

  /** Static facts about a flag (kind, unit attribute, version, …), or undefined. */
  getFlag(flagKey: string): FlagInfo | undefined {
    return this.#flags.get(flagKey);
  }

  /** Keys of every flag in the config, including broken ones. */
  listFlagKeys(): string[] {
    return [...this.#flags.keys()];
  }

  #resolve(
    flag: CompiledFlag,
    context: EvaluationContext,
    memo?: BucketMemo,
  ): ReturnType<typeof resolveFlag> {
    if (typeof context !== 'object' || context === null)
      return new ResolutionFailure('invalid_context', 'the evaluation context must be an object');
    try {
      return resolveFlag(flag, context, memo);
    } catch (error) {
      // Only a hostile context (a throwing getter or proxy) gets here.
      return new ResolutionFailure(
        'general',
        `evaluation failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
