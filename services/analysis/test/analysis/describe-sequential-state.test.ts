import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARDRAIL_TARGET_UNITS,
  confidenceSequence,
  normalQuantile,
} from '@tripwire/stats';
import { describeSequentialState } from '../../src/analysis/describe-sequential-state.js';

const interval = (estimate: number, se: number, units: number) =>
  confidenceSequence({
    estimate,
    variance: se * se,
    units,
    alpha: 0.05,
    targetUnits: DEFAULT_GUARDRAIL_TARGET_UNITS,
  }).interval;

describe('sequential state of a comparison', () => {
  it('is decided when the always-valid interval excludes zero, with nothing more needed', () => {
    const state = describeSequentialState({
      scale: 'relative',
      estimate: 0.5,
      standardError: 0.05,
      alwaysValidInterval: interval(0.5, 0.05, 2000),
      units: 2000,
      alpha: 0.05,
    });
    expect(state).toMatchObject({ state: 'decided', additionalUnits: 0, power: 0.8 });
  });

  it('keeps running and states the units after which the current estimate would be detected', () => {
    const [estimate, se, units] = [0.02, 0.03, 1000];
    const state = describeSequentialState({
      scale: 'relative',
      estimate,
      standardError: se,
      alwaysValidInterval: interval(estimate, se, units),
      units,
      alpha: 0.05,
    })!;
    expect(state.state).toBe('keep_running');
    const total = units + state.additionalUnits!;
    // At that many units the estimate clears radius + z_0.8 · se(N); 1% fewer units do not.
    const check = (n: number) => {
      const seN = se * Math.sqrt(units / n);
      const radius = estimate - interval(estimate, seN, n)[0];
      return radius + normalQuantile(0.8) * seN <= estimate;
    };
    expect(check(total)).toBe(true);
    expect(check(Math.floor(total * 0.99))).toBe(false);
    expect(state.minimumDetectableEffect).toBeGreaterThan(estimate);
  });

  it('says nothing can be stated without a standard error, and no target for a zero estimate', () => {
    const base = { scale: 'absolute' as const, units: 100, alpha: 0.05 };
    expect(
      describeSequentialState({
        ...base,
        estimate: 0.1,
        standardError: null,
        alwaysValidInterval: [null, null],
      }),
    ).toBeUndefined();
    const zero = describeSequentialState({
      ...base,
      estimate: 0,
      standardError: 0.1,
      alwaysValidInterval: interval(0, 0.1, 100),
    });
    expect(zero).toMatchObject({ state: 'keep_running', additionalUnits: null });
  });
});
