import { describe, expect, it } from 'vitest';
import type { RatioStats } from '@tripwire/stats';
import { checkRollout } from '../../src/guardian/check-rollout.js';
import { toDecisionRecord } from '../../src/guardian/decision-record.js';
import { evaluateGuardrail } from '../../src/guardian/evaluate-guardrail.js';
import { findRunningRollouts } from '../../src/guardian/running-rollouts.js';
import { errorRateFacts, makeFlag } from './guardian-fixtures.js';

const healthyArm: RatioStats = {
  kind: 'ratio',
  units: 400,
  sumNumerator: 40,
  sumDenominator: 4000,
  sumNumeratorSquares: 60,
  sumDenominatorSquares: 40_000,
  sumCrossProducts: 400,
};

describe('checkRollout', () => {
  it('records impossible statistics as an invalid_data decision with the error, never a breach', async () => {
    const [rollout] = findRunningRollouts([makeFlag('checkout')]);
    if (rollout === undefined) throw new Error('no rollout');
    // Σy² = 1 < (Σy)²/n = 4: no real data produce this; the old clamp made it look precise.
    const impossible = { ...healthyArm, sumNumerator: 40, sumNumeratorSquares: 1 };
    const errors: unknown[] = [];
    const outcomes = await checkRollout(
      rollout,
      {
        fetchFacts: () =>
          Promise.resolve(errorRateFacts({ control: healthyArm, treatment: impossible })),
        decide: (input) => evaluateGuardrail(input),
      },
      {
        now: () => new Date('2026-12-01T00:00:00Z'),
        newId: () => 'check-1',
        onError: (_, error) => errors.push(error),
      },
    );
    expect(outcomes.length).toBe(rollout.guardrails.length);
    const outcome = outcomes.find((o) => o.guardrail.metric === 'error_rate');
    expect(outcome?.decision.state).toBe('invalid_data');
    expect(outcome?.detail).toMatch(/impossible_moments.*treatment\.sumNumeratorSquares = 1/);
    expect(errors.length).toBeGreaterThan(0);
    const record = toDecisionRecord(outcome!, { actionTaken: 'none', breachId: '' });
    expect(record.state).toBe('invalid_data');
    expect(record.detail).toMatch(/data fault/);
  });
});
