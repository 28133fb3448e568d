import type { GuardrailState } from '@tripwire/stats';
import type { DecisionRecord } from './decision-repository.js';
import type { CheckOutcome, RunningRollout } from './guardian-types.js';
import type { PassTrigger } from './plan-next-pass.js';

/** The guardian's memory between passes: the last state per flag/environment/guardrail/variant. */
export type GuardrailStates = ReadonlyMap<string, GuardrailState>;

/**
 * What to do about one checked outcome (pure data; `guardian.ts` performs it):
 * - `record`: write the check row (action taken: none);
 * - `kill`: write the breach row (kill pending), kill, write the kill row, alert;
 * - `pause` / `alert`: a new breach of a pause or alert guardrail: pause the ramp (pause only),
 *   fetch exemplars, write the breach row, alert.
 */
export type CheckStep =
  | { kind: 'record'; outcome: CheckOutcome }
  | { kind: 'kill'; outcome: CheckOutcome }
  | { kind: 'pause'; outcome: CheckOutcome }
  | { kind: 'alert'; outcome: CheckOutcome };

export interface ChecksPlan {
  steps: CheckStep[];
  /** The states after this pass (the input map is not changed). */
  states: Map<string, GuardrailState>;
}

/**
 * Decides the transitions of one rollout's checks from their outcomes and the prior states:
 * a breach of a `kill` guardrail kills (at most one kill per rollout per pass; later breaches
 * of that pass are recorded only); a `pause` or `alert` guardrail acts on the transition into
 * `breached` only (recovering and breaching again acts again); early re-checks (`telemetry`)
 * record only state changes and breaches acted on, regular passes (`interval`) every check.
 */
export function planChecks(input: {
  outcomes: readonly CheckOutcome[];
  states: GuardrailStates;
  trigger: PassTrigger;
}): ChecksPlan {
  const states = new Map(input.states);
  const steps: CheckStep[] = [];
  let hasKill = false;
  for (const outcome of input.outcomes) {
    const key = stateKey(outcome);
    const { state } = outcome.decision;
    const previous = states.get(key);
    const shouldRecord = input.trigger === 'interval' || previous !== state;
    const { action } = outcome.guardrail;
    if (state === 'breached' && !hasKill && action === 'kill') {
      hasKill = true;
      steps.push({ kind: 'kill', outcome });
    } else if (state === 'breached' && !hasKill && previous !== 'breached' && action !== 'kill') {
      steps.push({ kind: action, outcome });
    } else if (shouldRecord) {
      steps.push({ kind: 'record', outcome });
    }
    states.set(key, state);
  }
  return { steps, states };
}

/** A kill written as pending by an earlier pass (or process): finish it, or record it stopped. */
export interface PendingKillStep {
  breach: DecisionRecord;
  /** The rollout still runs: kill it (once); else look for an earlier kill naming the breach. */
  isRunning: boolean;
}

/** Pairs every pending kill with whether its rollout still runs (pure). */
export function planPendingKills(
  pending: readonly DecisionRecord[],
  running: readonly RunningRollout[],
): PendingKillStep[] {
  return pending.map((breach) => ({
    breach,
    isRunning: running.some(
      (r) => r.flagKey === breach.flagKey && r.environment === breach.environment,
    ),
  }));
}

/** Ramps step on the regular passes only: their gates are minutes long. */
export function shouldStepRamps(trigger: PassTrigger): boolean {
  return trigger === 'interval';
}

/** The key of one guardrail of one treatment of one rollout in `GuardrailStates`. */
export function stateKey(outcome: Pick<CheckOutcome, 'rollout' | 'guardrail' | 'variant'>): string {
  const { rollout, guardrail, variant } = outcome;
  return `${rollout.flagKey}\u0000${rollout.environment}\u0000${guardrail.id}\u0000${variant}`;
}
