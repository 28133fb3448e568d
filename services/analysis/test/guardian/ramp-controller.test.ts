import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import type { GuardrailDecision } from '@tripwire/stats';
import { findRunningRollouts } from '../../src/guardian/running-rollouts.js';
import type { CheckOutcome, RunningRollout } from '../../src/guardian/guardian-types.js';
import { createRampController } from '../../src/guardian/ramp-controller.js';
import { createRampRepository } from '../../src/guardian/ramp-repository.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import {
  createMemoryFlags,
  errorRateFacts,
  makeFlag,
  openTestStorage,
} from './guardian-fixtures.js';

let client: ClickHouseClient;
let ramps: ReturnType<typeof createRampRepository>;
let closeStorage: () => Promise<void>;

beforeAll(async () => {
  const storage = await openTestStorage();
  client = storage.client;
  closeStorage = storage.close;
  ramps = createRampRepository(client, storage.tables);
});
afterAll(async () => closeStorage());

function outcome(
  rollout: RunningRollout,
  state: GuardrailDecision['state'],
  units: number,
): CheckOutcome {
  const guardrail = rollout.guardrails[0] as Guardrail;
  const arm = { mean: 0.1, variance: 0.001, units };
  return {
    checkId: 'c',
    checkedAt: new Date(),
    rollout,
    guardrail,
    variant: 'treatment',
    decision: {
      state,
      evidence: {
        estimate: 0,
        interval: [-0.1, 0.05],
        scale: 'relative',
        nPerArm: { control: units, treatment: units },
        test: 'asymptotic-confidence-sequence',
        alpha: 0.05,
        margin: 0.1,
        control: arm,
        treatment: arm,
      },
    },
    facts: errorRateFacts({}),
  };
}

describe('ramp controller', () => {
  it('starts at 1%, holds while inconclusive, advances when healthy for long enough, stops on kill', async () => {
    const flags = createMemoryFlags([makeFlag('ramped')]);
    const controller = createRampController(flags, ramps);
    const t0 = new Date('2026-01-01T00:00:00.000Z');
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    await controller.start({
      flagKey: 'ramped',
      environment: 'production',
      stages: [1, 5, 100],
      minUnits: 10,
      minStageSeconds: 60,
      actor: 'test',
      now: t0,
    });
    const coverage = async () => {
      const flag = await flags.get('ramped');
      const serve = flag!.environments.production!.fallthrough;
      return 'rollout' in serve ? serve.rollout.coverage : undefined;
    };
    expect(await coverage()).toBe(100);
    const rollouts = () => flags.list().then(findRunningRollouts);

    let [rollout] = await rollouts();
    await controller.onTick({
      rollouts: [rollout!],
      outcomes: [outcome(rollout!, 'inconclusive', 50)],
      now: at(120),
    });
    expect((await controller.current('ramped', 'production'))?.status).toBe('held');
    expect(await coverage()).toBe(100);

    await controller.onTick({
      rollouts: [rollout!],
      outcomes: [outcome(rollout!, 'healthy', 50)],
      now: at(180),
    });
    expect(await controller.current('ramped', 'production')).toMatchObject({
      status: 'running',
      stageIndex: 1,
    });
    expect(await coverage()).toBe(500);

    [rollout] = await rollouts();
    await controller.onTick({
      rollouts: [rollout!],
      outcomes: [outcome(rollout!, 'healthy', 50)],
      now: at(200),
    });
    expect(await controller.current('ramped', 'production')).toMatchObject({ stageIndex: 1 });

    await flags.kill('ramped', { environment: 'production', actor: 'guardian', reason: 'test' });
    await controller.onTick({ rollouts: await rollouts(), outcomes: [], now: at(300) });
    expect((await controller.current('ramped', 'production'))?.status).toBe('stopped');
    const states = (await ramps.listForFlag('ramped')).map((r) => r.status);
    expect(states).toEqual(['running', 'held', 'running', 'stopped']);
  });

  it('refuses a second active ramp and a fallthrough that serves one variant', async () => {
    const single = makeFlag('single');
    single.environments.production!.fallthrough = { variant: 'control' };
    const flags = createMemoryFlags([makeFlag('twice'), single]);
    const controller = createRampController(flags, ramps);
    const input = {
      environment: 'production',
      stages: [10, 100],
      minUnits: 1,
      minStageSeconds: 0,
      actor: 't',
      now: new Date(),
    };
    await controller.start({ ...input, flagKey: 'twice' });
    await expect(controller.start({ ...input, flagKey: 'twice' })).rejects.toMatchObject({
      code: 'TRIPWIRE_ERR_CONFLICT',
    });
    await expect(controller.start({ ...input, flagKey: 'single' })).rejects.toMatchObject({
      code: 'TRIPWIRE_ERR_CONFLICT',
    });
  });
});
