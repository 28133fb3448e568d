import type { Flag, Serve } from '@tripwire/schema';
import { defaultGuardrails } from './default-guardrails.js';
import type { RunningRollout } from './guardian-types.js';

/**
 * The rollouts the guardian watches: every enabled, non-archived environment of a flag whose
 * rules or fallthrough serve some variant other than `defaultVariant` (the control) while some
 * units still get the control. An environment serving one variant to everyone has no control
 * to compare with and is not a rollout.
 */
export function findRunningRollouts(flags: readonly Flag[]): RunningRollout[] {
  const rollouts: RunningRollout[] = [];
  for (const flag of flags) {
    if (flag.archived === true) continue;
    for (const [environment, state] of Object.entries(flag.environments)) {
      if (!state.enabled) continue;
      const serves = [...state.rules.map((rule) => rule.serve), state.fallthrough];
      const treatments = new Set<string>();
      let servesControl = false;
      for (const serve of serves) {
        for (const variant of servedVariants(serve, flag.defaultVariant)) {
          if (variant === flag.defaultVariant) servesControl = true;
          else treatments.add(variant);
        }
      }
      if (treatments.size === 0 || !servesControl) continue;
      const own = flag.guardrails ?? [];
      rollouts.push({
        flagKey: flag.key,
        environment,
        flagVersion: flag.version,
        control: flag.defaultVariant,
        treatments: [...treatments].sort(),
        guardrails: own.length > 0 ? own : defaultGuardrails(),
        usesDefaultGuardrails: own.length === 0,
      });
    }
  }
  return rollouts;
}

/** Variants a serve can hand out; a partial-coverage rollout also hands out the default. */
function servedVariants(serve: Serve, defaultVariant: string): string[] {
  if ('variant' in serve) return [serve.variant];
  const { coverage, weights } = serve.rollout;
  if (coverage <= 0) return [defaultVariant];
  const variants = weights.filter((w) => w.weight > 0).map((w) => w.variant);
  return coverage < 10_000 ? [...variants, defaultVariant] : variants;
}
