import type { GuardrailState } from '@tripwire/stats';
import type { RampRecord } from './ramp-repository.js';

/** The default ramp: percent of units in the rollout at each stage. */
export const DEFAULT_RAMP_STAGES: readonly number[] = [1, 5, 10, 25, 50, 100];

export type RampStep =
  | { kind: 'advance'; stageIndex: number; coveragePercent: number; completes: boolean }
  | { kind: 'hold'; reason: string }
  | { kind: 'wait'; reason: string };

/**
 * Whether a ramp may move to its next stage (pure). Gates: the stage has lasted
 * `minStageSeconds`, every guardrail of the rollout is `healthy`, and every arm has `minUnits`.
 * Any `inconclusive`, `no_traffic` or `collecting` holds the ramp (never promotes); a breach is
 * the guardian's to act on, so the ramp only holds.
 */
export function planRampStep(
  ramp: RampRecord,
  checks: readonly { state: GuardrailState; nControl: number; nTreatment: number }[],
  now: Date,
): RampStep {
  const elapsed = (now.getTime() - Date.parse(ramp.stageStartedAt)) / 1000;
  if (checks.length === 0) return { kind: 'hold', reason: 'no guardrail checks yet' };
  const unhealthy = checks.find((check) => check.state !== 'healthy');
  if (unhealthy !== undefined) return { kind: 'hold', reason: `a guardrail is ${unhealthy.state}` };
  const fewest = Math.min(...checks.map((check) => Math.min(check.nControl, check.nTreatment)));
  if (fewest < ramp.minUnits) {
    return { kind: 'wait', reason: `${fewest} of ${ramp.minUnits} units per arm` };
  }
  if (elapsed < ramp.minStageSeconds) {
    return {
      kind: 'wait',
      reason: `stage has lasted ${Math.floor(elapsed)} of ${ramp.minStageSeconds} s`,
    };
  }
  const next = ramp.stageIndex + 1;
  const coveragePercent = ramp.stages[next];
  if (coveragePercent === undefined) return { kind: 'wait', reason: 'last stage reached' };
  return {
    kind: 'advance',
    stageIndex: next,
    coveragePercent,
    completes: next === ramp.stages.length - 1,
  };
}

/** Checks ramp stages: ascending percentages in (0, 100], ending at 100. Returns an error or undefined. */
export function checkRampStages(stages: readonly number[]): string | undefined {
  if (stages.length === 0) return 'stages must not be empty';
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    if (!(stage > 0 && stage <= 100)) return `stages/${i} must be in (0, 100], got ${stage}`;
    if (i > 0 && stage <= stages[i - 1]!) return `stages/${i} must be greater than stages/${i - 1}`;
  }
  if (stages[stages.length - 1] !== 100) return 'the last stage must be 100';
  return undefined;
}
