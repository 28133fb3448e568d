import { randomUUID } from 'node:crypto';
import type { Flag } from '@tripwire/schema';
import { createError } from '../errors.js';
import type { RampHook } from './guardian.js';
import type { CheckOutcome, GuardianFlags, RunningRollout } from './guardian-types.js';
import { planRampStep } from './ramp-plan.js';
import type { RampRecord, RampRepository, RampStatus } from './ramp-repository.js';

/** The actor of every flag version a ramp writes. */
export const RAMP_ACTOR = 'ramp';

export interface RampController extends RampHook {
  start(input: {
    flagKey: string;
    environment: string;
    stages: number[];
    minUnits: number;
    minStageSeconds: number;
    actor: string;
    now: Date;
  }): Promise<RampRecord>;
  /** Stops (`aborted`) or resumes (`running`) a ramp by a person. */
  setStatus(input: {
    flagKey: string;
    environment: string;
    status: 'aborted' | 'running';
    actor: string;
    now: Date;
  }): Promise<RampRecord>;
  current(flagKey: string, environment: string): Promise<RampRecord | undefined>;
}

const ACTIVE: ReadonlySet<RampStatus> = new Set(['running', 'held']);

export function createRampController(flags: GuardianFlags, ramps: RampRepository): RampController {
  const current = async (flagKey: string, environment: string) =>
    (await ramps.listCurrent()).find((r) => r.flagKey === flagKey && r.environment === environment);

  const transition = async (
    ramp: RampRecord,
    change: Partial<RampRecord> & {
      status: RampStatus;
      changedAt: string;
      reason: string;
      actor: string;
    },
  ) => {
    const next = { ...ramp, ...change };
    await ramps.insert(next);
    return next;
  };

  const setCoverage = async (
    flagKey: string,
    environment: string,
    percent: number,
    reason: string,
  ) => {
    const flag = await flags.get(flagKey);
    if (flag === undefined)
      throw createError('TRIPWIRE_ERR_NOT_FOUND', `flag "${flagKey}" does not exist`);
    await flags.update(withCoverage(flag, environment, percent), {
      actor: RAMP_ACTOR,
      reason,
      expectedVersion: flag.version,
    });
  };

  return {
    current,
    async start(input) {
      const existing = await current(input.flagKey, input.environment);
      if (existing !== undefined && ACTIVE.has(existing.status)) {
        throw createError(
          'TRIPWIRE_ERR_CONFLICT',
          `flag "${input.flagKey}" already ramps in ${input.environment}`,
        );
      }
      const first = input.stages[0]!;
      await setCoverage(input.flagKey, input.environment, first, `ramp started at ${first}%`);
      const at = input.now.toISOString();
      const ramp: RampRecord = {
        rampId: randomUUID(),
        flagKey: input.flagKey,
        environment: input.environment,
        changedAt: at,
        status: 'running',
        stageIndex: 0,
        stages: input.stages,
        minUnits: input.minUnits,
        minStageSeconds: input.minStageSeconds,
        stageStartedAt: at,
        actor: input.actor,
        reason: `started at ${first}%`,
      };
      await ramps.insert(ramp);
      return ramp;
    },
    async setStatus({ flagKey, environment, status, actor, now }) {
      const ramp = await current(flagKey, environment);
      if (ramp === undefined)
        throw createError(
          'TRIPWIRE_ERR_NOT_FOUND',
          `flag "${flagKey}" has no ramp in ${environment}`,
        );
      if (status === 'running' && ramp.status !== 'paused' && ramp.status !== 'held') {
        throw createError('TRIPWIRE_ERR_CONFLICT', `a ${ramp.status} ramp cannot be resumed`);
      }
      return transition(ramp, {
        status,
        changedAt: now.toISOString(),
        actor,
        reason: `${status} by ${actor}`,
      });
    },
    async pause({ flagKey, environment, reason, now }) {
      const ramp = await current(flagKey, environment);
      if (ramp === undefined || !ACTIVE.has(ramp.status)) return;
      await transition(ramp, {
        status: 'paused',
        changedAt: now.toISOString(),
        actor: 'guardian',
        reason,
      });
    },
    async onTick({ rollouts, outcomes, now }) {
      for (const ramp of await ramps.listCurrent()) {
        if (!ACTIVE.has(ramp.status)) continue;
        await stepRamp(ramp, { rollouts, outcomes, now });
      }
    },
  };

  async function stepRamp(
    ramp: RampRecord,
    input: { rollouts: RunningRollout[]; outcomes: CheckOutcome[]; now: Date },
  ) {
    const at = input.now.toISOString();
    const isRunning = input.rollouts.some(
      (r) => r.flagKey === ramp.flagKey && r.environment === ramp.environment,
    );
    if (!isRunning) {
      await transition(ramp, {
        status: 'stopped',
        changedAt: at,
        actor: RAMP_ACTOR,
        reason: 'the rollout is no longer running (killed or disabled)',
      });
      return;
    }
    const checks = input.outcomes
      .filter(
        (o) => o.rollout.flagKey === ramp.flagKey && o.rollout.environment === ramp.environment,
      )
      .map((o) => ({
        state: o.decision.state,
        nControl: o.decision.evidence.nPerArm.control,
        nTreatment: o.decision.evidence.nPerArm.treatment,
      }));
    const step = planRampStep(ramp, checks, input.now);
    if (step.kind === 'hold') {
      if (ramp.status !== 'held')
        await transition(ramp, {
          status: 'held',
          changedAt: at,
          actor: RAMP_ACTOR,
          reason: step.reason,
        });
      return;
    }
    if (step.kind === 'wait') {
      if (ramp.status === 'held')
        await transition(ramp, {
          status: 'running',
          changedAt: at,
          actor: RAMP_ACTOR,
          reason: step.reason,
        });
      return;
    }
    await setCoverage(
      ramp.flagKey,
      ramp.environment,
      step.coveragePercent,
      `ramp stage ${step.stageIndex + 1}/${ramp.stages.length}: ${step.coveragePercent}%`,
    );
    await transition(ramp, {
      status: step.completes ? 'completed' : 'running',
      stageIndex: step.stageIndex,
      stageStartedAt: at,
      changedAt: at,
      actor: RAMP_ACTOR,
      reason: `advanced to ${step.coveragePercent}%`,
    });
  }
}

/** The flag with its environment's fallthrough rollout at `percent` coverage. */
export function withCoverage(flag: Flag, environment: string, percent: number): Flag {
  const state = flag.environments[environment];
  if (state === undefined) {
    throw createError(
      'TRIPWIRE_ERR_NOT_FOUND',
      `flag "${flag.key}" has no environment "${environment}"`,
      { pointer: '/environment' },
    );
  }
  if (!('rollout' in state.fallthrough)) {
    throw createError(
      'TRIPWIRE_ERR_CONFLICT',
      `flag "${flag.key}" in ${environment}: the fallthrough serves one variant; a ramp needs a percentage rollout`,
    );
  }
  const rollout = { ...state.fallthrough.rollout, coverage: Math.round(percent * 100) };
  return {
    ...flag,
    environments: { ...flag.environments, [environment]: { ...state, fallthrough: { rollout } } },
  };
}
