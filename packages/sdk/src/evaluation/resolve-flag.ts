import type { EvaluationContext } from '@tripwire/schema';
import { allocateBucket, computeBucket } from './bucket.js';
import {
  ResolutionFailure,
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
): SharedResult | ResolutionFailure {
  if (serve.result !== undefined) return serve.result;
  const rollout = serve.rollout!;
  const unitKey = readUnitKey(context, rollout.unitAttribute);
  if (unitKey === undefined) return rollout.missingUnit;
  const index = allocateBucket(rollout.allocation, computeBucket(rollout.prefix, unitKey));
  return index < 0 ? rollout.outside : rollout.results[index]!;
}

/**
 * The hot path: prerequisites, then the first matching rule, then the fallthrough. Returns a
 * shared frozen result, or a failure the caller turns into the code default. Never throws
 * (compiled matchers only read the context) and allocates nothing on success.
 */
export function resolveFlag(
  flag: CompiledFlag,
  context: EvaluationContext,
): SharedResult | ResolutionFailure {
  if (flag.broken !== undefined) return flag.broken;
  if (!flag.enabled) return flag.off;
  const prerequisites = flag.prerequisites;
  for (let i = 0; i < prerequisites.length; i++) {
    const prerequisite = prerequisites[i]!;
    const outcome = resolveFlag(prerequisite.flag, context);
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
    if (rule.match(context)) return resolveServe(rule.serve, context);
  }
  return resolveServe(flag.fallthrough, context);
}
