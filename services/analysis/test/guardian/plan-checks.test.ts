import { describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import type { GuardrailState } from '@tripwire/stats';
import type { DecisionRecord } from '../../src/guardian/decision-repository.js';
import type { CheckOutcome, RunningRollout } from '../../src/guardian/guardian-types.js';
import {
  planChecks,
  planPendingKills,
  shouldStepRamps,
  stateKey,
  type GuardrailStates,
} from '../../src/guardian/plan-checks.js';

const rollout: RunningRollout = {
  flagKey: 'checkout',
  environment: 'production',
  flagVersion: 3,
  control: 'control',
  treatments: ['a', 'b'],
  guardrails: [],
  usesDefaultGuardrails: false,
};

function guardrail(id: string, action: Guardrail['action']): Guardrail {
  return {
    id,
    metric: 'error_rate',
    direction: 'lower_is_better',
    margin: 0.1,
    alpha: 0.05,
    minSample: 10,
    action,
  };
}

function outcome(g: Guardrail, state: GuardrailState, variant = 'a'): CheckOutcome {
  const arm = { mean: 0, variance: 0, units: 100 };
  return {
    checkId: `${g.id}-${variant}`,
    checkedAt: new Date(0),
    rollout,
    guardrail: g,
    variant,
    decision: {
      state,
      evidence: {
        estimate: 0,
        interval: [0, 0],
        scale: 'relative',
        nPerArm: { control: 100, treatment: 100 },
        test: 'asymptotic-confidence-sequence',
        alpha: 0.05,
        margin: 0.1,
        control: arm,
        treatment: arm,
      },
    },
    facts: { arms: new Map(), exemplarTraceIds: new Map(), query: '' },
  };
}

const kinds = (plan: ReturnType<typeof planChecks>) =>
  plan.steps.map((step) => `${step.kind}:${step.outcome.checkId}`);

describe('planChecks', () => {
  const kill = guardrail('errors', 'kill');
  const latency = guardrail('latency', 'kill');
  const alert = guardrail('notify', 'alert');
  const pause = guardrail('hold', 'pause');

  it('kills on the first breach of a kill guardrail and only records the later breaches of that pass', () => {
    const plan = planChecks({
      outcomes: [
        outcome(kill, 'breached'),
        outcome(latency, 'breached'),
        outcome(kill, 'breached', 'b'),
      ],
      states: new Map(),
      trigger: 'interval',
    });
    expect(kinds(plan)).toEqual(['kill:errors-a', 'record:latency-a', 'record:errors-b']);
  });

  it('kills again on the next pass when the breach persists (the kill itself is idempotent)', () => {
    const first = planChecks({
      outcomes: [outcome(kill, 'breached')],
      states: new Map(),
      trigger: 'interval',
    });
    const second = planChecks({
      outcomes: [outcome(kill, 'breached')],
      states: first.states,
      trigger: 'telemetry',
    });
    expect(kinds(second)).toEqual(['kill:errors-a']);
  });

  it('alerts and pauses on the transition into breached only, and again after a recovery', () => {
    const trigger = 'interval' as const;
    let states: GuardrailStates = new Map();
    const looks: GuardrailState[] = ['healthy', 'breached', 'breached', 'healthy', 'breached'];
    const seen: string[][] = [];
    for (const state of looks) {
      const plan = planChecks({
        outcomes: [outcome(alert, state), outcome(pause, state)],
        states,
        trigger,
      });
      seen.push(plan.steps.map((step) => step.kind));
      states = plan.states;
    }
    expect(seen).toEqual([
      ['record', 'record'],
      ['alert', 'pause'],
      ['record', 'record'],
      ['record', 'record'],
      ['alert', 'pause'],
    ]);
  });

  it('lets a pause or alert breach come before the kill of the same pass', () => {
    const plan = planChecks({
      outcomes: [outcome(alert, 'breached'), outcome(kill, 'breached'), outcome(pause, 'breached')],
      states: new Map(),
      trigger: 'interval',
    });
    expect(kinds(plan)).toEqual(['alert:notify-a', 'kill:errors-a', 'record:hold-a']);
  });

  it('records only state changes on early re-checks and every check on regular passes', () => {
    const states = new Map([[stateKey(outcome(kill, 'healthy')), 'healthy' as const]]);
    const outcomes = [outcome(kill, 'healthy'), outcome(kill, 'collecting', 'b')];
    expect(kinds(planChecks({ outcomes, states, trigger: 'telemetry' }))).toEqual([
      'record:errors-b',
    ]);
    expect(kinds(planChecks({ outcomes, states, trigger: 'interval' }))).toEqual([
      'record:errors-a',
      'record:errors-b',
    ]);
  });

  it('never kills on no_traffic, collecting or inconclusive outcomes', () => {
    const outcomes = (['no_traffic', 'collecting', 'inconclusive'] as const).map((state, i) =>
      outcome(guardrail(`g${i}`, 'kill'), state),
    );
    const plan = planChecks({ outcomes, states: new Map(), trigger: 'interval' });
    expect(plan.steps.every((step) => step.kind === 'record')).toBe(true);
  });

  it('returns the next states without changing the prior ones', () => {
    const prior: GuardrailStates = new Map();
    const plan = planChecks({
      outcomes: [outcome(kill, 'breached')],
      states: prior,
      trigger: 'interval',
    });
    expect(prior.size).toBe(0);
    expect([...plan.states.values()]).toEqual(['breached']);
  });
});

describe('planPendingKills and shouldStepRamps', () => {
  it('finishes a pending kill only while its rollout still runs', () => {
    const breach = (flagKey: string) => ({ flagKey, environment: 'production' }) as DecisionRecord;
    const steps = planPendingKills([breach('checkout'), breach('gone')], [rollout]);
    expect(steps.map((step) => [step.breach.flagKey, step.isRunning])).toEqual([
      ['checkout', true],
      ['gone', false],
    ]);
  });

  it('steps ramps on regular passes only', () => {
    expect(shouldStepRamps('interval')).toBe(true);
    expect(shouldStepRamps('telemetry')).toBe(false);
  });
});
