import type { EvaluationContext } from '@tripwire/schema';
import { allocateBucket, computeBucket } from './bucket.js';
import {
  ResolutionFailure,
  type BucketMemo,
  type CompiledFlag,
  type CompiledServe,
  type SharedResult,
} from './compiled-flag.js';

/** A unit key: a non-empty string, or a finite number in its decimal form. */
export function readUnitKey(context: EvaluationContext, attribute: string): string | undefined {
  // A named load for the common unit is monomorphic and cheaper than a keyed one.
  const value = attribute === 'targetingKey' ? context.targetingKey : context[attribute];
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function resolveServe(
  serve: CompiledServe,
  context: EvaluationContext,
  memo: BucketMemo | undefined,
): SharedResult | ResolutionFailure {
  if (serve.result !== undefined) return serve.result;
  const rollout = serve.rollout!;
  const unitKey = readUnitKey(context, rollout.unitAttribute);
  if (unitKey === undefined) return rollout.missingUnit;
  const bucket =
    memo === undefined ? computeBucket(rollout.prefix, unitKey) : memo.bucketOf(rollout, unitKey);
  const index = allocateBucket(rollout.allocation, bucket);
  return index < 0 ? rollout.outside : rollout.results[index]!;
}

/**
 * The hot path: prerequisites, then the first matching rule, then the fallthrough. Returns a
 * shared frozen result, or a failure the caller turns into the code default. Never throws
 * (compiled matchers only read the context) and allocates nothing on success. A `memo` supplies
 * the buckets of units it knows (the client's `UnitBucketMemo`).
 */
export function resolveFlag(
  flag: CompiledFlag,
  context: EvaluationContext,
  memo?: BucketMemo,
): SharedResult | ResolutionFailure {
  if (flag.broken !== undefined) return flag.broken;
  if (!flag.enabled) return flag.off;
  const prerequisites = flag.prerequisites;
  for (let i = 0; i < prerequisites.length; i++) {
    const prerequisite = prerequisites[i]!;
    const outcome = resolveFlag(prerequisite.flag, context, memo);
    if (outcome instanceof ResolutionFailure)
      return new ResolutionFailure(
        outcome.code,
        `prerequisite '${prerequisite.flag.key}': ${outcome.message}`,
      );
    if (!prerequisite.variants.has(outcome.variant)) return flag.off;
  }
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.match(context)) return resolveServe(rule.serve, context, memo);
  }
  return resolveServe(flag.fallthrough, context, memo);
}
